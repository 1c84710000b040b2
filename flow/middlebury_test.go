package flow

import (
	"context"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// middleburyDir is where the shared Middlebury test data lives, relative to
// the package directory.
const middleburyDir = "../../shared/testdata/flow"

var middleburySeqs = []string{"Dimetrodon", "Grove2", "Grove3", "Hydrangea", "RubberWhale", "Urban2", "Urban3", "Venus"}

type mbPair struct {
	name string
	a, b *Image
	gt   *Field
}

func loadPNGImage(t testing.TB, path string) *Image {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	img, err := png.Decode(fh)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	bnd := img.Bounds()
	w, h := bnd.Dx(), bnd.Dy()
	pix := make([]float32, w*h*3)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			r, g, b, _ := img.At(bnd.Min.X+x, bnd.Min.Y+y).RGBA()
			i := 3 * (y*w + x)
			pix[i], pix[i+1], pix[i+2] = float32(r>>8), float32(g>>8), float32(b>>8)
		}
	}
	m, err := FromRGB(pix, w, h)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

var _ image.Image // image/png registers via image

func loadMiddlebury(t testing.TB) []mbPair {
	t.Helper()
	if _, err := os.Stat(middleburyDir); err != nil {
		t.Skipf("Middlebury test data not found at %s (it lives in ../shared beside the repository): %v", middleburyDir, err)
	}
	var out []mbPair
	for _, s := range middleburySeqs {
		dir := filepath.Join(middleburyDir, s)
		fh, err := os.Open(filepath.Join(dir, "flow10.flo"))
		if err != nil {
			t.Fatal(err)
		}
		gt, err := ReadFlo(fh)
		fh.Close()
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		out = append(out, mbPair{
			name: s,
			a:    loadPNGImage(t, filepath.Join(dir, "frame10.png")),
			b:    loadPNGImage(t, filepath.Join(dir, "frame11.png")),
			gt:   gt,
		})
	}
	return out
}

func middleburyEPE(t *testing.T, opt Options) float64 {
	pairs := loadMiddlebury(t)
	var sum float64
	for _, p := range pairs {
		f, err := Compute(context.Background(), p.a, p.b, opt)
		if err != nil {
			t.Fatal(err)
		}
		epe, _, err := EndpointError(f, p.gt)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%-12s EPE %.3f", p.name, epe)
		sum += epe
	}
	avg := sum / float64(len(pairs))
	t.Logf("average EPE %.4f", avg)
	return avg
}

func TestMiddleburyEPE(t *testing.T) {
	for _, tc := range []struct {
		name string
		opt  Options
		max  float64
	}{
		{"Fast", Fast(), 0.65},
		{"Medium", Medium(), 0.60},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if avg := middleburyEPE(t, tc.opt); avg > tc.max {
				t.Errorf("average EPE %.4f > %.2f", avg, tc.max)
			}
		})
	}
}

func BenchmarkMiddlebury(b *testing.B) {
	pairs := loadMiddlebury(b)
	for _, preset := range []struct {
		name string
		opt  Options
	}{{"Fast", Fast()}, {"Medium", Medium()}, {"Accurate", Accurate()}} {
		b.Run(preset.name, func(b *testing.B) {
			ctx := context.Background()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for _, p := range pairs {
					if _, err := Compute(ctx, p.a, p.b, preset.opt); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N*len(pairs)), "ms/pair")
		})
	}
}
