package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/pprof"
	"time"

	"github.com/deepdream-go/deepdream/dream"
	"github.com/deepdream-go/deepdream/flow"
	"github.com/deepdream-go/deepdream/models"
	"github.com/deepdream-go/deepdream/pipeline/imageio"
	"github.com/deepdream-go/deepdream/pipeline/media"
	"github.com/deepdream-go/deepdream/pipeline/react"
	"github.com/deepdream-go/deepdream/pipeline/scenecut"
	"golang.org/x/sync/errgroup"
)

// Temporal coherence modes of RunVideo.
const (
	// CoherenceFlow carries the previous frame's hallucination along the
	// optical flow, faded where the flow cannot be trusted (occlusions and
	// motion boundaries).
	CoherenceFlow = "flow"
	// CoherenceBlend mixes the previous dreamed frame into the next source
	// frame without motion compensation (DeepDreamVideo's approach).
	CoherenceBlend = "blend"
	// CoherenceNone dreams every frame independently.
	CoherenceNone = "none"
)

// How CoherenceFlow decides where the flow can be trusted.
const (
	// MotionCheckMatch trusts the flow where the previous source frame,
	// followed along it, matches the current one (flow.MatchWeights): one
	// flow per frame.
	MotionCheckMatch = "match"
	// MotionCheckBackward trusts the flow where it agrees with a second
	// flow computed backwards (flow.Consistency, after Ruder et al.): twice
	// the flow work, but blind to changes of light.
	MotionCheckBackward = "backward"
)

// VideoOptions configure RunVideo.
type VideoOptions struct {
	Input, Output string
	// Force replaces an existing output and discards an old checkpoint.
	Force bool
	// Resume continues an interrupted run of the same command.
	Resume bool
	// Decode selects the part of the clip and its size and rate (Info,
	// FFmpegPath and Logger are filled in by RunVideo when empty).
	Decode media.DecodeOptions
	// EncodeOptions tune the encoder.
	EncodeOptions
	// Dream is used as is for the first frame, the first frame of every
	// new shot, and every frame with CoherenceNone. Later frames start from
	// the carried dream and are dreamed as FrameDreamOptions say.
	Dream dream.Params
	FrameDreamOptions
	// CoherenceOptions carry the dream from frame to frame and restart it
	// at scene cuts.
	CoherenceOptions
	// React, when not nil, makes the dream follow the clip's own sound
	// (its first audio stream, over the decoded span): its step= rules
	// drive the step size of every frame and a layer= rule cross-fades a
	// second objective in (see package react; zoom= and rotate= do not
	// apply to a clip). ReactLayers, when not empty, lists the model's
	// layers to check a layer= rule against.
	React       *react.Mapping
	ReactLayers []dream.LayerInfo
	// ModelID identifies the network, so a checkpoint is never resumed with
	// another model.
	ModelID string
	// MeasureStability computes the temporal stability of the frames
	// dreamed in this run (see Stability) into VideoResult.Stability. It
	// costs two extra optical flows per frame.
	MeasureStability bool
	// SegmentFrames is the number of frames per encoded segment for video
	// containers (0: DefaultSegmentFrames): finished segments replace their
	// frame images in the checkpoint, so disk use stays bounded.
	SegmentFrames int
	// Part restricts the job to one part of the clip and makes Output a
	// part folder (see PartRange); nil: the whole clip.
	Part *PartRange
	// Progress is called after every finished frame.
	Progress func(JobProgress)
	// Logger receives debug output such as ffmpeg command lines; nil: none.
	Logger *slog.Logger
}

// StageTimes is the time spent in each stage. The stages overlap: decode,
// flow and encode run in their own goroutines while the network dreams.
// Warp is the resampling of a zoom.
type StageTimes struct {
	Decode, Flow, Dream, Warp, Encode, Checkpoint time.Duration
}

// VideoResult summarises a finished job.
type VideoResult struct {
	Frames        int
	Resumed       int
	Width, Height int
	FrameRate     media.Rational
	Wall          time.Duration
	Stages        StageTimes
	Output        string
	// Resampled is true when the source's timing was not kept: a
	// variable-rate source, or a Decode.FrameRate other than the source's,
	// resampled to FrameRate (see media.Decoder.Resampled).
	Resampled bool
	// Stability is set when VideoOptions.MeasureStability is.
	Stability *Stability
	// Cuts lists the frames (0-based, in the numbering of the decoded
	// frames) where a new shot started and the dream was restarted.
	Cuts []int
}

