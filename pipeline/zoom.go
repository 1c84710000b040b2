package pipeline

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/deepdream-go/deepdream/dream"
	"github.com/deepdream-go/deepdream/models"
	"github.com/deepdream-go/deepdream/pipeline/imageio"
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
	// Zoom is the magnification per second (> 1 zooms in, < 1 out) and
	// Rotate the rotation in degrees per second (counter-clockwise), both
	// possibly changing over time.
	Zoom, Rotate Schedule
	// CenterX and CenterY place the point zoomed into, 0..1 across the frame.
	CenterX, CenterY float64
	// KeyframeEvery is the number of frames per dreamed keyframe (1: every frame).
	KeyframeEvery int
	// Supersample is the canvas size over the output size, 1..4 (0: DefaultSupersample).
	Supersample float64
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
	// Loop makes the last frame flow into the first. M = LoopFrames extra
	// frames (0: a quarter of Frames) are rendered past the end, and output
	// frame i < M is rendered frame i cross-faded with rendered frame
	// Frames+i, the head's weight rising from 1/(M+1) to M/(M+1) (see
	// loopBlend, which keeps the contrast through the fade). So output frame
	// 0 is mostly frame Frames, the natural successor of the last output
	// frame Frames-1, and frame M-1 is mostly frame M-1, the natural
	// predecessor of frame M. Both sequences move with the same zoom and
	// rotation (when the speeds are constant), so the dissolve moves with
	// the picture and the seam looks like any other frame step. Matching
	// the tail to the head by an exact power of the zoom cannot work here:
	// after a few seconds the dream has replaced the content entirely.
	Loop       bool
	LoopFrames int
	// CRF, GIFWidth and GIFFrameRate tune the encoder (see media.EncodeOptions).
	CRF          int
	GIFWidth     int
	GIFFrameRate media.Rational
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
	Progress func(VideoProgress)
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
	if len(o.Zoom) == 0 {
		o.Zoom = Constant(DefaultZoom)
	}
	if len(o.Rotate) == 0 {
		o.Rotate = Constant(0)
	}
	for _, k := range o.Zoom {
		if !(k.Value >= 0.1 && k.Value <= 10) {
			return fmt.Errorf("zoom %g per second is outside 0.1..10", k.Value)
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
	if o.Loop && (o.Frames < 2 || o.LoopFrames < 0 || o.LoopFrames >= o.Frames) {
		return fmt.Errorf("a loop needs at least 2 frames and fewer loop frames (%d) than frames (%d)", o.LoopFrames, o.Frames)
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
	if o.MaxBytes < 0 {
		return fmt.Errorf("max bytes %d is negative", o.MaxBytes)
	}
	if o.MaxBytes > 0 {
		if f, err := media.FormatFromPath(o.Output); err == nil && f != media.FormatGIF {
			return fmt.Errorf("a size limit (--max-bytes) applies to GIF output only, not %s", f)
		}
	}
	return nil
}

// zoomKey identifies everything that decides the rendered frames, so that a
// checkpoint is only resumed by the same job. Encoder settings are left out:
// the frames do not depend on them.
func zoomKey(o *ZoomOptions, from os.FileInfo) (string, error) {
	var src struct {
		Path    string
		Size    int64
		ModTime time.Time
	}
	if from != nil {
		src.Path, _ = filepath.Abs(o.From)
		src.Size, src.ModTime = from.Size(), from.ModTime()
	}
	blob, err := json.Marshal(struct {
		Kind                string
		Version             int
		From                any
		W, H, Frames, Loop  int
		Rate                string
		Zoom, Rotate        Schedule
		CX, CY, Supersample float64
		Every               int
		First, Dream        dream.Params
		Layers              []TimedObjective
		Fade                time.Duration
		Model               string
		Segments            int
		Change              *DreamChange
	}{"zoom", 1, src, o.Width, o.Height, o.Frames, o.loopFrames(), o.FrameRate.Reduce().String(),
		o.Zoom, o.Rotate, o.CenterX, o.CenterY, o.Supersample, o.KeyframeEvery,
		o.First, o.Dream, o.Layers, o.LayerFade, o.ModelID, o.SegmentFrames, o.Change})
	if err != nil {
		return "", err
	}
	s := sha256.Sum256(blob)
	return hex.EncodeToString(s[:]), nil
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
	start := time.Now()
	if err := opt.validate(); err != nil {
		return nil, err
	}
	if mw, mh := net.MinSize(); opt.Width < mw || opt.Height < mh {
		return nil, fmt.Errorf("size %dx%d is smaller than the model's minimum %dx%d", opt.Width, opt.Height, mw, mh)
	}
	var fromStat os.FileInfo
	if opt.From != "" {
		st, err := os.Stat(opt.From)
		if err != nil {
			return nil, fmt.Errorf("--from: %w", err)
		}
		if st.IsDir() {
			return nil, fmt.Errorf("--from %s is a folder, not a picture", opt.From)
		}
		fromStat = st
	}
	out, err := prepareJobOutput(opt.From, opt.Output, opt.Force, opt.Resume)
	if err != nil {
		return nil, err
	}
	r := &zoomRun{opt: &opt, net: net, start: start}
	r.setup()
	if opt.From != "" {
		// Read the picture before any checkpoint exists, so a bad one
		// leaves nothing behind.
		if r.from, err = r.fromCanvas(opt.From); err != nil {
			return nil, err
		}
	}
	key, err := zoomKey(&opt, fromStat)
	if err != nil {
		return nil, err
	}
	// A plain zoom into a video container is encoded in segments as it
	// renders, so the checkpoint of a long zoom stays small; a loop needs
	// its first frames again at the end, and a GIF needs them all.
	segmentFrames := 0
	if _, err := media.SegmentFormat(out.format); err == nil && !opt.Loop {
		segmentFrames = opt.SegmentFrames
		if segmentFrames <= 0 {
			segmentFrames = DefaultSegmentFrames
		}
	}
	cp, err := openCheckpoint(out.final, key, opt.Width, opt.Height, segmentFrames, opt.Resume, opt.Force)
	if err != nil {
		return nil, err
	}
	r.cp = cp
	r.resumed = min(cp.state.Done, r.total)
	succeeded := false
	defer func() {
		if !succeeded {
			if r.sink != nil {
				r.sink.abort()
			}
			out.discard()
		}
	}()
	if segmentFrames > 0 {
		if r.sink, err = newSink(ctx, cp, out, r.encodeOptions(out), segmentFrames); err != nil {
			return nil, err
		}
		if err := r.resumeSink(); err != nil {
			return nil, err
		}
	}
	if err := r.render(ctx); err != nil {
		if cp.state.Done > 0 {
			return nil, &InterruptedError{Done: cp.state.Done, WorkDir: cp.dir, Err: err}
		}
		_ = cp.remove()
		return nil, err
	}
	t := time.Now()
	var fit string
	if r.sink != nil {
		err = r.sink.finish(ctx)
	} else {
		fit, err = r.encode(ctx, out)
	}
	r.encodeTime += time.Since(t)
	if err != nil {
		return nil, &InterruptedError{Done: cp.state.Done, WorkDir: cp.dir, Err: err}
	}
	if err := out.commit(); err != nil {
		return nil, &InterruptedError{Done: cp.state.Done, WorkDir: cp.dir, Err: err}
	}
	succeeded = true
	_ = cp.remove()
	res := &ZoomResult{
		Frames: opt.Frames, Rendered: r.total, Resumed: r.resumed, Keyframes: r.keyframes,
		Width: opt.Width, Height: opt.Height, FrameRate: opt.FrameRate.Reduce(),
		Wall: time.Since(start), Dream: r.dreamTime, Warp: r.warpTime, Encode: r.encodeTime,
		Output: out.final, Fit: fit,
	}
	if st, err := os.Stat(out.final); err == nil && !st.IsDir() {
		res.Bytes = st.Size()
	}
	return res, nil
}

// zoomRun is the state of one RunZoom call.
type zoomRun struct {
	opt    *ZoomOptions
	net    dream.Network
	cp     *checkpoint
	start  time.Time
	cw, ch int     // canvas size
	cx, cy float64 // zoom centre on the canvas
	total  int     // frames to render
	// logZ[f] and angle[f] are the accumulated log-magnification and
	// rotation from frame 0 to frame f.
	logZ, angle []float64
	from        *models.Image // the starting picture on the canvas, if any

	resumed, keyframes              int
	dreamTime, warpTime, encodeTime time.Duration
	// sink, when set, encodes frames as they are rendered (segments).
	sink frameSink
}

// resumeSink hands the sink the checkpointed frames it does not hold yet:
// those of the unfinished segment.
func (r *zoomRun) resumeSink() error {
	rgb := make([]byte, r.opt.Width*r.opt.Height*3)
	for i := min(r.cp.state.Segments*r.cp.segmentFrames, r.resumed); i < r.resumed; i++ {
		if err := r.cp.loadFrame(i, rgb); err != nil {
			return err
		}
		if err := r.sink.write(i, rgb); err != nil {
			return err
		}
	}
	return nil
}

func (r *zoomRun) setup() {
	o := r.opt
	r.cw = int(math.Round(float64(o.Width) * o.Supersample))
	r.ch = int(math.Round(float64(o.Height) * o.Supersample))
	r.cx, r.cy = o.CenterX*float64(r.cw), o.CenterY*float64(r.ch)
	r.total = o.Frames + o.loopFrames()
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

// noiseCanvas is the default start: mid grey with seeded uniform noise at
// the output size, enlarged to the canvas.
func (r *zoomRun) noiseCanvas() *models.Image {
	rng := rand.New(rand.NewPCG(r.opt.First.Seed, 0x7a6f6f6d))
	img := models.NewImage(r.opt.Width, r.opt.Height)
	for i := range img.Pix {
		img.Pix[i] = float32(108 + 40*rng.Float64())
	}
	return r.toCanvas(img)
}

func (r *zoomRun) toCanvas(img *models.Image) *models.Image {
	if img.Width != r.cw || img.Height != r.ch {
		img = dream.Resize(img, r.cw, r.ch)
	}
	clampImage(img)
	return img
}

// fromCanvas reads a picture and crops it to fill the canvas.
func (r *zoomRun) fromCanvas(path string) (*models.Image, error) {
	pic, err := imageio.Read(path)
	if err != nil {
		return nil, fmt.Errorf("--from: %w", err)
	}
	src := pic.Image
	s := max(float64(r.cw)/float64(src.Width), float64(r.ch)/float64(src.Height))
	w := max(r.cw, int(math.Round(float64(src.Width)*s)))
	h := max(r.ch, int(math.Round(float64(src.Height)*s)))
	big := dream.Resize(src, w, h)
	out := models.NewImage(r.cw, r.ch)
	x0, y0 := (w-r.cw)/2, (h-r.ch)/2
	for y := 0; y < r.ch; y++ {
		copy(out.Pix[3*y*r.cw:3*(y+1)*r.cw], big.Pix[3*((y+y0)*w+x0):])
	}
	clampImage(out)
	return out, nil
}

// dreamKey dreams keyframe K of the canvas: the canvas is area-averaged to
// the output size, dreamed there, and the change the dream made is enlarged
// back onto the canvas, so the network cost does not grow with Supersample
// and the canvas keeps its own fine detail.
func (r *zoomRun) dreamKey(ctx context.Context, canvas *models.Image, K int, p dream.Params) (*models.Image, error) {
	if p.Steps == 0 {
		return canvas, nil
	}
	t := time.Now()
	defer func() { r.dreamTime += time.Since(t) }()
	if len(r.opt.Layers) > 0 {
		p.Objective = objectiveAt(r.opt.Layers, r.opt.LayerFade, r.frameTime(K))
	}
	p = r.opt.Change.At(p, r.frameTime(K))
	// A new jitter sequence for every keyframe, fixed by the seed.
	p.Seed += uint64(K) * 0x9e3779b97f4a7c15
	small := canvas
	if r.cw != r.opt.Width || r.ch != r.opt.Height {
		small = dream.Resize(canvas, r.opt.Width, r.opt.Height)
	}
	d, err := dream.Dream(ctx, r.net, small, p, nil)
	if err != nil {
		return nil, fmt.Errorf("keyframe at frame %d: %w", K, err)
	}
	r.keyframes++
	if small == canvas {
		return d, nil
	}
	for i := range d.Pix {
		d.Pix[i] -= small.Pix[i]
	}
	up := dream.Resize(d, r.cw, r.ch)
	out := models.NewImage(r.cw, r.ch)
	for i, v := range canvas.Pix {
		out.Pix[i] = min(max(v+up.Pix[i], 0), 255)
	}
	return out, nil
}

func (r *zoomRun) canvasPath(K int) string {
	return filepath.Join(r.cp.dir, "canvas_"+strconv.Itoa(1000000 + K)[1:]+".f32")
}

// saveCanvas stores keyframe K bit-exactly, so a resumed run continues from
// the very same canvas.
func (r *zoomRun) saveCanvas(K int, c *models.Image) error {
	err := writeFileAtomic(r.canvasPath(K), func(f *os.File) error {
		bw := bufio.NewWriterSize(f, 1<<16)
		if err := binary.Write(bw, binary.LittleEndian, c.Pix); err != nil {
			return err
		}
		return bw.Flush()
	})
	if err != nil {
		return fmt.Errorf("checkpoint: keyframe %d: %w", K, err)
	}
	return nil
}

// loadCanvas reads keyframe K; ok is false when it was not saved.
func (r *zoomRun) loadCanvas(K int) (c *models.Image, ok bool, err error) {
	f, err := os.Open(r.canvasPath(K))
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("checkpoint: %w", err)
	}
	defer f.Close()
	c = models.NewImage(r.cw, r.ch)
	if err := binary.Read(bufio.NewReaderSize(f, 1<<16), binary.LittleEndian, c.Pix); err != nil {
		return nil, false, fmt.Errorf("checkpoint: keyframe %d: %w", K, err)
	}
	if n, _ := f.Read(make([]byte, 1)); n != 0 {
		return nil, false, fmt.Errorf("checkpoint: keyframe %d has the wrong size", K)
	}
	return c, true, nil
}

// render makes the frames the checkpoint does not hold yet.
func (r *zoomRun) render(ctx context.Context) error {
	k, T := r.opt.KeyframeEvery, r.total
	done := r.cp.state.Done
	if done >= T {
		return nil
	}
	K := done / k * k
	var key *models.Image
	if done == 0 {
		key = r.from
		if key == nil {
			key = r.noiseCanvas()
		}
		p := r.opt.First
		var err error
		if key, err = r.dreamKey(ctx, key, 0, p); err != nil {
			return err
		}
		if err := r.saveCanvas(0, key); err != nil {
			return err
		}
	} else {
		var ok bool
		var err error
		if key, ok, err = r.loadCanvas(K); err != nil {
			return err
		} else if !ok {
			return &ResumeError{fmt.Sprintf("checkpoint %s lacks keyframe %d; run without --resume and with --force to start over", r.cp.dir, K)}
		}
	}
	rgb := make([]byte, r.opt.Width*r.opt.Height*3)
	for ; K < T; K += k {
		var next *models.Image
		if K+1 < T {
			var ok bool
			var err error
			if next, ok, err = r.loadCanvas(K + k); err != nil {
				return err
			}
			if !ok {
				t := time.Now()
				next = warpImage(key, r.motion(K, K+k), nil, 0)
				clampImage(next)
				r.warpTime += time.Since(t)
				if next, err = r.dreamKey(ctx, next, K+k, r.opt.Dream); err != nil {
					return err
				}
				if err := r.saveCanvas(K+k, next); err != nil {
					return err
				}
			}
		}
		for f := max(K, done); f < min(K+k, T); f++ {
			if err := ctx.Err(); err != nil {
				return err
			}
			t := time.Now()
			r.frame(f, K, key, next, rgb)
			r.warpTime += time.Since(t)
			if err := r.cp.saveFrame(f, rgb); err != nil {
				return err
			}
			if r.sink != nil {
				t := time.Now()
				if err := r.sink.write(f, rgb); err != nil {
					return err
				}
				r.encodeTime += time.Since(t)
			}
			if (f+1)%k == 0 && f+1-k >= 0 {
				// Keyframe f+1-k is no longer needed to resume.
				_ = os.Remove(r.canvasPath(f + 1 - k))
			}
			if r.opt.Progress != nil {
				r.opt.Progress(VideoProgress{Done: f + 1, Total: T, Resumed: r.resumed, Elapsed: time.Since(r.start),
					Stages: StageTimes{Dream: r.dreamTime}})
			}
		}
		key = next
	}
	return nil
}

// frame renders frame f from keyframe K (and the next keyframe, if any) as
// rgb24 at the output size.
func (r *zoomRun) frame(f, K int, key, next *models.Image, rgb []byte) {
	img := key
	if f > K {
		img = warpImage(key, r.motion(K, f), nil, 0)
		if next != nil {
			cover := make([]float32, r.cw*r.ch)
			ahead := r.motion(f, K+r.opt.KeyframeEvery)
			back := view{Scale: 1 / ahead.Scale, Angle: -ahead.Angle, CX: r.cx, CY: r.cy}
			b := warpImage(next, back, cover, 4*r.opt.Supersample)
			t := float32(f-K) / float32(r.opt.KeyframeEvery)
			for p, c := range cover {
				wb := t * c
				for i := 3 * p; i < 3*p+3; i++ {
					img.Pix[i] += wb * (b.Pix[i] - img.Pix[i])
				}
			}
		}
	}
	if r.cw != r.opt.Width || r.ch != r.opt.Height {
		img = dream.Resize(img, r.opt.Width, r.opt.Height)
	}
	imageio.ToRGB24(img, rgb)
}

// outputFrame fills rgb with output frame i: the rendered frame, or for the
// head of a loop the rendered frame cross-faded with its tail twin.
func (r *zoomRun) outputFrame(i int, rgb, tail []byte) error {
	if err := r.cp.loadFrame(i, rgb); err != nil {
		return err
	}
	m := r.opt.loopFrames()
	if i >= m {
		return nil
	}
	if err := r.cp.loadFrame(r.opt.Frames+i, tail); err != nil {
		return err
	}
	loopBlend(rgb, tail, float64(i+1)/float64(m+1))
	return nil
}

// loopBlend writes a·head + (1-a)·tail into head, with the contrast kept:
// two unrelated pictures mixed half and half have only 1/√2 of their
// contrast, which makes the middle of a plain cross-fade look washed out.
// The mix is scaled about its mean (per channel) by 1/√(a² + (1-a)²), which
// restores the contrast of uncorrelated inputs and is the identity at
// a = 0 and a = 1, so the fade still starts and ends on the pure frames.
func loopBlend(head, tail []byte, a float64) {
	var mean [3]float64
	mix := make([]float64, len(head))
	for j := range head {
		mix[j] = a*float64(head[j]) + (1-a)*float64(tail[j])
		mean[j%3] += mix[j]
	}
	n := float64(len(head) / 3)
	for c := range mean {
		mean[c] /= n
	}
	gain := 1 / math.Sqrt(a*a+(1-a)*(1-a))
	for j, v := range mix {
		m := mean[j%3]
		head[j] = byte(math.Round(min(max(m+(v-m)*gain, 0), 255)))
	}
}

// gifAttempt is one set of GIF settings tried to meet MaxBytes.
type gifAttempt struct {
	fps, width, colours int
	dither              string // paletteuse dither mode; "" is media's default
}

func (g gifAttempt) String() string {
	s := fmt.Sprintf("%d fps, %d px wide, %d colours", g.fps, g.width, g.colours)
	if g.dither != "" {
		s += ", " + g.dither + " dithering"
	}
	return s
}

// encode writes the output from the checkpointed frames, and for GIFs with
// a size limit, encodes again with smaller settings until it fits.
// encodeOptions are the encoder settings of the output.
func (r *zoomRun) encodeOptions(out *output) media.EncodeOptions {
	o := r.opt
	return media.EncodeOptions{
		Format: out.format, Width: o.Width, Height: o.Height, FrameRate: o.FrameRate.Reduce(),
		CRF: o.CRF, GIFWidth: o.GIFWidth, GIFFrameRate: o.GIFFrameRate, Logger: o.Logger,
		Audio: o.audio(),
	}
}

// audio is the sound to mux: Audio cut to the animation's length.
func (o *ZoomOptions) audio() *media.AudioSource {
	if o.Audio == nil {
		return nil
	}
	a := *o.Audio
	if d := time.Duration(o.FrameRate.FrameDuration(o.Frames) * float64(time.Second)); a.Duration == 0 || d < a.Duration {
		a.Duration = d
	}
	return &a
}

func (r *zoomRun) encode(ctx context.Context, out *output) (string, error) {
	o := r.opt
	eo := r.encodeOptions(out)
	if out.format != media.FormatGIF || o.MaxBytes <= 0 {
		return "", r.encodeOnce(ctx, out.temp, eo)
	}
	g := gifAttempt{fps: int(math.Round(min(o.FrameRate.Float64(), 50))), width: o.Width, colours: 256}
	if o.GIFFrameRate.Valid() {
		g.fps = max(1, int(math.Round(o.GIFFrameRate.Float64())))
	}
	if o.GIFWidth > 0 {
		g.width = o.GIFWidth
	}
	var tried []string
	for attempt := 0; ; attempt++ {
		eo.GIFFrameRate = media.Rational{Num: g.fps, Den: 1}
		eo.GIFWidth = g.width
		eo.GIFColors = g.colours
		eo.GIFDither = g.dither
		_ = os.Remove(out.temp)
		if err := r.encodeOnce(ctx, out.temp, eo); err != nil {
			return "", err
		}
		st, err := os.Stat(out.temp)
		if err != nil {
			return "", fmt.Errorf("encode: %w", err)
		}
		size := st.Size()
		if o.Logger != nil {
			o.Logger.Debug("gif attempt", "settings", g.String(), "bytes", size)
		}
		if size <= o.MaxBytes {
			if attempt == 0 {
				return "", nil
			}
			return fmt.Sprintf("over the limit of %s at %s; wrote %s at %s",
				mb(o.MaxBytes), strings.Join(tried, ", then "), mb(size), g), nil
		}
		tried = append(tried, fmt.Sprintf("%s (%s)", g, mb(size)))
		ratio := float64(size) / float64(o.MaxBytes)
		ng, ok := shrinkGIF(g, ratio)
		if !ok || attempt >= 8 {
			return "", fmt.Errorf("the GIF is %s even at %s, over the limit of %s; raise the limit or lower --gif-width, with --resume to keep the rendered frames", mb(size), g, mb(o.MaxBytes))
		}
		g = ng
	}
}

// shrinkGIF picks the next, smaller GIF settings for a file ratio times
// too big: first the frame rate down to 15, then the width down to 320,
// then ordered (Bayer) dithering, which compresses far better than error
// diffusion on dream textures, then the palette down to 64 colours, then
// 10 fps and 160 px.
func shrinkGIF(g gifAttempt, ratio float64) (gifAttempt, bool) {
	// Aim a little lower than the ratio says: sizes do not scale exactly.
	ratio *= 1.08
	switch {
	case g.fps > 15:
		g.fps = max(15, int(float64(g.fps)/ratio))
	case g.width > 320:
		g.width = max(320, int(float64(g.width)/math.Sqrt(ratio))) &^ 1
	case g.dither == "":
		g.dither = "bayer"
	case g.colours > 64:
		g.colours /= 2
	case g.fps > 10:
		g.fps = max(10, int(float64(g.fps)/ratio))
	case g.width > 160:
		g.width = max(160, int(float64(g.width)/math.Sqrt(ratio))) &^ 1
	default:
		return g, false
	}
	return g, true
}

func mb(n int64) string {
	return strconv.FormatFloat(float64(n)/1e6, 'f', 2, 64) + " MB"
}

func (r *zoomRun) encodeOnce(ctx context.Context, path string, eo media.EncodeOptions) error {
	enc, err := media.NewEncoder(ctx, path, eo)
	if err != nil {
		return err
	}
	ok := false
	defer func() {
		if !ok {
			enc.Abort()
			_ = enc.Close()
		}
	}()
	n := r.opt.Width * r.opt.Height * 3
	rgb, tail := make([]byte, n), make([]byte, n)
	for i := 0; i < r.opt.Frames; i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := r.outputFrame(i, rgb, tail); err != nil {
			return err
		}
		if err := enc.WriteFrame(rgb); err != nil {
			return err
		}
	}
	ok = true
	return enc.Close()
}
