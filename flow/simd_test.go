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

// TestConstancyRowMatchesGo checks that constancyRow, with the SIMD
// kernels where the CPU has them (AVX-512 and AVX2 in turn), gives
// bit-identical terms to the plain Go loop, on random gradients that
// include zeros, -0, tiny, huge (squares overflow) and infinite values,
// mixed inside flags, and every row length from 1 to 101 (SIMD body and
// Go tail). Entries the row does not own must stay untouched.
func TestConstancyRowMatchesGo(t *testing.T) {
	r := rand.New(rand.NewSource(4))
	random := func(n int) []float32 {
		s := make([]float32, n)
		for i := range s {
			switch r.Intn(16) {
			case 0:
				s[i] = 0
			case 1:
				s[i] = float32(math.Copysign(0, -1))
			case 2:
				s[i] = float32(r.NormFloat64() * 1e-30)
			case 3:
				s[i] = float32(r.NormFloat64() * 1e25)
			case 4:
				s[i] = float32(math.Inf(1 - 2*r.Intn(2)))
			default:
				s[i] = float32(r.NormFloat64() * math.Pow(10, float64(r.Intn(7)-3)))
			}
		}
		return s
	}
	kernels := []bool{false}
	if hasAVX512 {
		kernels = append(kernels, true)
	}
	defer func(v bool) { hasAVX512 = v }(hasAVX512)
	simdUsed := false
	for _, use512 := range kernels {
		hasAVX512 = use512
		for w := 1; w <= 101; w++ {
			const plane = 60
			gx0, gx1, gy0, gy1, diff := random(w), random(w), random(w), random(w), random(w)
			inside := make([]bool, w)
			for x := range inside {
				inside[x] = r.Intn(4) != 0
			}
			// The row's entries start 3 entries into the arrays, which
			// have room after the last colour array.
			dA, dB := random(3*plane+8), random(3*plane+8)
			wantA, wantB := slices.Clone(dA), slices.Clone(dB)
			constancyRowGo(wantA[3:], wantB[3:], gx0, gx1, gy0, gy1, diff, inside, 0, plane)
			if constancyRowSIMD(slices.Clone(dA[3:]), slices.Clone(dB[3:]), gx0, gx1, gy0, gy1, diff, inside, plane) > 0 {
				simdUsed = true
			}
			constancyRow(dA[3:], dB[3:], gx0, gx1, gy0, gy1, diff, inside, plane)
			for _, p := range [][2][]float32{{dA, wantA}, {dB, wantB}} {
				for i := range p[0] {
					if math.Float32bits(p[0][i]) != math.Float32bits(p[1][i]) {
						t.Fatalf("w=%d (AVX-512 %v): entry %d is %g, want %g", w, use512, i, p[0][i], p[1][i])
					}
				}
			}
		}
	}
	t.Logf("SIMD kernels used: %v (AVX-512 too: %v)", simdUsed, len(kernels) > 1)
}

// TestRowPassesMatchGo checks refine's other row passes, insideRow,
// splitRow and addMergedRow, with the SIMD kernels where the CPU has them,
// against the plain Go loops, bit for bit, for every row length from 1
// to 101: flows that end on, just inside and just outside the image's
// edges, NaN, infinities and signed zeros; and entries the rows do not
// own must stay untouched.
func TestRowPassesMatchGo(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	specials := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.Copysign(0, -1)), 0, 1e-30}
	// value returns a flow component that moves coordinate p of an image
	// whose last coordinate is last to or near an edge, or anywhere.
	value := func(p, last int) float32 {
		switch r.Intn(6) {
		case 0:
			return specials[r.Intn(len(specials))]
		case 1:
			return -float32(p) + float32(r.Intn(3)-1)*1e-6
		case 2:
			return float32(last-p) + float32(r.Intn(3)-1)*1e-6
		case 3:
			return float32(last - p)
		default:
			return float32(r.NormFloat64() * float64(last+1))
		}
	}
	random := func(n int) []float32 {
		s := make([]float32, n)
		for i := range s {
			s[i] = float32(r.NormFloat64())
			if r.Intn(8) == 0 {
				s[i] = specials[r.Intn(len(specials))]
			}
		}
		return s
	}
	same := func(what string, w int, got, want []float32) {
		t.Helper()
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%s, w=%d: entry %d is %g, want %g", what, w, i, got[i], want[i])
			}
		}
	}
	simdUsed := false
	for w := 1; w <= 101; w++ {
		const h = 7
		y := r.Intn(h)
		u, v := make([]float32, w), make([]float32, w)
		for x := range u {
			u[x], v[x] = value(x, w-1), value(y, h-1)
		}
		got, want := make([]bool, w+2), make([]bool, w+2)
		for i := range got {
			got[i] = r.Intn(2) == 0
			want[i] = got[i]
		}
		insideRowGo(want[1:w+1], u, v, 0, y, h)
		insideRow(got[1:w+1], u, v, y, h)
		if !slices.Equal(got, want) {
			t.Fatalf("insideRow, w=%d y=%d: flags %v, want %v", w, y, got, want)
		}
		if insideRowSIMD(got[1:w+1], u, v, y, h) > 0 {
			simdUsed = true
		}

		// The row's entries start 2 entries into the arrays.
		src := random(w)
		dA, dB := random(w/2+4), random(w/2+4)
		wantA, wantB := slices.Clone(dA), slices.Clone(dB)
		splitRowGo(wantA[2:], wantB[2:], src, 0)
		splitRow(dA[2:], dB[2:], src)
		same("splitRow", w, dA, wantA)
		same("splitRow", w, dB, wantB)

		dst := random(w)
		wantDst := slices.Clone(dst)
		addMergedRowGo(wantDst, dA[2:], dB[2:], 0)
		addMergedRow(dst, dA[2:], dB[2:])
		same("addMergedRow", w, dst, wantDst)
	}
	t.Logf("SIMD kernels used: %v", simdUsed)
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