func (o *VideoOptions) validate() error {
	if err := o.CoherenceOptions.validate(); err != nil {
		return err
	}
	if o.Decode.Start < 0 || o.Decode.Duration < 0 || o.Decode.MaxFrames < 0 || o.Decode.Width < 0 || o.Decode.Height < 0 {
		return fmt.Errorf("start, duration, frame count and size must not be negative")
	}
	if err := checkRate("frame rate", o.Decode.FrameRate); err != nil {
		return err
	}
	if err := o.EncodeOptions.validate(); err != nil {
		return err
	}
	if o.SegmentFrames < 0 {
		return fmt.Errorf("segment frames %d is negative", o.SegmentFrames)
	}
	if o.SegmentFrames == 0 {
		o.SegmentFrames = DefaultSegmentFrames
	}
	if err := o.FrameDreamOptions.validate(); err != nil {
		return err
	}
	if err := o.Dream.Validate(); err != nil {
		return err
	}
	// Later frames dream with their own octaves and step size: check them
	// now, not after the first frame.
	if err := o.frameParams().Validate(); err != nil {
		return fmt.Errorf("frames after the first: %w", err)
	}
	if o.Input == "" || o.Output == "" {
		return errors.New("input and output are required")
	}
	if o.Part != nil {
		return o.Part.validate()
	}
	return nil
}

// hash is the checkpoint hash of the job (see optionsHash).
func (o *VideoOptions) hash() (string, error) {
	input, err := inputFingerprint(o.Input)
	if err != nil {
		return "", fmt.Errorf("input: %w", err)
	}
	return optionsHash("video", *o, videoHashSkip, map[string]any{"Input": input})
}

// VideoJobKey identifies everything that decides the frames RunVideo would
// dream with opt (the input's content, the decode range and size, the
// dream and coherence parameters, the model and the part range): equal
// keys give equal frames. It is the hash a checkpoint is resumed by.
func VideoJobKey(opt VideoOptions) (string, error) {
	if err := opt.validate(); err != nil {
		return "", err
	}
	return opt.hash()
}

// frameParams are the dream parameters of a frame after the first, which
// starts from the carried dream.
func (o *VideoOptions) frameParams() dream.Params {
	p := o.Dream
	p.Steps = max(o.FrameSteps, 1) // 0 steps (carry only) is valid here
	if o.FrameOctaves > 0 {
		p.Octaves = min(o.FrameOctaves, p.Octaves)
	}
	if o.FrameStepSize > 0 {
		p.StepSize = o.FrameStepSize
	}
	if o.Coherence != CoherenceBlend {
		// Blend stays DeepDreamVideo's approach, jittered every frame:
		// without jitter its carried dream grows (chaplin.mp4: gain 2.15
		// to 3.2 in 30 frames).
		p.Jitter = o.FrameJitter
	}
	return p
}

// videoHashSkip lists the VideoOptions fields that do not shape the
// frames, so they are left out of the checkpoint hash. The input is
// identified by its fingerprint instead of its name.
var videoHashSkip = map[string]bool{
	"Input": true, "Output": true, "Force": true, "Resume": true,
	"CRF": true, "GIFWidth": true, "GIFFrameRate": true,
	"MeasureStability": true, "Progress": true, "Logger": true, "ReactLayers": true,
	"Decode.Info": true, "Decode.Logger": true, "Decode.FFmpegPath": true,
}

// srcFrame is one decoded source frame.
type srcFrame struct {
	index int
	img   *models.Image
	cut   bool // a new shot starts here
}

// work is what the dream loop needs for one frame.
type work struct {
	cur, prev *srcFrame
	back      *flow.Field // flow from cur to prev (to pull prev's layer onto cur)
	weights   []float32   // trust in back per pixel (0 where occluded)
	// forward is the flow from prev to cur, kept (only) for the stability
	// meter, which then need not compute the pair again.
	forward *flow.Field
}

// dreamed is a finished frame on its way to disk.
type dreamed struct {
	index int
	rgb   []byte
}

