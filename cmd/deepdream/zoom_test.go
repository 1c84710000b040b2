package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deepdream-go/deepdream/models/testnet"
)

// toyModelArgs writes the test network and returns the flags that use it.
func toyModelArgs(t *testing.T, dir string) []string {
	t.Helper()
	model := filepath.Join(dir, "toy.pb")
	if err := os.WriteFile(model, testnet.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return []string{"--model", model, "--pixel-scale", "0.00392156862745098", "--layer", testnet.Layer}
}

func TestZoomEndToEnd(t *testing.T) {
	dir := t.TempDir()
	toy := toyModelArgs(t, dir)
	out := filepath.Join(dir, "loop")
	args := append([]string{"zoom", "-o", out, "--size", "96x64", "--frames", "12", "--fps", "24", "--loop",
		"--rotate", "0@0s,30@0.3s", "--zoom", "1.3", "--first-octaves", "2", "--first-steps", "2", "--steps", "1", "--quiet"}, toy...)
	code, _, errs := runCLI(args...)
	if code != 0 {
		t.Fatalf("code %d: %s", code, errs)
	}
	a, _ := filepath.Glob(filepath.Join(out, "frame_*.png"))
	if len(a) != 12 {
		t.Fatalf("%d frames, want 12", len(a))
	}
	// The same command with --force gives the same bytes (determinism).
	code, _, errs = runCLI(append(args, "--force")...)
	if code != 0 {
		t.Fatalf("rerun: code %d: %s", code, errs)
	}
	b, _ := filepath.Glob(filepath.Join(out, "frame_*.png"))
	if len(b) != 12 {
		t.Fatalf("rerun: %d frames", len(b))
	}
	for i := range b {
		x, _ := os.ReadFile(a[i])
		y, _ := os.ReadFile(b[i])
		if !bytes.Equal(x, y) {
			t.Fatalf("frame %d differs between two runs of the same command", i)
		}
	}
	// Seconds × fps decides the frame count.
	gif := filepath.Join(dir, "s.gif")
	code, _, errs = runCLI(append([]string{"zoom", "-o", gif, "--size", "64x48", "--seconds", "0.5", "--fps", "10", "--steps", "0", "--first-steps", "0"}, toy...)...)
	if code != 0 || !strings.Contains(errs, "5 frames") {
		t.Fatalf("--seconds: code %d, %q", code, errs)
	}
}

func TestZoomDeterministicBytes(t *testing.T) {
	dir := t.TempDir()
	toy := toyModelArgs(t, dir)
	var runs [][]byte
	for _, name := range []string{"a.gif", "b.gif"} {
		out := filepath.Join(dir, name)
		code, _, errs := runCLI(append([]string{"zoom", "-o", out, "--size", "64x48", "--frames", "6", "--seed", "3",
			"--first-octaves", "1", "--first-steps", "1", "--steps", "1", "--octaves", "1", "--quiet"}, toy...)...)
		if code != 0 {
			t.Fatalf("code %d: %s", code, errs)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, b)
	}
	if !bytes.Equal(runs[0], runs[1]) {
		t.Fatal("two runs with the same flags and seed wrote different GIFs")
	}
}

func TestZoomBadFlags(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "z.mp4")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"zoom"}, 2, "-o"},
		{[]string{"zoom", "-o", out, "extra"}, 2, "--from"},
		{[]string{"zoom", "-o", out, "--size", "640"}, 2, "WxH"},
		{[]string{"zoom", "-o", out, "--size", "8x8"}, 2, "16"},
		{[]string{"zoom", "-o", out, "--frames", "5", "--seconds", "2"}, 2, "not both"},
		{[]string{"zoom", "-o", out, "--frames", "-1"}, 2, "at least 1"},
		{[]string{"zoom", "-o", out, "--seconds", "-2"}, 2, "--seconds"},
		{[]string{"zoom", "-o", out, "--zoom", "fast"}, 2, "--zoom"},
		{[]string{"zoom", "-o", out, "--zoom", "1.1@5s,1.2@1s"}, 2, "increase"},
		{[]string{"zoom", "-o", out, "--zoom", "0"}, 2, "1..10"},
		{[]string{"zoom", "-o", out, "--zoom", "0.5"}, 2, "zooming out is not supported"},
		{[]string{"zoom", "-o", out, "--zoom", "1.2@0s,0.9@2s"}, 2, "zooming out is not supported"},
		{[]string{"zoom", "-o", out, "--zoom", "1.5/frame"}, 2, "per second is outside"},
		{[]string{"zoom", "-o", out, "--rotate", "5@x"}, 2, "--rotate"},
		{[]string{"zoom", "-o", out, "--center", "2,0.5"}, 2, "--center"},
		{[]string{"zoom", "-o", out, "--keyframe-every", "0"}, 2, "--keyframe-every"},
		{[]string{"zoom", "-o", out, "--supersample", "9"}, 2, "--supersample"},
		{[]string{"zoom", "-o", out, "--fps", "0"}, 2, "frame rate"},
		{[]string{"zoom", "-o", out, "--max-bytes", "8MB"}, 2, "GIF"},
		{[]string{"zoom", "-o", filepath.Join(dir, "z.gif"), "--max-bytes", "lots"}, 2, "bytes"},
		{[]string{"zoom", "-o", out, "--loop-frames", "3"}, 2, "--loop"},
		{[]string{"zoom", "-o", out, "--layers", "mixed3@0s", "--layer", "mixed4"}, 2, "not both"},
		{[]string{"zoom", "-o", out, "--layers", "mixed3@0s,mixed9@2s", "--frames", "1"}, 2, "mixed9"},
		{[]string{"zoom", "-o", out, "--layer", "mixed9", "--frames", "1"}, 2, "mixed9"},
		{[]string{"zoom", "-o", out, "--steps", "-1"}, 2, "steps"},
		{[]string{"zoom", "-o", filepath.Join(dir, "z.doc")}, 2, ".doc"},
		{[]string{"zoom", "-o", out, "--from", filepath.Join(dir, "missing.jpg"), "--frames", "1", "--first-steps", "0", "--steps", "0"}, 1, "missing.jpg"},
	} {
		code, _, errs := runCLI(tc.args...)
		if code != tc.code || !strings.Contains(errs, tc.want) || strings.Count(strings.TrimSpace(errs), "\n") > 0 {
			t.Errorf("%v: code %d, stderr %q; want code %d and a one-line message mentioning %q", tc.args[1:], code, errs, tc.code, tc.want)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("an output was written")
	}
}

// TestZoomSurvivesKill9 kills the real binary mid-zoom with SIGKILL,
// resumes, and compares the frames with an uninterrupted run.
func TestZoomSurvivesKill9(t *testing.T) {
	dir := t.TempDir()
	toy := toyModelArgs(t, dir)
	args := func(out string) []string {
		return append([]string{"zoom", "-o", out, "--size", "96x64", "--frames", "24", "--keyframe-every", "2",
			"--rotate", "15", "--first-octaves", "2", "--first-steps", "2", "--steps", "2", "--quiet"}, toy...)
	}
	killResumeCompare(t, dir, args, 24, 5)
}

// TestZoomCtrlC sends SIGINT mid-job and expects a prompt stop, no output,
// and the command that resumes.
func TestZoomCtrlC(t *testing.T) {
	dir := t.TempDir()
	toy := toyModelArgs(t, dir)
	out := filepath.Join(dir, "z.mp4")
	cmd := exec.Command(bin, append([]string{"zoom", "-o", out, "--size", "160x96", "--frames", "400", "--keyframe-every", "1",
		"--first-steps", "1", "--steps", "3", "--quiet"}, toy...)...)
	interruptAfter(t, cmd, out, 2)
}
