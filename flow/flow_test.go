package flow

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"math/rand"
	"runtime"
	"testing"
	"time"
)

func TestComputeTranslation(t *testing.T) {
	const w, h = 96, 80
	const dx, dy = 2.5, -1.25
	a, b := translatedPair(w, h, dx, dy)
	for _, p := range []struct {
		name string
		opt  Options
	}{{"Fast", Fast()}, {"Medium", Medium()}, {"Accurate", Accurate()}, {"Color", colorOpts()}} {
		f, err := Compute(context.Background(), a, b, p.opt)
		if err != nil {
			t.Fatal(err)
		}
		// Away from the borders (where content enters/leaves) the flow
		// must be the translation.
		var sum float64
		n := 0
		for y := 8; y < h-8; y++ {
			for x := 8; x < w-8; x++ {
				i := y*w + x
				sum += math.Hypot(float64(f.U[i])-dx, float64(f.V[i])-dy)
				n++
			}
		}
		if epe := sum / float64(n); epe > 0.1 {
			t.Errorf("%s: interior EPE %.3f on a pure translation", p.name, epe)
		}
	}
}

// colorOpts is Medium with the colour data term and refinement down to full
// resolution, to exercise those paths.
func colorOpts() Options {
	o := Medium()
	o.Color = true
	o.RefineBelow = 1
	return o
}

func TestComputeDeterministic(t *testing.T) {
	// The second pair moves far enough that the median flow on the
	// coarsest level exceeds a pixel, so the search from the dominant
	// motion runs too.
	for _, m := range [][2]float64{{3.3, 1.7}, {24, 12}} {
		a, b := translatedPair(131, 77, m[0], m[1])
		checkDeterministic(t, a, b)
	}
}

func checkDeterministic(t *testing.T, a, b *Image) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	var ref *Field
	for _, procs := range []int{1, 2, 3, 8} {
		runtime.GOMAXPROCS(procs)
		for rep := 0; rep < 2; rep++ {
			f, err := Compute(context.Background(), a, b, Accurate())
			if err != nil {
				t.Fatal(err)
			}
			if ref == nil {
				ref = f
				continue
			}
			for i := range f.U {
				if math.Float32bits(f.U[i]) != math.Float32bits(ref.U[i]) || math.Float32bits(f.V[i]) != math.Float32bits(ref.V[i]) {
					t.Fatalf("GOMAXPROCS=%d run %d differs at pixel %d: (%v,%v) vs (%v,%v)", procs, rep, i, f.U[i], f.V[i], ref.U[i], ref.V[i])
				}
			}
		}
	}
}

func TestComputeBidirectional(t *testing.T) {
	a, b := translatedPair(70, 50, 2, -1)
	fwd, bwd, err := ComputeBidirectional(context.Background(), a, b, Medium())
	if err != nil {
		t.Fatal(err)
	}
	f2, _ := Compute(context.Background(), a, b, Medium())
	b2, _ := Compute(context.Background(), b, a, Medium())
	for i := range fwd.U {
		if fwd.U[i] != f2.U[i] || fwd.V[i] != f2.V[i] || bwd.U[i] != b2.U[i] || bwd.V[i] != b2.V[i] {
			t.Fatalf("pixel %d: bidirectional result differs from two Compute calls", i)
		}
	}
	if i := 25*70 + 35; math.Abs(float64(bwd.U[i])+2) > 0.1 || math.Abs(float64(bwd.V[i])-1) > 0.1 {
		t.Errorf("backward flow at the centre (%v, %v), want (-2, 1)", bwd.U[i], bwd.V[i])
	}
}

