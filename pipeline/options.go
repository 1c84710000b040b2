package pipeline

import (
	"fmt"
	"log/slog"
	"math"

	"github.com/deepdream-go/deepdream/flow"
	"github.com/deepdream-go/deepdream/pipeline/media"
	"github.com/deepdream-go/deepdream/pipeline/scenecut"
)

// The option structs below each hold one concern of a job. VideoOptions
// and ZoomOptions embed them, so their fields read as the job's own
// (opt.CRF, opt.Refresh); each has a Default… function and a validate
// method that holds that concern's checks. The checkpoint hash names an
// embedded struct's fields as the job's own ("CRF", not
// "EncodeOptions.CRF"; see flattenFields).

// EncodeOptions tune the encoder (see media.EncodeOptions). They do not
// shape the frames, so they are not part of the checkpoint hash.
type EncodeOptions struct {
	// CRF is the video quality, lower is better, 0..63 (0: 18 for H.264,
	// 32 for VP9).
	CRF int
	// GIFWidth is the GIF's width, aspect kept (0: the frame width).
	GIFWidth int
	// GIFFrameRate is the GIF's frame rate (zero: the frames' rate).
	GIFFrameRate media.Rational
}

// media returns these settings as the encoder takes them, for frames at
// rate; the caller adds what comes from the job (size, format, audio).
func (e EncodeOptions) media(rate media.Rational, logger *slog.Logger) media.EncodeOptions {
	return media.EncodeOptions{FrameRate: rate, CRF: e.CRF, GIFWidth: e.GIFWidth, GIFFrameRate: e.GIFFrameRate, Logger: logger}
}

// DefaultEncodeOptions returns the encoder settings of a default run: the
// codec's own quality and the frames' width and rate.
func DefaultEncodeOptions() EncodeOptions {
	return EncodeOptions{}
}

func (o *EncodeOptions) validate() error {
	if o.CRF < 0 || o.CRF > 63 {
		return fmt.Errorf("quality (CRF) %d is outside 0..63", o.CRF)
	}
	if o.GIFWidth < 0 {
		return fmt.Errorf("GIF width %d is negative", o.GIFWidth)
	}
	return checkRate("GIF frame rate", o.GIFFrameRate)
}

// CoherenceOptions decide how a clip's dream is carried from frame to
// frame and where it restarts.
type CoherenceOptions struct {
	// Coherence is CoherenceFlow (default), CoherenceBlend or CoherenceNone.
	Coherence string
	// Blend scales the carried hallucination (flow) or the share of the
	// previous dreamed frame (blend), 0..1.
	Blend float64
	// Refresh is the share of a later frame's new dreaming kept where the
	// carried dream is trusted (CoherenceFlow), 0..1. Where the flow
	// failed (occlusions, motion boundaries, new content) all of it is
	// kept, so new content is dreamed at full strength while tracked
	// structures change little from frame to frame.
	Refresh float64
	// Keep is how much of the carried dream survives, per frame, where the
	// flow is not trusted (0 drops it at once, as Ruder et al. do for
	// style transfer). Noisy footage flags many pixels falsely, so a
	// gentle fade keeps the dream alive there.
	Keep float64
	// MotionCheck decides where the flow is trusted (CoherenceFlow):
	// MotionCheckMatch (the default, "" selects it) or MotionCheckBackward.
	MotionCheck string
	// MatchTolerance is how far, in grey levels (0..255, the mean over the
	// channels), a pixel may differ from the previous source frame
	// followed along the flow and still be trusted (MotionCheckMatch); 0
	// selects the default, 6. Grainy footage may need more.
	MatchTolerance float64
	// Flow tunes the optical flow (zero value: flow.Medium()).
	Flow flow.Options
	// Cuts tunes the scene-cut detector (zero value: its defaults). At a
	// hard cut or at the end of a fade through black the new shot is
	// dreamed as a first frame: nothing is carried from the old shot.
	// NoCuts turns the detection off.
	Cuts   scenecut.Options
	NoCuts bool
}