// RunVideo dreams over a clip and writes the result with the source's size,
// rate and audio. See VideoOptions for the knobs and InterruptedError for
// what happens when it stops early.
func RunVideo(ctx context.Context, net dream.Network, opt VideoOptions) (*VideoResult, error) {
	clock := newStageClock()
	if err := opt.validate(); err != nil {
		return nil, err
	}
	inStat, err := os.Stat(opt.Input)
	if err != nil {
		return nil, fmt.Errorf("input: %w", err)
	}
	if inStat.IsDir() {
		return nil, fmt.Errorf("input %s is a folder, not a video", opt.Input)
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	p := &videoProducer{opt: &opt, net: net, clock: clock}
	defer p.close()
	spec := jobSpec{
		Input: opt.Input, Output: opt.Output, Force: opt.Force, Resume: opt.Resume,
		SegmentFrames: opt.SegmentFrames, StreamWhole: true, Progress: opt.Progress,
	}
	if opt.Part != nil {
		spec.SegmentFrames = -1
		spec.newSink = func(ctx context.Context, out *output, f jobFrames) (frameSink, error) {
			if out.format != media.FormatPNG {
				return nil, fmt.Errorf("a part is written to a folder, not %s", out.final)
			}
			eo := f.Encode
			eo.Width, eo.Height = f.Width, f.Height
			return newPartSink(ctx, *opt.Part, out.temp, f.CheckpointHash, eo)
		}
	}
	j, _, err := runJob(runCtx, spec, p, clock, fmt.Errorf("%s: no frames decoded (is the start past the end of the clip?)", opt.Input))
	if err != nil {
		var fe *media.FrameError
		if errors.As(err, &fe) && fe.Op == "decode" && fe.Frame == 0 && p.info != nil {
			if start := opt.Decode.Start; start > 0 && p.info.Duration > 0 && start >= p.info.Duration {
				return nil, fmt.Errorf("%s: nothing to dream after %v, the clip is only %v long", opt.Input, start, p.info.Duration.Round(10*time.Millisecond))
			}
		}
		return nil, err
	}
	res := &VideoResult{
		Frames: j.cp.state.Done, Resumed: j.resumed, Width: p.w, Height: p.h, FrameRate: p.dec.FrameRate(),
		Wall: time.Since(clock.start), Stages: clock.times(), Output: j.out.final, Resampled: p.dec.Resampled(), Cuts: p.cuts,
	}
	if p.meter != nil {
		s := p.meter.Result()
		res.Stability = &s
	}
	return res, nil
}

// videoProducer dreams the frames of a clip: decode → flow → dream, each a
// stage in its own goroutine, the finished frames handed to the runner in
// order (checkpoint and encode).
type videoProducer struct {
	opt   *VideoOptions
	net   dream.Network
	clock *stageClock
	info  *media.Info
	dec   *media.Decoder
	w, h  int
	skip  int // decoded frames before the job's first dreamed frame (parts)
	meter *StabilityMeter
	cuts  []int // frames where a new shot starts, written by decodeStage
	// change is what React makes of the clip's sound (nil: none).
	change *DreamChange
	// ws and carry are the dream stage's working memory, reused from
	// frame to frame.
	ws    dream.Workspace
	carry carryBuffers
}

// carryBuffers are dreamFrame's full-size planes: the previous dream's
// layer (dream minus its source), that layer warped onto the current frame,
// and the frame's starting point.
type carryBuffers struct{ layer, carried, init []float32 }

// prepare probes the clip and opens the decoder: the frame size and the
// encoder settings come from the source.
func (r *videoProducer) prepare(ctx context.Context) (jobFrames, error) {
	opt := r.opt
	info := opt.Decode.Info
	if info == nil {
		var err error
		if info, err = media.ProbeWith(ctx, opt.Input, media.ProbeOptions{Logger: opt.Logger}); err != nil {
			return jobFrames{}, err
		}
	}
	r.info = info
	if info.StillImage {
		return jobFrames{}, fmt.Errorf("%s is a still picture, not a clip; use deepdream image", opt.Input)
	}
	dopt := opt.Decode
	dopt.Info = info
	if dopt.Logger == nil {
		dopt.Logger = opt.Logger
	}
	hash, err := opt.hash()
	if err != nil {
		return jobFrames{}, err
	}
	if opt.Part != nil {
		// Decode from the job's first frame, so the part sees exactly the
		// frames a whole run sees, and stop after the part's last frame.
		dopt.MaxFrames = opt.Part.From + opt.Part.Frames()
		r.skip = opt.Part.From
	}
	if r.dec, err = media.NewDecoder(ctx, opt.Input, dopt); err != nil {
		return jobFrames{}, err
	}
	r.w, r.h = r.dec.Width(), r.dec.Height()
	if mw, mh := r.net.MinSize(); r.w < mw || r.h < mh {
		return jobFrames{}, fmt.Errorf("frames of %dx%d are smaller than the model's minimum %dx%d; ask for a larger width", r.w, r.h, mw, mh)
	}
	if err := checkMemory(fmt.Sprintf("dreaming %dx%d frames", r.w, r.h), VideoMemory(r.w, r.h, opt.Dream), "a smaller frame size or tile"); err != nil {
		return jobFrames{}, err
	}
	if opt.React != nil {
		if r.change, err = clipChange(ctx, opt.React, opt.ReactLayers, opt.Input, r.dec.AudioSource(),
			r.dec.FrameRate(), r.dec.ExpectedFrames(), opt.frameParams().StepSize); err != nil {
			return jobFrames{}, err
		}
	}
	if opt.MeasureStability {
		r.meter = &StabilityMeter{Flow: opt.Flow}
	}
	total := r.dec.ExpectedFrames()
	if opt.Part != nil {
		total = opt.Part.Frames()
	}
	eo := opt.EncodeOptions.media(r.dec.FrameRate(), opt.Logger)
	eo.Audio, eo.Comment = r.dec.AudioSource(), media.DreamComment(r.dec.Start())
	return jobFrames{
		Width: r.w, Height: r.h, Total: total, CheckpointHash: hash,
		Encode: eo,
	}, nil
}

func (r *videoProducer) close() {
	if r.dec != nil {
		r.dec.Close()
	}
}

// brokenInput: a frame the decoder cannot read stays unreadable on resume.
func (r *videoProducer) brokenInput(err error) bool {
	var fe *media.FrameError
	return errors.As(err, &fe) && fe.Op == "decode"
}

// encodeAll is never used: the runner encodes a clip as it is dreamed.
func (r *videoProducer) encodeAll(context.Context, *job, string) (string, error) {
	return "", errors.New("video: frames are encoded as they are dreamed")
}

// produce connects the stages: decode → flow → dream → the runner's emit
// (checkpoint + encode).
func (r *videoProducer) produce(ctx context.Context, j *job, emit func(int, []byte) error) error {
	resumed := j.resumed
	// The last finished frame, exactly as written, carries the dream on.
	var prevDream *models.Image
	if resumed > 0 {
		buf := make([]byte, r.w*r.h*3)
		if err := j.cp.loadFrame(resumed-1, buf); err != nil {
			return err
		}
		prevDream, _ = imageio.FromRGB24(buf, r.w, r.h)
	}
	frames := make(chan *srcFrame, 2)
	works := make(chan *work, 1)
	// The dream stage hands the works it is done with back to the flow
	// stage, which reuses their flows' and weights' memory for later pairs
	// (fresh memory costs page faults; a full channel drops the work).
	spent := make(chan *work, 4)
	// Likewise the decoder reuses the source pictures the dream stage is
	// done with.
	pictures := make(chan *models.Image, 4)
	// And the dream stage reuses the rgb24 frames the writer has written.
	written := make(chan []byte, 2)
	results := make(chan *dreamed, 2)
	writerDone := make(chan struct{})
	g, gctx := errgroup.WithContext(ctx)
	// Each stage runs under a profiler label (stage=decode, flow, dream,
	// write; goroutines a stage starts inherit it), so a CPU profile tells
	// what each stage costs: go tool pprof -tags cpu.prof. The network's
	// workers are started by the dream stage, so they count as dream.
	stage := func(name string, fn func(ctx context.Context) error) {
		g.Go(func() (err error) {
			pprof.Do(gctx, pprof.Labels("stage", name), func(ctx context.Context) { err = fn(ctx) })
			return err
		})
	}
	stage("decode", func(ctx context.Context) error {
		defer close(frames)
		return r.decodeStage(ctx, frames, pictures)
	})
	stage("flow", func(ctx context.Context) error {
		defer close(works)
		return r.flowStage(ctx, resumed, frames, works, spent)
	})
	stage("dream", func(ctx context.Context) error {
		defer close(results)
		return r.dreamStage(ctx, prevDream, works, results, writerDone, recycling{spent, pictures, written})
	})
	stage("write", func(context.Context) error {
		defer close(writerDone)
		return writeStage(results, emit, written)
	})
	if err := g.Wait(); err != nil {
		return err
	}
	return ctx.Err()
}

// decodeStage reads the source frames in order.
func (r *videoProducer) decodeStage(ctx context.Context, frames chan<- *srcFrame, pictures <-chan *models.Image) error {
	frameBytes := r.w * r.h * 3
	var cuts *scenecut.Detector
	if !r.opt.NoCuts {
		cuts = scenecut.NewDetector(r.opt.Cuts)
	}
	// A part decodes from the job's first frame (i < 0 before the part),
	// so it sees the frames, and the cuts, of a whole run.
	// One buffer for the raw frames: the detector and the float picture
	// copy what they need of it.
	raw := make([]byte, frameBytes)
	for i := -r.skip; ; i++ {
		t := time.Now()
		err := r.dec.Next(raw)
		cut := false
		if err == nil && cuts != nil {
			// Every frame goes through the detector, also those a resumed
			// run skips, so the cuts are the same as in one run.
			if cut, _ = cuts.Next(raw, r.w, r.h); cut && i >= 0 {
				r.cuts = append(r.cuts, i)
			}
		}
		r.clock.add(&r.clock.st.Decode, t)
		if errors.Is(err, io.EOF) {
			if p := r.opt.Part; p != nil && i < p.Frames() {
				return fmt.Errorf("%s: the clip ended at frame %d, before the part's last frame %d", r.opt.Input, r.skip+i, r.skip+p.Frames()-1)
			}
			return nil
		}
		if err != nil {
			if ctx.Err() != nil { // a decoder killed by a cancel is not a broken input
				return nil
			}
			return err
		}
		if i < 0 { // before a part's first frame
			continue
		}
		var img *models.Image
		select {
		case img = <-pictures:
			err = imageio.FromRGB24Into(img, raw)
		default:
			img, err = imageio.FromRGB24(raw, r.w, r.h)
		}
		if err != nil {
			return err
		}
		select {
		case frames <- &srcFrame{index: i, img: img, cut: cut}:
		case <-ctx.Done():
			return nil
		}
	}
}

// flowStage skips the frames the checkpoint holds and computes, for every
// later frame, the flow back to the frame before it. Every frame is
// prepared for the flow once and carried to the next pair.
func (r *videoProducer) flowStage(ctx context.Context, resumed int, frames <-chan *srcFrame, works chan<- *work, spent <-chan *work) error {
	var est *flow.Estimator
	var prev *srcFrame
	var prevFlow *flow.Frame // prev prepared for the flow, or nil
	var weights [][]float32  // spent weights, for later pairs
	for f := range frames {
		// Take back what the dream stage is done with.
		for drained := false; !drained; {
			select {
			case old := <-spent:
				if est != nil {
					est.Recycle(old.back)
					est.Recycle(old.forward)
				}
				if old.weights != nil {
					weights = append(weights, old.weights)
				}
			default:
				drained = true
			}
		}
		if f.index < resumed-1 {
			continue
		}
		if f.index == resumed-1 {
			prev = f
			continue
		}
		if f.cut {
			prev = nil // a new shot: dream it as a first frame
		}
		wk := &work{cur: f, prev: prev}
		var curFlow *flow.Frame
		if prev != nil && r.opt.Coherence == CoherenceFlow {
			t := time.Now()
			var err error
			if est == nil {
				est, err = flow.NewEstimator(r.opt.Flow)
			}
			if err == nil {
				var buf []float32
				if n := len(weights); n > 0 {
					buf, weights = weights[n-1], weights[:n-1]
				}
				curFlow, err = r.flows(ctx, est, wk, prevFlow, buf)
			}
			r.clock.add(&r.clock.st.Flow, t)
			if err != nil {
				return err
			}
		}
		if prevFlow != nil {
			est.Release(prevFlow)
		}
		prev, prevFlow = f, curFlow
		select {
		case works <- wk:
		case <-ctx.Done():
			return nil
		}
	}
	return nil
}

// recycling are the channels on which the dream stage hands memory back
// to the stages that fill it: works to the flow stage, source pictures to
// the decoder; it takes written rgb24 frames from the writer. A full (or
// empty) channel is passed by: the memory is then dropped (or allocated).
type recycling struct {
	spent    chan<- *work
	pictures chan<- *models.Image
	written  <-chan []byte
}

// dreamStage dreams the frames in order, each from the one before.
func (r *videoProducer) dreamStage(ctx context.Context, prevDream *models.Image, works <-chan *work, results chan<- *dreamed, writerDone <-chan struct{}, rc recycling) error {
	for wk := range works {
		t := time.Now()
		img, err := r.dreamFrame(ctx, wk, prevDream)
		r.clock.add(&r.clock.st.Dream, t)
		if err != nil {
			return err
		}
		var buf []byte
		select {
		case buf = <-rc.written:
		default:
		}
		rgb := imageio.ToRGB24(img, buf)
		// Carry the frame exactly as it was written, so a resumed run
		// (which reads it back from the checkpoint) continues identically.
		r.forPixels(func(lo, hi int) {
			for i, v := range rgb[lo:hi] {
				img.Pix[lo+i] = float32(v)
			}
		})
		old := prevDream
		prevDream = img
		if r.meter != nil {
			// The meter measures the pair the flow stage computed (the
			// same frames and options), so it reuses those flows.
			if err := r.meter.addWithFlow(ctx, wk.cur.img, prevDream, wk.forward, wk.back); err != nil {
				return err
			}
		}
		// Nothing refers to the frame before any more (the meter has let go
		// of it too): the next dream reuses its memory, and the flow stage
		// that of the work's flows and weights.
		r.ws.Recycle(old)
		// The writer takes every frame until it fails, even after a
		// cancel, so a finished frame is never lost.
		select {
		case results <- &dreamed{index: wk.cur.index, rgb: rgb}:
		case <-writerDone:
			return nil
		}
		if wk.back != nil {
			select {
			case rc.spent <- wk:
			default:
			}
		}
		// The source frame before this one was last used by this frame's
		// dream (the flow stage moved on from it when it sent this work,
		// and the meter when it took this frame).
		if wk.prev != nil {
			select {
			case rc.pictures <- wk.prev.img:
			default:
			}
		}
	}
	return nil
}

// writeStage hands the dreamed frames to the runner until they end or one
// cannot be kept, and each written frame's memory back on written.
func writeStage(results <-chan *dreamed, emit func(int, []byte) error, written chan<- []byte) error {
	for d := range results {
		if err := emit(d.index, d.rgb); err != nil {
			return err
		}
		select {
		case written <- d.rgb:
		default:
		}
	}
	return nil
}

// flows sets wk's flow from cur to prev (and back, for a stability meter
// or the backward check) and how far to trust it, and returns cur prepared
// for the next pair. prevFlow is prev prepared, or nil (after a cut or a
// resume), then prev is prepared here. The weights are written into
// weights if it has the frame's size.
func (r *videoProducer) flows(ctx context.Context, est *flow.Estimator, wk *work, prevFlow *flow.Frame, weights []float32) (*flow.Frame, error) {
	cur, prev := wk.cur, wk.prev
	curImg, err := flow.FromRGB(cur.img.Pix, r.w, r.h)
	if err != nil {
		return nil, err
	}
	prevImg, err := flow.FromRGB(prev.img.Pix, r.w, r.h)
	if err != nil {
		return nil, err
	}
	if prevFlow == nil {
		if prevFlow, err = est.Prepare(ctx, prevImg); err != nil {
			return nil, fmt.Errorf("frame %d: %w", prev.index, err)
		}
		defer est.Release(prevFlow)
	}
	curFlow, err := est.Prepare(ctx, curImg)
	if err != nil {
		return nil, fmt.Errorf("frame %d: %w", cur.index, err)
	}
	// The flow back (prev to cur) is needed only by the backward check and
	// by a stability meter, which measures with both; the weights do not
	// depend on whether a meter runs.
	var curToPrev, prevToCur *flow.Field
	if r.meter != nil || r.opt.MotionCheck == MotionCheckBackward {
		curToPrev, prevToCur, err = est.Bidirectional(ctx, curFlow, prevFlow)
	} else {
		curToPrev, err = est.Flow(ctx, curFlow, prevFlow)
	}
	if err != nil {
		return nil, fmt.Errorf("frame %d: %w", cur.index, err)
	}
	if len(weights) != r.w*r.h {
		weights = make([]float32, r.w*r.h)
	}
	if r.opt.MotionCheck == MotionCheckBackward {
		err = flow.ConsistencyWeights(weights, curToPrev, prevToCur)
		if r.meter == nil { // nothing else needs the flow back
			est.Recycle(prevToCur)
		}
	} else {
		err = est.MatchWeights(weights, curImg, prevImg, curToPrev, float32(r.opt.MatchTolerance))
	}
	if err != nil {
		return nil, fmt.Errorf("frame %d: %w", cur.index, err)
	}
	wk.back, wk.weights = curToPrev, weights
	if r.meter != nil {
		wk.forward = prevToCur
	}
	return curFlow, nil
}

// dreamFrame dreams one frame, starting from the carried hallucination of
// the previous dreamed frame according to the coherence mode.
func (r *videoProducer) dreamFrame(ctx context.Context, wk *work, prevDream *models.Image) (*models.Image, error) {
	src := wk.cur.img
	at := frameAt(wk.cur.index, r.dec.FrameRate())
	if wk.prev == nil || prevDream == nil || r.opt.Coherence == CoherenceNone {
		out, err := r.ws.DreamFrom(ctx, r.net, src, src, r.change.At(r.opt.Dream, at), nil)
		if err != nil {
			return nil, fmt.Errorf("frame %d: %w", wk.cur.index, err)
		}
		return out, nil
	}
	n := len(src.Pix)
	var init *models.Image
	if r.opt.FrameSteps == 0 {
		init = models.NewImage(r.w, r.h) // the result itself
	} else {
		init = &models.Image{Width: r.w, Height: r.h, Pix: grownFloats(&r.carry.init, n)}
	}
	blend := float32(r.opt.Blend)
	switch r.opt.Coherence {
	case CoherenceBlend:
		r.forPixels(func(lo, hi int) {
			for i := lo; i < hi; i++ {
				init.Pix[i] = (1-blend)*src.Pix[i] + blend*prevDream.Pix[i]
			}
		})
	case CoherenceFlow:
		layer, carried := grownFloats(&r.carry.layer, n), grownFloats(&r.carry.carried, n)
		r.forPixels(func(lo, hi int) {
			for i := lo; i < hi; i++ {
				layer[i] = prevDream.Pix[i] - wk.prev.img.Pix[i]
			}
		})
		if err := flow.Warp(carried, layer, r.w, r.h, 3, wk.back, flow.Bicubic); err != nil {
			return nil, err
		}
		keep := float32(r.opt.Keep)
		r.forPixels(func(lo, hi int) {
			for p := lo / 3; p < hi/3; p++ {
				k := blend * (keep + (1-keep)*wk.weights[p])
				for c := 3 * p; c < 3*p+3; c++ {
					init.Pix[c] = min(max(src.Pix[c]+k*carried[c], 0), 255)
				}
			}
		})
	}
	if r.opt.FrameSteps == 0 {
		return init, nil
	}
	out, err := r.ws.DreamFrom(ctx, r.net, src, init, r.change.At(r.opt.frameParams(), at), nil)
	if err != nil {
		return nil, fmt.Errorf("frame %d: %w", wk.cur.index, err)
	}
	if r.opt.Coherence == CoherenceFlow {
		// Keep only a share of the new dreaming where the carried dream is
		// trusted; all of it where the flow failed.
		refresh := float32(r.opt.Refresh)
		r.forPixels(func(lo, hi int) {
			for p := lo / 3; p < hi/3; p++ {
				m := refresh + (1-refresh)*(1-wk.weights[p])
				for c := 3 * p; c < 3*p+3; c++ {
					out.Pix[c] = init.Pix[c] + m*(out.Pix[c]-init.Pix[c])
				}
			}
		})
	}
	return out, nil
}

// forPixels runs fn over the values of a frame (w*h*3) in row bands, in
// parallel; lo and hi are multiples of 3 (whole pixels).
func (r *videoProducer) forPixels(fn func(lo, hi int)) {
	row := r.w * 3
	parallelRows(r.h, func(y0, y1 int) { fn(y0*row, y1*row) })
}

// grownFloats returns *b resliced to n values, reallocated only when too
// small; its contents are unspecified.
func grownFloats(b *[]float32, n int) []float32 {
	if cap(*b) < n {
		*b = make([]float32, n)
	}
	*b = (*b)[:n]
	return *b
}