func TestComputeOddAndTinySizes(t *testing.T) {
	sizes := [][2]int{{1, 1}, {2, 1}, {1, 2}, {1, 7}, {7, 5}, {5, 7}, {8, 8}, {9, 9}, {17, 3}, {33, 17}, {3, 200}, {257, 129}}
	for _, sz := range sizes {
		w, h := sz[0], sz[1]
		a, b := translatedPair(w, h, 1, 0.5)
		for _, opt := range []Options{Fast(), Medium(), Accurate(), colorOpts(), {}} {
			for _, grey := range []bool{false, true} {
				ia, ib := a, b
				if grey {
					ia, ib = a.Gray(), b.Gray()
				}
				f, err := Compute(context.Background(), ia, ib, opt)
				if err != nil {
					t.Fatalf("%dx%d: %v", w, h, err)
				}
				if f.Width != w || f.Height != h || len(f.U) != w*h || len(f.V) != w*h {
					t.Fatalf("%dx%d: got field %dx%d with %d/%d values", w, h, f.Width, f.Height, len(f.U), len(f.V))
				}
				for i := range f.U {
					if !f.Known(i) {
						t.Fatalf("%dx%d: non-finite flow at %d: (%v, %v)", w, h, i, f.U[i], f.V[i])
					}
				}
			}
		}
	}
}

func TestComputeErrors(t *testing.T) {
	a, b := translatedPair(16, 16, 1, 1)
	c, _ := translatedPair(17, 16, 1, 1)
	ctx := context.Background()
	cases := map[string]func() error{
		"nil":      func() error { _, err := Compute(ctx, nil, b, Medium()); return err },
		"size":     func() error { _, err := Compute(ctx, a, c, Medium()); return err },
		"channels": func() error { _, err := Compute(ctx, a, b.Gray(), Medium()); return err },
		"short pix": func() error {
			_, err := Compute(ctx, &Image{Width: 4, Height: 4, Channels: 1, Pix: make([]float32, 3)}, a.Gray(), Medium())
			return err
		},
		"bad stride": func() error { o := Medium(); o.PatchStride = 0; _, err := Compute(ctx, a, b, o); return err },
		"bad levels": func() error {
			o := Medium()
			o.CoarsestLevel = 0
			o.FinestLevel = 2
			_, err := Compute(ctx, a, b, o)
			return err
		},
	}
	for name, fn := range cases {
		if err := fn(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := FromRGB(make([]float32, 5), 2, 1); err == nil {
		t.Error("FromRGB accepted a short slice")
	}
}

func TestComputeCancel(t *testing.T) {
	a, b := translatedPair(64, 48, 1, 1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Compute(ctx, a, b, Medium()); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled context: got %v, want context.Canceled", err)
	}
	// Cancelling while it runs stops it with the context's error.
	big1, big2 := translatedPair(640, 480, 2, 1)
	ctx, cancel = context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := Compute(ctx, big1, big2, Accurate())
		done <- err
	}()
	cancel()
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled during run: got %v", err)
	}
}

