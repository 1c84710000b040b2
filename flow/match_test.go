package flow

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestMatchWeightsTrustsMatchingPixels moves a frame by (3, 2) px, gives
// MatchWeights the exact flow, and checks what a user of the weights relies
// on: pixels that land outside the other frame, or on a patch painted over
// it, get weight 0, pixels far from those get 1, and their neighbours are
// softened into (0, 1).
func TestMatchWeightsTrustsMatchingPixels(t *testing.T) {
	const w, h = 64, 48
	a, b := translatedPair(w, h, 3, 2) // b at x + (3, 2) is a at x
	f := NewField(w, h)
	for i := range f.U {
		f.U[i], f.V[i] = 3, 2
	}
	// A patch in b that a does not have: b's pixels (30..35, 20..25),
	// seen from a's pixels (27..32, 18..23).
	for y := 20; y < 26; y++ {
		for x := 30; x < 36; x++ {
			for c := range 3 {
				b.Pix[3*(y*w+x)+c] = 255 - b.Pix[3*(y*w+x)+c]
			}
		}
	}
	weights := make([]float32, w*h)
	if err := MatchWeights(weights, a, b, f, 6); err != nil {
		t.Fatal(err)
	}
	at := func(x, y int) float32 { return weights[y*w+x] }
	for y := range h {
		// x + 3 >= w - 0.5 leaves the frame: x >= 61; likewise y >= 46.
		for x := 61; x < w; x++ {
			if at(x, y) != 0 {
				t.Fatalf("pixel (%d, %d) lands outside b but has weight %v", x, y, at(x, y))
			}
		}
	}
	for x := range w {
		if at(x, 46) != 0 || at(x, 47) != 0 {
			t.Fatalf("pixel (%d, 46 or 47) lands outside b but has weight %v, %v", x, at(x, 46), at(x, 47))
		}
	}
	for y := 18; y < 24; y++ {
		for x := 27; x < 33; x++ {
			if at(x, y) != 0 {
				t.Fatalf("pixel (%d, %d) lands on the painted patch but has weight %v", x, y, at(x, y))
			}
		}
	}
	for _, p := range [][2]int{{5, 5}, {45, 10}, {10, 38}, {50, 38}} {
		if at(p[0], p[1]) != 1 {
			t.Errorf("pixel %v, far from any mismatch, has weight %v, want 1", p, at(p[0], p[1]))
		}
	}
	for _, p := range [][2]int{{26, 20}, {33, 20}, {60, 10}, {40, 45}} {
		if v := at(p[0], p[1]); !(v > 0 && v < 1) {
			t.Errorf("pixel %v, next to a mismatch, has weight %v, want in (0, 1)", p, v)
		}
	}
}

// TestMatchWeightsTolerance checks the unit of the tolerance: the mean
// absolute difference over the channels, in the images' units.
func TestMatchWeightsTolerance(t *testing.T) {
	const w, h = 20, 10
	a := translatedFrame(w, h, 0, 0)
	b := &Image{Width: w, Height: h, Channels: 3, Pix: make([]float32, len(a.Pix))}
	for i, v := range a.Pix {
		v = float32(math.Round(float64(v))) // whole grey levels: exact sums
		a.Pix[i] = v
		if i%3 == 0 {
			b.Pix[i] = v + 15 // mean difference over the channels: 5
		} else {
			b.Pix[i] = v
		}
	}
	f := NewField(w, h) // no motion
	weights := make([]float32, w*h)
	for _, tc := range []struct {
		tol  float32
		want float32
	}{{6, 1}, {5, 1}, {4.9, 0}, {0, 0}} {
		if err := MatchWeights(weights, a, b, f, tc.tol); err != nil {
			t.Fatal(err)
		}
		for i, v := range weights {
			if v != tc.want {
				t.Fatalf("tolerance %v, pixel %d: weight %v, want %v", tc.tol, i, v, tc.want)
			}
		}
	}
}

// matchWeightsRef is MatchWeights written straightforwardly: the pixel tests
// one at a time, with sampleBilinear, and a float32 blur.
func matchWeightsRef(a, b *Image, f *Field, tol float32) []float32 {
	w, h, c := f.Width, f.Height, a.Channels
	raw := make([]float32, w*h)
	sample := make([]float32, c)
	for y := range h {
		for x := range w {
			i := y*w + x
			if !f.Known(i) || boundaryAtRef(f, x, y) {
				continue
			}
			tx, ty := float32(x)+f.U[i], float32(y)+f.V[i]
			if !(tx > -0.5 && tx < float32(w)-0.5 && ty > -0.5 && ty < float32(h)-0.5) {
				continue
			}
			sampleBilinear(sample, b.Pix, w, h, c, tx, ty)
			var diff float32
			for k, s := range sample {
				diff += float32(math.Abs(float64(a.Pix[i*c+k] - s)))
			}
			if diff <= tol*float32(c) {
				raw[i] = 1
			}
		}
	}
	blurred := blurBinomialRef(&plane{w: w, h: h, p: raw})
	out := make([]float32, w*h)
	for i := range out {
		out[i] = min(raw[i], blurred.p[i])
	}
	return out
}

