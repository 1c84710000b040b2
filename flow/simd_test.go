package flow

import (
	"context"
	"math"
	"math/rand"
	"slices"
	"testing"
)

// TestSORRowMatchesGo checks that sorRow, with the SIMD kernel where the
// CPU has one, gives bit-identical increments to the plain Go loop, on
// random coefficients and rows of many lengths (SIMD body and Go tail).
func TestSORRowMatchesGo(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	random := func(n int) []float32 {
		s := make([]float32, n)
		for i := range s {
			switch r.Intn(10) {
			case 0:
				s[i] = 0
			case 1:
				s[i] = float32(r.NormFloat64() * 1e-30)
			default:
				s[i] = float32(r.NormFloat64() * math.Pow(10, float64(r.Intn(7)-3)))
			}
		}
		return s
	}
	simdUsed := false
	for _, w := range []int{1, 2, 3, 7, 8, 15, 16, 17, 18, 31, 33, 64, 101} {
		const h = 4
		hw := (w + 3) / 2
		plane := hw * (h + 2)
		for Y := 1; Y <= h; Y++ {
			for c := 0; c < 2; c++ {
				cur, oth, coef := random(2*plane), random(2*plane), random(9*plane)
				q := (c + Y) & 1
				k0 := Y*hw + 1 - q
				n := (w-q)>>1 + q
				want := slices.Clone(cur)
				sorRowGo(want, oth, coef, k0, n, q, hw, plane, 1.6)
				got := slices.Clone(cur)
				if sorRowSIMD(slices.Clone(cur), oth, coef, k0, n, q, hw, plane, 1.6) > 0 {
					simdUsed = true
				}
				sorRow(Y, c, w, hw, plane, got, oth, coef, 1.6)
				for i := range want {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("w=%d Y=%d colour %d: entry %d is %g, want %g", w, Y, c, i, got[i], want[i])
					}
				}
			}
		}
	}
	t.Logf("SIMD kernel used: %v", simdUsed)
}

// TestDataRowMatchesGo checks that dataRow, with the SIMD kernel where the
// CPU has one, gives bit-identical coefficients to the plain Go loop, for
// several channel counts and row lengths.
func TestDataRowMatchesGo(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	random := func(n int) []float32 {
		s := make([]float32, n)
		for i := range s {
			switch r.Intn(10) {
			case 0:
				s[i] = 0
			case 1:
				s[i] = float32(math.Copysign(0, -1))
			default:
				s[i] = float32(r.NormFloat64() * math.Pow(10, float64(r.Intn(5)-2)))
			}
		}
		return s
	}
	simdUsed := false
	for _, K := range []int{1, 2, 3, 5} {
		for _, w := range []int{1, 2, 7, 8, 15, 16, 17, 33, 64, 101} {
			const h = 3
			hw := (w + 3) / 2
			plane := hw * (h + 2)
			cw := random(K)
			for i := range cw {
				cw[i] = float32(math.Abs(float64(cw[i])))
			}
			for Y := 1; Y <= h; Y++ {
				for c := 0; c < 2; c++ {
					duv, dat, coef := random(2*plane), random(3*K*plane), random(9*plane)
					q := (c + Y) & 1
					k0 := Y*hw + 1 - q
					n := (w-q)>>1 + q
					want := slices.Clone(coef)
					dataRowGo(duv, dat, want, cw, k0, n, plane)
					if dataRowSIMD(duv, dat, slices.Clone(coef), cw, k0, n, plane) > 0 {
						simdUsed = true
					}
					got := slices.Clone(coef)
					dataRow(Y, c, w, hw, plane, duv, dat, got, cw)
					for i := range want {
						if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
							t.Fatalf("K=%d w=%d Y=%d colour %d: entry %d is %g, want %g", K, w, Y, c, i, got[i], want[i])
						}
					}
				}
			}
		}
	}
	t.Logf("SIMD kernel used: %v", simdUsed)
}

