package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"time"

	"github.com/deepdream-go/deepdream/dream"
	"github.com/deepdream-go/deepdream/models"
	"github.com/deepdream-go/deepdream/pipeline/media"
)

// ZoomOptions configure RunZoom.
//
// How a zoom is made: the canvas (seeded noise or a photo, Supersample times
// the output size) is dreamed once with First. Every KeyframeEvery frames a
// keyframe is made by warping the previous keyframe by the zoom and rotation
// accumulated since it (one windowed-sinc warp) and dreaming it with Dream. A
// frame between keyframes K and K' is keyframe K warped by the motion since
// K, cross-faded towards K' warped back to the same moment, so new dream
// detail fades in instead of popping. Frames are area-averaged from the
// canvas down to the output size. The network runs only on keyframes, at the
// output size (the dreamed change is enlarged onto the canvas with Lanczos-3).
type ZoomOptions struct {
	// Output is the file or PNG folder to write (see media.FormatFromPath).
	Output string
	// Force replaces an existing output and discards an old checkpoint.
	Force bool
	// Resume continues an interrupted run of the same job.
	Resume bool
	// From is a picture to start from (cropped to fill the frame); "" starts
	// from noise seeded by Dream.Seed.
	From string
	// Width and Height are the output size.
	Width, Height int
	// Frames is the number of output frames; FrameRate their rate.
	Frames    int
	FrameRate media.Rational
	// ZoomMotion is the camera: zoom, rotation, centre, keyframe interval
	// and canvas size.
	ZoomMotion
	// First dreams the first frame, Dream every later keyframe. Steps 0
	// means that frame (or the keyframes) is not dreamed at all: a plain zoom.
	First, Dream dream.Params
	// Layers, when not empty, replaces Dream's (and First's) objective by
	// a schedule; each change cross-fades over LayerFade (0: a hard switch).
	Layers    []TimedObjective
	LayerFade time.Duration
	// Change, when not nil, changes First and Dream over time (read at
	// each keyframe's time): what React makes of a soundtrack.
	Change *DreamChange
	// Audio, when not nil, is muxed into a video output (see
	// media.EncodeOptions.Audio), cut to the animation's length.
	Audio *media.AudioSource
	// Loop makes the last frame flow into the first: the zoom is rendered
	// past its end, and over its last M = LoopFrames frames (0: a quarter of
	// Frames) the picture the output starts with grows out of the point
	// zoomed into and takes over the frame, dreamed as it goes, so the last
	// frame steps into the first like any other step and no two layers of
	// structures show at once (see zoom_loop.go). Matching the tail to the
	// head by an exact power of the zoom cannot work: after a few seconds
	// the dream has replaced the content entirely.
	Loop       bool
	LoopFrames int
	// EncodeOptions tune the encoder.
	EncodeOptions
	// MaxBytes, for GIF output, is the largest file wanted: the GIF is
	// encoded again from the checkpointed frames with a lower frame rate,
	// width or palette until it fits (0: no limit).
	MaxBytes int64
	// SegmentFrames is the number of frames per encoded segment when a
	// plain zoom (no loop) goes to a video container (0:
	// DefaultSegmentFrames); finished segments replace their frame images
	// in the checkpoint.
	SegmentFrames int
	// ModelID identifies the network, so a checkpoint is never resumed with
	// another model.
	ModelID string
	// Progress is called after every rendered frame.
	Progress func(JobProgress)
	// Logger receives debug output such as ffmpeg command lines; nil: none.
	Logger *slog.Logger
}

// ZoomResult summarises a finished zoom.
type ZoomResult struct {
	Frames        int // frames in the output
	Rendered      int // frames rendered (Frames plus the loop's extra frames)
	Resumed       int // frames taken from the checkpoint
	Keyframes     int // keyframes dreamed by this run
	Width, Height int
	FrameRate     media.Rational
	Wall          time.Duration
	// Dream, Warp and Encode are the time spent in the network, in
	// resampling and in the final encode(s).
	Dream, Warp, Encode time.Duration
	Output              string
	Bytes               int64
	// Fit says how a GIF was shrunk to MaxBytes ("" when it was not).
	Fit string
}

// DefaultSupersample is the canvas size over the output size used when
// ZoomOptions.Supersample is 0: the output band then sits where the warp
// kernel is flat (see warpRadius).
const DefaultSupersample = 2

// DefaultZoom is the magnification per second used when ZoomOptions.Zoom
// is empty: structures double in size about every 4.3 seconds.
const DefaultZoom = 1.175

func (o *ZoomOptions) loopFrames() int {
	if !o.Loop {
		return 0
	}
	if o.LoopFrames > 0 {
		return o.LoopFrames
	}
	return max(o.Frames/4, 1)
}

