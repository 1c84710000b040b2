package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/deepdream-go/deepdream/flow"
	"github.com/deepdream-go/deepdream/models/testnet"
)

const shared = "../../../shared"

// bin is the deepdream binary built once for the tests that run it as a
// user would (signals, exit codes).
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "deepdream-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = filepath.Join(dir, "deepdream")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func sharedPath(t *testing.T, rel string) string {
	t.Helper()
	p := filepath.Join(shared, rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("test data %s is not available (clone with ../shared beside the repo): %v", p, err)
	}
	return p
}

// runCLI runs the command in-process and returns exit code, stdout, stderr.
func runCLI(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestHelpAndUnknownCommand(t *testing.T) {
	code, out, _ := runCLI("help")
	if code != 0 || !strings.Contains(out, "video") || !strings.Contains(out, "image") {
		t.Fatalf("help: code %d, output %q", code, out)
	}
	code, _, errs := runCLI("dreamz")
	if code != 2 || !strings.Contains(errs, "unknown command") {
		t.Fatalf("unknown command: code %d, stderr %q", code, errs)
	}
}

func TestLayersOfBuiltinModel(t *testing.T) {
	code, out, errs := runCLI("layers")
	if code != 0 {
		t.Fatalf("code %d: %s", code, errs)
	}
	for _, want := range []string{"mixed0  256", "mixed3  768", "mixed7  768", "minimum input: 43x43"} {
		if !strings.Contains(strings.Join(strings.Fields(out), "  "), strings.Join(strings.Fields(want), "  ")) {
			t.Errorf("layers output lacks %q:\n%s", want, out)
		}
	}
}

func TestImageEndToEnd(t *testing.T) {
	in := sharedPath(t, "testdata/images/chelsea.png")
	out := filepath.Join(t.TempDir(), "cat.png")
	code, _, errs := runCLI("image", in, "-o", out, "--octaves", "2", "--steps", "2", "--quiet")
	if code != 0 {
		t.Fatalf("code %d: %s", code, errs)
	}
	img := decodePNG(t, out)
	if b := img.Bounds(); b.Dx() != 451 || b.Dy() != 300 {
		t.Fatalf("output is %v, want the input's 451x300", b)
	}
	// The same command again refuses to overwrite, then --force works.
	code, _, errs = runCLI("image", in, "-o", out, "--octaves", "1", "--steps", "1", "--quiet")
	if code == 0 || !strings.Contains(errs, "--force") {
		t.Fatalf("overwrite without --force: code %d, %q", code, errs)
	}
}

func TestImageBadInput(t *testing.T) {
	dir := t.TempDir()
	in := sharedPath(t, "testdata/images/chelsea.png")
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte("hello"), 0o644)
	out := filepath.Join(dir, "o.png")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"image", text, "-o", out}, 1, "notes.txt"},
		{[]string{"image", in, "-o", out, "--layer", "mixed9"}, 2, "mixed3"},
		{[]string{"image", in, "-o", out, "--layer", "mixed4:900"}, 2, "767"},
		{[]string{"image", in, "-o", out, "--steps", "-3"}, 2, "steps"},
		{[]string{"image", in, "-o", out, "--octave-scale", "0.5"}, 2, "scale"},
		{[]string{"image", in, "-o", filepath.Join(dir, "o.bmpx")}, 2, "bmpx"},
		{[]string{"image", in}, 2, "-o"},
		{[]string{"image", in, "-o", in, "--force"}, 2, "is the input"},
		{[]string{"image", in, "-o", out, "--preset", "wild"}, 2, "classic"},
		{[]string{"image", in, "-o", out, "--engine", "tensorflow"}, 1, "tags tensorflow"},
		{[]string{"image", in, "-o", out, "--model", "inception5h", "--steps", "1"}, 1, "models fetch inception5h"},
	} {
		code, _, errs := runCLI(tc.args...)
		if code != tc.code || !strings.Contains(errs, tc.want) || strings.Count(strings.TrimSpace(errs), "\n") > 0 {
			t.Errorf("%v: code %d, stderr %q; want code %d and a one-line message mentioning %q", tc.args[1:], code, errs, tc.code, tc.want)
		}
		if _, err := os.Stat(out); err == nil {
			t.Fatalf("%v: an output was written", tc.args[1:])
		}
	}
}

