package flow

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestConsistencyDistrustsDisagreement corrupts the backward flow of a
// real computed pair over a square and checks that the pixels of A that
// land in it get weight 0, by disagreement alone (the forward flow is
// untouched and smooth), while the rest of the frame stays trusted. A flow
// that is wrong in one direction must not carry the dream.
func TestConsistencyDistrustsDisagreement(t *testing.T) {
	const w, h = 120, 96
	t.Run("computed", func(t *testing.T) {
		a, b := translatedPair(w, h, 3.5, -1.5)
		fwd, bwd, err := ComputeBidirectional(context.Background(), a, b, Medium())
		if err != nil {
			t.Fatal(err)
		}
		testDistrustsDisagreement(t, fwd, bwd, 3.5, -1.5, 2)
	})
	// On a fast pan a disagreement of 1.8 px is a small fraction of the
	// motion, but still carries the dream that far. (Exact flows: the test
	// pattern is too periodic for a 13 px motion on a small frame.)
	t.Run("fast", func(t *testing.T) {
		fwd, bwd := NewField(w, h), NewField(w, h)
		for i := range fwd.U {
			fwd.U[i], fwd.V[i] = 12, 5
			bwd.U[i], bwd.V[i] = -12, -5
		}
		testDistrustsDisagreement(t, fwd, bwd, 12, 5, 1.8)
	})
}

func testDistrustsDisagreement(t *testing.T, fwd, bwd *Field, mx, my, sideways float32) {
	w, h := fwd.Width, fwd.Height
	// interior: pixel (x, y) of A and where it lands in B are both at least
	// 4 pixels inside the frame.
	interior := func(x, y int) bool {
		tx, ty := float32(x)+mx, float32(y)+my
		return tx >= 4 && tx < float32(w-4) && ty >= 4 && ty < float32(h-4) && x >= 4 && x < w-4 && y >= 4 && y < h-4
	}
	// Before corruption: the computed pair is consistent almost everywhere.
	weights, _, _, err := Consistency(fwd, bwd)
	if err != nil {
		t.Fatal(err)
	}
	trusted, total := 0, 0
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if interior(x, y) {
				total++
				if weights[y*w+x] > 0.9 {
					trusted++
				}
			}
		}
	}
	if trusted*100 < total*98 {
		t.Fatalf("only %d of %d interior pixels trusted before corruption", trusted, total)
	}

	const sx, sy, side = 40, 30, 30 // corrupted square of B
	for _, c := range []struct {
		name   string
		du, dv float32
	}{
		{"sideways", sideways, 0},
		{"reversed", -2 * mx, -2 * my},
		{"12 px", 0, 12},
	} {
		t.Run(c.name, func(t *testing.T) {
			bad := &Field{Width: w, Height: h, U: append([]float32(nil), bwd.U...), V: append([]float32(nil), bwd.V...)}
			for y := sy; y < sy+side; y++ {
				for x := sx; x < sx+side; x++ {
					bad.U[y*w+x] += c.du
					bad.V[y*w+x] += c.dv
				}
			}
			weights, occ, _, err := Consistency(fwd, bad)
			if err != nil {
				t.Fatal(err)
			}
			var inside, insideZero, outside, outsideTrusted int
			for y := 0; y < h; y++ {
				for x := 0; x < w; x++ {
					i := y*w + x
					// Where pixel (x, y) of A lands in B (true motion).
					tx, ty := float32(x)+mx, float32(y)+my
					switch {
					case tx >= sx+1 && tx <= sx+side-2 && ty >= sy+1 && ty <= sy+side-2:
						inside++
						if weights[i] == 0 && occ[i] {
							insideZero++
						}
					case (tx < sx-4 || tx > sx+side+3 || ty < sy-4 || ty > sy+side+3) && interior(x, y):
						outside++
						if weights[i] > 0.9 {
							outsideTrusted++
						}
					}
				}
			}
			if insideZero != inside {
				t.Errorf("%d of %d pixels landing in the corrupted square have weight 0 and are marked occluded", insideZero, inside)
			}
			if outsideTrusted*100 < outside*95 {
				t.Errorf("only %d of %d pixels away from the square are trusted", outsideTrusted, outside)
			}
		})
	}
}

