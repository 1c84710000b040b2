package pipeline

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strconv"

	"github.com/deepdream-go/deepdream/pipeline/imageio"
)

// checkpointVersion changes whenever the state layout or the meaning of the
// frames on disk changes, so an old work directory is never misread.
const checkpointVersion = 2

// checkpoint is the on-disk state of an unfinished job: the frames dreamed
// so far as lossless PNGs and a small JSON file saying how many there are
// and which job they belong to. Everything the next frame needs can be
// rebuilt from it (the previous dreamed frame is the last PNG; the source
// frames are decoded again), so a resumed job produces the same frames.
type checkpoint struct {
	dir   string
	state checkpointState
	// segmentFrames is the segment size when finished frames are kept as
	// encoded segments (0: every frame image is kept).
	segmentFrames int
}

type checkpointState struct {
	Version int    `json:"version"`
	Hash    string `json:"hash"`
	Done    int    `json:"frames_done"`
	// Segments counts the finished video segments (segment output only);
	// frames before Segments*segment size are kept only as encoded video.
	Segments int    `json:"segments,omitempty"`
	Width    int    `json:"width"`
	Height   int    `json:"height"`
	Command  string `json:"command,omitempty"`
}

// workDirFor names the work directory of an output: hidden, beside it.
func workDirFor(output string) string {
	clean := filepath.Clean(output)
	return filepath.Join(filepath.Dir(clean), "."+filepath.Base(clean)+".deepdream")
}

// ResumeError reports a work directory that belongs to another job, or a
// job that must be resumed or restarted explicitly. Msg says what is wrong
// and Fix what to do, so that a command line can word the fix in its flags.
type ResumeError struct {
	Msg string
	Fix ResumeFix
}

func (e *ResumeError) Error() string { return e.Msg + "; " + e.Fix.String() }

// ResumeFix is what to do about a ResumeError.
type ResumeFix int

// The fixes of a ResumeError.
const (
	// FixRestart: run again without Resume and with Force.
	FixRestart ResumeFix = iota
	// FixSameOrRestart: resume with exactly the same options, or restart.
	FixSameOrRestart
	// FixResumeOrRestart: set Resume to continue, or Force to start over.
	FixResumeOrRestart
)

// String words the fix in terms of the job options.
func (f ResumeFix) String() string {
	switch f {
	case FixSameOrRestart:
		return "resume with exactly the same options, or run without Resume and with Force to start over"
	case FixResumeOrRestart:
		return "set Resume to continue it, or Force to start over"
	default:
		return "run without Resume and with Force to start over"
	}
}