func TestFloRoundTrip(t *testing.T) {
	f := NewField(7, 3)
	rng := rand.New(rand.NewSource(1))
	for i := range f.U {
		f.U[i] = float32(rng.NormFloat64() * 5)
		f.V[i] = float32(rng.NormFloat64() * 5)
	}
	f.U[4], f.V[4] = 1e10, 1e10 // unknown
	var buf bytes.Buffer
	if err := WriteFlo(&buf, f); err != nil {
		t.Fatal(err)
	}
	if got, want := buf.Len(), 12+8*7*3; got != want {
		t.Fatalf("encoded %d bytes, want %d", got, want)
	}
	g, err := ReadFlo(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if g.Width != 7 || g.Height != 3 {
		t.Fatalf("size %dx%d", g.Width, g.Height)
	}
	for i := range f.U {
		if g.U[i] != f.U[i] || g.V[i] != f.V[i] {
			t.Fatalf("pixel %d: (%v,%v) vs (%v,%v)", i, g.U[i], g.V[i], f.U[i], f.V[i])
		}
	}
	if g.Known(4) || !g.Known(5) {
		t.Error("unknown flag not preserved")
	}
}

func floHeader(magic float32, w, h int32) []byte {
	b := make([]byte, 12)
	binary.LittleEndian.PutUint32(b, math.Float32bits(magic))
	binary.LittleEndian.PutUint32(b[4:], uint32(w))
	binary.LittleEndian.PutUint32(b[8:], uint32(h))
	return b
}

func TestFloErrors(t *testing.T) {
	cases := map[string][]byte{
		"empty":          nil,
		"short header":   floHeader(floMagic, 2, 2)[:7],
		"bad magic":      append(floHeader(1.5, 1, 1), make([]byte, 8)...),
		"png magic":      append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 20)...),
		"zero width":     floHeader(floMagic, 0, 5),
		"negative":       floHeader(floMagic, -3, 5),
		"too large":      floHeader(floMagic, 1<<16, 1<<16),
		"truncated":      append(floHeader(floMagic, 2, 2), make([]byte, 8*3+5)...),
		"huge no data":   floHeader(floMagic, 16000, 16000),
		"huge some data": append(floHeader(floMagic, 10000, 10000), make([]byte, 1000)...),
	}
	for name, data := range cases {
		var ms0, ms1 runtime.MemStats
		runtime.ReadMemStats(&ms0)
		_, err := ReadFlo(bytes.NewReader(data))
		runtime.ReadMemStats(&ms1)
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		if alloc := ms1.TotalAlloc - ms0.TotalAlloc; alloc > 8<<20 {
			t.Errorf("%s: allocated %d bytes for a %d-byte stream", name, alloc, len(data))
		}
	}
	if _, err := ReadFlo(bytes.NewReader(append(floHeader(floMagic, 2, 2), make([]byte, 20)...))); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("truncated data: %v, want io.ErrUnexpectedEOF", err)
	}
	if err := WriteFlo(io.Discard, &Field{Width: 2, Height: 2, U: make([]float32, 4)}); err == nil {
		t.Error("WriteFlo accepted an inconsistent field")
	}
}

func FuzzReadFlo(f *testing.F) {
	var buf bytes.Buffer
	_ = WriteFlo(&buf, NewField(3, 2))
	f.Add(buf.Bytes())
	f.Add(floHeader(floMagic, 1<<14, 1<<14))
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := ReadFlo(bytes.NewReader(data))
		if err != nil {
			return
		}
		if err := g.Validate(); err != nil {
			t.Fatal(err)
		}
		if len(data) < 12+8*g.Width*g.Height {
			t.Fatalf("decoded %dx%d from %d bytes", g.Width, g.Height, len(data))
		}
	})
}

func TestWarpTranslation(t *testing.T) {
	const w, h, c = 23, 17, 3
	rng := rand.New(rand.NewSource(2))
	src := make([]float32, w*h*c)
	for i := range src {
		src[i] = float32(rng.Intn(256))
	}
	f := NewField(w, h)
	for i := range f.U {
		f.U[i], f.V[i] = 2, -1
	}
	for _, m := range []Interp{Bilinear, Bicubic} {
		dst := make([]float32, len(src))
		if err := Warp(dst, src, w, h, c, f, m); err != nil {
			t.Fatal(err)
		}
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				sx, sy := clampi(x+2, w), clampi(y-1, h)
				for k := 0; k < c; k++ {
					if got, want := dst[(y*w+x)*c+k], src[(sy*w+sx)*c+k]; got != want {
						t.Fatalf("%v: (%d,%d,%d) = %v, want %v", m, x, y, k, got, want)
					}
				}
			}
		}
	}
	// Fractional shift of a linear ramp is exact for both methods inside.
	ramp := make([]float32, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			ramp[y*w+x] = 3*float32(x) + 5*float32(y)
		}
	}
	for i := range f.U {
		f.U[i], f.V[i] = 0.5, 0.25
	}
	for _, m := range []Interp{Bilinear, Bicubic} {
		dst := make([]float32, len(ramp))
		if err := Warp(dst, ramp, w, h, 1, f, m); err != nil {
			t.Fatal(err)
		}
		for y := 1; y < h-3; y++ {
			for x := 1; x < w-3; x++ {
				want := 3*(float32(x)+0.5) + 5*(float32(y)+0.25)
				if got := dst[y*w+x]; math.Abs(float64(got-want)) > 1e-3 {
					t.Fatalf("%v ramp at (%d,%d) = %v, want %v", m, x, y, got, want)
				}
			}
		}
	}
	if err := Warp(make([]float32, 3), src, w, h, c, f, Bilinear); err == nil {
		t.Error("Warp accepted a short dst")
	}
}

