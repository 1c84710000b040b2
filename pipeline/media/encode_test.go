package media

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// transcode decodes src with dopts and encodes every frame to out.
func transcode(t *testing.T, src, out string, dopts DecodeOptions, eopts EncodeOptions) (*Decoder, int) {
	t.Helper()
	ctx := testCtx(t)
	d, err := NewDecoder(ctx, src, dopts)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	eopts.Width, eopts.Height, eopts.FrameRate = d.Width(), d.Height(), d.FrameRate()
	if eopts.Audio == nil {
		eopts.Audio = d.AudioSource()
	}
	e, err := NewEncoder(ctx, out, eopts)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Abort()
	n, err := decodeAll(d, func(i int, f []byte) {
		if err := e.WriteFrame(f); err != nil {
			t.Fatalf("write frame %d: %v", i, err)
		}
	})
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	if err := e.Close(); err != nil {
		t.Fatalf("encode: %v", err)
	}
	if e.Frames() != n {
		t.Errorf("encoder counted %d frames, decoder %d", e.Frames(), n)
	}
	return d, n
}

// TestRoundTrip decodes part of a clip, encodes it, and checks the output
// with an independent ffprobe run: container, frame count, rate, duration,
// size, audio streams/channels, and audio duration ≈ video duration.
func TestRoundTrip(t *testing.T) {
	needFFmpeg(t)
	cases := []struct {
		name, src, out string
		dopts          DecodeOptions
		format         string // ffprobe format_name
		w, h           int
		channels       int    // 0: no audio expected
		acodec         string // expected audio codec in the output
	}{
		{"mp4 mp3->aac", "chaplin.mp4", "out.mp4", DecodeOptions{Width: 320, Start: 2 * time.Second, Duration: 2 * time.Second},
			"mov,mp4,m4a,3gp,3g2,mj2", 320, 180, 2, "aac"},
		{"mp4 5.1 aac copy", "bbb.mp4", "out.mp4", DecodeOptions{Width: 320, Duration: 2 * time.Second},
			"mov,mp4,m4a,3gp,3g2,mj2", 320, 180, 6, "aac"},
		{"webm 5.1 aac->opus", "bbb.mp4", "out.webm", DecodeOptions{Width: 160, Start: time.Second, Duration: time.Second},
			"matroska,webm", 160, 90, 6, "opus"},
		{"webm vorbis trimmed sar", "tos_sar.webm", "out.webm", DecodeOptions{Width: 240, Start: 3 * time.Second, Duration: 1500 * time.Millisecond},
			"matroska,webm", 240, 100, 2, "opus"},
		{"webm vorbis copy", "tos_sar.webm", "out.webm", DecodeOptions{Width: 240, Duration: 1500 * time.Millisecond},
			"matroska,webm", 240, 100, 2, "vorbis"},
		{"mkv trimmed 5.1", "bbb.mp4", "out.mkv", DecodeOptions{Width: 160, Start: 3 * time.Second, Duration: time.Second},
			"matroska,webm", 160, 90, 6, "aac"},
		{"mov vfr rotated mono", "phone_rot180_vfr.mp4", "out.mov", DecodeOptions{Width: 320},
			"mov,mp4,m4a,3gp,3g2,mj2", 320, 180, 1, "aac"},
		{"mkv vorbis copy", "flower.webm", "out.mkv", DecodeOptions{Width: 160, MaxFrames: 30},
			"matroska,webm", 160, 90, 2, "vorbis"},
		{"mp4 no audio full range", "mouse.avi", "out.mp4", DecodeOptions{Width: 208, MaxFrames: 20},
			"mov,mp4,m4a,3gp,3g2,mj2", 208, 187 &^ 1, 0, ""},
		{"mp4 odd width 161", "flower.mp4", "out.mp4", DecodeOptions{Width: 161, MaxFrames: 15},
			"mov,mp4,m4a,3gp,3g2,mj2", 160, 90, 2, "aac"},
		{"webm odd width 161", "chaplin.mp4", "out.webm", DecodeOptions{Width: 161, MaxFrames: 10},
			"matroska,webm", 160, 90, 2, "opus"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), c.out)
			d, n := transcode(t, clip(t, c.src), out, c.dopts, EncodeOptions{Preset: "veryfast"})
			v := ffprobeVerify(t, out)
			if v.Format != c.format {
				t.Errorf("format %q, want %q", v.Format, c.format)
			}
			if v.Width != c.w || v.Height != c.h {
				t.Errorf("size %dx%d, want %dx%d (decoded %dx%d)", v.Width, v.Height, c.w, c.h, d.Width(), d.Height())
			}
			if v.SAR != "" && v.SAR != "1:1" && v.SAR != "N/A" {
				t.Errorf("SAR %s, want square pixels", v.SAR)
			}
			if v.Rotation != 0 {
				t.Errorf("output carries rotation %v: players would turn the upright frames again", v.Rotation)
			}
			if v.Frames != n {
				t.Errorf("%d frames in the output, %d encoded", v.Frames, n)
			}
			if !v.Rate.close(d.FrameRate(), 0.001) {
				t.Errorf("rate %v, want %v", v.Rate, d.FrameRate())
			}
			frame := 1 / d.FrameRate().Float64()
			want := d.FrameRate().FrameDuration(n)
			if math.Abs(v.VDur-want) > frame {
				t.Errorf("video duration %.3f s, want %.3f", v.VDur, want)
			}
			if c.channels == 0 {
				if v.Audio != 0 {
					t.Errorf("%d audio streams, want none", v.Audio)
				}
				return
			}
			if v.Audio != 1 || v.Channels != c.channels || v.ACodec != c.acodec {
				t.Errorf("audio: %d streams, %d channels, %s; want 1, %d, %s", v.Audio, v.Channels, v.ACodec, c.channels, c.acodec)
			}
			// Sync: the audio covers the video within two frames (the source's
			// own audio may end a little earlier, as in the phone clip).
			wantA := v.VDur
			if ad := d.Info().Audio[0].Duration; ad > 0 {
				wantA = math.Min(wantA, (ad - d.AudioSource().Start).Seconds())
			}
			if math.Abs(v.ADur-wantA) > 2*frame+0.05 {
				t.Errorf("audio duration %.3f s, video %.3f s, want audio %.3f s", v.ADur, v.VDur, wantA)
			}
			t.Logf("%d frames at %v, video %.3f s, audio %.3f s", n, d.FrameRate(), v.VDur, v.ADur)
		})
	}
}

