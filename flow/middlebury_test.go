package flow

import (
	"context"
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

// TestMiddleburyEPE checks the average endpoint error of the presets on the
// eight Middlebury pairs with public ground truth. The brief's target is
// 0.60 px for Medium (OpenCV 4.6 DIS MEDIUM: 0.606); the bounds below are
// what the presets reach with a small margin, so that regressions show.
func TestMiddleburyEPE(t *testing.T) {
	for _, tc := range []struct {
		name string
		opt  Options
		max  float64
	}{
		{"Fast", Fast(), 0.62},
		{"Medium", Medium(), 0.47},
		{"Accurate", Accurate(), 0.39},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if avg := middleburyEPE(t, tc.opt); avg > tc.max {
				t.Errorf("average EPE %.4f > %.2f", avg, tc.max)
			}
		})
	}
}

// BenchmarkMiddlebury times Compute per Middlebury pair (frames already
// decoded), for each preset and sequence; ms/pair is the mean wall time.
func BenchmarkMiddlebury(b *testing.B) {
	pairs := loadMiddlebury(b)
	for _, preset := range []struct {
		name string
		opt  Options
	}{{"Fast", Fast()}, {"Medium", Medium()}, {"Accurate", Accurate()}} {
		b.Run(preset.name, func(b *testing.B) {
			ctx := context.Background()
			for i := 0; i < b.N; i++ {
				for _, p := range pairs {
					if _, err := Compute(ctx, p.a, p.b, preset.opt); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N*len(pairs)), "ms/pair")
		})
		for _, p := range pairs {
			b.Run(preset.name+"/"+p.name, func(b *testing.B) {
				ctx := context.Background()
				for i := 0; i < b.N; i++ {
					if _, err := Compute(ctx, p.a, p.b, preset.opt); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/pair")
			})
		}
	}
}