// TestComputeSIMDMatchesGo checks end to end that the flow is bit-identical
// with and without the SIMD kernels, on sizes whose rows have SIMD bodies
// and Go tails, for the presets and colour refinement.
func TestComputeSIMDMatchesGo(t *testing.T) {
	if !hasAVX2 {
		t.Skip("no SIMD kernels on this CPU or build")
	}
	ctx := context.Background()
	color := Medium()
	color.Color = true
	for _, sz := range [][2]int{{97, 61}, {160, 90}, {211, 133}} {
		a, b := translatedPair(sz[0], sz[1], 2.5, -1.25)
		for _, opt := range []Options{Fast(), Medium(), Accurate(), color} {
			simdF, simdB, err := ComputeBidirectional(ctx, a, b, opt)
			if err != nil {
				t.Fatal(err)
			}
			hasAVX2 = false
			goF, goB, err := ComputeBidirectional(ctx, a, b, opt)
			hasAVX2 = true
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range [][2][]float32{{simdF.U, goF.U}, {simdF.V, goF.V}, {simdB.U, goB.U}, {simdB.V, goB.V}} {
				for i := range p[0] {
					if math.Float32bits(p[0][i]) != math.Float32bits(p[1][i]) {
						t.Fatalf("%dx%d %+v: value %d is %g with SIMD, %g without", sz[0], sz[1], opt, i, p[0][i], p[1][i])
					}
				}
			}
		}
	}
}

// TestDensityWeightsMatchGo checks densityWeightsTo, with the SIMD kernel
// where the CPU has one, against the plain formula, bit for bit, on
// residuals that include NaN, infinities and signed zeros.
func TestDensityWeightsMatchGo(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	specials := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.Copysign(0, -1)), 0, 1, -1, 0.5}
	for _, n := range []int{1, 7, 8, 9, 25, 64} {
		for trial := 0; trial < 20; trial++ {
			res := make([]float32, n)
			for i := range res {
				if r.Intn(8) == 0 && trial >= 10 {
					res[i] = specials[r.Intn(len(specials))]
				} else {
					res[i] = float32(r.NormFloat64() * 20)
				}
			}
			conf := float32(r.Float64())
			var m float32
			for _, d := range res {
				m += d
			}
			m /= float32(n)
			got := make([]float32, n)
			densityWeightsTo(got, res, conf)
			for k, d := range res {
				want := conf / max(float32(math.Abs(float64(d-m))), 1)
				if math.Float32bits(got[k]) != math.Float32bits(want) {
					t.Fatalf("n=%d: weight %d of residual %g is %g, want %g", n, k, d, got[k], want)
				}
			}
		}
	}
}

// TestMatchRowMatchesGo checks that matchRow, with the SIMD kernel where
// the CPU has one, gives the same flags as the plain Go loop, for grey and
// RGB frames, rows of widths 1..101 (SIMD body, groups it hands back to Go
// and Go tail) and flows that are unknown (NaN, infinite, beyond
// UnknownThreshold), leave the frame, land in the half pixel where the
// sample is clamped, or stay inside, with allKnown true (flows known
// everywhere) and false. Half the frames have values and flows on coarse
// grids, so that many differences equal the limit; the other half have
// continuous values, and each row is tested with limits equal to the
// difference of some of its pixels (a difference off by one unit in the
// last place changes their flag). b has a few NaNs and infinities.
func TestMatchRowMatchesGo(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	unknown := []float32{nan, inf, -inf, UnknownThreshold, -UnknownThreshold, 1e10, -1e10}
	simdGroups, goGroups := 0, 0
	for _, c := range []int{1, 3} {
		for w := 1; w <= 101; w++ {
			for _, grid := range []bool{true, false} {
				h := 1 + r.Intn(7)
				if w%5 == 0 {
					h = 2 // a single row with samples needing no clamping
				}
				value := func() float32 {
					if grid {
						return float32(r.Intn(64)) / 4
					}
					return float32(r.Float64() * 255)
				}
				a := &Image{Width: w, Height: h, Channels: c, Pix: make([]float32, w*h*c)}
				b := &Image{Width: w, Height: h, Channels: c, Pix: make([]float32, w*h*c)}
				for i := range a.Pix {
					a.Pix[i], b.Pix[i] = value(), value()
					if r.Intn(500) == 0 {
						b.Pix[i] = []float32{nan, inf, -inf}[r.Intn(3)]
					}
				}
				for _, allKnown := range []bool{true, false} {
					// odd is how often a vector is not a small one.
					for _, odd := range []int{0, 50, 8, 2} {
						f := NewField(w, h)
						for i := range f.U {
							x, y := i%w, i/w
							if grid {
								f.U[i] = float32(r.Intn(33)-16) / 8
								f.V[i] = float32(r.Intn(17)-8) / 8
							} else {
								f.U[i] = float32(r.Float64()*4 - 2)
								f.V[i] = float32(r.Float64()*2 - 1)
							}
							if odd == 0 || r.Intn(odd) != 0 {
								continue
							}
							switch k := r.Intn(6); {
							case k == 0 && !allKnown:
								f.U[i] = unknown[r.Intn(len(unknown))]
							case k == 1 && !allKnown:
								f.V[i] = unknown[r.Intn(len(unknown))]
							case k == 2: // leaves the frame or nearly
								f.U[i] = float32(w-x) - float32(r.Intn(9))/8
							case k == 3:
								f.V[i] = float32(-y) - float32(r.Intn(9))/8
							case k == 4: // clamped on the left or bottom
								f.U[i] = float32(-x) - float32(r.Intn(4))/8
								f.V[i] = float32(h-1-y) + float32(r.Intn(4))/8
							default:
								f.U[i] = float32(r.NormFloat64() * float64(w))
								f.V[i] = float32(r.NormFloat64() * float64(h))
							}
						}
						for y := 0; y < h; y++ {
							limits := []float32{float32(r.Intn(16)) / 4 * float32(c)}
							if !grid {
								limits = append(limits[:0], matchDiffs(a, b, f, y, r, 6)...)
							}
							for _, limit := range limits {
								want := make([]uint8, w)
								got := make([]uint8, w)
								kernel := hasAVX2
								hasAVX2 = false
								matchRow(want, a, b, f, limit, y, allKnown)
								hasAVX2 = kernel
								matchRow(got, a, b, f, limit, y, allKnown)
								for x := range want {
									if got[x] != want[x] {
										i := y*w + x
										t.Fatalf("%d channels, %dx%d, allKnown %v, limit %g: pixel (%d, %d) with flow (%g, %g) has flag %d, want %d",
											c, w, h, allKnown, limit, x, y, f.U[i], f.V[i], got[x], want[x])
									}
								}
							}
							fu, fv := f.U[y*w:][:w], f.V[y*w:][:w]
							pa := a.Pix[y*w*c:][:w*c]
							for x := 0; x+8 <= w; x += 8 {
								if matchRowSIMD(make([]uint8, w), fu, fv, pa, b.Pix, x, w, h, c, float32(y), 1) > 0 {
									simdGroups++
								} else {
									goGroups++
								}
							}
						}
					}
				}
			}
		}
	}
	t.Logf("groups of 8 the SIMD kernel took: %d, left to Go: %d", simdGroups, goGroups)
}

