package dream

import (
	"math"
	"testing"

	"github.com/deepdream-go/deepdream/models"
)

func TestResizeKeepsConstants(t *testing.T) {
	img := models.NewImage(37, 23)
	for i := range img.Pix {
		img.Pix[i] = float32(50 + 100*(i%3))
	}
	for _, sz := range [][2]int{{37, 23}, {10, 7}, {26, 16}, {80, 51}, {37, 60}, {5, 23}, {1, 1}} {
		out := Resize(img, sz[0], sz[1])
		if out.Width != sz[0] || out.Height != sz[1] || len(out.Pix) != sz[0]*sz[1]*3 {
			t.Fatalf("%v: got %dx%d (%d values)", sz, out.Width, out.Height, len(out.Pix))
		}
		for i, v := range out.Pix {
			if want := float32(50 + 100*(i%3)); math.Abs(float64(v-want)) > 1e-3 {
				t.Fatalf("%v: value %d = %v, want %v", sz, i, v, want)
			}
		}
	}
}

func TestAreaDownscaleByTwoAveragesBlocks(t *testing.T) {
	img := noiseImage(8, 6, 1)
	out := Resize(img, 4, 3)
	for y := 0; y < 3; y++ {
		for x := 0; x < 4; x++ {
			for c := 0; c < 3; c++ {
				at := func(xx, yy int) float32 { return img.Pix[(yy*8+xx)*3+c] }
				want := (at(2*x, 2*y) + at(2*x+1, 2*y) + at(2*x, 2*y+1) + at(2*x+1, 2*y+1)) / 4
				if got := out.Pix[(y*4+x)*3+c]; math.Abs(float64(got-want)) > 1e-3 {
					t.Fatalf("(%d,%d,%d) = %v, want %v", x, y, c, got, want)
				}
			}
		}
	}
}

func TestAreaDownscalePreservesMean(t *testing.T) {
	img := noiseImage(131, 77, 2)
	out := Resize(img, 94, 55) // 1.4×
	mean := func(p []float32) float64 {
		var s float64
		for _, v := range p {
			s += float64(v)
		}
		return s / float64(len(p))
	}
	if a, b := mean(img.Pix), mean(out.Pix); math.Abs(a-b) > 1e-3 {
		t.Errorf("mean %v -> %v", a, b)
	}
}

func TestUpscaleIsSharpAndSmooth(t *testing.T) {
	// A linear ramp must stay a linear ramp (Lanczos reproduces it away from
	// the clamped edges), and a down-up round trip of a smooth image must
	// stay close to it.
	img := models.NewImage(40, 10)
	for y := 0; y < 10; y++ {
		for x := 0; x < 40; x++ {
			for c := 0; c < 3; c++ {
				img.Pix[(y*40+x)*3+c] = float32(3*x + c)
			}
		}
	}
	out := Resize(img, 100, 10)
	for x := 10; x < 90; x++ {
		src := (float64(x)+0.5)*0.4 - 0.5
		want := 3 * src
		if got := out.Pix[(5*100+x)*3]; math.Abs(float64(got)-want) > 0.1 {
			t.Errorf("x=%d: %v, want %v", x, got, want)
		}
	}
	smooth := Blur(noiseImage(120, 90, 3), 3)
	back := Resize(Resize(smooth, 86, 64), 120, 90)
	var mean, errSS, sigSS float64
	for _, v := range smooth.Pix {
		mean += float64(v) / float64(len(smooth.Pix))
	}
	for i := range back.Pix {
		d := float64(back.Pix[i] - smooth.Pix[i])
		errSS += d * d
		s := float64(smooth.Pix[i]) - mean
		sigSS += s * s
	}
	if r := math.Sqrt(errSS / sigSS); r > 0.1 {
		t.Errorf("down-up round trip of a smooth image: relative RMS error %.3f", r)
	} else {
		t.Logf("down-up round trip relative RMS error %.4f", r)
	}
}