// consistencyRef is the straightforward Consistency (one call per pixel per
// test, a float32 blur) that the row-wise one with integer sums replaced;
// TestConsistencyMatchesReference checks that they agree bit for bit.
func consistencyRef(fwd, bwd *Field) (weights []float32, occluded, boundary []bool, err error) {
	if err := fwd.Validate(); err != nil {
		return nil, nil, nil, fmt.Errorf("flow: Consistency: forward: %w", err)
	}
	if err := bwd.Validate(); err != nil {
		return nil, nil, nil, fmt.Errorf("flow: Consistency: backward: %w", err)
	}
	if fwd.Width != bwd.Width || fwd.Height != bwd.Height {
		return nil, nil, nil, fmt.Errorf("flow: Consistency: forward %dx%d, backward %dx%d", fwd.Width, fwd.Height, bwd.Width, bwd.Height)
	}
	w, h := fwd.Width, fwd.Height
	n := w * h
	occluded = make([]bool, n)
	boundary = make([]bool, n)
	bu := &plane{w: w, h: h, p: bwd.U}
	bv := &plane{w: w, h: h, p: bwd.V}
	raw := make([]float32, n)
	parallelRows(h, 8, func(lo, hi int) {
		for y := lo; y < hi; y++ {
			for x := 0; x < w; x++ {
				i := y*w + x
				occluded[i] = occludedAtRef(fwd, bu, bv, x, y)
				boundary[i] = boundaryAtRef(fwd, x, y)
				if !occluded[i] && !boundary[i] {
					raw[i] = 1
				}
			}
		}
	})
	blurred := blurBinomialRef(&plane{w: w, h: h, p: raw})
	weights = make([]float32, n)
	parallelRows(h, 16, func(lo, hi int) {
		for i := lo * w; i < hi*w; i++ {
			weights[i] = min(raw[i], blurred.p[i])
		}
	})
	return weights, occluded, boundary, nil
}

// occludedAtRef is the reference forward–backward test: it applies the forward–backward test at (x, y).
func occludedAtRef(fwd *Field, bu, bv *plane, x, y int) bool {
	w, h := fwd.Width, fwd.Height
	i := y*w + x
	if !fwd.Known(i) {
		return true
	}
	u, v := fwd.U[i], fwd.V[i]
	tx, ty := float32(x)+u, float32(y)+v
	if !(tx > -0.5 && tx < float32(w)-0.5 && ty > -0.5 && ty < float32(h)-0.5) {
		return true
	}
	bx, by := sampleClamp2(bu, bv, tx, ty)
	if !known32(bx, by) {
		return true
	}
	sx, sy := u+bx, v+by
	return sx*sx+sy*sy > min(0.01*(u*u+v*v+bx*bx+by*by), maxRelativeSlack)+0.5
}

// boundaryAtRef is the reference motion-boundary test: it applies the motion-boundary test to fwd at (x, y), with
// central differences (one-sided at the frame border).
func boundaryAtRef(f *Field, x, y int) bool {
	w, h := f.Width, f.Height
	i := y*w + x
	fu, fv := f.U, f.V
	u, v := fu[i], fv[i]
	if !known32(u, v) {
		return false
	}
	xl, xr := clampi(x-1, w), clampi(x+1, w)
	yu, yd := clampi(y-1, h), clampi(y+1, h)
	// The differences are over 2 pixels inside the frame and 1 at its
	// border: halving is exactly the division by 2.
	var ux, vx, uy, vy float32
	if a, b := y*w+xl, y*w+xr; a != b && known32(fu[a], fv[a]) && known32(fu[b], fv[b]) {
		ux, vx = fu[b]-fu[a], fv[b]-fv[a]
		if xr-xl == 2 {
			ux, vx = 0.5*ux, 0.5*vx
		}
	}
	if a, b := yu*w+x, yd*w+x; a != b && known32(fu[a], fv[a]) && known32(fu[b], fv[b]) {
		uy, vy = fu[b]-fu[a], fv[b]-fv[a]
		if yd-yu == 2 {
			uy, vy = 0.5*uy, 0.5*vy
		}
	}
	return ux*ux+uy*uy+vx*vx+vy*vy > 0.01*(u*u+v*v)+0.002
}