// TestRoundTripVFRDuration: the whole variable-rate phone clip keeps its
// duration (2.38 s) after resampling to its average rate.
func TestRoundTripVFRDuration(t *testing.T) {
	needFFmpeg(t)
	out := filepath.Join(t.TempDir(), "vfr.mp4")
	_, n := transcode(t, clip(t, "phone_rot180_vfr.mp4"), out, DecodeOptions{Width: 160}, EncodeOptions{Preset: "ultrafast"})
	v := ffprobeVerify(t, out)
	if math.Abs(v.VDur-2.38) > 0.1 || v.Frames != n {
		t.Errorf("duration %.3f s, %d frames (%d written); want 2.38 s", v.VDur, v.Frames, n)
	}
}

// TestEncodeGIF: two-pass palette GIF at a chosen width and rate, looping,
// without audio.
func TestEncodeGIF(t *testing.T) {
	needFFmpeg(t)
	out := filepath.Join(t.TempDir(), "out.gif")
	_, n := transcode(t, clip(t, "flower.mp4"), out, DecodeOptions{Width: 320, MaxFrames: 30},
		EncodeOptions{GIFWidth: 161, GIFFrameRate: Rational{10, 1}})
	v := ffprobeVerify(t, out)
	if v.Format != "gif" || v.Width != 161 || v.Height != 91 || v.Audio != 0 {
		t.Errorf("got %+v", v)
	}
	// 30 frames at 30000/1001 = 1.001 s -> 10 or 11 frames at 10 fps.
	if v.Frames < 10 || v.Frames > 11 {
		t.Errorf("%d GIF frames from %d at 10 fps, want 10±1", v.Frames, n)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "NETSCAPE2.0") {
		t.Error("no NETSCAPE2.0 loop extension: GIF will not loop")
	}
}