func (o *ZoomOptions) validate() error {
	if o.Output == "" {
		return errors.New("output is required")
	}
	if o.Width < 16 || o.Height < 16 || o.Width > 8192 || o.Height > 8192 {
		return fmt.Errorf("size %dx%d is outside 16..8192", o.Width, o.Height)
	}
	if o.Frames < 1 {
		return fmt.Errorf("frames = %d, want at least 1", o.Frames)
	}
	if !o.FrameRate.Valid() || o.FrameRate.Float64() > 1000 {
		return fmt.Errorf("frame rate %v is not a positive rate up to 1000", o.FrameRate)
	}
	if err := o.ZoomMotion.validate(); err != nil {
		return err
	}
	if o.Loop && (o.Frames < 2 || o.LoopFrames < 0 || o.LoopFrames >= o.Frames) {
		return fmt.Errorf("a loop needs at least 2 frames and fewer loop frames (%d) than frames (%d)", o.LoopFrames, o.Frames)
	}
	if o.Loop && o.KeyframeEvery > o.Frames-o.loopFrames() {
		return fmt.Errorf("a loop of %d frames, %d of them converging onto the start, needs a keyframe at least every %d frames, not every %d; lower the keyframe interval or the loop frames",
			o.Frames, o.loopFrames(), o.Frames-o.loopFrames(), o.KeyframeEvery)
	}
	if o.LayerFade < 0 {
		return fmt.Errorf("layer fade %v is negative", o.LayerFade)
	}
	if err := o.Change.validate(); err != nil {
		return err
	}
	for i, p := range []*dream.Params{&o.First, &o.Dream} {
		if p.Steps < 0 {
			return fmt.Errorf("steps = %d, want 0 (no dreaming) or more", p.Steps)
		}
		q := *p
		q.Steps = max(q.Steps, 1)
		if len(o.Layers) > 0 {
			q.Objective = o.Layers[0].Objective
		}
		if err := q.Validate(); err != nil {
			if i == 0 {
				return fmt.Errorf("first frame: %w", err)
			}
			return err
		}
	}
	if err := o.EncodeOptions.validate(); err != nil {
		return err
	}
	if o.MaxBytes < 0 {
		return fmt.Errorf("max bytes %d is negative", o.MaxBytes)
	}
	if o.MaxBytes > 0 {
		if f, err := media.FormatFromPath(o.Output); err == nil && f != media.FormatGIF {
			return fmt.Errorf("a size limit (MaxBytes) applies to GIF output only, not %s", f)
		}
	}
	return nil
}

// zoomHashSkip lists the ZoomOptions fields that do not shape the frames,
// so they are left out of the checkpoint hash. The starting picture is
// identified by its fingerprint instead of its name.
var zoomHashSkip = map[string]bool{
	"Output": true, "Force": true, "Resume": true, "From": true,
	"CRF": true, "GIFWidth": true, "GIFFrameRate": true, "MaxBytes": true,
	"Progress": true, "Logger": true, "Audio": true,
}

// RunZoom renders an infinite-zoom animation (see ZoomOptions) and writes it
// in the output's format. Every rendered frame is checkpointed. A plain zoom
// into a video container is encoded in segments as it renders (finished
// segments replace their frames in the checkpoint); loops, GIFs and PNG
// folders are encoded from the checkpoint at the end. The output appears
// only when complete.
// When it stops early with frames done, the error is an *InterruptedError
// and running again with Resume continues to the same result.
func RunZoom(ctx context.Context, net dream.Network, opt ZoomOptions) (*ZoomResult, error) {
	clock := newStageClock()
	if err := opt.validate(); err != nil {
		return nil, err
	}
	if mw, mh := net.MinSize(); opt.Width < mw || opt.Height < mh {
		return nil, fmt.Errorf("size %dx%d is smaller than the model's minimum %dx%d", opt.Width, opt.Height, mw, mh)
	}
	if err := media.CheckFrameSize("zoom frames", opt.Width, opt.Height); err != nil {
		return nil, err
	}
	cw, ch := int(math.Round(float64(opt.Width)*opt.Supersample)), int(math.Round(float64(opt.Height)*opt.Supersample))
	if err := checkMemory(fmt.Sprintf("a %dx%d zoom on a %dx%d canvas", opt.Width, opt.Height, cw, ch), ZoomMemory(opt.Width, opt.Height, cw, ch, opt.Dream), "a smaller size, supersampling factor or tile"); err != nil {
		return nil, err
	}
	if opt.From != "" {
		st, err := os.Stat(opt.From)
		if err != nil {
			return nil, fmt.Errorf("starting picture: %w", err)
		}
		if st.IsDir() {
			return nil, fmt.Errorf("starting picture %s is a folder, not a picture", opt.From)
		}
	}
	r := &zoomRun{opt: &opt, net: net, clock: clock}
	r.setup()
	// A plain zoom into a video container is encoded in segments as it
	// renders, so the checkpoint of a long zoom stays small; a loop needs
	// its first frames again at the end, and a GIF needs them all.
	segmentFrames := opt.SegmentFrames
	if opt.Loop {
		segmentFrames = -1
	}
	spec := jobSpec{
		Input: opt.From, Output: opt.Output, Force: opt.Force, Resume: opt.Resume,
		SegmentFrames: segmentFrames, Progress: opt.Progress,
	}
	j, fit, err := runJob(ctx, spec, r, clock, errNoFrames)
	if err != nil {
		return nil, err
	}
	st := clock.times()
	res := &ZoomResult{
		Frames: opt.Frames, Rendered: r.total, Resumed: j.resumed, Keyframes: r.keyframes,
		Width: opt.Width, Height: opt.Height, FrameRate: opt.FrameRate.Reduce(),
		Wall: time.Since(clock.start), Dream: st.Dream, Warp: st.Warp, Encode: st.Encode,
		Output: j.out.final, Fit: fit,
	}
	if st, err := os.Stat(j.out.final); err == nil && !st.IsDir() {
		res.Bytes = st.Size()
	}
	return res, nil
}

