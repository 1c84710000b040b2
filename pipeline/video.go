package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/deepdream-go/deepdream/dream"
	"github.com/deepdream-go/deepdream/flow"
	"github.com/deepdream-go/deepdream/models"
	"github.com/deepdream-go/deepdream/pipeline/imageio"
	"github.com/deepdream-go/deepdream/pipeline/media"
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
	// CRF, GIFWidth and GIFFrameRate tune the encoder (see media.EncodeOptions).
	CRF          int
	GIFWidth     int
	GIFFrameRate media.Rational
	// Dream is used as is for the first frame (and every frame with
	// CoherenceNone). Later frames start from the carried dream and run
	// FrameSteps steps per octave (0: none, the carried dream is the frame)
	// over FrameOctaves octaves (0: Dream.Octaves) with FrameStepSize
	// (0: Dream.StepSize).
	Dream         dream.Params
	FrameSteps    int
	FrameOctaves  int
	FrameStepSize float64
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
	// Flow tunes the optical flow (zero value: flow.Medium()).
	Flow flow.Options
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
	Progress func(VideoProgress)
	// Logger receives debug output such as ffmpeg command lines; nil: none.
	Logger *slog.Logger
}

// StageTimes is the time spent in each stage. The stages overlap: decode,
// flow and encode run in their own goroutines while the network dreams.
type StageTimes struct {
	Decode, Flow, Dream, Encode, Checkpoint time.Duration
}

// VideoProgress reports a finished frame.
type VideoProgress struct {
	Done, Total int // frames finished (resumed ones included) and expected
	Resumed     int // frames taken from the checkpoint
	Elapsed     time.Duration
	Stages      StageTimes
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
	// Stability is set when VideoOptions.MeasureStability is.
	Stability *Stability
}

// InterruptedError is returned when a job stops early (cancelled or
// failed) with its checkpoint kept: running the same command with --resume
// continues from frame Done.
type InterruptedError struct {
	Done    int
	WorkDir string
	Err     error
}

func (e *InterruptedError) Error() string {
	return fmt.Sprintf("stopped after %d frames (checkpoint in %s): %v", e.Done, e.WorkDir, e.Err)
}

func (e *InterruptedError) Unwrap() error { return e.Err }

func (o *VideoOptions) validate() error {
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
	if o.SegmentFrames < 0 {
		return fmt.Errorf("segment frames %d is negative", o.SegmentFrames)
	}
	if o.SegmentFrames == 0 {
		o.SegmentFrames = DefaultSegmentFrames
	}
	if o.FrameSteps < 0 || o.FrameOctaves < 0 || o.FrameStepSize < 0 {
		return fmt.Errorf("frame steps, octaves and step size must not be negative")
	}
	if err := o.Dream.Validate(); err != nil {
		return err
	}
	if o.Input == "" || o.Output == "" {
		return errors.New("input and output are required")
	}
	if o.Part != nil {
		return o.Part.validate()
	}
	return nil
}

// VideoJobKey identifies everything that decides the frames RunVideo would
// dream with opt (the input file, the decode range and size, the dream and
// coherence parameters, the model and the part range): equal keys give
// equal frames.
func VideoJobKey(opt VideoOptions) (string, error) {
	if err := opt.validate(); err != nil {
		return "", err
	}
	st, err := os.Stat(opt.Input)
	if err != nil {
		return "", fmt.Errorf("input: %w", err)
	}
	return jobKey(&opt, st)
}

