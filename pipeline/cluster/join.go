package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/deepdream-go/deepdream/pipeline"
	"github.com/deepdream-go/deepdream/pipeline/media"
)

// JoinOptions tune Join.
type JoinOptions struct {
	// Force replaces an existing output.
	Force bool
	// Clean removes the parts folder after a successful join.
	Clean bool
	// Logger receives the ffmpeg command lines; nil: none.
	Logger *slog.Logger
}

// PartError names a part that cannot be joined, and why.
type PartError struct {
	Index, Parts int
	Dir          string
	Reason       string
}

func (e *PartError) Error() string {
	return fmt.Sprintf("part %d of %d (%s) %s", e.Index, e.Parts, e.Dir, e.Reason)
}

// Check verifies that every part of output's parts folder is there,
// complete and made by the job of its plan, and returns the plan.
func Check(output string) (*Manifest, error) {
	m, err := ReadManifest(output)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("no parts to join for %s: %s is missing; render the parts first (deepdream video IN -o %s --part K/N)", output, filepath.Join(PartsDir(output), planName), output)
	}
	if err != nil {
		return nil, err
	}
	fp, err := pipeline.InputFingerprint(m.Input)
	if err != nil {
		return nil, fmt.Errorf("the input of the parts, %s, cannot be read (%v); it provides the seams' source frames and the audio", m.Input, err)
	}
	if fp != m.InputFingerprint {
		return nil, fmt.Errorf("the input %s has changed since the parts were planned; render them again with --force", m.Input)
	}
	n := len(m.Plan.Parts)
	for k := range m.Plan.Parts {
		dir := PartDir(output, k)
		pm, err := pipeline.ReadPartManifest(dir)
		if errors.Is(err, os.ErrNotExist) {
			if pid, busy := pipeline.OutputBusy(dir); busy {
				by := ""
				if pid > 0 {
					by = fmt.Sprintf(" (pid %d)", pid)
				}
				return nil, &PartError{k, n, dir, "is still being rendered" + by + "; join when every part has finished"}
			}
			if _, err := os.Stat(partCheckpoint(output, k)); err == nil {
				return nil, &PartError{k, n, dir, "is not finished: its worker stopped (run its command again: it resumes)"}
			}
			return nil, &PartError{k, n, dir, fmt.Sprintf("is missing: render it with the same deepdream video command and --part %d/%d", k, n)}
		}
		if err != nil {
			return nil, &PartError{k, n, dir, fmt.Sprintf("is damaged (%v): render it again with --part %d/%d", err, k, n)}
		}
		if pm.Key != m.PartKeys[k] {
			return nil, &PartError{k, n, dir, fmt.Sprintf("was rendered from another input or with other settings: render it again with the same command as the others and --part %d/%d", k, n)}
		}
		if err := pm.Verify(dir); err != nil {
			return nil, &PartError{k, n, dir, fmt.Sprintf("is incomplete: %v; render it again with --part %d/%d", err, k, n)}
		}
	}
	return m, nil
}

// Join checks the parts of output (see Check), cross-fades each seam as
// planned, concatenates the parts' video without re-encoding it (only the
// few cross-faded frames at each seam are encoded), muxes the source's audio
// in sync and writes output atomically.
func Join(ctx context.Context, output string, opt JoinOptions) error {
	m, err := Check(output)
	if err != nil {
		return err
	}
	final := filepath.Clean(output)
	if _, err := os.Stat(final); err == nil && !opt.Force {
		return fmt.Errorf("output %s exists; use --force to replace it", final)
	}
	segFormat, err := media.SegmentFormat(m.Format)
	if err != nil {
		return err
	}
	tmpDir, err := os.MkdirTemp(PartsDir(output), ".join-*")
	if err != nil {
		return fmt.Errorf("join: %w", err)
	}
	defer os.RemoveAll(tmpDir)
	enc := media.EncodeOptions{Width: m.Width, Height: m.Height, FrameRate: m.FrameRate, CRF: m.CRF, Format: segFormat, Logger: opt.Logger}
	src, err := newSourceReader(ctx, m, opt.Logger)
	if err != nil {
		return err
	}
	defer src.close()
	var segments []string
	for k, q := range m.Plan.Parts {
		if q.Head > 0 {
			seam := filepath.Join(tmpDir, fmt.Sprintf("seam-%04d.%s", k, segFormat))
			if err := crossfade(ctx, seam, PartDir(output, k-1), PartDir(output, k), q, src, enc); err != nil {
				return fmt.Errorf("join: seam before part %d: %w", k, err)
			}
			segments = append(segments, seam)
		}
		pm, err := pipeline.ReadPartManifest(PartDir(output, k))
		if err != nil {
			return err
		}
		segments = append(segments, filepath.Join(PartDir(output, k), pm.Body))
	}
	audio, err := sourceAudio(ctx, m, opt.Logger)
	if err != nil {
		return err
	}
	dir, base := filepath.Dir(final), filepath.Base(final)
	ext := filepath.Ext(base)
	temp := filepath.Join(dir, "."+strings.TrimSuffix(base, ext)+".partial"+ext)
	out := enc
	out.Format, out.Audio = m.Format, audio
	if err := media.Concat(ctx, segments, temp, out); err != nil {
		os.Remove(temp)
		return fmt.Errorf("join: %w", err)
	}
	if err := os.Rename(temp, final); err != nil {
		os.Remove(temp)
		return fmt.Errorf("join: move output into place: %w", err)
	}
	if opt.Clean {
		if err := os.RemoveAll(PartsDir(output)); err != nil {
			return fmt.Errorf("join: wrote %s but could not remove the parts: %w", final, err)
		}
	}
	return nil
}