// matchDiffs returns the differences, summed over the channels, between a
// and b at x + f(x) of up to n pixels of row y whose sample needs no
// clamping, computed with sampleBilinear (the same arithmetic as
// matchRow's interior path).
func matchDiffs(a, b *Image, f *Field, y int, r *rand.Rand, n int) []float32 {
	w, h, c := f.Width, f.Height, a.Channels
	var diffs []float32
	for range 4 * n {
		x := r.Intn(w)
		tx, ty := float32(x)+f.U[y*w+x], float32(y)+f.V[y*w+x]
		if !(tx >= 0 && tx < float32(w-1) && ty >= 0 && ty < float32(h-1)) {
			continue
		}
		var s [3]float32
		sampleBilinear(s[:c], b.Pix, w, h, c, tx, ty)
		var diff float32
		for k := range c {
			diff += abs32(a.Pix[(y*w+x)*c+k] - s[k])
		}
		if diffs = append(diffs, diff); len(diffs) == n {
			break
		}
	}
	return diffs
}

// TestMatchWeightsSIMDMatchesGo checks end to end that MatchWeights gives
// bit-identical weights with and without the SIMD kernel, on translated
// RGB and grey frames with their flow.
func TestMatchWeightsSIMDMatchesGo(t *testing.T) {
	if !hasAVX2 {
		t.Skip("no SIMD kernels on this CPU or build")
	}
	const w, h = 211, 133
	a, b := translatedPair(w, h, 2.5, -1.25)
	f, err := Compute(context.Background(), a, b, Medium())
	if err != nil {
		t.Fatal(err)
	}
	grey := func(m *Image) *Image {
		g := NewGray(w, h)
		for i := range g.Pix {
			g.Pix[i] = m.Pix[3*i+1]
		}
		return g
	}
	for _, p := range [][2]*Image{{a, b}, {grey(a), grey(b)}} {
		simd := make([]float32, w*h)
		if err := MatchWeights(simd, p[0], p[1], f, 6); err != nil {
			t.Fatal(err)
		}
		hasAVX2 = false
		plain := make([]float32, w*h)
		err := MatchWeights(plain, p[0], p[1], f, 6)
		hasAVX2 = true
		if err != nil {
			t.Fatal(err)
		}
		for i := range simd {
			if math.Float32bits(simd[i]) != math.Float32bits(plain[i]) {
				t.Fatalf("%d channels: weight %d is %g with SIMD, %g without", p[0].Channels, i, simd[i], plain[i])
			}
		}
	}
}
