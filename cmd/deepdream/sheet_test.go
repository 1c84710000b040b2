package main

import (
	"image"
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
	img := decodePNG(t, out)
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

// TestPreviews: video --preview writes a strip beside the output and no
// clip; zoom --preview writes one frame; neither leaves a work folder.
func TestPreviews(t *testing.T) {
	in := sharedPath(t, "testdata/video/chaplin.mp4")
	dir := t.TempDir()
	toy := toyModelArgs(t, dir)
	out := filepath.Join(dir, "dream.mp4")
	code, _, stderr := runCLI(append([]string{"video", in, "-o", out, "--preview", "1s,2.5s", "--width", "96", "--quiet"}, toy...)...)
	if code != 0 {
		t.Fatalf("video --preview: exit %d: %s", code, stderr)
	}
	strip := decodePNG(t, filepath.Join(dir, "dream.preview.png"))
	if b := strip.Bounds(); b.Dx() != 6+2*(96+6) {
		t.Errorf("strip of two 96-px frames is %d wide", b.Dx())
	}
	code, _, stderr = runCLI(append([]string{"zoom", "-o", filepath.Join(dir, "z.png"), "--preview", "4", "--size", "96x64", "--frames", "10", "--quiet"}, toy...)...)
	if code != 0 {
		t.Fatalf("zoom --preview: exit %d: %s", code, stderr)
	}
	if b := decodePNG(t, filepath.Join(dir, "z.png")).Bounds(); b.Dx() != 96 || b.Dy() != 64 {
		t.Errorf("zoom preview is %v, want 96x64", b)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{"dream.preview.png", "toy.pb", "z.png"}; !reflect.DeepEqual(names, want) {
		t.Errorf("folder holds %v, want only %v", names, want)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"video", in, "-o", out, "--preview", "1s,soon"}, "not a time"},
		{[]string{"video", in, "-o", out, "--preview", "1h", "--force"}, "long"},
		{[]string{"video", in, "-o", out, "--preview", "1s"}, "--force"}, // dream.preview.png exists
		{[]string{"zoom", "-o", filepath.Join(dir, "z2.png"), "--preview", "10", "--frames", "10"}, "past the last frame"},
		{[]string{"zoom", "-o", filepath.Join(dir, "z2.png"), "--preview", "x"}, "frame number"},
	} {
		code, _, stderr := runCLI(append(tc.args, toy...)...)
		if code == 0 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, %q; want an error with %q", tc.args, code, stderr, tc.want)
		}
	}
}

// decodePNG reads a PNG the command wrote.
func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}
