package media

import (
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestProbeClips checks Probe against the facts recorded in
// ../shared/testdata/video/PROVENANCE.md.
func TestProbeClips(t *testing.T) {
	needFFmpeg(t)
	type want struct {
		stored, display [2]int
		sar             Rational
		rotation        int
		rate            Rational
		vfr             bool
		frames          int
		exact           bool // nb_frames in the container
		dur             float64
		audio           []int // channels per audio stream
		acodec          string
		fullRange       bool
		pixFmt          string
	}
	cases := map[string]want{
		"flower.mp4":           {[2]int{960, 540}, [2]int{960, 540}, Rational{1, 1}, 0, Rational{30000, 1001}, false, 150, true, 5.005, []int{2}, "aac", false, "yuv420p"},
		"flower.webm":          {[2]int{960, 540}, [2]int{960, 540}, Rational{1, 1}, 0, Rational{30000, 1001}, false, 150, false, 5.059, []int{2}, "vorbis", false, "yuv420p"},
		"bbb.mp4":              {[2]int{1280, 720}, [2]int{1280, 720}, Rational{1, 1}, 0, Rational{25, 1}, false, 132, true, 5.28, []int{6}, "aac", false, "yuv420p"},
		"chaplin.mp4":          {[2]int{640, 360}, [2]int{640, 360}, Rational{1, 1}, 0, Rational{25, 1}, false, 241, true, 9.64, []int{2}, "mp3", false, "yuv420p"},
		"bulkwater.mov":        {[2]int{640, 424}, [2]int{640, 424}, Rational{1, 1}, 0, Rational{24000, 1001}, false, 480, true, 20.02, nil, "", true, "yuvj420p"},
		"mouse.avi":            {[2]int{416, 374}, [2]int{417, 374}, Rational{748, 747}, 0, Rational{30, 1}, false, 256, true, 8.533, nil, "", true, "yuvj420p"},
		"mouse_mjpeg.avi":      {[2]int{832, 747}, [2]int{832, 747}, Rational{1, 1}, 0, Rational{30, 1}, false, 12, true, 0.4, nil, "", true, "yuvj420p"},
		"phone_rot180_vfr.mp4": {[2]int{1280, 720}, [2]int{1280, 720}, Rational{1, 1}, -180, Rational{750000, 71393}, true, 25, true, 2.380, []int{1}, "aac", false, "yuv420p"},
		"tos_sar.webm":         {[2]int{800, 332}, [2]int{798, 332}, Rational{399, 400}, 0, Rational{24, 1}, false, 309, false, 12.875, []int{2}, "vorbis", false, "yuv420p"},
	}
	for name, w := range cases {
		t.Run(name, func(t *testing.T) {
			path := clip(t, name)
			info, err := Probe(testCtx(t), path)
			if err != nil {
				t.Fatal(err)
			}
			if got := [2]int{info.StoredWidth, info.StoredHeight}; got != w.stored {
				t.Errorf("stored size %v, want %v", got, w.stored)
			}
			if got := [2]int{info.Width, info.Height}; got != w.display {
				t.Errorf("display size %v, want %v", got, w.display)
			}
			if info.SAR != w.sar {
				t.Errorf("SAR %v, want %v", info.SAR, w.sar)
			}
			// Display aspect = stored aspect × SAR (PROVENANCE: DAR 832:747 for
			// mouse.avi, 399:166 for tos_sar.webm), within a rounding pixel.
			dar := float64(w.stored[0]) / float64(w.stored[1]) * w.sar.Float64()
			if got := info.DisplayAspect().Float64(); abs(int((got-dar)*1000)) > 3 {
				t.Errorf("display aspect %v (%.4f), want %.4f", info.DisplayAspect(), got, dar)
			}
			if info.Rotation != w.rotation {
				t.Errorf("rotation %d, want %d", info.Rotation, w.rotation)
			}
			if info.FrameRate != w.rate {
				t.Errorf("frame rate %v, want %v", info.FrameRate, w.rate)
			}
			if info.VFR != w.vfr {
				t.Errorf("VFR %v, want %v", info.VFR, w.vfr)
			}
			if info.FramesExact != w.exact {
				t.Errorf("FramesExact %v, want %v", info.FramesExact, w.exact)
			}
			if tol := 3; abs(info.Frames-w.frames) > tol {
				t.Errorf("frames %d, want %d±%d", info.Frames, w.frames, tol)
			}
			if got := info.Duration.Seconds(); got < w.dur-0.06 || got > w.dur+0.06 {
				t.Errorf("duration %.3f s, want %.3f", got, w.dur)
			}
			if info.FullRange != w.fullRange || info.PixFmt != w.pixFmt {
				t.Errorf("pix_fmt %s full range %v, want %s %v", info.PixFmt, info.FullRange, w.pixFmt, w.fullRange)
			}
			if len(info.Audio) != len(w.audio) {
				t.Fatalf("%d audio streams, want %d", len(info.Audio), len(w.audio))
			}
			for i, ch := range w.audio {
				a := info.Audio[i]
				if a.Channels != ch || a.Codec != w.acodec || a.SampleRate == 0 {
					t.Errorf("audio %d: %+v, want %d channels of %s", i, a, ch, w.acodec)
				}
			}
			if info.StillImage {
				t.Error("StillImage set for a clip")
			}
		})
	}
}

// TestProbeCountFrames checks the exact count option on a container
// without nb_frames.
func TestProbeCountFrames(t *testing.T) {
	needFFmpeg(t)
	info, err := ProbeWith(testCtx(t), clip(t, "flower.webm"), ProbeOptions{CountFrames: true})
	if err != nil {
		t.Fatal(err)
	}
	if info.Frames != 150 || !info.FramesExact {
		t.Errorf("counted %d frames (exact %v), want 150", info.Frames, info.FramesExact)
	}
}

// TestProbeRotate90 builds a clip tagged with a 90° rotation and checks
// that the display size is swapped.
func TestProbeRotate90(t *testing.T) {
	needFFmpeg(t)
	src := clip(t, "flower.mp4")
	out := filepath.Join(t.TempDir(), "rot90.mp4")
	cmd := exec.Command("ffmpeg", "-v", "error", "-t", "0.3", "-i", src, "-c", "copy",
		"-metadata:s:v:0", "rotate=90", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("cannot make a rotated clip with this ffmpeg: %v %s", err, b)
	}
	info, err := Probe(testCtx(t), out)
	if err != nil {
		t.Fatal(err)
	}
	if r := (info.Rotation%360 + 360) % 360; r != 90 && r != 270 {
		t.Skipf("this ffmpeg did not write rotation (got %d)", info.Rotation)
	}
	if info.Width != 540 || info.Height != 960 {
		t.Errorf("display %dx%d, want 540x960", info.Width, info.Height)
	}
	d, err := NewDecoder(testCtx(t), out, DecodeOptions{Info: info, Width: 90, MaxFrames: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if d.Width() != 90 || d.Height() != 160 {
		t.Errorf("decoder size %dx%d, want 90x160", d.Width(), d.Height())
	}
	if n, err := decodeAll(d, nil); err != nil || n != 2 {
		t.Errorf("decoded %d frames, err %v; want 2", n, err)
	}
}

// TestProbeNotVideo: text and audio-only files fail with ErrNotVideo; a
// PNG probes as a one-frame still image.
func TestProbeNotVideo(t *testing.T) {
	needFFmpeg(t)
	dir := t.TempDir()
	txt := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(txt, []byte("this is not a video\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Probe(testCtx(t), txt)
	if !errors.Is(err, ErrNotVideo) || strings.Contains(err.Error(), "\n") {
		t.Errorf("text file: got %v, want a one-line ErrNotVideo", err)
	}
	t.Logf("text file: %v", err)

	m4a := filepath.Join(dir, "tone.m4a")
	if b, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=duration=0.2", m4a).CombinedOutput(); err != nil {
		t.Fatalf("make audio file: %v %s", err, b)
	}
	_, err = Probe(testCtx(t), m4a)
	if !errors.Is(err, ErrNotVideo) || !strings.Contains(err.Error(), "no video stream") {
		t.Errorf("audio-only file: got %v, want ErrNotVideo naming the missing video stream", err)
	}

	_, err = Probe(testCtx(t), filepath.Join(dir, "missing.mp4"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: got %v", err)
	}

	pngPath := filepath.Join(dir, "still.png")
	img := image.NewRGBA(image.Rect(0, 0, 33, 17))
	img.Set(3, 4, color.RGBA{200, 10, 10, 255})
	f, err := os.Create(pngPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	f.Close()
	info, err := Probe(testCtx(t), pngPath)
	if err != nil {
		t.Fatal(err)
	}
	if !info.StillImage || info.Frames != 1 || info.Width != 33 || info.Height != 17 {
		t.Errorf("PNG: %+v, want a 33x17 one-frame still image", info)
	}
}

// TestToolMissing: a missing ffprobe/ffmpeg gives a one-line error with
// the install hint.
func TestToolMissing(t *testing.T) {
	_, err := ProbeWith(testCtx(t), "x.mp4", ProbeOptions{FFprobePath: "/nonexistent/ffprobe"})
	if !errors.Is(err, ErrToolNotFound) || !strings.Contains(err.Error(), "apt-get install ffmpeg") || strings.Contains(err.Error(), "\n") {
		t.Errorf("got %v", err)
	}
	_, err = NewEncoder(testCtx(t), "x.mp4", EncodeOptions{FFmpegPath: "/nonexistent/ffmpeg", Width: 2, Height: 2, FrameRate: Rational{1, 1}})
	if !errors.Is(err, ErrToolNotFound) || !strings.Contains(err.Error(), "apt-get install ffmpeg") {
		t.Errorf("got %v", err)
	}
	t.Log(err)
}

func TestParseRational(t *testing.T) {
	for in, want := range map[string]Rational{
		"30000/1001": {30000, 1001}, "50/2": {25, 1}, "748:747": {748, 747},
		"0/0": {}, "N/A": {}, "25": {25, 1}, "1/0": {},
	} {
		got, err := ParseRational(in)
		if err != nil || got != want {
			t.Errorf("ParseRational(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := ParseRational("abc/1"); err == nil {
		t.Error("want error for abc/1")
	}
	if d := (Rational{30000, 1001}).FrameDuration(150); d < 5.0049 || d > 5.0051 {
		t.Errorf("150 frames at 29.97 = %v s", d)
	}
}
