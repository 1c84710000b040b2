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

// mixedFloats returns n random values for the kernel tests: a tenth 0, a
// tenth -0, the rest normal with magnitudes from 0.01 to 100.
func mixedFloats(r *rand.Rand, n int) []float32 {
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

// TestDataRowMatchesGo checks that dataRow, with the SIMD kernel where the
// CPU has one, gives bit-identical coefficients to the plain Go loop, for
// several channel counts and row lengths.
func TestDataRowMatchesGo(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	random := func(n int) []float32 { return mixedFloats(r, n) }
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

// TestSearchKernelsMatchGo checks that the patch search's SIMD kernels,
// where the CPU has them, give bit-identical results to the Go loops:
// residuals8 (residuals and sums of an 8x8 patch), center8 (the patch
// with its means taken out, and its structure tensor) and densify (the votes
// of an 8-pixel-wide patch), on random values with zeros, -0 and a wide
// range of magnitudes.
func TestSearchKernelsMatchGo(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	random := func(n int) []float32 { return mixedFloats(r, n) }
	same := func(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) }
	var out [4]float32
	simdUsed := false
	for trial := 0; trial < 200; trial++ {
		s := 9 + r.Intn(40)
		base := r.Intn(20)
		img := random(base + 8*s + 9 + r.Intn(3))
		tpl, gxs, gys := random(64), random(64), random(64)
		ax, ay := r.Float32(), r.Float32()
		w00, w01, w10, w11 := (1-ax)*(1-ay), ax*(1-ay), (1-ax)*ay, ax*ay
		want := make([]float32, 64)
		bx, by, sr, sr2 := residuals8Go(img, base, s, w00, w01, w10, w11, tpl, gxs, gys, want)
		got := make([]float32, 64)
		if !residuals8SIMD(img, base, s, w00, w01, w10, w11, tpl, gxs, gys, got, &out) {
			continue
		}
		simdUsed = true
		for k := range want {
			if !same(got[k], want[k]) {
				t.Fatalf("trial %d: residual %d is %g, want %g", trial, k, got[k], want[k])
			}
		}
		for k, v := range [4]float32{bx, by, sr, sr2} {
			if !same(out[k], v) {
				t.Fatalf("trial %d: sum %d is %g, want %g", trial, k, out[k], v)
			}
		}
	}
	var tensor [3]float32
	for trial := 0; trial < 200; trial++ {
		w := 8 + r.Intn(30)
		o := r.Intn(20)
		img, gx, gy := random(o+7*w+8), random(o+7*w+8), random(o+7*w+8)
		want := [3][]float32{make([]float32, 64), make([]float32, 64), make([]float32, 64)}
		hxx, hxy, hyy := center8Go(img, gx, gy, o, w, want[0], want[1], want[2])
		got := [3][]float32{make([]float32, 64), make([]float32, 64), make([]float32, 64)}
		if !center8SIMD(img, gx, gy, o, w, got[0], got[1], got[2], &tensor) {
			continue
		}
		for p := range got {
			for k := range got[p] {
				if !same(got[p][k], want[p][k]) {
					t.Fatalf("trial %d: centred patch %d value %d is %g, want %g", trial, p, k, got[p][k], want[p][k])
				}
			}
		}
		for k, v := range [3]float32{hxx, hxy, hyy} {
			if !same(tensor[k], v) {
				t.Fatalf("trial %d: tensor entry %d is %g, want %g", trial, k, tensor[k], v)
			}
		}
	}
	for trial := 0; trial < 200; trial++ {
		w := 8 + r.Intn(30)
		rows := 1 + r.Intn(8)
		n := (rows-1)*w + 8 + r.Intn(3)
		su, sv, sw := random(n), random(n), random(n)
		wts := random(8 * rows)
		du, dv := random(1)[0], random(1)[0]
		wu, wv, ww := slices.Clone(su), slices.Clone(sv), slices.Clone(sw)
		for k := 0; k < rows; k++ {
			for c := 0; c < 8; c++ {
				wt := wts[8*k+c]
				wu[k*w+c] += float32(wt * du)
				wv[k*w+c] += float32(wt * dv)
				ww[k*w+c] += wt
			}
		}
		if !densify8SIMD(su, sv, sw, wts, w, rows, du, dv) {
			continue
		}
		simdUsed = true
		for k := range su {
			if !same(su[k], wu[k]) || !same(sv[k], wv[k]) || !same(sw[k], ww[k]) {
				t.Fatalf("trial %d: sums at %d are %g %g %g, want %g %g %g", trial, k, su[k], sv[k], sw[k], wu[k], wv[k], ww[k])
			}
		}
	}
	t.Logf("SIMD kernels used: %v", simdUsed)
}

// TestPlaneKernelsMatchGo checks that grayPlane, gradients, downsample and
// boundaryRow, with their SIMD kernels where the CPU has them, give
// bit-identical planes and flags to the Go loops, on random planes, RGB
// images and flows of many widths (SIMD body and Go tail).
func TestPlaneKernelsMatchGo(t *testing.T) {
	r := rand.New(rand.NewSource(4))
	for _, w := range []int{1, 2, 3, 7, 8, 9, 10, 15, 16, 17, 18, 19, 20, 21, 22, 31, 33, 35, 36, 37, 38, 64, 101} {
		for _, h := range []int{1, 2, 5} {
			m := &Image{Width: w, Height: h, Channels: 3, Pix: make([]float32, 3*w*h)}
			for i := range m.Pix {
				m.Pix[i] = float32(r.NormFloat64() * 100)
			}
			var gray, gx, gy, half [2]*plane
			for k, simd := range []bool{false, true} {
				saved := hasAVX2
				hasAVX2 = hasAVX2 && simd
				gray[k] = grayPlane(nil, m)
				gx[k], gy[k] = gradients(nil, gray[0])
				half[k] = downsample(nil, gray[0])
				hasAVX2 = saved
			}
			// The motion-boundary test, on a flow known everywhere with
			// smooth parts and jumps.
			f := NewField(w, h)
			for i := range f.U {
				f.U[i] = float32(r.NormFloat64() * math.Pow(10, float64(r.Intn(3)-1)))
				f.V[i] = float32(r.NormFloat64() * math.Pow(10, float64(r.Intn(3)-1)))
			}
			for y := 0; y < h; y++ {
				var flags [2][]uint8
				for k, simd := range []bool{false, true} {
					saved := hasAVX2
					hasAVX2 = hasAVX2 && simd
					flags[k] = make([]uint8, w)
					for x := range flags[k] {
						flags[k][x] = uint8(x % 2) // occludedBit on odd pixels
					}
					boundaryRow(flags[k], f, y, true)
					hasAVX2 = saved
				}
				if !slices.Equal(flags[0], flags[1]) {
					t.Fatalf("%dx%d: boundary flags of row %d are %v, want %v", w, h, y, flags[1], flags[0])
				}
			}
			// Image.Gray, for callers, gives the pyramid's grey values.
			imageGray := [2]*plane{gray[0], {w: w, h: h, p: m.Gray().Pix}}
			for name, pair := range map[string][2]*plane{"grey": gray, "gx": gx, "gy": gy, "downsampled": half, "Image.Gray": imageGray} {
				for i := range pair[0].p {
					if math.Float32bits(pair[0].p[i]) != math.Float32bits(pair[1].p[i]) {
						t.Fatalf("%dx%d: %s at %d is %g, want %g", w, h, name, i, pair[1].p[i], pair[0].p[i])
					}
				}
			}
		}
	}
}

// TestWarpRowMatchesGo checks that warpPlane, with its SIMD kernel where
// the CPU has one, gives bit-identical samples to sampleClamp, for flows
// that stay inside, leave the plane on every side, are NaN or infinite,
// and planes of many sizes (SIMD body and Go tail).
func TestWarpRowMatchesGo(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	for _, w := range []int{1, 7, 8, 9, 16, 17, 31, 40} {
		for _, h := range []int{1, 2, 9} {
			src := &plane{w: w, h: h, p: make([]float32, w*h)}
			for i := range src.p {
				src.p[i] = float32(r.NormFloat64() * 50)
			}
			u, v := &plane{w: w, h: h, p: make([]float32, w*h)}, &plane{w: w, h: h, p: make([]float32, w*h)}
			special := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.Copysign(0, -1)), 0, -1e-7}
			for i := range u.p {
				switch r.Intn(8) {
				case 0:
					u.p[i] = special[r.Intn(len(special))]
					v.p[i] = special[r.Intn(len(special))]
				case 1:
					u.p[i] = float32(r.NormFloat64() * 3 * float64(w))
					v.p[i] = float32(r.NormFloat64() * 3 * float64(h))
				default:
					u.p[i] = float32(r.NormFloat64() * 2)
					v.p[i] = float32(r.NormFloat64() * 2)
				}
			}
			got := warpPlane(nil, src, u, v)
			for y := 0; y < h; y++ {
				for x := 0; x < w; x++ {
					i := y*w + x
					want := src.sampleClamp(float32(x)+u.p[i], float32(y)+v.p[i])
					if math.Float32bits(got.p[i]) != math.Float32bits(want) {
						t.Fatalf("%dx%d at (%d, %d), flow (%g, %g): %g, want %g", w, h, x, y, u.p[i], v.p[i], got.p[i], want)
					}
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