func TestRoll(t *testing.T) {
	img := noiseImage(7, 5, 4)
	for _, d := range [][2]int{{0, 0}, {1, 0}, {0, 1}, {3, -2}, {-9, 12}} {
		r := Roll(img, d[0], d[1])
		for y := 0; y < 5; y++ {
			for x := 0; x < 7; x++ {
				sx := ((x-d[0])%7 + 7) % 7
				sy := ((y-d[1])%5 + 5) % 5
				for c := 0; c < 3; c++ {
					if r.Pix[(y*7+x)*3+c] != img.Pix[(sy*7+sx)*3+c] {
						t.Fatalf("roll %v at (%d,%d)", d, x, y)
					}
				}
			}
		}
		back := Roll(r, -d[0], -d[1])
		for i := range back.Pix {
			if back.Pix[i] != img.Pix[i] {
				t.Fatalf("roll %v does not undo", d)
			}
		}
	}
}

func TestLaplacianPyramidReconstructs(t *testing.T) {
	g := noiseImage(33, 21, 5).Pix
	lo, lw, lh := down2(g, 33, 21, 3)
	if lw != 17 || lh != 11 {
		t.Fatalf("down2 size %dx%d", lw, lh)
	}
	up := up2(lo, lw, lh, 3, 33, 21)
	if len(up) != len(g) {
		t.Fatal("up2 size")
	}
	// A constant passes through down2 and up2 unchanged.
	cst := make([]float32, 33*21*3)
	for i := range cst {
		cst[i] = 7
	}
	l2, w2, h2 := down2(cst, 33, 21, 3)
	for _, v := range up2(l2, w2, h2, 3, 33, 21) {
		if math.Abs(float64(v-7)) > 1e-5 {
			t.Fatalf("constant became %v", v)
		}
	}
	// One level is plain RMS normalisation.
	one := lapNormalize(g, 33, 21, 3, 1)
	var ss float64
	for _, v := range one {
		ss += float64(v) * float64(v)
	}
	if rms := math.Sqrt(ss / float64(len(one))); math.Abs(rms-1) > 1e-4 {
		t.Errorf("rms after 1 level = %v", rms)
	}
	// Several levels: finite, and zero stays zero.
	for _, v := range lapNormalize(g, 33, 21, 3, 4) {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			t.Fatal("non-finite value")
		}
	}
	for _, v := range lapNormalize(make([]float32, 30), 5, 2, 3, 4) {
		if v != 0 {
			t.Fatal("zero gradient became non-zero")
		}
	}
}

func benchImage(w, h int) *models.Image {
	img := models.NewImage(w, h)
	for i := range img.Pix {
		img.Pix[i] = float32((i * 7919) % 256)
	}
	return img
}

// reportCPU adds a cpu-ns/op metric measured since start (process CPU time;
// includes every goroutine, so with GOMAXPROCS > 1 it is the total work).
func reportCPU(b *testing.B, start int64) {
	if start > 0 {
		b.ReportMetric(float64(processCPU()-start)/float64(b.N), "cpu-ns/op")
	}
}

func BenchmarkResizeDown1280x720(b *testing.B) {
	img := benchImage(1280, 720)
	b.SetBytes(int64(len(img.Pix) * 4))
	b.ResetTimer()
	start := processCPU()
	for i := 0; i < b.N; i++ {
		Resize(img, 914, 514)
	}
	reportCPU(b, start)
}

func BenchmarkResizeUpTo1280x720(b *testing.B) {
	img := benchImage(914, 514)
	b.SetBytes(1280 * 720 * 3 * 4)
	b.ResetTimer()
	start := processCPU()
	for i := 0; i < b.N; i++ {
		Resize(img, 1280, 720)
	}
	reportCPU(b, start)
}

func BenchmarkResizeUp2x1280x720(b *testing.B) {
	img := benchImage(1280, 720)
	b.ResetTimer()
	start := processCPU()
	for i := 0; i < b.N; i++ {
		Resize(img, 2560, 1440)
	}
	reportCPU(b, start)
}

func BenchmarkRoll1280x720(b *testing.B) {
	img := benchImage(1280, 720)
	b.ResetTimer()
	start := processCPU()
	for i := 0; i < b.N; i++ {
		Roll(img, 17, -9)
	}
	reportCPU(b, start)
}

func BenchmarkLapNormalize1280x720(b *testing.B) {
	img := benchImage(1280, 720)
	b.ResetTimer()
	start := processCPU()
	for i := 0; i < b.N; i++ {
		lapNormalize(img.Pix, 1280, 720, 3, 4)
	}
	reportCPU(b, start)
}