// TestEncodePNGDir: a directory gets frame_000001.png... at full size, also
// for odd sizes.
func TestEncodePNGDir(t *testing.T) {
	needFFmpeg(t)
	dir := filepath.Join(t.TempDir(), "frames")
	d, n := transcode(t, clip(t, "mouse_mjpeg.avi"), dir, DecodeOptions{Width: 161, MaxFrames: 5}, EncodeOptions{Format: FormatPNG})
	files, _ := filepath.Glob(filepath.Join(dir, "*.png"))
	if len(files) != n || n != 5 {
		t.Fatalf("%d files for %d frames: %v", len(files), n, files)
	}
	for i := 1; i <= n; i++ {
		p := filepath.Join(dir, fmt.Sprintf("frame_%06d.png", i))
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		w, h, _ := decodePNG(t, f)
		f.Close()
		if w != d.Width() || h != d.Height() || w != 161 {
			t.Errorf("%s: %dx%d, want %dx%d", p, w, h, d.Width(), d.Height())
		}
	}
}

// TestEncodeFormatOverride: a temporary name without the final extension
// still gets the container of the explicit format.
func TestEncodeFormatOverride(t *testing.T) {
	needFFmpeg(t)
	out := filepath.Join(t.TempDir(), "dream.webm.part")
	transcode(t, clip(t, "chaplin.mp4"), out, DecodeOptions{Width: 160, MaxFrames: 5}, EncodeOptions{Format: FormatWebM})
	if v := ffprobeVerify(t, out); v.Format != "matroska,webm" || v.ACodec != "opus" {
		t.Errorf("got %+v, want webm with opus", v)
	}
	if _, err := FormatFromPath("x.avi"); err == nil {
		t.Error("want an error for .avi output")
	}
	for p, f := range map[string]Format{"a.MP4": FormatMP4, "b.mov": FormatMOV, "c.mkv": FormatMKV, "d.webm": FormatWebM, "e.gif": FormatGIF, "frames/": FormatPNG, "frames": FormatPNG} {
		if got, err := FormatFromPath(p); got != f || err != nil {
			t.Errorf("FormatFromPath(%q) = %q, %v; want %q", p, got, err, f)
		}
	}
}