// jobKey identifies everything that decides the dreamed frames, so that a
// checkpoint is only resumed by the same job.
func jobKey(o *VideoOptions, inputStat os.FileInfo) (string, error) {
	abs, _ := filepath.Abs(o.Input)
	p := o.Dream
	// Hash guide vectors instead of listing them; work on a copy of the terms.
	p.Objective.Terms = append([]models.Term(nil), p.Objective.Terms...)
	var guides []string
	for i, t := range p.Objective.Terms {
		if t.Guide != nil {
			b := make([]byte, 4*len(t.Guide))
			for j, v := range t.Guide {
				u := math.Float32bits(v)
				b[4*j], b[4*j+1], b[4*j+2], b[4*j+3] = byte(u), byte(u>>8), byte(u>>16), byte(u>>24)
			}
			s := sha256.Sum256(b)
			guides = append(guides, hex.EncodeToString(s[:]))
			p.Objective.Terms[i].Guide = nil
		}
	}
	d := o.Decode
	d.Info, d.Logger = nil, nil
	blob, err := json.Marshal(struct {
		Input         string
		Size          int64
		ModTime       time.Time
		Decode        media.DecodeOptions
		Dream         dream.Params
		Guides        []string
		Segments      int
		FrameSteps    int
		FrameOctaves  int
		FrameStepSize float64
		Coherence     string
		Blend         float64
		Refresh       float64
		Keep          float64
		Flow          flow.Options
		Model         string
		Part          *PartRange `json:",omitempty"`
	}{abs, inputStat.Size(), inputStat.ModTime(), d, p, guides, o.SegmentFrames, o.FrameSteps, o.FrameOctaves, o.FrameStepSize, o.Coherence, o.Blend, o.Refresh, o.Keep, o.Flow, o.ModelID, o.Part})
	if err != nil {
		return "", err
	}
	s := sha256.Sum256(blob)
	return hex.EncodeToString(s[:]), nil
}

// srcFrame is one decoded source frame.
type srcFrame struct {
	index int
	img   *models.Image
}

