package pipeline

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/deepdream-go/deepdream/dream"
	"github.com/deepdream-go/deepdream/models"
	"github.com/deepdream-go/deepdream/pipeline/audio"
	"github.com/deepdream-go/deepdream/pipeline/media"
	"github.com/deepdream-go/deepdream/pipeline/react"
)

// Audio-reactive jobs: the soundtrack is decoded (media), measured into
// per-frame envelopes (audio), and a mapping (react) turns them into the
// same schedules the @time flags give, one key per frame. The zoom and the
// video loop only see schedules.
//
// Length rule: the envelopes are measured for exactly the frames of the
// job. A track longer than the job is cut at the job's end (its remainder
// is neither analysed nor muxed); a track shorter than the job drives the
// frames it covers and leaves the rest at their base values, the output's
// sound ending where the track ends. With a zoom, the job's length follows
// the track unless --frames or --seconds is given.

// ErrNoSound is wrapped by AnalyzeSound's error when the file has no audio.
var ErrNoSound = errors.New("no sound to react to")

// SoundOptions select what AnalyzeSound measures.
type SoundOptions struct {
	// Start is where the job's first frame sits in the track.
	Start time.Duration
	// Frames is the number of frames of the job at FrameRate; 0: as many
	// as the track spans after Start.
	Frames    int
	FrameRate media.Rational
	// Beats computes the beat grid even when no rule of the mapping uses it.
	Beats bool
	// Stream is the absolute index of the audio stream; -1: the first.
	Stream int
	// FFmpegPath and FFprobePath are the binaries ("" looks them up).
	FFmpegPath, FFprobePath string
}

// AnalyzeSound decodes the sound of the file at path and measures its
// envelopes for the mapping m (its attack and release) over the frames
// opts asks for. A file without sound fails with an error wrapping
// ErrNoSound (and media.ErrNoAudio).
func AnalyzeSound(ctx context.Context, path string, m *react.Mapping, opts SoundOptions) (*audio.Envelopes, error) {
	if !opts.FrameRate.Valid() {
		return nil, fmt.Errorf("react: frame rate %s is not valid", opts.FrameRate)
	}
	fps := opts.FrameRate.Float64()
	ao := m.AnalysisOptions(fps, opts.Frames)
	ao.Beats = ao.Beats || opts.Beats
	po := media.PCMOptions{Start: opts.Start, Stream: opts.Stream, FFmpegPath: opts.FFmpegPath, FFprobePath: opts.FFprobePath}
	span := time.Duration(0)
	if opts.Frames > 0 {
		span = time.Duration(opts.FrameRate.FrameDuration(opts.Frames) * float64(time.Second))
		po.Duration = span + 100*time.Millisecond // a window more, cut below
	}
	pcm, rate, err := media.DecodePCM(ctx, path, po)
	if err != nil {
		if errors.Is(err, media.ErrNoAudio) {
			return nil, fmt.Errorf("%w: %w", ErrNoSound, err)
		}
		return nil, err
	}
	if span > 0 {
		pcm = pcm[:min(len(pcm), int(math.Round(span.Seconds()*float64(rate))))]
	}
	return audio.Analyze(ctx, pcm, rate, ao)
}

// FrameSchedule returns a schedule with one key per frame at rate fps:
// values[i] at the time of frame i.
func FrameSchedule(values []float64, fps media.Rational) Schedule {
	s := make(Schedule, len(values))
	for i, v := range values {
		s[i] = Key{At: frameAt(i, fps), Value: v}
	}
	return s
}

// frameAt is the time of frame i at rate fps, rounded to the nanosecond
// as the zoom's frame clock rounds it.
func frameAt(i int, fps media.Rational) time.Duration {
	return time.Duration(math.Round(float64(i) / fps.Float64() * float64(time.Second)))
}

// LayerMix cross-fades a second objective into a job's objective by a share
// that changes over time: at share 0 the job dreams its own objective, at 1
// only Objective, in between a weighted sum of both objectives' terms.
type LayerMix struct {
	Objective models.Objective
	Share     Schedule
}

// apply returns obj mixed with m's objective at time t.
func (m *LayerMix) apply(obj models.Objective, t time.Duration) models.Objective {
	if m == nil {
		return obj
	}
	u := min(max(m.Share.At(t), 0), 1)
	return mixObjectives(obj, m.Objective, u)
}

// mixObjectives returns (1-u)·a + u·b as one objective (terms with weight 0
// are left out, so u = 0 and u = 1 give a and b).
func mixObjectives(a, b models.Objective, u float64) models.Objective {
	var out models.Objective
	add := func(terms []models.Term, f float64) {
		if f == 0 {
			return
		}
		for _, term := range terms {
			if term.Weight == 0 { // 0 means 1 in models.Term
				term.Weight = 1
			}
			term.Weight *= f
			out.Terms = append(out.Terms, term)
		}
	}
	add(a.Terms, 1-u)
	add(b.Terms, u)
	return out
}

