package main

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestParsePart(t *testing.T) {
	env := func(vars map[string]string) func(string) string {
		return func(k string) string { return vars[k] }
	}
	for _, c := range []struct {
		arg  string
		vars map[string]string
		n, k int
		err  string
	}{
		{"2/4", nil, 4, 2, ""},
		{"0/1", nil, 1, 0, ""},
		{"auto/4", map[string]string{"SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "4"}, 4, 3, ""},
		{"auto/8", map[string]string{"JOB_COMPLETION_INDEX": "7"}, 8, 7, ""},
		{"auto/3", map[string]string{"AWS_BATCH_JOB_ARRAY_INDEX": "0"}, 3, 0, ""},
		{"auto/4", nil, 0, 0, "none of SLURM_ARRAY_TASK_ID"},
		{"auto/4", map[string]string{"SLURM_ARRAY_TASK_ID": "4"}, 0, 0, "submit the array as 0-3"},
		{"auto/4", map[string]string{"SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "5"}, 0, 0, "has 5 tasks"},
		{"4/4", nil, 0, 0, "from 0 to 3"},
		{"-1/4", nil, 0, 0, "from 0 to 3"},
		{"1/0", nil, 0, 0, "want K/N"},
		{"3", nil, 0, 0, "want K/N"},
	} {
		n, k, err := parsePart(c.arg, env(c.vars))
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("--part %s %v: error %v, want one with %q", c.arg, c.vars, err, c.err)
			}
			continue
		}
		if err != nil || n != c.n || k != c.k {
			t.Errorf("--part %s %v = %d/%d, %v; want %d/%d", c.arg, c.vars, k, n, err, c.k, c.n)
		}
	}
}

func TestPartFlagsUsageErrors(t *testing.T) {
	clip := sharedPath(t, "testdata/video/chaplin.mp4")
	out := filepath.Join(t.TempDir(), "out.mp4")
	t.Setenv("SLURM_ARRAY_TASK_ID", "")
	t.Setenv("JOB_COMPLETION_INDEX", "")
	t.Setenv("AWS_BATCH_JOB_ARRAY_INDEX", "")
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--plan"}, 2, "--plan needs --parts N or --part K/N"},
		{[]string{"--parts", "0", "--plan"}, 2, "--plan needs"},
		{[]string{"--parts", "-2"}, 2, "want at least 1"},
		{[]string{"--parts", "2", "--part", "0/2"}, 2, "not both"},
		{[]string{"--part", "auto/4"}, 2, "none of SLURM_ARRAY_TASK_ID"},
		{[]string{"--part", "1/2", "--warmup", "-1"}, 2, "must not be negative"},
		{[]string{"--parts", "999", "--frames", "20", "--plan"}, 1, "too few for 999 parts"},
	} {
		code, _, stderr := runCLI(append([]string{"video", clip, "-o", out}, c.args...)...)
		if code != c.code || !strings.Contains(stderr, c.want) || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
			t.Errorf("video %v: exit %d, stderr %q; want exit %d and one line with %q", c.args, code, stderr, c.code, c.want)
		}
	}
	code, _, stderr := runCLI("video", clip, "-o", filepath.Join(t.TempDir(), "out.gif"), "--parts", "2", "--plan")
	if code == 0 || !strings.Contains(stderr, "video file (.mp4 .mov .mkv .webm)") {
		t.Errorf("--parts into a GIF: exit %d, %q", code, stderr)
	}
	code, _, stderr = runCLI("join", out)
	if code != 1 || !strings.Contains(stderr, "no parts to join") || !strings.Contains(stderr, "--part K/N") {
		t.Errorf("join without parts: exit %d, %q", code, stderr)
	}
	code, _, stderr = runCLI("join")
	if code != 2 || !strings.Contains(stderr, "exactly one output") {
		t.Errorf("join without an argument: exit %d, %q", code, stderr)
	}
}

// TestPlanSplitsAtSceneCuts prints the plan of a clip with hard cuts (at
// 52, 122, 158 and 221 with today's detector): boundaries near a cut move
// onto it, and those parts need no warm-up.
func TestPlanSplitsAtSceneCuts(t *testing.T) {
	clip := sharedPath(t, "testdata/video/tos_sar.webm")
	code, stdout, stderr := runCLI("video", clip, "-o", filepath.Join(t.TempDir(), "out.mp4"), "--parts", "4", "--plan", "--width", "160")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"309 frames in 4 parts", "scene cuts at", "  a cut\n"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("the plan lacks %q:\n%s", want, stdout)
		}
	}
}