// TestMatchWeightsMatchesReference compares MatchWeights and
// Estimator.MatchWeights with matchWeightsRef bit for bit: on a computed flow between real frames
// (Middlebury, when ../shared is there) and on random fields with unknown
// and NaN vectors and vectors that leave the frame, for 1 and 3 channels
// and sizes down to 1x1.
func TestMatchWeightsMatchesReference(t *testing.T) {
	type input struct {
		name string
		a, b *Image
		f    *Field
	}
	var inputs []input
	a, b := translatedPair(97, 61, 3.5, -1.5)
	f, err := Compute(context.Background(), a, b, Medium())
	if err != nil {
		t.Fatal(err)
	}
	inputs = append(inputs, input{"computed", a, b, f})
	rng := rand.New(rand.NewPCG(3, 4))
	for _, sz := range [][2]int{{1, 1}, {1, 5}, {5, 1}, {2, 2}, {4, 7}, {31, 17}} {
		for _, c := range []int{1, 3} {
			a := &Image{Width: sz[0], Height: sz[1], Channels: c, Pix: make([]float32, sz[0]*sz[1]*c)}
			b := &Image{Width: sz[0], Height: sz[1], Channels: c, Pix: make([]float32, len(a.Pix))}
			for i := range a.Pix {
				a.Pix[i] = 255 * rng.Float32()
				b.Pix[i] = a.Pix[i] + 8*float32(rng.NormFloat64())
			}
			f := NewField(sz[0], sz[1])
			for i := range f.U {
				f.U[i] = 0.7 + 0.3*float32(rng.NormFloat64())
				f.V[i] = -0.4 + 0.3*float32(rng.NormFloat64())
				switch rng.IntN(40) {
				case 0:
					f.U[i] = 1e10
				case 1:
					f.V[i] = float32(math.NaN())
				case 2:
					f.U[i] += 3 * float32(rng.NormFloat64())
				}
			}
			inputs = append(inputs, input{fmt.Sprintf("random %dx%dx%d", sz[0], sz[1], c), a, b, f})
		}
	}
	// An Estimator's MatchWeights reuses its memory from input to input
	// (of every size): the results must not depend on it.
	est, err := NewEstimator(Medium())
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range inputs {
		for _, tol := range []float32{0, 6, 20} {
			want := matchWeightsRef(in.a, in.b, in.f, tol)
			got := make([]float32, len(want))
			if err := MatchWeights(got, in.a, in.b, in.f, tol); err != nil {
				t.Fatal(err)
			}
			reused := make([]float32, len(want))
			if err := est.MatchWeights(reused, in.a, in.b, in.f, tol); err != nil {
				t.Fatal(err)
			}
			for i := range want {
				if math.Float32bits(reused[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%s, tolerance %v, pixel %d: Estimator.MatchWeights %v, want %v", in.name, tol, i, reused[i], want[i])
				}
			}
			trusted := 0
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%s, tolerance %v, pixel %d: weight %v, want %v", in.name, tol, i, got[i], want[i])
				}
				if got[i] > 0 {
					trusted++
				}
			}
			if in.name == "computed" && tol == 6 && trusted < len(got)/2 {
				t.Errorf("computed flow of a moved frame: only %d of %d pixels trusted", trusted, len(got))
			}
		}
	}
}

func TestMatchWeightsErrors(t *testing.T) {
	a, b := translatedPair(8, 6, 1, 0)
	f := NewField(8, 6)
	other := translatedFrame(9, 6, 0, 0)
	dst := make([]float32, 48)
	for name, call := range map[string]func() error{
		"image size":     func() error { return MatchWeights(dst, a, other, f, 6) },
		"channels":       func() error { return MatchWeights(dst, a, b.Gray(), f, 6) },
		"short dst":      func() error { return MatchWeights(dst[:47], a, b, f, 6) },
		"negative tol":   func() error { return MatchWeights(dst, a, b, f, -1) },
		"NaN tolerance":  func() error { return MatchWeights(dst, a, b, f, float32(math.NaN())) },
		"broken field":   func() error { return MatchWeights(dst, a, b, &Field{Width: 8, Height: 6}, 6) },
		"nil image":      func() error { return MatchWeights(dst, nil, b, f, 6) },
		"bad image data": func() error { return MatchWeights(dst, &Image{Width: 8, Height: 6, Channels: 3}, b, f, 6) },
	} {
		if err := call(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// ExampleMatchWeights judges a flow by the frames it connects: here the
// second frame is the first moved 2 px right, and the flow says so.
func ExampleMatchWeights() {
	const w, h = 32, 24
	a := NewGray(w, h)
	for y := range h {
		for x := range w {
			a.Pix[y*w+x] = float32((x*37 + y*11) % 256)
		}
	}
	b := NewGray(w, h)
	for y := range h {
		for x := 2; x < w; x++ {
			b.Pix[y*w+x] = a.Pix[y*w+x-2]
		}
	}
	f := NewField(w, h)
	for i := range f.U {
		f.U[i] = 2 // a at x is b at x + 2
	}
	weights := make([]float32, w*h)
	if err := MatchWeights(weights, a, b, f, 6); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("middle:", weights[10*w+10], "right edge, which leaves the frame:", weights[10*w+31])
	// Output: middle: 1 right edge, which leaves the frame: 0
}

// BenchmarkMatchWeights720p judges a flow between two 1280x720 RGB frames:
// Fresh with MatchWeights (its working memory allocated every call),
// Estimator with Estimator.MatchWeights (kept between calls, as in a video).
func BenchmarkMatchWeights720p(b *testing.B) {
	const w, h = 1280, 720
	a, c := translatedPair(w, h, 4.5, -2.25)
	f, err := Compute(context.Background(), a, c, Medium())
	if err != nil {
		b.Fatal(err)
	}
	dst := make([]float32, w*h)
	b.Run("Fresh", func(b *testing.B) {
		for b.Loop() {
			if err := MatchWeights(dst, a, c, f, 6); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Estimator", func(b *testing.B) {
		est, err := NewEstimator(Medium())
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if err := est.MatchWeights(dst, a, c, f, 6); err != nil {
				b.Fatal(err)
			}
		}
	})
}
