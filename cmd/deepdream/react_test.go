package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func needFFmpeg(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"ffmpeg", "ffprobe"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (apt-get install ffmpeg)", tool)
		}
	}
}

// clickTrack writes a WAV of seconds of clicks (5 ms of 1 kHz) at 120 BPM,
// the first at 0.3 s, with ffmpeg's aevalsrc source.
func clickTrack(t *testing.T, dir string, seconds float64) string {
	t.Helper()
	p := filepath.Join(dir, "clicks.wav")
	expr := "aevalsrc=0.8*lt(mod(t+0.2\\,0.5)\\,0.005)*gte(t\\,0.3)*sin(2*PI*1000*t):s=22050:d=" + strconv.FormatFloat(seconds, 'f', -1, 64)
	if out, err := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", expr, "-y", p).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, out)
	}
	return p
}

func TestReactTableFollowsClicks(t *testing.T) {
	needFFmpeg(t)
	dir := t.TempDir()
	track := clickTrack(t, dir, 4)
	out := filepath.Join(dir, "env.csv")
	code, _, errs := runCLI("react", track, "-o", out, "--react", "zoom=onset:0.5,step=rms:1")
	if code != 0 {
		t.Fatalf("code %d: %s", code, errs)
	}
	if !strings.Contains(errs, "100 frames") || !strings.Contains(errs, "at 120") {
		t.Errorf("summary %q lacks 100 frames and 120 BPM", errs)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if lines[0] != "frame,time,rms,onset,bass,mid,treble,beat,zoom /s,step size" || len(lines) != 101 {
		t.Fatalf("header %q, %d lines", lines[0], len(lines))
	}
	zoom := make([]float64, 100)
	for i, l := range lines[1:] {
		f := strings.Split(l, ",")
		zoom[i], _ = strconv.ParseFloat(f[8], 64)
	}
	var peaks []int
	for i := 1; i < 99; i++ {
		if zoom[i] > zoom[i-1] && zoom[i] >= zoom[i+1] && zoom[i] > 1.175+0.25 {
			peaks = append(peaks, i)
		}
	}
	want := []int{7, 20, 32, 45, 57, 70, 82, 95} // clicks at 0.3 s + k/2 s, 25 fps
	if len(peaks) != len(want) {
		t.Fatalf("zoom-rate peaks %v, want %v", peaks, want)
	}
	for k := range want {
		if d := peaks[k] - want[k]; d < -1 || d > 1 {
			t.Errorf("zoom-rate peak %d on frame %d, click on frame %d", k, peaks[k], want[k])
		}
	}
	if zoom[0] != 1.175 || zoom[5] != 1.175 {
		t.Errorf("zoom rate before the first click: %v, %v; want the base 1.175", zoom[0], zoom[5])
	}
}

func TestReactPlot(t *testing.T) {
	needFFmpeg(t)
	dir := t.TempDir()
	track := clickTrack(t, dir, 2)
	out := filepath.Join(dir, "env.png")
	if code, _, errs := runCLI("react", track, "-o", out, "--width", "600", "--react", "pulse"); code != 0 {
		t.Fatalf("code %d: %s", code, errs)
	}
	img := decodePNG(t, out)
	// 6 envelopes and 2 mapped lanes of 70 pixels, plus margins.
	if b := img.Bounds(); b.Dx() != 600 || b.Dy() != 28+34+8*70 {
		t.Errorf("plot is %v", b)
	}
	if code, _, errs := runCLI("react", track, "-o", out); code != 2 || !strings.Contains(errs, "--force") {
		t.Errorf("existing output: code %d, %q", code, errs)
	}
}

func TestReactErrors(t *testing.T) {
	needFFmpeg(t)
	dir := t.TempDir()
	text := filepath.Join(dir, "song.mp3")
	if err := os.WriteFile(text, []byte("la la la\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	silent := filepath.Join(dir, "silent.mp4")
	if out, err := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
		"testsrc=size=64x48:rate=10:duration=0.5", "-pix_fmt", "yuv420p", "-y", silent).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, out)
	}
	out := filepath.Join(dir, "env.png")
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{text, "-o", out}, 1, "not readable as media"},
		{[]string{silent, "-o", out}, 1, "no sound to react to: media: "},
		{[]string{filepath.Join(dir, "missing.mp3"), "-o", out}, 1, "no such file"},
		{[]string{silent, "-o", out, "--react", "zoom=loud:1"}, 2, "unknown envelope"},
		{[]string{silent, "-o", filepath.Join(dir, "env.jpg")}, 2, "want .png or .csv"},
	} {
		code, _, errs := runCLI(append([]string{"react"}, c.args...)...)
		if code != c.code || !strings.Contains(errs, c.want) || strings.Count(errs, "\n") != 1 {
			t.Errorf("react %v: code %d, stderr %q; want code %d and one line with %q", c.args, code, errs, c.code, c.want)
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a failed run left %s behind", out)
	}
}

// probeStreams returns ffprobe's codec_type=duration pairs for a file.
func probeStreams(t *testing.T, path string) string {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "stream=codec_type,nb_frames,duration",
		"-of", "compact=p=0:nk=1", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	return strings.TrimSpace(string(out))
}

