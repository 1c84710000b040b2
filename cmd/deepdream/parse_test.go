package main

import (
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