// TestWarpAlignsFrames checks the documented convention end to end: warping
// frame B by the computed flow A→B reproduces A.
func TestWarpAlignsFrames(t *testing.T) {
	const w, h = 80, 64
	a, b := translatedPair(w, h, 3, 2)
	f, err := Compute(context.Background(), a, b, Medium())
	if err != nil {
		t.Fatal(err)
	}
	dst := make([]float32, len(b.Pix))
	if err := Warp(dst, b.Pix, w, h, 3, f, Bicubic); err != nil {
		t.Fatal(err)
	}
	var sum float64
	n := 0
	for y := 6; y < h-6; y++ {
		for x := 6; x < w-6; x++ {
			for k := 0; k < 3; k++ {
				i := (y*w+x)*3 + k
				sum += math.Abs(float64(dst[i] - a.Pix[i]))
				n++
			}
		}
	}
	if mad := sum / float64(n); mad > 1 {
		t.Errorf("warped B differs from A by %.3f on average", mad)
	}
}

// squareFlows builds the forward and backward flow of a static background
// with a square [20,40)x[20,40) moving right by 5 pixels.
func squareFlows() (fwd, bwd *Field) {
	const w, h = 64, 60
	fwd, bwd = NewField(w, h), NewField(w, h)
	for y := 20; y < 40; y++ {
		for x := 20; x < 40; x++ {
			fwd.U[y*w+x] = 5
			bwd.U[y*w+x+5] = -5
		}
	}
	return fwd, bwd
}

func TestConsistencyOccludingSquare(t *testing.T) {
	fwd, bwd := squareFlows()
	w, h := fwd.Width, fwd.Height
	weights, occ, bnd, err := Consistency(fwd, bwd)
	if err != nil {
		t.Fatal(err)
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := y*w + x
			// Background covered by the square in B.
			wantOcc := y >= 20 && y < 40 && x >= 40 && x < 45
			if occ[i] != wantOcc {
				t.Errorf("occluded(%d,%d) = %v, want %v", x, y, occ[i], wantOcc)
			}
			nearEdge := (y >= 19 && y <= 40 && (x == 19 || x == 20 || x == 39 || x == 40)) ||
				(x >= 19 && x <= 40 && (y == 19 || y == 20 || y == 39 || y == 40))
			if bnd[i] && !nearEdge {
				t.Errorf("boundary at (%d,%d) away from the square's edges", x, y)
			}
			if !(weights[i] >= 0 && weights[i] <= 1) {
				t.Fatalf("weight %v at (%d,%d) outside [0,1]", weights[i], x, y)
			}
			if (occ[i] || bnd[i]) && weights[i] != 0 {
				t.Errorf("masked pixel (%d,%d) has weight %v", x, y, weights[i])
			}
		}
	}
	for _, p := range [][2]int{{30, 30}, {5, 5}, {55, 50}} {
		if wt := weights[p[1]*w+p[0]]; wt != 1 {
			t.Errorf("weight at %v = %v, want 1 far from any mask", p, wt)
		}
	}
	for _, p := range [][2]int{{30, 20}, {20, 30}, {39, 25}, {30, 39}} {
		if !bnd[p[1]*w+p[0]] {
			t.Errorf("square edge %v not marked as motion boundary", p)
		}
	}
	// The pixel right next to the occlusion fades but is not cut.
	if wt := weights[30*w+46]; !(wt > 0 && wt < 1) {
		t.Errorf("weight next to the occlusion = %v, want in (0,1)", wt)
	}
}

