package main

import (
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestLayerSheetEndToEnd renders a small contact sheet of two channels of
// the built-in model, as `deepdream layers --preview` does, and checks what
// the user gets: one labelled tile per channel, laid out in a row.
func TestLayerSheetEndToEnd(t *testing.T) {
	photo := sharedPath(t, "testdata/images/chelsea.png")
	out := filepath.Join(t.TempDir(), "sheet.png")
	code, _, stderr := runCLI("layers", "--preview", photo, "-o", out, "--channels", "mixed3:5-6",
		"--thumb", "96", "--octaves", "1", "--steps", "2", "--quiet")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	// chelsea is 451x300: tiles of 96x64, two in a row, 6-px gaps.
	if b := img.Bounds(); b.Dx() != 6+2*(96+6) || b.Dy() != 6+64+labelHeightForTest+6 {
		t.Errorf("sheet is %dx%d, want two 96x64 tiles in one row", b.Dx(), b.Dy())
	}
	// A second run without --force refuses to overwrite.
	if code, _, stderr := runCLI("layers", "--preview", photo, "-o", out, "--quiet"); code != 2 || !strings.Contains(stderr, "--force") {
		t.Errorf("existing output: exit %d, %q", code, stderr)
	}
}

const labelHeightForTest = 2*13 + 8

func TestLayerSheetBadFlags(t *testing.T) {
	photo := sharedPath(t, "testdata/images/chelsea.png")
	dir := t.TempDir()
	out := filepath.Join(dir, "s.png")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-o", out}, "needs --preview"},
		{[]string{"--channels", "mixed3"}, "needs --preview"},
		{[]string{"--preview", photo}, "needs -o"},
		{[]string{"--preview", photo, "-o", out, "--layer", "mixed3"}, "--channels LAYER"},
		{[]string{"--preview", photo, "-o", out, "--channels", "mixed3", "--presets"}, "choose one"},
		{[]string{"--preview", photo, "-o", out, "--channels", "mixed9"}, `unknown layer "mixed9"`},
		{[]string{"--preview", photo, "-o", out, "--channels", "mixed0:250-300"}, "outside 0..255"},
		{[]string{"--preview", photo, "-o", out, "--channels", "mixed3:9-2"}, "backwards"},
		{[]string{"--preview", photo, "-o", out, "--channels", "mixed3:0-100"}, "more than a sheet holds"},
		{[]string{"--preview", photo, "-o", out, "--thumb", "10"}, "--thumb 10"},
		{[]string{"--preview", photo, "-o", filepath.Join(dir, "no", "s.png")}, "does not exist"},
		{[]string{"--preview", photo, "-o", filepath.Join(dir, "s.gif")}, ".gif"},
		{[]string{"--preview", filepath.Join(dir, "missing.jpg"), "-o", out}, "missing.jpg"},
	} {
		code, _, stderr := runCLI(append([]string{"layers"}, tc.args...)...)
		if code == 0 || !strings.Contains(stderr, tc.want) || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
			t.Errorf("layers %v: exit %d, stderr %q; want a one-line error with %q", tc.args, code, stderr, tc.want)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a refused sheet left a file behind")
	}
}

func TestPickChannels(t *testing.T) {
	for _, tc := range []struct {
		list    string
		hasList bool
		count   int
		n       int
		want    []int
	}{
		{"", false, 4, 256, []int{32, 96, 160, 224}},
		{"", false, 12, 5, []int{0, 1, 2, 3, 4}},
		{"10-13", true, 0, 256, []int{10, 11, 12, 13}},
		{"3, 97,120", true, 0, 256, []int{3, 97, 120}},
	} {
		got, err := pickChannels(tc.list, tc.hasList, tc.count, tc.n)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("pickChannels(%q, %d of %d) = %v, %v; want %v", tc.list, tc.count, tc.n, got, err, tc.want)
		}
	}
}