// prepare reads the starting picture (before any checkpoint exists, so a
// bad one leaves nothing behind) and hashes the job.
func (r *zoomRun) prepare(context.Context) (jobFrames, error) {
	extra := map[string]any{}
	if r.opt.From != "" {
		var err error
		if r.from, err = r.fromCanvas(r.opt.From); err != nil {
			return jobFrames{}, err
		}
		if extra["From"], err = inputFingerprint(r.opt.From); err != nil {
			return jobFrames{}, fmt.Errorf("starting picture: %w", err)
		}
	}
	// The defaults validate filled in, and the loop's length, are part of
	// what shapes the frames.
	extra["LoopFrames"] = r.opt.loopFrames()
	// Frames changed without an option changing: keyframes dreamed with
	// mirroring, uncovered corners filled, loops converged (issue 18).
	extra["ZoomMethod"] = 2
	hash, err := optionsHash("zoom", r.opt, zoomHashSkip, extra)
	if err != nil {
		return jobFrames{}, err
	}
	o := r.opt
	return jobFrames{
		Width: o.Width, Height: o.Height, Total: r.total, CheckpointHash: hash,
		Encode: r.encodeOptions(),
	}, nil
}

// brokenInput: the starting picture was read whole in prepare.
func (r *zoomRun) brokenInput(error) bool { return false }

// produce renders the frames the checkpoint lacks.
func (r *zoomRun) produce(ctx context.Context, j *job, emit func(int, []byte) error) error {
	r.cp = j.cp
	r.resumed = j.resumed
	return r.render(ctx, emit)
}

// zoomRun is the state of one RunZoom call.
type zoomRun struct {
	opt    *ZoomOptions
	net    dream.Network
	cp     *checkpoint
	cw, ch int     // canvas size
	cx, cy float64 // zoom centre on the canvas
	total  int     // frames to render
	// outStart is the first rendered frame that is output (0 but for a
	// loop, see setupLoop).
	outStart int
	// logZ[f] and angle[f] are the accumulated log-magnification and
	// rotation from frame 0 to frame f.
	logZ, angle []float64
	from        *models.Image // the starting picture on the canvas, if any

	resumed, keyframes int
	clock              *stageClock
}

func (r *zoomRun) setup() {
	o := r.opt
	r.cw = int(math.Round(float64(o.Width) * o.Supersample))
	r.ch = int(math.Round(float64(o.Height) * o.Supersample))
	r.cx, r.cy = o.CenterX*float64(r.cw), o.CenterY*float64(r.ch)
	r.setupLoop()
	// Motion up to the keyframe after the last frame (the cross-fade of the
	// last frames looks ahead to it).
	n := r.total + o.KeyframeEvery + 1
	r.logZ, r.angle = make([]float64, n), make([]float64, n)
	fps := o.FrameRate.Float64()
	for i := 1; i < n; i++ {
		t := r.frameTime(i - 1)
		r.logZ[i] = r.logZ[i-1] + math.Log(o.Zoom.At(t))/fps
		r.angle[i] = r.angle[i-1] + o.Rotate.At(t)/fps
	}
}

// frameTime is the time of frame i.
func (r *zoomRun) frameTime(i int) time.Duration {
	return time.Duration(math.Round(float64(i) / r.opt.FrameRate.Float64() * float64(time.Second)))
}

// motion is the view that shows frame b from the canvas of frame a.
func (r *zoomRun) motion(a, b int) view {
	return view{Scale: math.Exp(r.logZ[b] - r.logZ[a]), Angle: r.angle[b] - r.angle[a], CX: r.cx, CY: r.cy}
}