func TestMeanWarpedDifference(t *testing.T) {
	const w, h = 64, 48
	a, b := translatedPair(w, h, 2, 1)
	fwd, err := Compute(context.Background(), a, b, Medium())
	if err != nil {
		t.Fatal(err)
	}
	bwd, err := Compute(context.Background(), b, a, Medium())
	if err != nil {
		t.Fatal(err)
	}
	src, err := MeanWarpedDifference(a.Pix, b.Pix, w, h, 3, fwd, bwd)
	if err != nil {
		t.Fatal(err)
	}
	if src > 1 {
		t.Errorf("source warped difference %.3f, want small for a translation", src)
	}
	// An "output" that flickers (independent noise per frame) is far less
	// stable than the source under the same flows.
	rng := rand.New(rand.NewSource(3))
	oa := append([]float32(nil), a.Pix...)
	ob := append([]float32(nil), b.Pix...)
	for i := range oa {
		oa[i] += float32(rng.NormFloat64() * 10)
		ob[i] += float32(rng.NormFloat64() * 10)
	}
	out, err := MeanWarpedDifference(oa, ob, w, h, 3, fwd, bwd)
	if err != nil {
		t.Fatal(err)
	}
	if out < 5*src || out < 5 {
		t.Errorf("flickering output E_warp %.3f vs source %.3f", out, src)
	}
	if _, err := MeanWarpedDifferenceMasked(oa, ob, w, h, 3, fwd, make([]bool, w*h)); err == nil {
		t.Error("empty mask: no error")
	}
}

func TestColorize(t *testing.T) {
	f := NewField(4, 1)
	f.U[1] = 1    // right: red
	f.U[2] = -1   // left: cyan/blue
	f.U[3] = 1e10 // unknown: black
	img, err := Colorize(f, 0)
	if err != nil {
		t.Fatal(err)
	}
	if c := img.RGBAAt(0, 0); c.R != 255 || c.G != 255 || c.B != 255 {
		t.Errorf("zero flow = %v, want white", c)
	}
	if c := img.RGBAAt(1, 0); c.R != 255 || c.G > 10 || c.B > 60 {
		t.Errorf("rightward flow = %v, want red", c)
	}
	if c := img.RGBAAt(2, 0); c.R > 10 || c.B != 255 {
		t.Errorf("leftward flow = %v, want cyan-blue", c)
	}
	if c := img.RGBAAt(3, 0); c.R != 0 || c.G != 0 || c.B != 0 || c.A != 255 {
		t.Errorf("unknown flow = %v, want opaque black", c)
	}
	// The wheel is continuous: neighbouring hues differ by less than a
	// quarter of the range, including the wrap from magenta back to red.
	for k := 0; k < wheelSize; k++ {
		a, b := wheelEntry(k), wheelEntry((k+1)%wheelSize)
		for c := 0; c < 3; c++ {
			if d := math.Abs(float64(a[c] - b[c])); d > 64 {
				t.Errorf("hues %d and %d differ by %v in channel %d", k, (k+1)%wheelSize, d, c)
			}
		}
	}
}