// work is what the dream loop needs for one frame.
type work struct {
	cur, prev *srcFrame
	back      *flow.Field // flow from cur to prev (to pull prev's layer onto cur)
	weights   []float32   // trust in back per pixel (0 where occluded)
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
	start := time.Now()
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
	out, err := prepareJobOutput(opt.Input, opt.Output, opt.Force, opt.Resume)
	if err != nil {
		return nil, err
	}
	info := opt.Decode.Info
	if info == nil {
		info, err = media.ProbeWith(ctx, opt.Input, media.ProbeOptions{Logger: opt.Logger})
		if err != nil {
			return nil, err
		}
	}
	if info.StillImage {
		return nil, fmt.Errorf("%s is a still picture, not a clip; use deepdream image", opt.Input)
	}
	dopt := opt.Decode
	dopt.Info = info
	if opt.Part != nil {
		if out.format != media.FormatPNG {
			return nil, fmt.Errorf("a part is written to a folder, not %s", out.final)
		}
		// Decode from the job's first frame, so the part sees exactly the
		// frames a whole run sees, and stop after the part's last frame.
		dopt.MaxFrames = opt.Part.From + opt.Part.Frames()
	}
	if dopt.Logger == nil {
		dopt.Logger = opt.Logger
	}
	key, err := jobKey(&opt, inStat)
	if err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	dec, err := media.NewDecoder(runCtx, opt.Input, dopt)
	if err != nil {
		return nil, err
	}
	defer dec.Close()
	w, h := dec.Width(), dec.Height()
	if mw, mh := net.MinSize(); w < mw || h < mh {
		return nil, fmt.Errorf("frames of %dx%d are smaller than the model's minimum %dx%d; ask for a larger --width", w, h, mw, mh)
	}
	segmentFrames := 0
	if _, err := media.SegmentFormat(out.format); err == nil {
		segmentFrames = opt.SegmentFrames
	}
	cp, err := openCheckpoint(out.final, key, w, h, segmentFrames, opt.Resume, opt.Force)
	if err != nil {
		return nil, err
	}
	encOpts := media.EncodeOptions{
		Width: w, Height: h, FrameRate: dec.FrameRate(), Audio: dec.AudioSource(),
		CRF: opt.CRF, GIFWidth: opt.GIFWidth, GIFFrameRate: opt.GIFFrameRate, Logger: opt.Logger,
	}
	var sink frameSink
	if opt.Part != nil {
		sink, err = newPartSink(runCtx, *opt.Part, out.temp, key, encOpts)
	} else {
		sink, err = newSink(runCtx, cp, out, encOpts, segmentFrames)
	}
	if err != nil {
		return nil, err
	}
	succeeded := false
	defer func() {
		if !succeeded {
			sink.abort()
			out.discard()
		}
	}()
	r := &videoRun{opt: &opt, net: net, dec: dec, sink: sink, cp: cp, w: w, h: h, start: start, total: dec.ExpectedFrames()}
	if opt.Part != nil {
		r.skip, r.total = opt.Part.From, opt.Part.Frames()
	}
	if err := r.run(runCtx, cancel); err != nil {
		var fe *media.FrameError
		if errors.As(err, &fe) && fe.Op == "decode" && ctx.Err() == nil {
			// The input is broken at that frame: resuming cannot help.
			_ = cp.remove()
			if fe.Frame == 0 && dopt.Start > 0 && info.Duration > 0 && dopt.Start >= info.Duration {
				return nil, fmt.Errorf("%s: nothing to dream after %v, the clip is only %v long", opt.Input, dopt.Start, info.Duration.Round(10*time.Millisecond))
			}
			return nil, err
		}
		if cp.state.Done > 0 {
			return nil, &InterruptedError{Done: cp.state.Done, WorkDir: cp.dir, Err: err}
		}
		_ = cp.remove()
		return nil, err
	}
	if cp.state.Done == 0 {
		_ = cp.remove()
		return nil, fmt.Errorf("%s: no frames decoded (is --start past the end of the clip?)", opt.Input)
	}
	t := time.Now()
	if err := sink.finish(runCtx); err != nil {
		return nil, &InterruptedError{Done: cp.state.Done, WorkDir: cp.dir, Err: err}
	}
	r.add(&r.st.Encode, t)
	if err := out.commit(); err != nil {
		return nil, &InterruptedError{Done: cp.state.Done, WorkDir: cp.dir, Err: err}
	}
	succeeded = true
	_ = cp.remove()
	res := &VideoResult{
		Frames: cp.state.Done, Resumed: r.resumed, Width: w, Height: h, FrameRate: dec.FrameRate(),
		Wall: time.Since(start), Stages: r.stages(), Output: out.final,
	}
	if r.meter != nil {
		s := r.meter.Result()
		res.Stability = &s
	}
	return res, nil
}

// videoRun is the state of one RunVideo call.
type videoRun struct {
	opt     *VideoOptions
	net     dream.Network
	dec     *media.Decoder
	sink    frameSink
	cp      *checkpoint
	w, h    int
	start   time.Time
	total   int
	skip    int // decoded frames before the job's first dreamed frame (parts)
	resumed int
	meter   *StabilityMeter

	mu sync.Mutex
	st StageTimes
}

func (r *videoRun) add(d *time.Duration, since time.Time) {
	r.mu.Lock()
	*d += time.Since(since)
	r.mu.Unlock()
}

func (r *videoRun) stages() StageTimes {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.st
}

