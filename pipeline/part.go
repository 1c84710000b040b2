package pipeline

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/deepdream-go/deepdream/pipeline/imageio"
	"github.com/deepdream-go/deepdream/pipeline/media"
)

// PartRange restricts a video job to one stretch of its clip, so that the
// clip can be rendered as independent parts (see package pipeline/cluster).
// Frame numbers count from the job's first decoded frame.
//
// The job decodes from the job's first frame (so every part sees exactly
// the frames a whole run would), skips to From, dreams Warmup frames that
// it throws away, then writes Head frames and Tail frames as lossless PNGs
// (the join cross-fades them with the neighbouring parts) and the Body
// frames between them as video in media.SegmentFormat(Format). The output
// is a folder holding head/, body.EXT, tail/ and part.json.
type PartRange struct {
	From   int `json:"from"`
	Warmup int `json:"warmup"`
	Head   int `json:"head"`
	Body   int `json:"body"`
	Tail   int `json:"tail"`
	// Format is the format of the joined output.
	Format media.Format `json:"format"`
}

// Frames is how many frames the part dreams.
func (r *PartRange) Frames() int { return r.Warmup + r.Head + r.Body + r.Tail }

func (r *PartRange) validate() error {
	if r.From < 0 || r.Warmup < 0 || r.Head < 0 || r.Tail < 0 || r.Body < 1 {
		return fmt.Errorf("part range %+v: negative counts or no body frames", *r)
	}
	if _, err := media.SegmentFormat(r.Format); err != nil {
		return fmt.Errorf("parts can only be joined into a video file (.mp4 .mov .mkv .webm), not %s", r.Format)
	}
	return nil
}

// PartManifestName is the file that marks a finished part folder.
const PartManifestName = "part.json"

const partManifestVersion = 1

// PartManifest describes a finished part folder: which job made it and the
// files it holds, with their sizes and SHA-256, so that a join can tell a
// complete part from a damaged or foreign one.
type PartManifest struct {
	Version   int            `json:"version"`
	Key       string         `json:"key"` // VideoJobKey of the part's job
	Range     PartRange      `json:"range"`
	Width     int            `json:"width"`
	Height    int            `json:"height"`
	FrameRate media.Rational `json:"frame_rate"`
	Body      string         `json:"body"` // file name of the body video
	Files     []PartFile     `json:"files"`
}

// PartFile is one file of a part folder.
type PartFile struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// HeadFrame and TailFrame name the lossless frames of a part folder.
func HeadFrame(i int) string { return filepath.Join("head", partFrameName(i)) }

// TailFrame names tail frame i of a part folder.
func TailFrame(i int) string { return filepath.Join("tail", partFrameName(i)) }

func partFrameName(i int) string { return "frame_" + strconv.Itoa(1000000 + i)[1:] + ".png" }

// ReadPartManifest reads the manifest of a part folder.
func ReadPartManifest(dir string) (*PartManifest, error) {
	raw, err := os.ReadFile(filepath.Join(dir, PartManifestName))
	if err != nil {
		return nil, err
	}
	var m PartManifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, PartManifestName), err)
	}
	if m.Version != partManifestVersion {
		return nil, fmt.Errorf("%s: version %d, want %d", filepath.Join(dir, PartManifestName), m.Version, partManifestVersion)
	}
	return &m, nil
}

// Verify checks that every file the manifest lists is in dir with its size
// and checksum.
func (m *PartManifest) Verify(dir string) error {
	for _, f := range m.Files {
		sum, size, err := hashFile(filepath.Join(dir, f.Name))
		if err != nil {
			return err
		}
		if size != f.Size || sum != f.SHA256 {
			return fmt.Errorf("%s is damaged (size or checksum differs from %s)", filepath.Join(dir, f.Name), PartManifestName)
		}
	}
	return nil
}

func hashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, fmt.Errorf("read %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// WriteFramePNG writes an rgb24 frame as a lossless PNG, atomically.
func WriteFramePNG(path string, rgb []byte, w, h int) error {
	return writeFileAtomic(path, func(f *os.File) error {
		return imageio.EncodeRGBPNG(f, rgb, w, h)
	})
}

// ReadFramePNG reads a frame written by WriteFramePNG into rgb (w*h*3 bytes).
func ReadFramePNG(path string, rgb []byte, w, h int) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	img, err := png.Decode(bufio.NewReader(f))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	m, ok := img.(*image.RGBA)
	if !ok || m.Rect.Dx() != w || m.Rect.Dy() != h {
		return fmt.Errorf("%s: not a %dx%d frame", path, w, h)
	}
	for p := 0; p < w*h; p++ {
		copy(rgb[3*p:3*p+3], m.Pix[4*p:4*p+3])
	}
	return nil
}

// partSink writes the frames of a part job into its folder.
type partSink struct {
	ctx  context.Context
	r    PartRange
	dir  string // the temporary output folder
	key  string
	opts media.EncodeOptions
	enc  *media.Encoder
	body string
}

func newPartSink(ctx context.Context, r PartRange, dir, key string, opts media.EncodeOptions) (*partSink, error) {
	segFormat, err := media.SegmentFormat(r.Format)
	if err != nil {
		return nil, err
	}
	for _, sub := range []string{"head", "tail"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return nil, fmt.Errorf("part: %w", err)
		}
	}
	opts.Format, opts.Audio = segFormat, nil
	return &partSink{ctx: ctx, r: r, dir: dir, key: key, opts: opts, body: "body." + string(segFormat)}, nil
}

func (s *partSink) write(i int, rgb []byte) error {
	i -= s.r.Warmup
	switch {
	case i < 0: // warm-up: dreamed to settle the carried dream, not kept
		return nil
	case i < s.r.Head:
		return WriteFramePNG(filepath.Join(s.dir, HeadFrame(i)), rgb, s.opts.Width, s.opts.Height)
	case i < s.r.Head+s.r.Body:
		if s.enc == nil {
			enc, err := media.NewEncoder(s.ctx, filepath.Join(s.dir, s.body), s.opts)
			if err != nil {
				return err
			}
			s.enc = enc
		}
		return s.enc.WriteFrame(rgb)
	default:
		return WriteFramePNG(filepath.Join(s.dir, TailFrame(i-s.r.Head-s.r.Body)), rgb, s.opts.Width, s.opts.Height)
	}
}

func (s *partSink) finish(context.Context) error {
	if s.enc == nil {
		return errors.New("part: no body frames were written")
	}
	if err := s.enc.Close(); err != nil {
		return err
	}
	s.enc = nil
	m := PartManifest{Version: partManifestVersion, Key: s.key, Range: s.r, Width: s.opts.Width, Height: s.opts.Height,
		FrameRate: s.opts.FrameRate, Body: s.body}
	names := []string{s.body}
	for i := 0; i < s.r.Head; i++ {
		names = append(names, HeadFrame(i))
	}
	for i := 0; i < s.r.Tail; i++ {
		names = append(names, TailFrame(i))
	}
	for _, n := range names {
		if err := syncFile(filepath.Join(s.dir, n)); err != nil {
			return fmt.Errorf("part: %w", err)
		}
		sum, size, err := hashFile(filepath.Join(s.dir, n))
		if err != nil {
			return fmt.Errorf("part: %w", err)
		}
		m.Files = append(m.Files, PartFile{Name: n, Size: size, SHA256: sum})
	}
	b, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(s.dir, PartManifestName), func(f *os.File) error {
		_, err := f.Write(b)
		return err
	})
}

func (s *partSink) abort() {
	if s.enc != nil {
		s.enc.Abort()
		_ = s.enc.Close()
	}
}

// InputFingerprint identifies the content of an input file (its absolute
// path, size and a hash of its first and last 64 KiB, as checkpoints do),
// so that a changed file is noticed while touching it is not.
func InputFingerprint(path string) (string, error) {
	f, err := inputFingerprint(path)
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(f)
	if err != nil {
		return "", err
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:]), nil
}
