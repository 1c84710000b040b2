package main

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestNonFiniteAndOutOfRangeFlags feeds NaN, Inf and out-of-range values to
// every float, duration and rate flag: each must be refused at parse time
// with exit code 2 and one line naming the flag, before any input is read
// (the inputs here do not exist).
func TestNonFiniteAndOutOfRangeFlags(t *testing.T) {
	dir := t.TempDir()
	clip := filepath.Join(dir, "missing.mp4")
	vid := func(a ...string) []string {
		return append([]string{"video", clip, "-o", filepath.Join(dir, "o.mp4")}, a...)
	}
	gif := func(a ...string) []string {
		return append([]string{"video", clip, "-o", filepath.Join(dir, "o.gif")}, a...)
	}
	zoom := func(a ...string) []string { return append([]string{"zoom", "-o", filepath.Join(dir, "z.mp4")}, a...) }
	img := func(a ...string) []string {
		return append([]string{"image", filepath.Join(dir, "a.png"), "-o", filepath.Join(dir, "b.png")}, a...)
	}
	flw := func(a ...string) []string {
		return append([]string{"flow", filepath.Join(dir, "a.png"), filepath.Join(dir, "b.png"), "-o", filepath.Join(dir, "f.png")}, a...)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{vid("--start", "NaN"), "start"},
		{vid("--start", "Inf"), "start"},
		{vid("--start", "1:NaN"), "start"},
		{vid("--duration", "Inf"), "duration"},
		{vid("--duration", "1e300"), "duration"},
		{vid("--fps", "NaN"), "fps"},
		{vid("--fps", "1/0"), "fps"},
		{vid("--fps", "Inf"), "fps"},
		{vid("--fps", "30abc"), "fps"},
		{vid("--fps", "100000/1"), "fps"},
		{gif("--gif-fps", "NaN"), "gif-fps"},
		{gif("--gif-fps", "100"), "gif-fps"},
		{vid("--gif-width", "320"), "GIF output only"},
		{vid("--gif-fps", "10"), "GIF output only"},
		{vid("--frame-step-size", "NaN"), "frame-step-size"},
		{vid("--frame-step-size", "1000"), "frame-step-size"},
		{vid("--blend", "NaN"), "blend"},
		{vid("--keep", "Inf"), "keep"},
		{vid("--refresh", "-Inf"), "refresh"},
		{vid("--motion-check", "sideways"), "motion-check"},
		{vid("--match-tolerance", "0"), "match-tolerance"},
		{vid("--match-tolerance", "NaN"), "match-tolerance"},
		{vid("--match-tolerance", "300"), "match-tolerance"},
		{vid("--pixel-scale", "NaN"), "pixel-scale"},
		{vid("--pixel-offset", "NaN"), "pixel-offset"},
		{vid("--step-size", "NaN"), "step-size"},
		{vid("--octave-scale", "Inf"), "octave-scale"},
		{vid("--smooth", "NaN"), "smooth"},
		{zoom("--fps", "NaN"), "fps"},
		{zoom("--fps", "1/0"), "fps"},
		{zoom("--seconds", "NaN"), "seconds"},
		{zoom("--seconds", "Inf"), "seconds"},
		{zoom("--supersample", "NaN"), "supersample"},
		{zoom("--layer-fade", "NaN"), "layer-fade"},
		{append([]string{"zoom", "-o", filepath.Join(dir, "z.gif")}, "--gif-fps", "60"), "gif-fps"},
		{img("--step-size", "Inf"), "step-size"},
		{flw("--max-motion", "NaN"), "max-motion"},
		{flw("--max-motion", "-1"), "max-motion"},
		{[]string{"stability", clip, clip, "--start", "NaN"}, "start"},
		{[]string{"stability", clip, clip, "--fps", "1/0"}, "fps"},
	} {
		code, _, errs := runCLI(tc.args...)
		if code != 2 || !strings.Contains(errs, tc.want) || strings.Count(strings.TrimSpace(errs), "\n") > 0 {
			t.Errorf("%v: code %d, stderr %q; want code 2 and one line mentioning %q", tc.args[3:], code, errs, tc.want)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("refused runs left files behind: %v", entries)
	}
}

// TestFiniteFlagsStillAccepted checks that the strict parsers keep the
// forms the help promises.
func TestFiniteFlagsStillAccepted(t *testing.T) {
	for _, s := range []string{"25", "29.97", "30000/1001", "1000"} {
		var r rateFlag
		if err := r.Set(s); err != nil {
			t.Errorf("rate %q: %v", s, err)
		}
	}
	for _, s := range []string{"5s", "1m30s", "90", "1:30", "0:01:30.5"} {
		if _, err := parseClock(s); err != nil {
			t.Errorf("time %q: %v", s, err)
		}
	}
	var v float64
	f := &floatFlag{p: &v, min: 0, max: 1}
	for _, s := range []string{"0", "1", "0.5", " 0.25 "} {
		if err := f.Set(s); err != nil {
			t.Errorf("float %q: %v", s, err)
		}
	}
}

// TestVideoSizeBeyondLimits asks for sizes that cannot be dreamed: beyond
// the documented 8192-pixel limit (refused at parse time), and within it
// but beyond the memory this process may use (ulimit -v): each must be a
// one-line error with no panic trace and no work folder left behind.
func TestVideoSizeBeyondLimits(t *testing.T) {
	clip := sharedPath(t, "testdata/video/chaplin.mp4")
	dir := t.TempDir()
	out := filepath.Join(dir, "h.mp4")
	for _, w := range []string{"2147483647", "100000", "8193"} {
		code, _, errs := runCLI("video", clip, "-o", out, "--width", w, "--frames", "1")
		if code != 2 || !strings.Contains(errs, "8192") || strings.Count(strings.TrimSpace(errs), "\n") > 0 {
			t.Errorf("--width %s: code %d, stderr %q", w, code, errs)
		}
	}
	cmd := exec.Command("sh", "-c", `ulimit -v 3000000 && exec "$0" "$@"`, bin, "video", clip, "-o", out, "--width", "8000", "--frames", "1", "--quiet")
	b, err := cmd.CombinedOutput()
	msg := strings.TrimSpace(string(b))
	if err == nil || cmd.ProcessState.ExitCode() != 1 || !strings.Contains(msg, "memory") || strings.Contains(msg, "goroutine") || strings.Count(msg, "\n") > 0 {
		t.Errorf("8000 px wide under ulimit -v 3 GB: %v, output %q; want exit 1 and one line about memory", err, msg)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("refused runs left files behind: %v", entries)
	}
}

// writePNG writes a w×h gradient picture.
func writePNG(t *testing.T, path string, w, h int) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), 128, 255})
		}
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestMisuse covers the small lies of a first use: help that goes to
// stdout when asked for, "-o -", GIF flags with other outputs, GIF
// upscaling, outputs that cannot be written (found before any work),
// tiny pictures, and the mode of flow's files.
func TestMisuse(t *testing.T) {
	for _, c := range []string{"video", "zoom", "image", "flow", "stability", "layers", "models"} {
		code, out, errs := runCLI("help", c)
		if code != 0 || !strings.Contains(out, "Usage: deepdream "+c) || errs != "" {
			t.Errorf("help %s: code %d, stdout %d bytes, stderr %q; want the usage on stdout", c, code, len(out), errs)
		}
	}
	code, out, _ := runCLI("video", "--help")
	if strings.Count(out, "(default 0.98") > 1 || !strings.Contains(out, "(default 0.98)") {
		t.Errorf("--blend help should print its default once:\n%s", out)
	}
	_ = code
	dir := t.TempDir()
	pic := filepath.Join(dir, "p.png")
	writePNG(t, pic, 64, 48)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"zoom", "-o", "-", "--frames", "1"}, "standard output"},
		{[]string{"video", pic, "-o", "-"}, "standard output"},
		{[]string{"zoom", "-o", filepath.Join(dir, "z.mp4"), "--gif-width", "32"}, "GIF output only"},
		{[]string{"zoom", "-o", filepath.Join(dir, "z.gif"), "--size", "64x64", "--gif-width", "5000"}, "upscaled"},
		{[]string{"image", pic, "-o", filepath.Join(dir, "missing", "x.png")}, "cannot write"},
		{[]string{"flow", pic, pic, "-o", filepath.Join(dir, "missing", "f.flo")}, "cannot write"},
	} {
		code, _, errs := runCLI(tc.args...)
		if code == 0 || !strings.Contains(errs, tc.want) || strings.Count(strings.TrimSpace(errs), "\n") > 0 {
			t.Errorf("%v: code %d, stderr %q; want a one-line error mentioning %q", tc.args, code, errs, tc.want)
		}
	}
	for _, n := range []int{1, 2, 50} {
		tiny := filepath.Join(dir, fmt.Sprintf("t%d.png", n))
		writePNG(t, tiny, n, (n*2+2)/3)
		out := filepath.Join(dir, fmt.Sprintf("t%d_dream.png", n))
		if code, _, errs := runCLI("image", tiny, "-o", out, "--steps", "1", "--octaves", "1", "--quiet"); code != 0 {
			t.Errorf("image %dx%d: code %d: %s", n, (n*2+2)/3, code, errs)
			continue
		}
		f, err := os.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(f)
		f.Close()
		if err != nil || cfg.Width != n || cfg.Height != (n*2+2)/3 {
			t.Errorf("image %d px wide: got %dx%d (%v), want the input's size", n, cfg.Width, cfg.Height, err)
		}
	}
	flo := filepath.Join(dir, "f.flo")
	if code, _, errs := runCLI("flow", pic, pic, "-o", flo, "--quality", "fast"); code != 0 {
		t.Fatalf("flow: code %d: %s", code, errs)
	}
	if st, err := os.Stat(flo); err != nil || st.Mode().Perm()&0o044 == 0 {
		t.Errorf("flow output mode %v (%v); want it readable by others, as every other output", st.Mode(), err)
	}
}

