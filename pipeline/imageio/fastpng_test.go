package imageio

import (
	"bytes"
	"image"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// decodeRGB decodes a PNG with image/png and returns its pixels as rgb24.
func decodeRGB(t testing.TB, data []byte) ([]byte, int, int) {
	t.Helper()
	m, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	rgba, ok := m.(*image.RGBA)
	if !ok {
		t.Fatalf("decoded as %T, want *image.RGBA", m)
	}
	w, h := rgba.Rect.Dx(), rgba.Rect.Dy()
	out := make([]byte, 0, w*h*3)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			p := rgba.Pix[y*rgba.Stride+4*x:]
			out = append(out, p[0], p[1], p[2])
		}
	}
	return out, w, h
}

func TestEncodeRGBPNGRoundTrips(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, sz := range [][2]int{{1, 1}, {1, 7}, {9, 1}, {2, 2}, {33, 17}, {640, 3}} {
		w, h := sz[0], sz[1]
		for _, kind := range []string{"noise", "ramp"} {
			rgb := make([]byte, w*h*3)
			for i := range rgb {
				if kind == "noise" {
					rgb[i] = byte(rng.IntN(256))
				} else {
					rgb[i] = byte(i*7 + i/(3*w)*13)
				}
			}
			var buf bytes.Buffer
			if err := EncodeRGBPNG(&buf, rgb, w, h); err != nil {
				t.Fatal(err)
			}
			got, gw, gh := decodeRGB(t, buf.Bytes())
			if gw != w || gh != h || !bytes.Equal(got, rgb) {
				t.Fatalf("%dx%d %s: the decoded PNG differs from the frame", w, h, kind)
			}
		}
	}
}

func TestEncodeRGBPNGRejectsBadSizes(t *testing.T) {
	var buf bytes.Buffer
	for _, c := range []struct{ n, w, h int }{{12, 2, 3}, {0, 0, 0}, {3, 1, -1}} {
		if err := EncodeRGBPNG(&buf, make([]byte, c.n), c.w, c.h); err == nil {
			t.Errorf("%d bytes as %dx%d: no error", c.n, c.w, c.h)
		}
	}
}

// photoRGB loads one of the shared photos as rgb24, or skips.
func photoRGB(tb testing.TB) ([]byte, int, int) {
	tb.Helper()
	path := filepath.Join("..", "..", "..", "shared", "testdata", "images", "coffee.png")
	if _, err := os.Stat(path); err != nil {
		tb.Skip("../shared/testdata/images not found (the shared test data sits beside the repository)")
	}
	pic, err := Read(path)
	if err != nil {
		tb.Fatal(err)
	}
	return ToRGB24(pic.Image, nil), pic.Image.Width, pic.Image.Height
}

func TestEncodeRGBPNGPhotoSize(t *testing.T) {
	rgb, w, h := photoRGB(t)
	var fast, std bytes.Buffer
	if err := EncodeRGBPNG(&fast, rgb, w, h); err != nil {
		t.Fatal(err)
	}
	got, _, _ := decodeRGB(t, fast.Bytes())
	if !bytes.Equal(got, rgb) {
		t.Fatal("the decoded photo differs")
	}
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for p := 0; p < w*h; p++ {
		copy(m.Pix[4*p:], rgb[3*p:3*p+3])
		m.Pix[4*p+3] = 255
	}
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&std, m); err != nil {
		t.Fatal(err)
	}
	// Lossless checkpoints must stay far smaller than raw frames.
	t.Logf("%dx%d: %d bytes (image/png BestSpeed %d, raw %d)", w, h, fast.Len(), std.Len(), len(rgb))
	if fast.Len() > len(rgb)*85/100 {
		t.Errorf("%d bytes for a %d-byte frame: the filter is not compressing", fast.Len(), len(rgb))
	}
}

func BenchmarkEncodeRGBPNG(b *testing.B) {
	rgb, w, h := photoRGB(b)
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for p := 0; p < w*h; p++ {
		copy(m.Pix[4*p:], rgb[3*p:3*p+3])
		m.Pix[4*p+3] = 255
	}
	var buf bytes.Buffer
	b.Run("fast", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			buf.Reset()
			if err := EncodeRGBPNG(&buf, rgb, w, h); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(buf.Len()), "bytes")
	})
	b.Run("image-png-bestspeed", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			buf.Reset()
			if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, m); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(buf.Len()), "bytes")
	})
}
