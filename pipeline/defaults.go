package pipeline

import (
	"fmt"
	"time"

	"github.com/deepdream-go/deepdream/dream"
	"github.com/deepdream-go/deepdream/pipeline/media"
)

// DefaultSeed is the seed of the default settings (and of the command
// line's --seed).
const DefaultSeed = 1

// DefaultBlendMix is VideoOptions.Blend's default with CoherenceBlend:
// without motion compensation a strong carry smears.
const DefaultBlendMix = 0.5

// checkRate refuses a rate that is set (not zero) but not a positive rate
// up to 1000 frames per second.
func checkRate(what string, r media.Rational) error {
	if r != (media.Rational{}) && (!r.Valid() || r.Float64() > 1000) {
		return fmt.Errorf("%s %v is not a positive rate up to 1000", what, r)
	}
	return nil
}

// DefaultVideoOptions returns the settings of a default `deepdream video`
// run, so that a library caller dreams like the command line. Input,
// Output and Dream.Objective (which comes from the model) are left for the
// caller to set.
func DefaultVideoOptions() VideoOptions {
	p := dream.DefaultParams()
	p.Seed = DefaultSeed
	return VideoOptions{
		EncodeOptions:     DefaultEncodeOptions(),
		Dream:             p,
		FrameDreamOptions: DefaultFrameDreamOptions(),
		CoherenceOptions:  DefaultCoherenceOptions(),
		SegmentFrames:     DefaultSegmentFrames,
	}
}

// DefaultZoomOptions returns the settings of a default `deepdream zoom`
// run: 10 seconds of 640x360 at 30 fps, the first frame dreamed with the
// classic settings and every third frame a keyframe dreamed with 2 octaves
// of 2 steps. Output and the objectives (which come from the model) are
// left for the caller to set.
func DefaultZoomOptions() ZoomOptions {
	first := dream.DefaultParams()
	first.Seed = DefaultSeed
	key := first
	key.Octaves, key.Steps = 2, 2
	rate := media.Rational{Num: 30, Den: 1}
	return ZoomOptions{
		Width: 640, Height: 360,
		Frames: 10 * rate.Num / rate.Den, FrameRate: rate,
		ZoomMotion: DefaultZoomMotion(),
		First:      first, Dream: key,
		EncodeOptions: DefaultEncodeOptions(),
		LayerFade:     2 * time.Second,
		SegmentFrames: DefaultSegmentFrames,
	}
}