func TestZoomToATrack(t *testing.T) {
	needFFmpeg(t)
	dir := t.TempDir()
	toy := toyModelArgs(t, dir)
	track := clickTrack(t, dir, 2)
	plain := []string{"--size", "64x48", "--fps", "25", "--steps", "0", "--first-steps", "0", "--quiet"}

	// The length follows the track: 2 s at 25 fps, with the track muxed in.
	out := filepath.Join(dir, "pulse.mp4")
	code, _, errs := runCLI(append(append([]string{"zoom", "-o", out, "--audio", track, "--react", "pulse,rotate=onset:30"}, plain...), toy...)...)
	if code != 0 {
		t.Fatalf("code %d: %s", code, errs)
	}
	streams := probeStreams(t, out)
	if !strings.Contains(streams, "video|2.000000|50") || !strings.Contains(streams, "audio|2.0") {
		t.Errorf("streams %q, want 50 video frames over 2 s and 2 s of audio", streams)
	}
	// --seconds overrides the track's length; the sound is cut to match.
	short := filepath.Join(dir, "short.mp4")
	if code, _, errs := runCLI(append(append([]string{"zoom", "-o", short, "--audio", track, "--seconds", "1"}, plain...), toy...)...); code != 0 {
		t.Fatalf("--seconds: code %d: %s", code, errs)
	}
	if streams := probeStreams(t, short); !strings.Contains(streams, "video|1.000000|25") || !strings.Contains(streams, "audio|1.0") {
		t.Errorf("--seconds 1: streams %q", streams)
	}

	silent := filepath.Join(dir, "silent.mp4")
	if out, err := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
		"testsrc=size=64x48:rate=10:duration=0.5", "-pix_fmt", "yuv420p", "-y", silent).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, out)
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--react", "pulse"}, 2, "--react needs --audio"},
		{[]string{"--audio", silent, "--react", "pulse"}, 1, "no audio stream"},
		{[]string{"--audio", silent}, 1, "no audio stream"},
		{[]string{"--audio", track, "--react", "layer=bass:mixed9"}, 2, "mixed9"},
	} {
		o := filepath.Join(dir, "bad.mp4")
		code, _, errs := runCLI(append(append(append([]string{"zoom", "-o", o}, c.args...), plain...), toy...)...)
		if code != c.code || !strings.Contains(errs, c.want) || strings.Count(errs, "\n") != 1 {
			t.Errorf("zoom %v: code %d, %q; want code %d and one line with %q", c.args, code, errs, c.code, c.want)
		}
		if _, err := os.Stat(o); err == nil {
			t.Errorf("zoom %v left %s behind", c.args, o)
		}
	}
}

func TestVideoReactsToItsSound(t *testing.T) {
	needFFmpeg(t)
	dir := t.TempDir()
	toy := toyModelArgs(t, dir)
	clip := filepath.Join(dir, "clip.mkv")
	// 0.6 s at 25 fps whose sound is silent for 0.3 s, then loud.
	if out, err := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error",
		"-f", "lavfi", "-i", "testsrc=size=64x48:rate=25:duration=0.6",
		"-f", "lavfi", "-i", "aevalsrc=gte(t\\,0.3)*0.8*sin(2*PI*250*t):s=44100:d=0.6",
		"-c:v", "ffv1", "-c:a", "flac", "-y", clip).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, out)
	}
	run := func(name string, extra ...string) []string {
		out := filepath.Join(dir, name)
		args := append(append([]string{"video", clip, "-o", out, "--coherence", "none", "--steps", "2", "--octaves", "1", "--quiet"}, extra...), toy...)
		if code, _, errs := runCLI(args...); code != 0 {
			t.Fatalf("%s: code %d: %s", name, code, errs)
		}
		frames, _ := filepath.Glob(filepath.Join(out, "frame_*.png"))
		if len(frames) != 15 {
			t.Fatalf("%s: %d frames, want 15", name, len(frames))
		}
		return frames
	}
	plain := run("plain")
	loud := run("react", "--react", "step=rms:20,attack=0,release=0")
	// Silent frames dream as without --react; loud ones dream harder.
	for i, f := range plain {
		a, _ := os.ReadFile(f)
		b, _ := os.ReadFile(loud[i])
		same := string(a) == string(b)
		if i < 7 && !same {
			t.Errorf("frame %d (silent) differs with --react", i)
		}
		if i >= 9 && same {
			t.Errorf("frame %d (loud) is the same with --react step=rms:20", i)
		}
	}

	silent := filepath.Join(dir, "silent.mp4")
	if out, err := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
		"testsrc=size=64x48:rate=10:duration=0.5", "-pix_fmt", "yuv420p", "-y", silent).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, out)
	}
	for _, c := range []struct {
		in   string
		args []string
		code int
		want string
	}{
		{clip, []string{"--react", "zoom=onset:1"}, 2, "zoom= does not apply"},
		{clip, []string{"--react", "beat"}, 2, "preset beat drives nothing"},
		{silent, []string{"--react", "step=rms:1"}, 1, "no sound to react to"},
	} {
		o := filepath.Join(dir, "bad.mp4")
		code, _, errs := runCLI(append(append([]string{"video", c.in, "-o", o, "--quiet"}, c.args...), toy...)...)
		if code != c.code || !strings.Contains(errs, c.want) || strings.Count(errs, "\n") != 1 {
			t.Errorf("video %v: code %d, %q; want code %d and one line with %q", c.args, code, errs, c.code, c.want)
		}
		if _, err := os.Stat(o); err == nil {
			t.Errorf("video %v left %s behind", c.args, o)
		}
	}
}
