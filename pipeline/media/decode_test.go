package media

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestDecodeFrames decodes a few frames of every clip at a small size and
// checks the count and the frame size (display aspect kept).
func TestDecodeFrames(t *testing.T) {
	needFFmpeg(t)
	for _, name := range []string{"flower.mp4", "flower.webm", "bbb.mp4", "chaplin.mp4", "bulkwater.mov",
		"mouse.avi", "mouse_mjpeg.avi", "phone_rot180_vfr.mp4", "tos_sar.webm"} {
		t.Run(name, func(t *testing.T) {
			path := clip(t, name)
			info, err := Probe(testCtx(t), path)
			if err != nil {
				t.Fatal(err)
			}
			const n = 4
			d, err := NewDecoder(testCtx(t), path, DecodeOptions{Info: info, Width: 160, MaxFrames: n})
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			wantH := int(float64(160)*float64(info.Height)/float64(info.Width) + 0.5)
			if d.Width() != 160 || d.Height() != wantH || d.FrameSize() != 160*wantH*3 {
				t.Errorf("frame %dx%d, want 160x%d", d.Width(), d.Height(), wantH)
			}
			got, err := decodeAll(d, nil)
			if err != nil || got != n {
				t.Errorf("decoded %d frames (err %v), want %d", got, err, n)
			}
			if err := d.Next(make([]byte, d.FrameSize())); err != io.EOF {
				t.Errorf("Next after the end: %v, want io.EOF", err)
			}
		})
	}
}

// TestDecodeDisplaySize: non-square pixels come out square at the display
// size; a whole short clip decodes to its exact frame count.
func TestDecodeDisplaySize(t *testing.T) {
	needFFmpeg(t)
	for _, c := range []struct {
		name   string
		w, h   int
		frames int
		opts   DecodeOptions
	}{
		{"mouse.avi", 417, 374, 3, DecodeOptions{MaxFrames: 3}},
		{"tos_sar.webm", 798, 332, 3, DecodeOptions{MaxFrames: 3}},
		{"mouse_mjpeg.avi", 832, 747, 12, DecodeOptions{}},
		{"tos_sar.webm", 161, 67, 24, DecodeOptions{Height: 67, Start: 2 * time.Second, Duration: time.Second}},
	} {
		d, err := NewDecoder(testCtx(t), clip(t, c.name), c.opts)
		if err != nil {
			t.Fatal(err)
		}
		n, err := decodeAll(d, nil)
		d.Close()
		if d.Width() != c.w || d.Height() != c.h || n != c.frames || err != nil {
			t.Errorf("%s %+v: %dx%d, %d frames, err %v; want %dx%d, %d frames", c.name, c.opts, d.Width(), d.Height(), n, err, c.w, c.h, c.frames)
		}
	}
}

// TestDecodeRotation: the phone clip (display matrix -180°) comes out
// upright: our frame 0 equals ffmpeg's un-rotated frame turned by 180°.
func TestDecodeRotation(t *testing.T) {
	needFFmpeg(t)
	path := clip(t, "phone_rot180_vfr.mp4")
	w, h, raw := extractFrame(t, path, "-noautorotate")
	d, err := NewDecoder(testCtx(t), path, DecodeOptions{MaxFrames: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	frame := make([]byte, d.FrameSize())
	if err := d.Next(frame); err != nil {
		t.Fatal(err)
	}
	if d.Width() != w || d.Height() != h {
		t.Fatalf("size %dx%d, want %dx%d", d.Width(), d.Height(), w, h)
	}
	turned := make([]byte, len(raw))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			copy(turned[((h-1-y)*w+(w-1-x))*3:][:3], raw[(y*w+x)*3:][:3])
		}
	}
	mean, _ := diffStats(frame, turned)
	meanRaw, _ := diffStats(frame, raw)
	if mean > 1.0 || meanRaw < 3*mean+1 {
		t.Errorf("mean difference to the 180°-turned frame %.2f, to the unturned one %.2f", mean, meanRaw)
	}
}

// TestDecodeFullRange: a full-range (yuvj420p, pc) clip decodes to the same
// levels as a PNG extracted by ffmpeg directly, and uses the full 0..255
// scale rather than being squeezed to 16..235.
func TestDecodeFullRange(t *testing.T) {
	needFFmpeg(t)
	for _, name := range []string{"bulkwater.mov", "mouse_mjpeg.avi"} {
		path := clip(t, name)
		w, h, ref := extractFrame(t, path)
		d, err := NewDecoder(testCtx(t), path, DecodeOptions{MaxFrames: 1})
		if err != nil {
			t.Fatal(err)
		}
		frame := make([]byte, d.FrameSize())
		err = d.Next(frame)
		d.Close()
		if err != nil {
			t.Fatal(err)
		}
		if d.Width() != w || d.Height() != h {
			t.Fatalf("%s: size %dx%d, want %dx%d", name, d.Width(), d.Height(), w, h)
		}
		mean, maxd := diffStats(frame, ref)
		if mean > 0.5 || maxd > 4 {
			t.Errorf("%s: differs from ffmpeg's PNG: mean %.3f max %d", name, mean, maxd)
		}
		lo, hi := 255, 0
		for _, v := range frame {
			lo, hi = min(lo, int(v)), max(hi, int(v))
		}
		t.Logf("%s: mean diff %.3f, max %d, levels %d..%d", name, mean, maxd, lo, hi)
	}
}