// TestVideoSurvivesKill9 kills the real binary mid-job with SIGKILL, resumes,
// and compares the frames with an uninterrupted run.
func TestVideoSurvivesKill9(t *testing.T) {
	clip := sharedPath(t, "testdata/video/chaplin.mp4")
	dir := t.TempDir()
	model := filepath.Join(dir, "toy.pb")
	if err := os.WriteFile(model, testnet.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	args := func(out string) []string {
		return []string{"video", clip, "-o", out, "--model", model, "--pixel-scale", "0.00392156862745098",
			"--layer", testnet.Layer, "--frames", "10", "--width", "96", "--octaves", "2", "--steps", "3", "--frame-steps", "2", "--quiet"}
	}
	killResumeCompare(t, dir, args, 10, 3)
}

// killResumeCompare runs a job to the end, runs it again and kills it with
// SIGKILL once killAfter frames are checkpointed, resumes it, and checks
// that both runs wrote the same frames byte for byte. args(out) builds the
// command line for a PNG-folder output.
func killResumeCompare(t *testing.T, dir string, args func(out string) []string, frames, killAfter int) {
	t.Helper()
	full := filepath.Join(dir, "full")
	if out, err := exec.Command(bin, args(full)...).CombinedOutput(); err != nil {
		t.Fatalf("uninterrupted run: %v\n%s", err, out)
	}
	killed := filepath.Join(dir, "killed")
	cmd := exec.Command(bin, args(killed)...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(dir, ".killed.deepdream", "state.json")
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var st struct {
			Done int `json:"frames_done"`
		}
		if b, err := os.ReadFile(state); err == nil && json.Unmarshal(b, &st) == nil && st.Done >= killAfter {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("no checkpoint appeared")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if _, err := os.Stat(killed); err == nil {
		t.Skip("the run finished before it could be killed")
	}
	out, err := exec.Command(bin, append(args(killed), "--resume")...).CombinedOutput()
	if err != nil {
		t.Fatalf("resume: %v\n%s", err, out)
	}
	a, _ := filepath.Glob(filepath.Join(full, "*.png"))
	b, _ := filepath.Glob(filepath.Join(killed, "*.png"))
	if len(a) != frames || len(b) != frames {
		t.Fatalf("frames: %d uninterrupted, %d resumed; want %d", len(a), len(b), frames)
	}
	for i := range a {
		x, _ := os.ReadFile(a[i])
		y, _ := os.ReadFile(b[i])
		if !bytes.Equal(x, y) {
			t.Fatalf("frame %d differs after kill -9 and --resume", i)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, ".killed.deepdream")); !os.IsNotExist(err) {
		t.Error("work directory left after the resumed run finished")
	}
}

// TestVideoCtrlC sends SIGINT and expects a prompt stop with the resume command.
func TestVideoCtrlC(t *testing.T) {
	clip := sharedPath(t, "testdata/video/chaplin.mp4")
	dir := t.TempDir()
	out := filepath.Join(dir, "dream.mp4")
	interruptAfter(t, exec.Command(bin, "video", clip, "-o", out, "--width", "160", "--frames", "50", "--quiet"), out, 1)
}

// interruptAfter starts cmd, sends SIGINT once n frames of the job writing
// out are checkpointed, and checks that it stops within 5 s with exit code
// 130 (the shell's code for Ctrl-C), one line of advice naming --resume
// without Go's "context canceled", and no output.
func interruptAfter(t *testing.T, cmd *exec.Cmd, out string, n int) {
	t.Helper()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(filepath.Dir(out), "."+filepath.Base(out)+".deepdream", "state.json")
	deadline := time.Now().Add(3 * time.Minute)
	for {
		var st struct {
			Done int `json:"frames_done"`
		}
		if b, err := os.ReadFile(state); err == nil && json.Unmarshal(b, &st) == nil && st.Done >= n {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("no frame finished")
		}
		time.Sleep(10 * time.Millisecond)
	}
	start := time.Now()
	cmd.Process.Signal(os.Interrupt)
	err := cmd.Wait()
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("Ctrl-C took %v to stop", took)
	}
	if err == nil {
		t.Fatal("interrupted run exited 0")
	}
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Errorf("exit code %d, want 130", code)
	}
	msg := strings.TrimSpace(stderr.String())
	if !strings.Contains(msg, "--resume") || strings.Contains(msg, "\n") || strings.Contains(msg, "context canceled") {
		t.Errorf("want one line with the resume command, got %q", msg)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("interrupted run left an output")
	}
}

func TestFlowCommand(t *testing.T) {
	a := sharedPath(t, "testdata/flow/RubberWhale/frame10.png")
	b := sharedPath(t, "testdata/flow/RubberWhale/frame11.png")
	gtFile, err := os.Open(sharedPath(t, "testdata/flow/RubberWhale/flow10.flo"))
	if err != nil {
		t.Fatal(err)
	}
	defer gtFile.Close()
	gt, err := flow.ReadFlo(gtFile)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	flo := filepath.Join(dir, "f.flo")
	if code, _, errs := runCLI("flow", a, b, "-o", flo); code != 0 {
		t.Fatalf("code %d: %s", code, errs)
	}
	f, err := os.Open(flo)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := flow.ReadFlo(f)
	if err != nil {
		t.Fatal(err)
	}
	epe, _, err := flow.EndpointError(got, gt)
	if err != nil || epe > 0.5 {
		t.Fatalf("endpoint error %.3f (err %v), want under 0.5 px", epe, err)
	}
	pngOut := filepath.Join(dir, "f.png")
	if code, _, errs := runCLI("flow", a, b, "-o", pngOut); code != 0 {
		t.Fatalf("png: code %d: %s", code, errs)
	}
	if code, _, errs := runCLI("flow", a, b, "-o", filepath.Join(dir, "f.jpg")); code != 2 || !strings.Contains(errs, ".flo or .png") {
		t.Fatalf("bad extension: code %d, %q", code, errs)
	}
}

func TestVideoBadFlags(t *testing.T) {
	clip := sharedPath(t, "testdata/video/chaplin.mp4")
	dir := t.TempDir()
	out := filepath.Join(dir, "o.mp4")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--coherence", "magic"}, "coherence"},
		{[]string{"--blend", "2"}, "blend"},
		{[]string{"--width", "5"}, "width"},
		{[]string{"--frames", "-1"}, "negative"},
		{[]string{"--flow", "slow"}, "flow"},
		{[]string{"--start", "soon"}, "not a time"},
		{[]string{"--fps", "fast"}, "frame rate"},
		{[]string{"--crf", "99"}, "crf"},
		{[]string{"--cuts", "sometimes"}, "cuts"},
		{[]string{"--cuts", "-3"}, "cuts"},
		{[]string{"--frame-jitter", "-1"}, "negative"},
	} {
		args := append([]string{"video", clip, "-o", out}, tc.args...)
		code, _, errs := runCLI(args...)
		if code != 2 || !strings.Contains(errs, tc.want) || strings.Count(strings.TrimSpace(errs), "\n") > 0 {
			t.Errorf("%v: code %d, stderr %q; want code 2 and one line mentioning %q", tc.args, code, errs, tc.want)
		}
	}
	for _, args := range [][]string{
		{"video", clip, "-o", filepath.Join(dir, "o.avi")},
		{"video", filepath.Join(dir, "missing.mp4"), "-o", out},
		{"video", clip, "-o", out, "--start", "60s", "--width", "64"},
	} {
		code, _, errs := runCLI(args...)
		if code == 0 || strings.Count(strings.TrimSpace(errs), "\n") > 0 {
			t.Errorf("%v: code %d, stderr %q; want a one-line error", args[1:], code, errs)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("failed runs left files behind: %v", entries)
	}
}

// TestStabilityReportsStrength: a clip measured against itself is perfectly
// steady (ratio 1) and not dreamed at all (strength 1), and says so on the
// strength line; --strength=false leaves the network out.
func TestStabilityReportsStrength(t *testing.T) {
	clip := sharedPath(t, "testdata/video/mouse.avi")
	code, out, errs := runCLI("stability", clip, clip, "--frames", "2")
	if code != 0 {
		t.Fatalf("code %d: %s", code, errs)
	}
	for _, want := range []string{"frame pairs   1", "ratio         1.00", "strength      1.00 (gain of mean(mixed3²)"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	code, out, errs = runCLI("stability", clip, clip, "--frames", "2", "--strength=false")
	if code != 0 || strings.Contains(out, "strength") {
		t.Errorf("--strength=false: code %d, output %q, stderr %q", code, out, errs)
	}
	code, _, errs = runCLI("stability", clip, clip, "--frames", "2", "--layer", "mixed99")
	if code == 0 || !strings.Contains(errs, "mixed99") || strings.Count(strings.TrimSpace(errs), "\n") > 0 {
		t.Errorf("unknown layer: code %d, stderr %q; want a one-line error naming it", code, errs)
	}
}