// DreamChange changes the dream's parameters over time: the step size
// (when StepSize is not empty) and the objective (a LayerMix cross-fades a
// second one in). A zoom reads it at every keyframe, a video at every frame.
type DreamChange struct {
	StepSize Schedule
	Mix      *LayerMix
}

// At returns p as it is at time t; a nil DreamChange leaves p as is.
func (c *DreamChange) At(p dream.Params, t time.Duration) dream.Params {
	if c == nil {
		return p
	}
	if len(c.StepSize) > 0 {
		p.StepSize = c.StepSize.At(t)
	}
	p.Objective = c.Mix.apply(p.Objective, t)
	return p
}

func (c *DreamChange) validate() error {
	if c == nil {
		return nil
	}
	for _, k := range c.StepSize {
		if !(k.Value > 0 && k.Value <= 255) {
			return fmt.Errorf("step size %g is outside (0, 255]", k.Value)
		}
	}
	return nil
}

// Reaction is what a mapping makes of a track for one job: per-frame
// schedules that replace the job's zoom and rotation (nil when the mapping
// does not drive them), and the change of the dream (nil when it drives
// neither the step size nor a layer mix).
type Reaction struct {
	Zoom, Rotate Schedule
	Dream        *DreamChange
}

// ReactionBase is what the mapping adds to: the job's own schedules and
// step size. An empty Zoom means DefaultZoom, an empty Rotate no turning.
type ReactionBase struct {
	Zoom, Rotate Schedule
	StepSize     float64
}

// React applies mapping m to the envelopes of a job at rate fps. layers,
// when not empty, lists the model's layers to check a layer rule against.
func React(m *react.Mapping, env *audio.Envelopes, fps media.Rational, base ReactionBase, layers []dream.LayerInfo) (*Reaction, error) {
	if len(base.Zoom) == 0 {
		base.Zoom = Constant(DefaultZoom)
	}
	r := &Reaction{}
	var step Schedule
	for _, p := range []struct {
		param string
		base  func(int) float64
		dst   *Schedule
	}{
		{react.Zoom, func(i int) float64 { return base.Zoom.At(frameAt(i, fps)) }, &r.Zoom},
		{react.Rotate, func(i int) float64 { return base.Rotate.At(frameAt(i, fps)) }, &r.Rotate},
		{react.Step, func(int) float64 { return base.StepSize }, &step},
	} {
		if !m.Drives(p.param) {
			continue
		}
		v, err := m.Curve(p.param, p.base, env)
		if err != nil {
			return nil, err
		}
		*p.dst = FrameSchedule(v, fps)
	}
	if spec, share, ok := m.LayerMix(env); ok {
		obj, err := dream.ParseObjective(strings.ReplaceAll(spec, "+", ","), layers)
		if err != nil {
			return nil, fmt.Errorf("react: layer=%s: %w", spec, err)
		}
		r.Dream = &DreamChange{Mix: &LayerMix{Objective: obj, Share: FrameSchedule(share, fps)}}
	}
	if step != nil {
		if r.Dream == nil {
			r.Dream = &DreamChange{}
		}
		r.Dream.StepSize = step
	}
	return r, nil
}

// clipChange measures the sound of a clip for the span a video job decodes
// (src, from the decoder: the clip's first audio stream, cut where the
// frames are) over frames frames at rate (0 frames: as long as the sound
// lasts), and maps it onto the dream with m; baseStep is the step size the
// mapping adds to. A clip without sound is an error wrapping ErrNoSound.
func clipChange(ctx context.Context, m *react.Mapping, layers []dream.LayerInfo, input string, src *media.AudioSource, rate media.Rational, frames int, baseStep float64) (*DreamChange, error) {
	m, err := m.For(react.Step, react.Layer)
	if err != nil {
		return nil, err
	}
	if src == nil || len(src.Streams) == 0 {
		return nil, fmt.Errorf("react: %s: %w (the clip has no audio stream)", input, ErrNoSound)
	}
	env, err := AnalyzeSound(ctx, input, m, SoundOptions{Start: src.Start, Frames: max(frames, 0), FrameRate: rate, Stream: src.Streams[0].Index})
	if err != nil {
		return nil, fmt.Errorf("react: %w", err)
	}
	r, err := React(m, env, rate, ReactionBase{StepSize: baseStep}, layers)
	if err != nil {
		return nil, err
	}
	return r.Dream, nil
}