// run connects the stages: decode → flow → dream → checkpoint + encode.
func (r *videoRun) run(ctx context.Context, cancel context.CancelFunc) error {
	var (
		errOnce  sync.Once
		firstErr error
		wg       sync.WaitGroup
	)
	fail := func(err error) {
		errOnce.Do(func() { firstErr = err; cancel() })
	}
	frameBytes := r.w * r.h * 3
	r.resumed = r.cp.state.Done
	if r.opt.MeasureStability {
		r.meter = &StabilityMeter{Flow: r.opt.Flow}
	}

	// Frames already dreamed that the output does not hold yet go to the
	// encoder first (with segments, those of the unfinished segment).
	var prevDream *models.Image
	buf := make([]byte, frameBytes)
	firstToEncode := 0
	if r.cp.segmentFrames > 0 {
		firstToEncode = min(r.cp.state.Segments*r.cp.segmentFrames, r.resumed)
	}
	for i := r.cp.firstFrameKept(); i < r.resumed; i++ {
		if err := r.cp.loadFrame(i, buf); err != nil {
			return err
		}
		if i >= firstToEncode {
			t := time.Now()
			if err := r.sink.write(i, buf); err != nil {
				return err
			}
			r.add(&r.st.Encode, t)
		}
		if i == r.resumed-1 {
			prevDream, _ = imageio.FromRGB24(buf, r.w, r.h)
		}
	}

	frames := make(chan *srcFrame, 2)
	works := make(chan *work, 1)
	results := make(chan *dreamed, 2)

	wg.Add(3)
	go func() { // decode
		defer wg.Done()
		defer close(frames)
		for i := -r.skip; ; i++ {
			raw := make([]byte, frameBytes)
			t := time.Now()
			err := r.dec.Next(raw)
			r.add(&r.st.Decode, t)
			if errors.Is(err, io.EOF) {
				if i < r.total && r.opt.Part != nil && ctx.Err() == nil {
					fail(fmt.Errorf("%s: the clip ended at frame %d, before the part's last frame %d", r.opt.Input, r.skip+i, r.skip+r.total-1))
				}
				return
			}
			if err != nil {
				if ctx.Err() == nil { // a decoder killed by a cancel is not a broken input
					fail(err)
				}
				return
			}
			if i < 0 { // before a part's first frame
				continue
			}
			img, err := imageio.FromRGB24(raw, r.w, r.h)
			if err != nil {
				fail(err)
				return
			}
			select {
			case frames <- &srcFrame{index: i, img: img}:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { // flow
		defer wg.Done()
		defer close(works)
		var prev *srcFrame
		for f := range frames {
			if f.index < r.resumed-1 {
				continue
			}
			if f.index == r.resumed-1 {
				prev = f
				continue
			}
			wk := &work{cur: f, prev: prev}
			if prev != nil && r.opt.Coherence == CoherenceFlow {
				t := time.Now()
				var err error
				wk.back, wk.weights, err = r.flows(ctx, f, prev)
				r.add(&r.st.Flow, t)
				if err != nil {
					fail(err)
					return
				}
			}
			prev = f
			select {
			case works <- wk:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { // checkpoint + encode
		defer wg.Done()
		broken := false
		for d := range results {
			// A finished frame is always checkpointed, even after a
			// cancel, so no dreaming is lost.
			if broken {
				continue
			}
			t := time.Now()
			if err := r.cp.saveFrame(d.index, d.rgb); err != nil {
				broken = true
				fail(err)
				continue
			}
			r.add(&r.st.Checkpoint, t)
			if ctx.Err() != nil {
				continue
			}
			t = time.Now()
			if err := r.sink.write(d.index, d.rgb); err != nil {
				fail(err)
				continue
			}
			r.add(&r.st.Encode, t)
			if r.opt.Progress != nil {
				r.opt.Progress(VideoProgress{Done: d.index + 1, Total: max(r.total, d.index+1), Resumed: r.resumed, Elapsed: time.Since(r.start), Stages: r.stages()})
			}
		}
	}()

	// The dream loop runs here.
	dreamErr := func() error {
		defer close(results)
		for wk := range works {
			t := time.Now()
			img, err := r.dreamFrame(ctx, wk, prevDream)
			r.add(&r.st.Dream, t)
			if err != nil {
				return err
			}
			rgb := imageio.ToRGB24(img, nil)
			// Carry the frame exactly as it was written, so a resumed run
			// (which reads it back from the checkpoint) continues identically.
			prevDream, _ = imageio.FromRGB24(rgb, r.w, r.h)
			if r.meter != nil {
				if err := r.meter.Add(ctx, wk.cur.img, prevDream); err != nil {
					return err
				}
			}
			// The writer drains results until they are closed, so this
			// send never blocks for good, and a finished frame is never lost.
			results <- &dreamed{index: wk.cur.index, rgb: rgb}
		}
		return nil
	}()
	if dreamErr != nil {
		fail(dreamErr)
	}
	// Unblock the producers if the loop stopped early.
	go func() {
		for range works {
		}
	}()
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}

// flows computes the flow from cur to prev and how far to trust it.
func (r *videoRun) flows(ctx context.Context, cur, prev *srcFrame) (*flow.Field, []float32, error) {
	a, err := flow.FromRGB(cur.img.Pix, r.w, r.h)
	if err != nil {
		return nil, nil, err
	}
	b, err := flow.FromRGB(prev.img.Pix, r.w, r.h)
	if err != nil {
		return nil, nil, err
	}
	back, fwd, err := flow.ComputeBidirectional(ctx, a, b, r.opt.Flow)
	if err != nil {
		return nil, nil, fmt.Errorf("frame %d: %w", cur.index, err)
	}
	weights, _, _, err := flow.Consistency(back, fwd)
	if err != nil {
		return nil, nil, err
	}
	return back, weights, nil
}

// dreamFrame dreams one frame, starting from the carried hallucination of
// the previous dreamed frame according to the coherence mode.
func (r *videoRun) dreamFrame(ctx context.Context, wk *work, prevDream *models.Image) (*models.Image, error) {
	src := wk.cur.img
	if wk.prev == nil || prevDream == nil || r.opt.Coherence == CoherenceNone {
		out, err := dream.Dream(ctx, r.net, src, r.opt.Dream, nil)
		if err != nil {
			return nil, fmt.Errorf("frame %d: %w", wk.cur.index, err)
		}
		return out, nil
	}
	init := models.NewImage(r.w, r.h)
	blend := float32(r.opt.Blend)
	switch r.opt.Coherence {
	case CoherenceBlend:
		for i, v := range src.Pix {
			init.Pix[i] = (1-blend)*v + blend*prevDream.Pix[i]
		}
	case CoherenceFlow:
		layer := make([]float32, len(src.Pix))
		for i, v := range prevDream.Pix {
			layer[i] = v - wk.prev.img.Pix[i]
		}
		carried := make([]float32, len(layer))
		if err := flow.Warp(carried, layer, r.w, r.h, 3, wk.back, flow.Bicubic); err != nil {
			return nil, err
		}
		keep := float32(r.opt.Keep)
		for p, wt := range wk.weights {
			k := blend * (keep + (1-keep)*wt)
			for c := 3 * p; c < 3*p+3; c++ {
				init.Pix[c] = min(max(src.Pix[c]+k*carried[c], 0), 255)
			}
		}
	}
	if r.opt.FrameSteps == 0 {
		return init, nil
	}
	p := r.opt.Dream
	p.Steps = r.opt.FrameSteps
	if r.opt.FrameOctaves > 0 {
		p.Octaves = r.opt.FrameOctaves
	}
	if r.opt.FrameStepSize > 0 {
		p.StepSize = r.opt.FrameStepSize
	}
	out, err := dream.DreamFrom(ctx, r.net, src, init, p, nil)
	if err != nil {
		return nil, fmt.Errorf("frame %d: %w", wk.cur.index, err)
	}
	if r.opt.Coherence == CoherenceFlow {
		// Keep only a share of the new dreaming where the carried dream is
		// trusted; all of it where the flow failed.
		refresh := float32(r.opt.Refresh)
		for p, wt := range wk.weights {
			m := refresh + (1-refresh)*(1-wt)
			for c := 3 * p; c < 3*p+3; c++ {
				out.Pix[c] = init.Pix[c] + m*(out.Pix[c]-init.Pix[c])
			}
		}
	}
	return out, nil
}
