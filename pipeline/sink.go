package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"strconv"

	"github.com/deepdream-go/deepdream/pipeline/media"
)

// DefaultSegmentFrames is how many frames a video segment holds. Finished
// segments are kept as encoded video in the work folder, so a long job
// needs disk for its frames only until their segment is done.
const DefaultSegmentFrames = 150

// frameSink receives the finished frames of a job, in order, after each has
// been checkpointed, and produces the output at the temporary path.
type frameSink interface {
	// write takes frame i (rgb24).
	write(i int, rgb []byte) error
	// finish completes the output.
	finish(ctx context.Context) error
	// abort stops any encoder; the temporary output is removed by the caller.
	abort()
}

// newSink chooses how frames reach the output: video containers are
// encoded in segments joined at the end, so the checkpoint only keeps the
// frames of the unfinished segment; GIFs (whose palette needs every frame)
// and PNG folders are encoded in one pass from the checkpointed frames.
func newSink(ctx context.Context, cp *checkpoint, out *output, opts media.EncodeOptions, segmentFrames int) (frameSink, error) {
	opts.Format = out.format
	segFormat, err := media.SegmentFormat(out.format)
	if err != nil {
		enc, err := media.NewEncoder(ctx, out.temp, opts)
		if err != nil {
			return nil, err
		}
		return &wholeSink{enc: enc}, nil
	}
	if segmentFrames <= 0 {
		segmentFrames = DefaultSegmentFrames
	}
	return &segmentSink{ctx: ctx, cp: cp, out: out, opts: opts, segFormat: segFormat, size: segmentFrames}, nil
}

// wholeSink feeds one encoder.
type wholeSink struct{ enc *media.Encoder }

func (s *wholeSink) write(_ int, rgb []byte) error { return s.enc.WriteFrame(rgb) }
func (s *wholeSink) finish(context.Context) error  { return s.enc.Close() }
func (s *wholeSink) abort() {
	s.enc.Abort()
	_ = s.enc.Close()
}

// segmentSink encodes frames into video-only segments of a fixed number of
// frames in the work folder; finish joins them and adds the audio.
type segmentSink struct {
	ctx       context.Context
	cp        *checkpoint
	out       *output
	opts      media.EncodeOptions
	segFormat media.Format
	size      int
	enc       *media.Encoder
	first     int // first frame of the open segment
}

func (s *segmentSink) segmentPath(k int) string {
	return filepath.Join(s.cp.dir, "segment_"+strconv.Itoa(10000 + k)[1:]+"."+string(s.segFormat))
}

func (s *segmentSink) write(i int, rgb []byte) error {
	if s.enc == nil {
		k := i / s.size
		seg := s.opts
		seg.Format, seg.Audio = s.segFormat, nil
		enc, err := media.NewEncoder(s.ctx, s.segmentPath(k), seg)
		if err != nil {
			return err
		}
		s.enc, s.first = enc, k*s.size
	}
	if err := s.enc.WriteFrame(rgb); err != nil {
		return err
	}
	if (i+1)%s.size == 0 {
		return s.closeSegment(i + 1)
	}
	return nil
}

// closeSegment finishes the open segment (ending before frame end), records
// it, and drops the frame images it replaces, keeping only its last frame,
// which the next frame's coherence needs.
func (s *segmentSink) closeSegment(end int) error {
	if err := s.enc.Close(); err != nil {
		return err
	}
	s.enc = nil
	k := s.first / s.size
	if err := syncFile(s.segmentPath(k)); err != nil {
		return err
	}
	return s.cp.segmentDone(k, end)
}

func (s *segmentSink) finish(ctx context.Context) error {
	if s.enc != nil {
		if err := s.closeSegment(s.cp.done()); err != nil {
			return err
		}
	}
	paths := make([]string, s.cp.segments())
	for k := range paths {
		paths[k] = s.segmentPath(k)
	}
	return media.Concat(ctx, paths, s.out.temp, s.opts)
}

func (s *segmentSink) abort() {
	if s.enc != nil {
		s.enc.Abort()
		_ = s.enc.Close()
	}
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
