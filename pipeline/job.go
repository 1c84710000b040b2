package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/deepdream-go/deepdream/pipeline/media"
)

// jobSpec is what the runner needs to know about a job before its first
// frame: where it writes, whether it may replace or resume, what identifies
// its frames (the checkpoint hash), their size, and how they are encoded.
type jobSpec struct {
	// Input is the file the job reads ("" for none); the output may not be it.
	Input, Output string
	Force, Resume bool
	// SegmentFrames is the segment size when the output is a video
	// container that may be encoded in segments as frames arrive
	// (0: DefaultSegmentFrames); negative: never segment.
	SegmentFrames int
	// StreamWhole encodes GIFs and PNG folders while frames arrive, in one
	// pass; without it they are encoded from the checkpoint at the end by
	// the producer's encodeAll.
	StreamWhole bool
	// Progress is called after every finished frame.
	Progress func(JobProgress)
	// newSink, when set, makes the sink instead of the runner's choice
	// (the part folder of a cluster part).
	newSink func(ctx context.Context, out *output, f jobFrames) (frameSink, error)
}

// JobProgress reports a finished frame of a video or zoom job.
type JobProgress struct {
	Done, Total int // frames finished (resumed ones included) and expected
	Resumed     int // frames taken from the checkpoint
	Elapsed     time.Duration
	Stages      StageTimes
}

// VideoProgress is the progress report of RunVideo.
//
// Deprecated: use JobProgress, which zoom jobs report too.
type VideoProgress = JobProgress

// producer makes the frames of one job kind (a dreamed clip, a zoom). The
// runner owns everything else: output, lock, checkpoint, segments, resume
// replay, interruption and progress.
type producer interface {
	// prepare reads what the job needs before its checkpoint is opened
	// (after the output was checked and locked): the frame size, the
	// checkpoint hash and the encoder settings.
	prepare(ctx context.Context) (jobFrames, error)
	// produce makes frames from the first one the checkpoint lacks, and
	// hands each, in order, to emit, which is done with rgb when it
	// returns (the producer may reuse it). It may read the checkpoint (for
	// example the last finished frame, which coherence needs).
	produce(ctx context.Context, j *job, emit func(i int, rgb []byte) error) error
	// encodeAll writes the output at path from the checkpointed frames;
	// used when the runner did not encode while frames arrived. It returns
	// a note on how the output was fitted ("" for none).
	encodeAll(ctx context.Context, j *job, path string) (string, error)
	// brokenInput reports whether err means the input itself is broken, so
	// that resuming cannot help and the checkpoint is dropped.
	brokenInput(err error) bool
}

// jobFrames describes the frames a producer will make.
type jobFrames struct {
	Width, Height int
	// Total is the number of frames expected (0: unknown).
	Total int
	// CheckpointHash identifies everything that decides the frames, so a
	// checkpoint is only resumed by the same job (see optionsHash).
	CheckpointHash string
	// Encode are the encoder settings (Format, Width and Height are
	// filled in by the runner).
	Encode media.EncodeOptions
}

// job is one run of a producer: the lock on the work folder, the temporary
// output, the checkpoint and the sink.
type job struct {
	spec    jobSpec
	frames  jobFrames
	lock    *workLock
	out     *output
	cp      *checkpoint
	sink    frameSink // nil: the producer encodes at the end
	start   time.Time
	resumed int

	stages *stageClock
}

// openJob takes the work folder's lock, checks the output and opens (or
// resumes) the checkpoint. Nothing is written before the checks pass.
func openJob(ctx context.Context, spec jobSpec, p producer, stages *stageClock) (*job, error) {
	lock, err := lockWorkDir(spec.Output)
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			lock.release()
		}
	}()
	out, err := prepareJobOutput(spec.Input, spec.Output, spec.Force, spec.Resume)
	if err != nil {
		return nil, err
	}
	frames, err := p.prepare(ctx)
	if err != nil {
		return nil, err
	}
	segmentFrames := 0
	if _, err := media.SegmentFormat(out.format); err == nil && spec.SegmentFrames >= 0 {
		segmentFrames = spec.SegmentFrames
		if segmentFrames == 0 {
			segmentFrames = DefaultSegmentFrames
		}
	}
	cp, err := openCheckpoint(out.final, frames.CheckpointHash, frames.Width, frames.Height, segmentFrames, spec.Resume, spec.Force)
	if err != nil {
		return nil, err
	}
	j := &job{spec: spec, frames: frames, lock: lock, out: out, cp: cp, start: stages.start, stages: stages}
	j.resumed = cp.state.Done
	if frames.Total > 0 {
		j.resumed = min(j.resumed, frames.Total)
	}
	if spec.newSink != nil {
		if j.sink, err = spec.newSink(ctx, out, frames); err != nil {
			return nil, err
		}
	} else if segmentFrames > 0 || spec.StreamWhole {
		eo := frames.Encode
		eo.Width, eo.Height = frames.Width, frames.Height
		if j.sink, err = newSink(ctx, cp, out, eo, segmentFrames); err != nil {
			return nil, err
		}
	}
	ok = true
	return j, nil
}