// TestLayersAllAreAccepted: every node deepdream layers --all lists for the
// built-in model can be dreamed on (they were "unknown layer").
func TestLayersAllAreAccepted(t *testing.T) {
	code, out, errs := runCLI("layers", "--all")
	if code != 0 {
		t.Fatalf("layers --all: code %d: %s", code, errs)
	}
	var nodes []string
	for _, line := range strings.Split(out, "\n")[1:] {
		if f := strings.Fields(line); len(f) >= 2 && !strings.HasPrefix(f[0], "mixed") && f[0] != "minimum" {
			nodes = append(nodes, f[0])
		}
	}
	if len(nodes) < 50 {
		t.Fatalf("layers --all lists %d nodes besides mixedN:\n%s", len(nodes), out)
	}
	dir := t.TempDir()
	pic := filepath.Join(dir, "p.png")
	writePNG(t, pic, 48, 48)
	for _, n := range []string{nodes[0], nodes[len(nodes)/2], nodes[len(nodes)-1]} {
		if code, _, errs := runCLI("image", pic, "-o", filepath.Join(dir, "o.png"), "--force", "--layer", n, "--steps", "1", "--octaves", "1", "--quiet"); code != 0 {
			t.Errorf("--layer %s: code %d: %s", n, code, errs)
		}
	}
}