// crossfade blends the previous part's continuation into part q's head and
// encodes the result. Both carry a dream over the same source frames; the
// fade mixes their hallucinations (dream − source) with the equal-power
// weights cos(απ/2) and sin(απ/2), α = (j+1)/(n+1):
//   - two unrelated dream patterns do not average each other out half-way
//     (a linear fade dipped to 0.8× the dream strength in the measurements);
//   - every step of the fade changes the picture by the same amount (for
//     unrelated patterns), so no frame pair jumps more than the others (√α
//     weights, also equal-power, jumped 2.6× the median E_warp at the ends).
//
// The weights are rounded to 1/65536 and the mix is fixed-point.
func crossfade(ctx context.Context, path, prevDir, nextDir string, q Part, src *sourceReader, opts media.EncodeOptions) error {
	e, err := media.NewEncoder(ctx, path, opts)
	if err != nil {
		return err
	}
	fail := func(err error) error {
		e.Abort()
		_ = e.Close()
		return err
	}
	size := opts.Width * opts.Height * 3
	a, b := make([]byte, size), make([]byte, size)
	n := q.Head
	for j := 0; j < n; j++ {
		if err := pipeline.ReadFramePNG(filepath.Join(prevDir, pipeline.TailFrame(j)), a, opts.Width, opts.Height); err != nil {
			return fail(err)
		}
		if err := pipeline.ReadFramePNG(filepath.Join(nextDir, pipeline.HeadFrame(j)), b, opts.Width, opts.Height); err != nil {
			return fail(err)
		}
		s, err := src.frame(q.Start + j)
		if err != nil {
			return fail(err)
		}
		FadeHallucination(a, b, s, j+1, n+1)
		if err := e.WriteFrame(a); err != nil {
			return fail(err)
		}
	}
	return e.Close()
}

// FadeHallucination sets a to src + cos(απ/2)·(a − src) + sin(απ/2)·(b − src),
// α = num/den, rounded and clamped to 0..255, byte by byte.
func FadeHallucination(a, b, src []byte, num, den int) {
	const one = 1 << 16
	alpha := float64(num) / float64(den)
	wa := int(math.Round(math.Cos(alpha*math.Pi/2) * one))
	wb := int(math.Round(math.Sin(alpha*math.Pi/2) * one))
	for i := range a {
		s := int(src[i])
		v := s*one + wa*(int(a[i])-s) + wb*(int(b[i])-s)
		v = (v + one/2) >> 16
		a[i] = byte(min(max(v, 0), 255))
	}
}

// sourceReader hands out source frames of the job in increasing order,
// decoding the job's frames once from its first frame, as the parts did.
type sourceReader struct {
	dec  *media.Decoder
	next int
	buf  []byte
}

func newSourceReader(ctx context.Context, m *Manifest, log *slog.Logger) (*sourceReader, error) {
	dopt := m.Decode
	dopt.MaxFrames = m.Plan.Frames
	dopt.Logger = log
	dec, err := media.NewDecoder(ctx, m.Input, dopt)
	if err != nil {
		return nil, fmt.Errorf("join: source: %w", err)
	}
	if dec.Width() != m.Width || dec.Height() != m.Height {
		dec.Close()
		return nil, fmt.Errorf("join: the source decodes at %dx%d, the parts are %dx%d", dec.Width(), dec.Height(), m.Width, m.Height)
	}
	return &sourceReader{dec: dec, buf: make([]byte, dec.FrameSize())}, nil
}

// frame returns source frame i (valid until the next call); i must not
// be below the last frame asked for.
func (r *sourceReader) frame(i int) ([]byte, error) {
	if i < r.next-1 {
		return nil, fmt.Errorf("join: source frame %d asked for after %d", i, r.next-1)
	}
	for r.next <= i {
		if err := r.dec.Next(r.buf); err != nil {
			return nil, fmt.Errorf("join: source frame %d: %w", r.next, err)
		}
		r.next++
	}
	return r.buf, nil
}

func (r *sourceReader) close() { r.dec.Close() }

// sourceAudio is the audio of the whole job's span of the input, as a
// whole run would mux it.
func sourceAudio(ctx context.Context, m *Manifest, log *slog.Logger) (*media.AudioSource, error) {
	dopt := m.Decode
	dopt.MaxFrames = m.Plan.Frames
	dopt.Logger = log
	dec, err := media.NewDecoder(ctx, m.Input, dopt)
	if err != nil {
		return nil, fmt.Errorf("join: audio: %w", err)
	}
	defer dec.Close()
	return dec.AudioSource(), nil
}