// replay hands the sink the checkpointed frames it does not hold yet: all
// of them for a one-pass encoder, those of the unfinished segment otherwise.
func (j *job) replay() error {
	if j.sink == nil {
		return nil
	}
	first := j.cp.firstFrameKept()
	if j.cp.segmentFrames > 0 {
		first = min(j.cp.state.Segments*j.cp.segmentFrames, j.resumed)
	}
	rgb := make([]byte, j.frames.Width*j.frames.Height*3)
	for i := first; i < j.resumed; i++ {
		if err := j.cp.loadFrame(i, rgb); err != nil {
			return err
		}
		t := time.Now()
		if err := j.sink.write(i, rgb); err != nil {
			return err
		}
		j.stages.add(&j.stages.st.Encode, t)
	}
	return nil
}

// emit checkpoints finished frame i and passes it to the sink. A frame is
// checkpointed even after a cancel, so no dreaming is lost; it is not
// encoded then. Nothing keeps rgb after emit returns.
func (j *job) emit(ctx context.Context, i int, rgb []byte) error {
	t := time.Now()
	if err := j.cp.saveFrame(i, rgb); err != nil {
		return err
	}
	j.stages.add(&j.stages.st.Checkpoint, t)
	if ctx.Err() != nil {
		return nil // kept for --resume; the producer sees the cancel itself
	}
	if j.sink != nil {
		t = time.Now()
		if err := j.sink.write(i, rgb); err != nil {
			return err
		}
		j.stages.add(&j.stages.st.Encode, t)
	}
	if j.spec.Progress != nil {
		j.spec.Progress(JobProgress{Done: i + 1, Total: max(j.frames.Total, i+1), Resumed: j.resumed,
			Elapsed: time.Since(j.start), Stages: j.stages.times()})
	}
	return nil
}

// runJob runs a producer to a finished output: it opens the job, replays
// the checkpoint into the sink, lets the producer make the missing frames,
// encodes, and moves the output into place. When it stops early with
// frames kept, the error is an *InterruptedError. noFrames is the error
// for a job that ended without a frame.
func runJob(ctx context.Context, spec jobSpec, p producer, stages *stageClock, noFrames error) (*job, string, error) {
	j, err := openJob(ctx, spec, p, stages)
	if err != nil {
		return nil, "", err
	}
	defer j.lock.release()
	succeeded := false
	defer func() {
		if !succeeded {
			if j.sink != nil {
				j.sink.abort()
			}
			j.out.discard()
		}
	}()
	interrupted := func(err error) error {
		return &InterruptedError{Done: j.cp.state.Done, WorkDir: j.cp.dir, Err: err}
	}
	if err := j.replay(); err != nil {
		return nil, "", interrupted(err)
	}
	if j.resumed > 0 && j.spec.Progress != nil {
		// Report the resumed frames at once, so a progress bar starts
		// there rather than at 0 until the first new frame is done.
		j.spec.Progress(JobProgress{Done: j.resumed, Total: max(j.frames.Total, j.resumed), Resumed: j.resumed,
			Elapsed: time.Since(j.start), Stages: j.stages.times()})
	}
	if err := p.produce(ctx, j, func(i int, rgb []byte) error { return j.emit(ctx, i, rgb) }); err != nil {
		if p.brokenInput(err) && ctx.Err() == nil {
			_ = j.cp.remove()
			return nil, "", err
		}
		if j.cp.state.Done > 0 {
			return nil, "", interrupted(err)
		}
		_ = j.cp.remove()
		return nil, "", err
	}
	if j.cp.state.Done == 0 {
		_ = j.cp.remove()
		return nil, "", noFrames
	}
	t := time.Now()
	var fit string
	if j.sink != nil {
		err = j.sink.finish(ctx)
	} else {
		fit, err = p.encodeAll(ctx, j, j.out.temp)
	}
	stages.add(&stages.st.Encode, t)
	if err != nil {
		return nil, "", interrupted(err)
	}
	if err := j.out.commit(); err != nil {
		return nil, "", interrupted(err)
	}
	succeeded = true
	_ = j.cp.remove()
	return j, fit, nil
}

// stageClock adds up the time spent in each stage of a job; the stages
// may run in their own goroutines.
type stageClock struct {
	start time.Time
	mu    sync.Mutex
	st    StageTimes
}

func newStageClock() *stageClock { return &stageClock{start: time.Now()} }

// add adds the time since t to the stage d (a field of c.st).
func (c *stageClock) add(d *time.Duration, t time.Time) {
	c.mu.Lock()
	*d += time.Since(t)
	c.mu.Unlock()
}

func (c *stageClock) times() StageTimes {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.st
}

// InterruptedError is returned when a job stops early (cancelled or
// failed) with its checkpoint kept: running the same job again with Resume
// set continues from frame Done.
type InterruptedError struct {
	Done    int
	WorkDir string
	Err     error
}

func (e *InterruptedError) Error() string {
	return fmt.Sprintf("stopped after %d frames (checkpoint in %s): %v", e.Done, e.WorkDir, e.Err)
}

func (e *InterruptedError) Unwrap() error { return e.Err }

// errNoFrames is the error of a job that ended without making a frame.
var errNoFrames = errors.New("no frames were made")