// openCheckpoint prepares the work directory for a job identified by its hash (see optionsHash).
// With resume, an existing compatible checkpoint is continued; without it,
// an existing checkpoint is an error unless restart is set, which discards it.
func openCheckpoint(output, hash string, width, height, segmentFrames int, resume, restart bool) (*checkpoint, error) {
	c := &checkpoint{dir: workDirFor(output), segmentFrames: segmentFrames}
	raw, err := os.ReadFile(filepath.Join(c.dir, "state.json"))
	switch {
	case err == nil && resume:
		if err := json.Unmarshal(raw, &c.state); err != nil {
			return nil, &ResumeError{fmt.Sprintf("checkpoint %s is unreadable (%v)", c.dir, err), FixRestart}
		}
		if c.state.Version != checkpointVersion || c.state.Hash != hash || c.state.Width != width || c.state.Height != height {
			return nil, &ResumeError{fmt.Sprintf("the checkpoint in %s was made with a different input or different settings", c.dir), FixSameOrRestart}
		}
		for i := c.firstFrameKept(); i < c.state.Done; i++ {
			if _, err := os.Stat(c.framePath(i)); err != nil {
				return nil, &ResumeError{fmt.Sprintf("checkpoint %s is missing frame %d", c.dir, i), FixRestart}
			}
		}
		return c, nil
	case err == nil && !restart:
		var st checkpointState
		_ = json.Unmarshal(raw, &st)
		return nil, &ResumeError{fmt.Sprintf("an interrupted run of this output left %d dreamed frames in %s", st.Done, c.dir), FixResumeOrRestart}
	case err != nil && !errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	if err := os.RemoveAll(c.dir); err != nil {
		return nil, fmt.Errorf("checkpoint: remove old work directory: %w", err)
	}
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	c.state = checkpointState{Version: checkpointVersion, Hash: hash, Width: width, Height: height}
	if err := c.writeState(); err != nil {
		return nil, err
	}
	return c, nil
}

// firstFrameKept is the first frame whose image the checkpoint holds: the
// last frame of the finished segments (which the next frame's coherence
// needs) and every frame after it.
func (c *checkpoint) firstFrameKept() int {
	if c.segmentFrames <= 0 || c.state.Segments == 0 {
		return 0
	}
	return min(c.state.Segments*c.segmentFrames, c.state.Done) - 1
}

func (c *checkpoint) framePath(i int) string {
	return filepath.Join(c.dir, "frame_"+strconv.Itoa(1000000 + i)[1:]+".png")
}

// saveFrame stores frame i (rgb24) durably and records it as done. Frames
// must be saved in order.
func (c *checkpoint) saveFrame(i int, rgb []byte) error {
	if i != c.state.Done {
		return fmt.Errorf("checkpoint: frame %d saved out of order (expected %d)", i, c.state.Done)
	}
	if err := writeFileAtomic(c.framePath(i), func(f *os.File) error {
		return imageio.EncodeRGBPNG(f, rgb, c.state.Width, c.state.Height)
	}); err != nil {
		return fmt.Errorf("checkpoint: frame %d: %w", i, err)
	}
	c.state.Done = i + 1
	return c.writeState()
}

// loadFrame reads saved frame i into rgb (w*h*3 bytes).
func (c *checkpoint) loadFrame(i int, rgb []byte) error {
	f, err := os.Open(c.framePath(i))
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	defer f.Close()
	img, err := png.Decode(bufio.NewReader(f))
	if err != nil {
		return fmt.Errorf("checkpoint: frame %d: %w", i, err)
	}
	// The frames are opaque, so the PNG holds plain RGB and decodes as
	// *image.RGBA; accept NRGBA as well.
	var pix []byte
	var rect image.Rectangle
	switch m := img.(type) {
	case *image.RGBA:
		pix, rect = m.Pix, m.Rect
	case *image.NRGBA:
		pix, rect = m.Pix, m.Rect
	}
	if pix == nil || rect.Dx() != c.state.Width || rect.Dy() != c.state.Height {
		return fmt.Errorf("checkpoint: frame %d has an unexpected format or size", i)
	}
	for p := 0; p < c.state.Width*c.state.Height; p++ {
		copy(rgb[3*p:3*p+3], pix[4*p:4*p+3])
	}
	return nil
}

// segmentDone records that segment k, which ends before frame end, is
// encoded and durable, and drops the frame images it replaces, keeping its
// last one, which the next frame's coherence needs.
func (c *checkpoint) segmentDone(k, end int) error {
	c.state.Segments = k + 1
	if err := c.writeState(); err != nil {
		return err
	}
	first := k * c.segmentFrames
	for i := max(first-1, 0); i < end-1; i++ {
		if err := os.Remove(c.framePath(i)); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("checkpoint: %w", err)
		}
	}
	return nil
}

// segments is the number of finished segments.
func (c *checkpoint) segments() int { return c.state.Segments }

// done is the number of finished frames.
func (c *checkpoint) done() int { return c.state.Done }

func (c *checkpoint) writeState() error {
	b, err := json.MarshalIndent(c.state, "", " ")
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(c.dir, "state.json"), func(f *os.File) error {
		_, err := f.Write(b)
		return err
	})
}

// remove deletes the work directory (after success).
func (c *checkpoint) remove() error {
	return os.RemoveAll(c.dir)
}

// writeFileAtomic writes path through a temporary file in the same
// directory, synced and renamed, so a crash leaves the old file or the new
// one, never a torn one.
func writeFileAtomic(path string, write func(*os.File) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := write(f); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	ok = true
	return nil
}