// TestConsistencyComputedFlow runs the whole chain on a synthetic scene: a
// textured background translating by (1, 0) and a textured square moving by
// (6, 2) over it. The background that the square covers in B must come out
// occluded, the rest of the background not.
func TestConsistencyComputedFlow(t *testing.T) {
	const w, h = 96, 80
	const sx, sy, side = 30, 28, 24 // square in A
	const fdx, fdy = 6, 2           // square motion
	const bdx = 1                   // background motion
	inSq := func(x, y, ox, oy int) bool { return x >= ox && x < ox+side && y >= oy && y < oy+side }
	render := func(b bool) *Image {
		pix := make([]float32, w*h*3)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				ox, oy, shift := sx, sy, 0.0
				if b {
					ox, oy, shift = sx+fdx, sy+fdy, bdx
				}
				for c := 0; c < 3; c++ {
					var v float64
					if inSq(x, y, ox, oy) {
						v = texture(float64(x-ox)*1.7+200+float64(c)*9, float64(y-oy)*1.3+50)
					} else {
						v = texture(float64(x)-shift+float64(c)*17, float64(y)-float64(c)*17)
					}
					pix[(y*w+x)*3+c] = float32(v)
				}
			}
		}
		m, _ := FromRGB(pix, w, h)
		return m
	}
	a, b := render(false), render(true)
	fwd, bwd, err := ComputeBidirectional(context.Background(), a, b, Medium())
	if err != nil {
		t.Fatal(err)
	}
	weights, occ, _, err := Consistency(fwd, bwd)
	if err != nil {
		t.Fatal(err)
	}
	var nOcc, hitOcc, masked, nFar, falseOcc int
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := y*w + x
			if inSq(x, y, sx, sy) {
				continue
			}
			switch {
			case inSq(x+bdx, y, sx+fdx, sy+fdy):
				nOcc++
				if occ[i] {
					hitOcc++
				}
				if weights[i] == 0 {
					masked++
				}
			case x >= 4 && x < w-4 && y >= 4 && y < h-4 &&
				!inSq(x, y, sx-6, sy-6) && !inSq(x, y, sx+6, sy-6) && !inSq(x, y, sx-6, sy+6) && !inSq(x, y, sx+6, sy+6) &&
				!inSq(x, y, sx+fdx+6, sy+fdy+6):
				nFar++
				if occ[i] || weights[i] < 0.5 {
					falseOcc++
				}
			}
		}
	}
	// The flow is smooth across the square's edges, so part of the covered
	// background is caught by the motion-boundary test instead; either way
	// its weight must be 0.
	if masked*10 < nOcc*8 {
		t.Errorf("only %d of %d covered background pixels have weight 0", masked, nOcc)
	}
	if hitOcc*10 < nOcc*3 {
		t.Errorf("only %d of %d covered background pixels detected as occluded", hitOcc, nOcc)
	}
	if falseOcc*20 > nFar {
		t.Errorf("%d of %d background pixels far from the square flagged or down-weighted", falseOcc, nFar)
	}
	t.Logf("covered background: %d/%d occluded, %d/%d weight 0; far background: %d/%d flagged", hitOcc, nOcc, masked, nOcc, falseOcc, nFar)
}