// TestDecodeVFR: the variable-rate phone clip is resampled to its exact
// average rate, keeping its 25 frames and its duration.
func TestDecodeVFR(t *testing.T) {
	needFFmpeg(t)
	d, err := NewDecoder(testCtx(t), clip(t, "phone_rot180_vfr.mp4"), DecodeOptions{Width: 160})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if d.FrameRate() != (Rational{750000, 71393}) {
		t.Errorf("rate %v, want 750000/71393", d.FrameRate())
	}
	n, err := decodeAll(d, nil)
	if err != nil || n < 24 || n > 26 {
		t.Errorf("decoded %d frames (err %v), want 25±1", n, err)
	}
}

// TestDecodeResample: the fps option resamples (chaplin 25 fps -> 10 fps
// over 2 s = 20 frames).
func TestDecodeResample(t *testing.T) {
	needFFmpeg(t)
	d, err := NewDecoder(testCtx(t), clip(t, "chaplin.mp4"), DecodeOptions{Width: 160, FrameRate: Rational{10, 1}, Start: time.Second, Duration: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	n, err := decodeAll(d, nil)
	if err != nil || n != 20 {
		t.Errorf("decoded %d frames (err %v), want 20", n, err)
	}
}

// TestDecodeTruncated: a clip cut short (moov at the front, media data
// missing) fails with a FrameError naming the frame where decoding stopped.
func TestDecodeTruncated(t *testing.T) {
	needFFmpeg(t)
	src, err := os.ReadFile(clip(t, "flower.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "truncated.mp4")
	if err := os.WriteFile(path, src[:len(src)*2/5], 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := NewDecoder(testCtx(t), path, DecodeOptions{Width: 160})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer d.Close()
	n, err := decodeAll(d, nil)
	var fe *FrameError
	if !errors.As(err, &fe) {
		t.Fatalf("decoded %d frames, err %v; want a FrameError", n, err)
	}
	if fe.Frame != n || n == 0 || n >= 150 || !strings.Contains(err.Error(), "frame ") || strings.Contains(err.Error(), "\n") {
		t.Errorf("decoded %d, error %q", n, err)
	}
	t.Log(err)

	// With the index (moov) at the end, a truncated MP4 cannot be opened at
	// all: the error says why, on one line.
	src, err = os.ReadFile(clip(t, "chaplin.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(t.TempDir(), "no_moov.mp4")
	if err := os.WriteFile(path, src[:len(src)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = NewDecoder(testCtx(t), path, DecodeOptions{})
	if !errors.Is(err, ErrNotVideo) || !strings.Contains(err.Error(), "moov atom not found") || strings.Contains(err.Error(), "\n") {
		t.Errorf("got %v", err)
	}
}

// TestDecodeCorrupt: a clip with damaged data in the middle decodes to the
// end with concealment and a Warning by default, and stops with a
// FrameError naming the frame in Strict mode.
func TestDecodeCorrupt(t *testing.T) {
	needFFmpeg(t)
	src, err := os.ReadFile(clip(t, "flower.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	for i := len(src) / 2; i < len(src)/2+20000; i++ {
		src[i] = src[i]*7 + 13
	}
	path := filepath.Join(t.TempDir(), "corrupt.mp4")
	if err := os.WriteFile(path, src, 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := NewDecoder(testCtx(t), path, DecodeOptions{Width: 160})
	if err != nil {
		t.Fatal(err)
	}
	n, err := decodeAll(d, nil)
	d.Close()
	if err != nil || n < 140 || d.Warning() == "" {
		t.Errorf("lenient: %d frames, err %v, warning %q; want ~150 frames, no error, a warning", n, err, d.Warning())
	}

	d, err = NewDecoder(testCtx(t), path, DecodeOptions{Width: 160, Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	n, err = decodeAll(d, nil)
	var fe *FrameError
	if !errors.As(err, &fe) || fe.Frame != n || n == 0 || n >= 150 {
		t.Fatalf("strict: %d frames, err %v; want a FrameError inside the clip", n, err)
	}
	t.Log(err)
}

// TestDecodeCancel: cancelling the context stops ffmpeg promptly, and
// Close from another goroutine unblocks a waiting Next.
func TestDecodeCancel(t *testing.T) {
	needFFmpeg(t)
	path := clip(t, "bulkwater.mov")
	base := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d, err := NewDecoder(ctx, path, DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	frame := make([]byte, d.FrameSize())
	if err := d.Next(frame); err != nil {
		t.Fatal(err)
	}
	cancel()
	start := time.Now()
	var nerr error
	for i := 0; i < 1000 && nerr == nil; i++ {
		nerr = d.Next(frame) // frames already in the pipe may still arrive
	}
	if !errors.Is(nerr, context.Canceled) {
		t.Errorf("after cancel: %v, want context.Canceled", nerr)
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("took %v to stop", el)
	}
	if st := d.proc.cmd.ProcessState; st == nil || st.Success() {
		t.Errorf("ffmpeg not killed: %v", st)
	}

	// Close while another goroutine is blocked reading.
	d2, err := NewDecoder(context.Background(), path, DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		buf := make([]byte, d2.FrameSize())
		var err error
		for err == nil {
			err = d2.Next(buf)
		}
		done <- err
	}()
	time.Sleep(100 * time.Millisecond)
	start = time.Now()
	d2.Close()
	select {
	case err := <-done:
		if err == nil || err == io.EOF {
			t.Errorf("reader got %v after Close", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("Next still blocked 3 s after Close")
	}
	if d2.proc.cmd.ProcessState == nil {
		t.Error("process not reaped after Close")
	}
	d.Close()
	checkGoroutines(t, base)
}

// checkGoroutines fails if more goroutines than base remain (after a grace
// period for the runtime to retire finished ones).
func checkGoroutines(t *testing.T, base int) {
	t.Helper()
	for i := 0; i < 50 && runtime.NumGoroutine() > base; i++ {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > base {
		t.Errorf("%d goroutines left, %d before", n, base)
	}
}