// TestEncodeCancel: cancelling the context kills the encoder; writes and
// Close report the cancellation promptly.
func TestEncodeCancel(t *testing.T) {
	needFFmpeg(t)
	base := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e, err := NewEncoder(ctx, filepath.Join(t.TempDir(), "x.mp4"), EncodeOptions{Width: 320, Height: 240, FrameRate: Rational{25, 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Abort()
	frame := make([]byte, 320*240*3)
	for i := 0; i < 5; i++ {
		if err := e.WriteFrame(frame); err != nil {
			t.Fatal(err)
		}
	}
	cancel()
	start := time.Now()
	for i := 0; i < 10000 && err == nil; i++ {
		err = e.WriteFrame(frame)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("write after cancel: %v", err)
	}
	if err := e.Close(); !errors.Is(err, context.Canceled) {
		t.Errorf("Close after cancel: %v", err)
	}
	if time.Since(start) > 3*time.Second {
		t.Errorf("took %v to stop", time.Since(start))
	}
	if e.proc.cmd.ProcessState == nil {
		t.Error("ffmpeg not reaped")
	}
	checkGoroutines(t, base)
}

// TestEncodeBadFrame: a wrong-sized frame is refused; an encoder that
// cannot write its output fails with ffmpeg's reason.
func TestEncodeErrors(t *testing.T) {
	needFFmpeg(t)
	e, err := NewEncoder(testCtx(t), filepath.Join(t.TempDir(), "no", "such", "dir", "x.mp4"), EncodeOptions{Width: 16, Height: 16, FrameRate: Rational{25, 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Abort()
	if err := e.WriteFrame(make([]byte, 10)); err == nil {
		t.Error("short frame accepted")
	}
	frame := make([]byte, 16*16*3)
	for i := 0; i < 100 && err == nil; i++ {
		err = e.WriteFrame(frame)
	}
	if err == nil {
		err = e.Close()
	}
	if err == nil || !strings.Contains(err.Error(), "No such file or directory") || strings.Contains(err.Error(), "\n") {
		t.Errorf("got %v, want one line quoting ffmpeg's reason", err)
	}
	t.Log(err)
}

// TestClosedStates: after Close or Abort, writes and reads report
// ErrClosed, and Close after Abort is not a success.
func TestClosedStates(t *testing.T) {
	needFFmpeg(t)
	dir := t.TempDir()
	opts := EncodeOptions{Width: 32, Height: 18, FrameRate: Rational{25, 1}}
	frame := make([]byte, 32*18*3)

	e, err := NewEncoder(testCtx(t), filepath.Join(dir, "a.mp4"), opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.WriteFrame(frame); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := e.WriteFrame(frame); !errors.Is(err, ErrClosed) {
		t.Errorf("write after Close: %v", err)
	}

	e, err = NewEncoder(testCtx(t), filepath.Join(dir, "b.mp4"), opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.WriteFrame(frame); err != nil {
		t.Fatal(err)
	}
	e.Abort()
	if err := e.Close(); !errors.Is(err, ErrClosed) {
		t.Errorf("Close after Abort: %v, want ErrClosed", err)
	}

	d, err := NewDecoder(testCtx(t), clip(t, "chaplin.mp4"), DecodeOptions{Width: 64})
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, d.FrameSize())
	if err := d.Next(buf); err != nil {
		t.Fatal(err)
	}
	d.Close()
	var nerr error
	for i := 0; i < 300 && nerr == nil; i++ {
		nerr = d.Next(buf)
	}
	if !errors.Is(nerr, ErrClosed) {
		t.Errorf("Next after Close: %v", nerr)
	}
}

// TestAwkwardNames: relative names that look like options or protocols
// ("-dash.mp4", "a:b.webm") can be written, probed and decoded, and a PNG
// directory with a % in its name works.
func TestAwkwardNames(t *testing.T) {
	needFFmpeg(t)
	dir := t.TempDir()
	src, err := filepath.Abs(clip(t, "mouse_mjpeg.avi"))
	if err != nil {
		t.Fatal(err)
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chdir(dir); err != nil { // not parallel: the test owns the cwd
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	for _, name := range []string{"-dash.mp4", "a:b.webm", "100%frames"} {
		format, _ := FormatFromPath(name)
		transcode(t, src, name, DecodeOptions{Width: 64, MaxFrames: 3}, EncodeOptions{Format: format})
		if name == "100%frames" {
			if _, err := os.Stat(filepath.Join(dir, name, "frame_000003.png")); err != nil {
				t.Error(err)
			}
			continue
		}
		if v := ffprobeVerify(t, filepath.Join(dir, name)); v.Frames != 3 {
			t.Errorf("%s: %+v", name, v)
		}
		// And read back through Probe and the Decoder by the relative name.
		d, err := NewDecoder(testCtx(t), name, DecodeOptions{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if n, err := decodeAll(d, nil); n != 3 || err != nil {
			t.Errorf("%s: decoded %d frames, %v", name, n, err)
		}
		d.Close()
	}
}