// blurBinomialRef (reference) smooths a plane with the separable 5-tap binomial kernel
// [1 4 6 4 1]/16 and clamped borders.
func blurBinomialRef(src *plane) *plane {
	w, h := src.w, src.h
	tmp := newPlane(w, h)
	parallelRows(h, 16, func(lo, hi int) {
		for y := lo; y < hi; y++ {
			row := src.p[y*w : (y+1)*w]
			out := tmp.p[y*w : (y+1)*w]
			for x := range out {
				if x >= 2 && x+2 < w {
					out[x] = (row[x-2] + row[x+2] + 4*(row[x-1]+row[x+1]) + 6*row[x]) * (1.0 / 16)
					continue
				}
				out[x] = (row[clampi(x-2, w)] + row[clampi(x+2, w)] + 4*(row[clampi(x-1, w)]+row[clampi(x+1, w)]) + 6*row[x]) * (1.0 / 16)
			}
		}
	})
	out := newPlane(w, h)
	parallelRows(h, 16, func(lo, hi int) {
		for y := lo; y < hi; y++ {
			r0 := tmp.p[clampi(y-2, h)*w:][:w]
			r1 := tmp.p[clampi(y-1, h)*w:][:w]
			r2 := tmp.p[y*w:][:w]
			r3 := tmp.p[clampi(y+1, h)*w:][:w]
			r4 := tmp.p[clampi(y+2, h)*w:][:w]
			o := out.p[y*w : (y+1)*w]
			for x := range o {
				o[x] = (r0[x] + r4[x] + 4*(r1[x]+r3[x]) + 6*r2[x]) * (1.0 / 16)
			}
		}
	})
	return out
}

// TestConsistencyMatchesReference compares Consistency and
// ConsistencyWeights with consistencyRef, bit for bit, on computed flows
// and on random fields with unknown and NaN vectors, vectors that leave the
// frame and sizes down to 1x1.
func TestConsistencyMatchesReference(t *testing.T) {
	type pair struct {
		name     string
		fwd, bwd *Field
	}
	var pairs []pair
	a, b := translatedPair(97, 61, 3.5, -1.5)
	fwd, bwd, err := ComputeBidirectional(context.Background(), a, b, Medium())
	if err != nil {
		t.Fatal(err)
	}
	pairs = append(pairs, pair{"computed", fwd, bwd})
	rng := rand.New(rand.NewPCG(1, 2))
	for _, sz := range [][2]int{{1, 1}, {1, 5}, {5, 1}, {2, 2}, {3, 3}, {4, 7}, {31, 17}, {64, 48}} {
		for _, scale := range []float32{0.3, 2, 9} {
			// A smooth motion and its inverse with a little noise,
			// disturbed at random pixels (big errors, unknown and NaN
			// vectors), so that every branch of the tests is taken.
			f, g := NewField(sz[0], sz[1]), NewField(sz[0], sz[1])
			for i := range f.U {
				f.U[i] = scale * (0.8 + 0.003*float32(rng.NormFloat64()))
				f.V[i] = scale * (-0.5 + 0.003*float32(rng.NormFloat64()))
				g.U[i] = scale * (-0.8 + 0.003*float32(rng.NormFloat64()))
				g.V[i] = scale * (0.5 + 0.003*float32(rng.NormFloat64()))
			}
			for _, fl := range []*Field{f, g} {
				for i := range fl.U {
					switch rng.IntN(60) {
					case 0:
						fl.U[i] = 1e10
					case 1:
						fl.V[i] = float32(math.NaN())
					case 2:
						fl.U[i] = float32(math.Inf(-1))
					case 3, 4, 5:
						fl.U[i] += 3 * float32(rng.NormFloat64())
					}
				}
			}
			pairs = append(pairs, pair{fmt.Sprintf("random %dx%d scale %g", sz[0], sz[1], scale), f, g})
		}
	}
	for _, p := range pairs {
		wantW, wantO, wantB, err := consistencyRef(p.fwd, p.bwd)
		if err != nil {
			t.Fatal(err)
		}
		w, o, bd, err := Consistency(p.fwd, p.bwd)
		if err != nil {
			t.Fatal(err)
		}
		only := make([]float32, len(w))
		for i := range only {
			only[i] = -1
		}
		if err := ConsistencyWeights(only, p.fwd, p.bwd); err != nil {
			t.Fatal(err)
		}
		trusted := 0
		for i := range wantW {
			if math.Float32bits(w[i]) != math.Float32bits(wantW[i]) || math.Float32bits(only[i]) != math.Float32bits(wantW[i]) ||
				o[i] != wantO[i] || bd[i] != wantB[i] {
				t.Fatalf("%s, pixel %d: weight %v (weights only %v), occluded %v, boundary %v; want %v, %v, %v",
					p.name, i, w[i], only[i], o[i], bd[i], wantW[i], wantO[i], wantB[i])
			}
			if w[i] > 0 {
				trusted++
			}
		}
		t.Logf("%s: %d of %d pixels trusted", p.name, trusted, len(w))
	}
	if err := ConsistencyWeights(make([]float32, 3), fwd, bwd); err == nil {
		t.Error("ConsistencyWeights accepted a short dst")
	}
}