// DefaultCoherenceOptions returns the coherence settings of a default
// `deepdream video` run.
func DefaultCoherenceOptions() CoherenceOptions {
	return CoherenceOptions{
		Coherence: CoherenceFlow,
		Blend:     0.98,
		// With unjittered later frames the kept share adds up: at 0.05 the
		// dream of chaplin.mp4 grew to 1.4× a single-frame dream's excess
		// gain, at 0.025 flower.mp4 faded to 0.8×; 0.035 holds both.
		Refresh: 0.035,
		Keep:    0.8,
		// The match check with 6 grey levels dreamed chaplin, bbb and
		// flower (640 px, 40 frames) as steadily as the backward check
		// (the same E_warp ratios) and as strongly or more (bbb 1.90 ->
		// 2.00), with half the flow work; 8 to 12 were no steadier.
		MotionCheck:    MotionCheckMatch,
		MatchTolerance: defaultMatchTolerance,
		Flow:           flow.Medium(),
	}
}

// defaultMatchTolerance is CoherenceOptions.MatchTolerance's default.
const defaultMatchTolerance = 6

// validate checks the settings and sets an empty Coherence, MotionCheck and
// MatchTolerance to their defaults.
func (o *CoherenceOptions) validate() error {
	switch o.Coherence {
	case "":
		o.Coherence = CoherenceFlow
	case CoherenceFlow, CoherenceBlend, CoherenceNone:
	default:
		return fmt.Errorf("coherence %q is not one of flow, blend, none", o.Coherence)
	}
	if !(o.Blend >= 0 && o.Blend <= 1) {
		return fmt.Errorf("blend %v is outside 0..1", o.Blend)
	}
	if !(o.Keep >= 0 && o.Keep <= 1) {
		return fmt.Errorf("keep %v is outside 0..1", o.Keep)
	}
	if !(o.Refresh >= 0 && o.Refresh <= 1) {
		return fmt.Errorf("refresh %v is outside 0..1", o.Refresh)
	}
	switch o.MotionCheck {
	case "":
		o.MotionCheck = MotionCheckMatch
	case MotionCheckMatch, MotionCheckBackward:
	default:
		return fmt.Errorf("motion check %q is not one of match, backward", o.MotionCheck)
	}
	if o.MatchTolerance == 0 {
		o.MatchTolerance = defaultMatchTolerance
	}
	if !(o.MatchTolerance > 0 && o.MatchTolerance <= 255) {
		return fmt.Errorf("match tolerance %v is outside 0..255 grey levels", o.MatchTolerance)
	}
	if math.IsNaN(o.Cuts.Threshold) || math.IsInf(o.Cuts.Threshold, 0) || o.Cuts.Threshold < 0 {
		return fmt.Errorf("scene-cut threshold %v is not a positive number", o.Cuts.Threshold)
	}
	return nil
}

// FrameDreamOptions dream a clip's frames after the first (and after each
// scene cut), which start from the carried dream: FrameSteps steps per
// octave (0: none, the carried dream is the frame) over FrameOctaves
// octaves (0: VideoOptions.Dream's; never more than Dream's) with
// FrameStepSize (0: Dream's) and a jitter of at most FrameJitter pixels (0:
// none; CoherenceBlend uses Dream's jitter).
//
// Later frames dream the two finest octaves by default: the carried dream
// already holds the coarse structure, and the smaller octaves cost time
// without helping. On 40 frames at 640 px (seed 1), 2 octaves instead of 4
// gave E_warp ratio 1.38 and strength 1.79 on chaplin.mp4 (4: 1.47, 1.76)
// and 1.14 and 2.03 on bbb.mp4 (4: 1.17, 2.01), in 60-75% of the time; one
// octave was steadier still but weaker (1.66 and 1.98).
//
// Later frames are not jittered by default: the few steps of a frame then
// push in the direction the previous frame's steps pushed (the gradient
// depends on the picture alone), so the kept share (Refresh) adds up to a
// full-strength dream. With jitter each step sees another shift of the
// network's stride grid, the shares partly cancel, and on chaplin.mp4 the
// dream faded to about half of a single-frame dream.
type FrameDreamOptions struct {
	FrameSteps    int
	FrameOctaves  int
	FrameStepSize float64
	FrameJitter   int
}