// BenchmarkCompute720p times Medium on a synthetic 1280x720 RGB pair (not
// counting the making of the pair).
func BenchmarkCompute720p(b *testing.B) {
	fa, fb := translatedPair(1280, 720, 4.5, -2.25)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Compute(context.Background(), fa, fb, Medium()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVideoPair720p times, on a synthetic 1280x720 RGB pair, what the
// video pipeline does per frame with the flow package: ComputeBidirectional
// with Medium, Consistency of the two flows and a bicubic Warp of an RGB
// layer.
func BenchmarkVideoPair720p(b *testing.B) {
	const w, h = 1280, 720
	fa, fb := translatedPair(w, h, 4.5, -2.25)
	ctx := context.Background()
	fwd, bwd, err := ComputeBidirectional(ctx, fa, fb, Medium())
	if err != nil {
		b.Fatal(err)
	}
	b.Run("Bidirectional", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, _, err := ComputeBidirectional(ctx, fa, fb, Medium()); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Consistency", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, _, _, err := Consistency(fwd, bwd); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("WarpBicubic", func(b *testing.B) {
		dst := make([]float32, w*h*3)
		for i := 0; i < b.N; i++ {
			if err := Warp(dst, fb.Pix, w, h, 3, fwd, Bicubic); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkVideoSequence720p times the flow work the video pipeline does
// per later frame of a 1280x720 RGB sequence (synthetic, moving 4.5 px
// right and 2.25 px up per frame), with Medium:
//
//   - PerPair: ComputeBidirectional of the frame and the one before it,
//     then Consistency (the pipeline's path before Estimator);
//   - Estimator: Prepare of the new frame, Bidirectional with the previous
//     frame's Frame, ConsistencyWeights into a reused buffer and Release of
//     the previous Frame;
//   - Match: the same with Flow (the flow back only) and MatchWeights
//     instead of Bidirectional and ConsistencyWeights, and the flow
//     recycled (the pipeline's default since the match check).
//
// PerPair and Estimator give the same flows and weights; ms/frame is the mean wall time,
// cpu-ms/frame the CPU time of the process (all threads, garbage collector
// included; unix only) over the same span.
func BenchmarkVideoSequence720p(b *testing.B) {
	const w, h = 1280, 720
	ctx := context.Background()
	frames := func(b *testing.B) []*Image {
		seq := make([]*Image, b.N+1)
		for t := range seq {
			seq[t] = translatedFrame(w, h, 4.5*float64(t), -2.25*float64(t))
		}
		return seq
	}
	report := func(b *testing.B, cpu0 time.Duration) {
		b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/frame")
		if cpu0 > 0 {
			b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/frame")
		}
	}
	b.Run("PerPair", func(b *testing.B) {
		seq := frames(b)
		b.ResetTimer()
		cpu0 := processCPU()
		for i := 0; i < b.N; i++ {
			back, fwd, err := ComputeBidirectional(ctx, seq[i+1], seq[i], Medium())
			if err != nil {
				b.Fatal(err)
			}
			if _, _, _, err := Consistency(back, fwd); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		report(b, cpu0)
	})
	// sequence runs an Estimator over the frames as the pipeline does:
	// each frame prepared once, pair makes the flow and weights of the
	// frame cur (image a) and the one before (image b) into weights, and
	// the frame before is released.
	sequence := func(b *testing.B, pair func(est *Estimator, a, bImg *Image, cur, prev *Frame, weights []float32) error) {
		seq := frames(b)
		est, err := NewEstimator(Medium())
		if err != nil {
			b.Fatal(err)
		}
		prev, err := est.Prepare(ctx, seq[0])
		if err != nil {
			b.Fatal(err)
		}
		weights := make([]float32, w*h)
		b.ResetTimer()
		cpu0 := processCPU()
		for i := 0; i < b.N; i++ {
			cur, err := est.Prepare(ctx, seq[i+1])
			if err != nil {
				b.Fatal(err)
			}
			if err := pair(est, seq[i+1], seq[i], cur, prev, weights); err != nil {
				b.Fatal(err)
			}
			est.Release(prev)
			prev = cur
		}
		b.StopTimer()
		report(b, cpu0)
	}
	b.Run("Estimator", func(b *testing.B) {
		sequence(b, func(est *Estimator, _, _ *Image, cur, prev *Frame, weights []float32) error {
			back, fwd, err := est.Bidirectional(ctx, cur, prev)
			if err != nil {
				return err
			}
			return ConsistencyWeights(weights, back, fwd)
		})
	})
	b.Run("Match", func(b *testing.B) {
		sequence(b, func(est *Estimator, a, bImg *Image, cur, prev *Frame, weights []float32) error {
			back, err := est.Flow(ctx, cur, prev)
			if err != nil {
				return err
			}
			err = est.MatchWeights(weights, a, bImg, back, 6)
			est.Recycle(back)
			return err
		})
	})
}

// BenchmarkCompute1080p times Compute on a synthetic 1920x1080 RGB pair.
func BenchmarkCompute1080p(b *testing.B) {
	fa, fb := translatedPair(1920, 1080, 4.5, -2.25)
	for _, p := range []struct {
		name string
		opt  Options
	}{{"Fast", Fast()}, {"Medium", Medium()}} {
		b.Run(p.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := Compute(context.Background(), fa, fb, p.opt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
