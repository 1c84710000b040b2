package media

import (
	"math"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzFitSize checks the size rule for any display size and any request
// (the --width/--height flags): the result either passes CheckFrameSize
// with both sides in 1..MaxSide, or CheckFrameSize refuses it; it never
// overflows or panics, and an accepted request of one side is kept exactly.
func FuzzFitSize(f *testing.F) {
	for _, s := range [][4]int{{1920, 1080, 0, 0}, {640, 360, 2147483647, 0}, {640, 360, 0, 2147483647}, {640, 360, 100000, 100000}, {1, 8192, 8192, 0}, {8192, 1, 0, 8192}, {320, 180, 160, 160}, {7, 3, 1, 1}} {
		f.Add(s[0], s[1], s[2], s[3])
	}
	f.Fuzz(func(t *testing.T, dw, dh, w, h int) {
		if dw < 1 || dh < 1 || dw > MaxSide || dh > MaxSide || w < 0 || h < 0 || w > math.MaxInt32 || h > math.MaxInt32 {
			t.Skip()
		}
		gw, gh := fitSize(dw, dh, w, h)
		if gw < 1 || gh < 1 {
			t.Fatalf("fitSize(%d,%d,%d,%d) = %dx%d", dw, dh, w, h, gw, gh)
		}
		err := CheckFrameSize("frames", gw, gh)
		if (err == nil) != (gw <= MaxSide && gh <= MaxSide) {
			t.Fatalf("fitSize(%d,%d,%d,%d) = %dx%d, check says %v", dw, dh, w, h, gw, gh, err)
		}
		if err == nil && w > 0 && h == 0 && gw != w {
			t.Fatalf("width %d asked, got %d", w, gw)
		}
	})
}

// TestDecoderRefusesHugeSizes asks for sizes beyond MaxSide, directly and
// through the aspect: each is an error before ffmpeg starts, not a panic
// or an allocation that cannot succeed.
func TestDecoderRefusesHugeSizes(t *testing.T) {
	needFFmpeg(t)
	src := clip(t, "chaplin.mp4")
	info, err := Probe(testCtx(t), src)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []DecodeOptions{{Width: 2147483647}, {Height: 100000}, {Height: 8192}, {Width: 9000, Height: 100}} {
		o.Info = info
		d, err := NewDecoder(testCtx(t), src, o)
		if err == nil {
			d.Close()
			t.Errorf("%dx%d: decoder started", o.Width, o.Height)
			continue
		}
		if want := "8192"; !containsAll(err.Error(), want) {
			t.Errorf("%dx%d: error %q does not give the limit", o.Width, o.Height, err)
		}
	}
	big := *info
	big.Width, big.Height = 20000, 10000
	if _, err := NewDecoder(testCtx(t), src, DecodeOptions{Info: &big}); err == nil || !containsAll(err.Error(), "20000x10000", "--width") {
		t.Errorf("a 20000x10000 source at its own size: %v", err)
	}
	if _, err := NewEncoder(testCtx(t), filepath.Join(t.TempDir(), "x.mp4"), EncodeOptions{Width: 9000, Height: 16, FrameRate: Rational{25, 1}}); err == nil {
		t.Error("encoder accepted 9000 pixels wide")
	}
	if _, err := FormatFromPath("-"); err == nil {
		t.Errorf("output \"-\": %v", err)
	}
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