// DefaultFrameDreamOptions returns the later-frame settings of a default
// `deepdream video` run: 2 unjittered steps per octave on the 2 finest
// octaves.
func DefaultFrameDreamOptions() FrameDreamOptions {
	return FrameDreamOptions{
		FrameSteps:   2,
		FrameOctaves: 2,
		FrameJitter:  0, // see FrameDreamOptions: unjittered later frames hold the strength
	}
}

func (o *FrameDreamOptions) validate() error {
	if o.FrameSteps < 0 || o.FrameOctaves < 0 || !(o.FrameStepSize >= 0) || o.FrameJitter < 0 {
		return fmt.Errorf("frame steps, octaves, step size and jitter must not be negative")
	}
	if o.FrameOctaves > 32 {
		return fmt.Errorf("frame octaves = %d, want 0..32", o.FrameOctaves)
	}
	return nil
}

// ZoomMotion is the camera of a zoom: how fast it zooms and turns, into
// which point, how often a keyframe is dreamed and how large the canvas is.
type ZoomMotion struct {
	// Zoom is the magnification per second, 1 (none) to 10, and Rotate the
	// rotation in degrees per second (counter-clockwise), both possibly
	// changing over time (empty: DefaultZoom and no rotation). Where the
	// motion uncovers the frame (the corners a rotation turns in), each
	// keyframe gets fresh noise over the picture's blurred colours and
	// dreams structures into it (see fillUncovered). Zooming out is
	// refused: the border it uncovers at every keyframe is a thin strip,
	// and dreamed strip after strip it grows rows and columns of orbs
	// parallel to the edges.
	Zoom, Rotate Schedule
	// CenterX and CenterY place the point zoomed into, 0..1 across the frame.
	CenterX, CenterY float64
	// KeyframeEvery is the number of frames per dreamed keyframe (1: every frame).
	KeyframeEvery int
	// Supersample is the canvas size over the output size, 1..4 (0: DefaultSupersample).
	Supersample float64
}

// DefaultZoomMotion returns the motion of a default `deepdream zoom` run:
// DefaultZoom per second into the centre, no rotation, a keyframe every
// third frame on a DefaultSupersample canvas.
func DefaultZoomMotion() ZoomMotion {
	return ZoomMotion{
		Zoom: Constant(DefaultZoom), Rotate: Constant(0),
		CenterX: 0.5, CenterY: 0.5,
		KeyframeEvery: 3,
		Supersample:   DefaultSupersample,
	}
}

// validate checks the motion and fills in an empty Zoom, Rotate and
// Supersample with their defaults.
func (o *ZoomMotion) validate() error {
	if len(o.Zoom) == 0 {
		o.Zoom = Constant(DefaultZoom)
	}
	if len(o.Rotate) == 0 {
		o.Rotate = Constant(0)
	}
	for _, k := range o.Zoom {
		if !(k.Value >= 1 && k.Value <= 10) {
			return fmt.Errorf("zoom %g per second is outside 1..10: zooming out is not supported (its new borders grow rows of orbs)", k.Value)
		}
	}
	for _, k := range o.Rotate {
		if !(math.Abs(k.Value) <= 3600) {
			return fmt.Errorf("rotation %g degrees per second is outside -3600..3600", k.Value)
		}
	}
	if !(o.CenterX >= 0 && o.CenterX <= 1 && o.CenterY >= 0 && o.CenterY <= 1) {
		return fmt.Errorf("centre %g,%g is outside 0..1", o.CenterX, o.CenterY)
	}
	if o.KeyframeEvery < 1 {
		return fmt.Errorf("keyframe every %d frames, want at least 1", o.KeyframeEvery)
	}
	if o.Supersample == 0 {
		o.Supersample = DefaultSupersample
	}
	if !(o.Supersample >= 1 && o.Supersample <= 4) {
		return fmt.Errorf("supersample %g is outside 1..4", o.Supersample)
	}
	return nil
}
