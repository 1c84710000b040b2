package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeDeepdream writes a stand-in for the deepdream binary that checks it
// is asked for one octave and writes its output file.
func fakeDeepdream(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "deepdream")
	script := "#!/bin/sh\ncase \" $* \" in *' --octaves 1 '*) ;; *) echo bad args >&2; exit 2;; esac\n" +
		"while [ $# -gt 0 ]; do if [ \"$1\" = -o ]; then : > \"$2\"; fi; shift; done\n"
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return bin
}

func photo(t *testing.T) string {
	p := filepath.Join("..", "..", "..", "..", "shared", "testdata", "images", "chelsea.png")
	if _, err := os.Stat(p); err != nil {
		t.Skipf("test photo not found (%v); it lives in ../shared beside the repository", err)
	}
	return p
}

// TestReferenceTimeFromJSON checks that a reference printing
// {"seconds_min": …} is timed by that number and that its placeholders
// are filled in.
func TestReferenceTimeFromJSON(t *testing.T) {
	var out bytes.Buffer
	err := run([]string{"--bin", fakeDeepdream(t), "--image", photo(t), "--size", "64x48", "--rounds", "2", "--layer", "mixed4",
		"--", "sh", "-c", `case "$1 $2" in *input64x48.png\ mixed4) echo '{"seconds_min": 2.5, "threads": 2}';; *) exit 3;; esac`, "sh", "{image}", "{layer}"}, &out)
	if err != nil {
		t.Fatal(err)
	}
	s := out.String()
	if !strings.Contains(s, "reference 2.500 s") || !strings.Contains(s, "reference 2.50 s") || !strings.Contains(s, "round 2:") || strings.Contains(s, "round 3:") {
		t.Fatalf("output does not report the reference's own time for 2 rounds:\n%s", s)
	}
}

// TestBadArguments checks the one-line errors for a bad size and a missing binary.
func TestBadArguments(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--bin", fakeDeepdream(t), "--size", "640"}, "--size"},
		{[]string{"--bin", filepath.Join(t.TempDir(), "nothing")}, "go build"},
		{[]string{"--bin", fakeDeepdream(t), "--steps", "0"}, "--steps"},
	} {
		err := run(tc.args, new(bytes.Buffer))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want one mentioning %q", tc.args, err, tc.want)
		}
	}
}
