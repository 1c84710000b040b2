package flow

import (
	"fmt"
	"math"
	"sync/atomic"
)

// Consistency checks a forward flow fwd (frame A to B) against the backward
// flow bwd (B to A), following Ruder, Dosovitskiy and Brox, "Artistic style
// transfer for videos" (2016). For every pixel x of A, with w = fwd(x) and
// ŵ = bwd(x + w) (bilinear):
//
//   - occluded[i]: |w + ŵ|² > min(0.01(|w|² + |ŵ|²), 2) + 0.5, or x + w
//     leaves the frame, or the flow is unknown (the cap at 2 px² is ours,
//     so that flows that disagree by more than about 1.6 px are never
//     trusted, however fast the motion);
//   - boundary[i]: |∇u|² + |∇v|² > 0.01|w|² + 0.002 (motion boundary of fwd);
//   - weights[i] in [0, 1]: 0 where occluded or on a boundary, 1 elsewhere,
//     softened by a small blur that lowers the weights next to masked pixels
//     (masked pixels stay exactly 0).
//
// The slices are indexed like the Field (y*Width + x).
func Consistency(fwd, bwd *Field) (weights []float32, occluded, boundary []bool, err error) {
	if err := checkPair(fwd, bwd); err != nil {
		return nil, nil, nil, fmt.Errorf("flow: Consistency: %w", err)
	}
	n := fwd.Width * fwd.Height
	weights, occluded, boundary = make([]float32, n), make([]bool, n), make([]bool, n)
	consistency(weights, occluded, boundary, fwd, bwd)
	return weights, occluded, boundary, nil
}

// ConsistencyWeights is Consistency for a caller that needs only the
// weights: it writes them into dst (Width*Height values) and skips the
// masks.
func ConsistencyWeights(dst []float32, fwd, bwd *Field) error {
	if err := checkPair(fwd, bwd); err != nil {
		return fmt.Errorf("flow: ConsistencyWeights: %w", err)
	}
	if n := fwd.Width * fwd.Height; len(dst) != n {
		return fmt.Errorf("flow: ConsistencyWeights: dst holds %d values, want %d", len(dst), n)
	}
	consistency(dst, nil, nil, fwd, bwd)
	return nil
}

// checkPair validates a forward and a backward flow of the same size.
func checkPair(fwd, bwd *Field) error {
	if err := fwd.Validate(); err != nil {
		return fmt.Errorf("forward: %w", err)
	}
	if err := bwd.Validate(); err != nil {
		return fmt.Errorf("backward: %w", err)
	}
	if fwd.Width != bwd.Width || fwd.Height != bwd.Height {
		return fmt.Errorf("forward %dx%d, backward %dx%d", fwd.Width, fwd.Height, bwd.Width, bwd.Height)
	}
	return nil
}

// consistency writes the weights and, where the slices are not nil, the
// occlusion and boundary masks of Consistency.
//
// The weights (computed by trustWeights) are min(trusted, blur(trusted)) with trusted 1 or 0 and the
// blur the separable binomial [1 4 6 4 1]/16 with clamped borders. On such a
// 0/1 image every float32 sum of the blur is exact (multiples of 1/16 up to
// 16, then of 1/256 up to 1), so the blurred value is exactly K/256, with K
// the integer binomial sum over the 5x5 window: it is computed in integers,
// in any order. First every row stores, per pixel, its horizontal binomial
// sum (0..16) plus trustedBit in sums; then the vertical sums of those make K.
func consistency(weights []float32, occluded, boundary []bool, fwd, bwd *Field) {
	fwdKnown := knownEverywhere(fwd)
	trustWeights(nil, weights, occluded, boundary, fwd.Width, fwd.Height, func(flags []uint8, y int) {
		consistencyRow(flags, fwd, bwd, y, fwdKnown)
	})
}

// trustWeights writes the weights of a w x h frame, and the masks where the
// slices are not nil, from rowFlags, which sets the occludedBit and
// boundaryBit of every pixel of row y (it is called once per row, from
// several goroutines for different rows). Its row sums live in sc's memory
// (sc may be nil).
func trustWeights(sc *scratch, weights []float32, occluded, boundary []bool, w, h int, rowFlags func(flags []uint8, y int)) {
	sums := sc.sumBuf(w * h)
	parallelRows(h, 8, func(lo, hi int) {
		trusted := make([]uint8, w)
		for y := lo; y < hi; y++ {
			rowFlags(trusted, y)
			i0 := y * w
			done := 0
			if occluded == nil {
				done = trustedRowSIMD(trusted)
			}
			for x := done; x < w; x++ {
				t := trusted[x]
				if occluded != nil {
					occluded[i0+x] = t&occludedBit != 0
					boundary[i0+x] = t&boundaryBit != 0
				}
				if t != 0 {
					trusted[x] = 0
				} else {
					trusted[x] = 1
				}
			}
			horizontalBinomial(sums[i0:i0+w], trusted)
		}
	})
	parallelRows(h, 16, func(lo, hi int) {
		for y := lo; y < hi; y++ {
			r0 := sums[clampi(y-2, h)*w:][:w]
			r1 := sums[clampi(y-1, h)*w:][:w]
			r2 := sums[y*w:][:w]
			r3 := sums[clampi(y+1, h)*w:][:w]
			r4 := sums[clampi(y+2, h)*w:][:w]
			out := weights[y*w:][:w]
			for x := blurColsSIMD(out, r0, r1, r2, r3, r4); x < w; x++ {
				c := r2[x]
				if c&trustedBit == 0 {
					out[x] = 0
					continue
				}
				const m = trustedBit - 1
				k := uint32(r0[x]&m) + uint32(r4[x]&m) + 4*(uint32(r1[x]&m)+uint32(r3[x]&m)) + 6*uint32(c&m)
				out[x] = float32(k) * (1.0 / 256)
			}
		}
	})
}

// Flags of consistencyRow and of the row sums of consistency.
const (
	occludedBit = 1 << iota
	boundaryBit
	trustedBit = 32 // above any horizontal binomial sum (at most 16)
)

// horizontalBinomial stores in out[x], for a row of 0/1 values, the sum of
// [1 4 6 4 1] over row[x-2..x+2] (clamped), plus trustedBit where row[x] is
// 1.
func horizontalBinomial(out, row []uint8) {
	w := len(row)
	out = out[:w]
	edge := func(x int) {
		s := row[clampi(x-2, w)] + row[clampi(x+2, w)] + 4*(row[clampi(x-1, w)]+row[clampi(x+1, w)]) + 6*row[x]
		out[x] = s + trustedBit*row[x]
	}
	for x := 0; x < min(2, w); x++ {
		edge(x)
	}
	for x := 2 + binomialRowSIMD(out, row); x+2 < w; x++ {
		r := row[x-2 : x+3 : x+3]
		out[x] = r[0] + r[4] + 4*(r[1]+r[3]) + 6*r[2] + trustedBit*r[2]
	}
	for x := max(w-2, 2); x < w; x++ {
		edge(x)
	}
}

// consistencyRow sets flags[x] to the occludedBit and boundaryBit of pixel
// (x, y) of row y: the forward–backward test and the motion-boundary test of
// Consistency. Pixels whose test needs no clamping take a shorter path with
// the same arithmetic. fwdKnown says that fwd is known everywhere.
func consistencyRow(flags []uint8, fwd, bwd *Field, y int, fwdKnown bool) {
	w, h := fwd.Width, fwd.Height
	fu, fv := fwd.U[y*w:][:w], fwd.V[y*w:][:w]
	bu, bv := bwd.U[:w*h], bwd.V[:w*h]
	fy := float32(y)
	// x + w lands inside the frame in (-0.5, xo) x (-0.5, yo), and its
	// bilinear neighbours need no clamping in [0, xi) x [0, yi).
	xo, yo := float32(w)-0.5, float32(h)-0.5
	xi, yi := float32(w-1), float32(h-1)
	for x := range flags {
		u, v := fu[x], fv[x]
		f := uint8(occludedBit)
		if !fwdKnown && !known32(u, v) {
			flags[x] = f
			continue
		}
		tx, ty := float32(x)+u, fy+v
		if tx >= 0 && tx < xi && ty >= 0 && ty < yi {
			// sampleClamp2 without clamping.
			x0, y0 := int(tx), int(ty)
			ax, ay := tx-float32(x0), ty-float32(y0)
			i0 := y0*w + x0
			i1 := i0 + w
			p := bu[i0] + ax*(bu[i0+1]-bu[i0])
			q := bu[i1] + ax*(bu[i1+1]-bu[i1])
			r := bv[i0] + ax*(bv[i0+1]-bv[i0])
			t := bv[i1] + ax*(bv[i1+1]-bv[i1])
			if agree(u, v, p+ay*(q-p), r+ay*(t-r)) {
				f = 0
			}
		} else if tx > -0.5 && tx < xo && ty > -0.5 && ty < yo {
			if bx, by := sampleClamp2(&plane{w: w, h: h, p: bu}, &plane{w: w, h: h, p: bv}, tx, ty); agree(u, v, bx, by) {
				f = 0
			}
		}
		flags[x] = f
	}
	boundaryRow(flags, fwd, y, fwdKnown)
}

// boundaryRow adds the boundaryBit of Consistency's motion-boundary test to
// flags[x] for every pixel (x, y) of row y where f is known (a pixel with an
// unknown flow is never a boundary). allKnown says that f is known
// everywhere (as computed flows are), which spares the tests.
func boundaryRow(flags []uint8, f *Field, y int, allKnown bool) {
	w, h := f.Width, f.Height
	fu, fv := f.U[y*w:][:w], f.V[y*w:][:w]
	// The rows above and below for the vertical differences (the row
	// itself at the frame's border).
	yu, yd := clampi(y-1, h), clampi(y+1, h)
	uu, vu := f.U[yu*w:][:w], f.V[yu*w:][:w]
	ud, vd := f.U[yd*w:][:w], f.V[yd*w:][:w]
	// Inside the frame, where the flow is known everywhere, a SIMD kernel
	// may do the pixels x in [1, 1+done).
	done := 0
	if allKnown && yd-yu == 2 {
		done = boundaryRowSIMD(flags, fu, fv, uu, vu, ud, vd)
	}
	for x := 0; x < w; x++ {
		if x == 1 && done > 0 {
			x += done
			if x >= w {
				break
			}
		}
		u, v := fu[x], fv[x]
		if !allKnown && !known32(u, v) {
			continue
		}
		// Central differences (one-sided at the border: the differences
		// are over 2 pixels inside the frame and 1 at its border, so
		// halving is exactly the division by 2), where both neighbours
		// are known.
		var ux, vx, uy, vy float32
		if x > 0 && x+1 < w {
			if allKnown || known32(fu[x-1], fv[x-1]) && known32(fu[x+1], fv[x+1]) {
				ux, vx = fu[x+1]-fu[x-1], fv[x+1]-fv[x-1]
				ux, vx = 0.5*ux, 0.5*vx
			}
		} else if xl, xr := clampi(x-1, w), clampi(x+1, w); xl != xr && (allKnown || known32(fu[xl], fv[xl]) && known32(fu[xr], fv[xr])) {
			ux, vx = fu[xr]-fu[xl], fv[xr]-fv[xl]
			if xr-xl == 2 {
				ux, vx = 0.5*ux, 0.5*vx
			}
		}
		if yu != yd && (allKnown || known32(uu[x], vu[x]) && known32(ud[x], vd[x])) {
			uy, vy = ud[x]-uu[x], vd[x]-vu[x]
			if yd-yu == 2 {
				uy, vy = 0.5*uy, 0.5*vy
			}
		}
		if float32(ux*ux)+float32(uy*uy)+float32(vx*vx)+float32(vy*vy) > float32(0.01*(float32(u*u)+float32(v*v)))+0.002 {
			flags[x] |= boundaryBit
		}
	}
}

// agree reports whether the forward flow (u, v) at a pixel and the backward
// flow (bx, by) where it lands pass the forward–backward test of
// Consistency: (bx, by) is known and |w + ŵ|² is within the tolerance.
func agree(u, v, bx, by float32) bool {
	if !known32(bx, by) {
		return false
	}
	// min(tol, maxRelativeSlack), written out so that agree is inlined
	// (tol cannot be NaN: the four values are known).
	sx, sy := u+bx, v+by
	tol := 0.01 * (u*u + v*v + bx*bx + by*by)
	if tol > maxRelativeSlack {
		tol = maxRelativeSlack
	}
	return !(sx*sx+sy*sy > tol+0.5)
}

// maxRelativeSlack caps the part of the forward–backward tolerance that
// grows with the motion (Ruder et al.'s 0.01(|w|²+|ŵ|²), in px²): without
// the cap, flows that disagree by 7 px passed as consistent on a 50 px pan.
// With it no pixel is trusted whose two flows disagree by more than
// sqrt(2+0.5) ≈ 1.6 px; motions under 10 px are unaffected. On the
// evaluation set (evalset_test.go, Medium) it cut the share of pixels with
// an error over 2 px that kept weight > 0.5 from 10% to 0.8% (coffee-pan44)
// and from 26% to 4% (chaplin-pan50), while the share of pixels marked
// occluded over the whole set rose from 10.5% to 11.2%.
const maxRelativeSlack = 2

// sampleClamp2 is (a.sampleClamp(x, y), b.sampleClamp(x, y)) for two planes
// of the same size, with the coordinates worked out once.
func sampleClamp2(a, b *plane, x, y float32) (float32, float32) {
	w := a.w
	x0, x1, y0, y1, fx, fy := bilinearClamp(w, a.h, x, y)
	a0, a1 := a.p[y0*w:], a.p[y1*w:]
	b0, b1 := b.p[y0*w:], b.p[y1*w:]
	p := a0[x0] + fx*(a0[x1]-a0[x0])
	q := a1[x0] + fx*(a1[x1]-a1[x0])
	r := b0[x0] + fx*(b0[x1]-b0[x0])
	t := b1[x0] + fx*(b1[x1]-b1[x0])
	return p + fy*(q-p), r + fy*(t-r)
}

// MeanWarpedDifference measures temporal instability between two
// consecutive frames a (time t) and b (time t+1), interleaved w x h images
// with the given number of channels: the mean over the pixels that are not
// occluded (by Consistency(fwd, bwd)) of the mean absolute channel
// difference |a − warp(b, fwd)|, with bilinear warping. fwd is the flow from
// t to t+1 and bwd from t+1 to t, both computed on the source frames.
//
// For the temporal-stability ratio E_warp(output) / E_warp(source), call it
// once with the output frames and once with the source frames, with the same
// flows.
func MeanWarpedDifference(a, b []float32, w, h, channels int, fwd, bwd *Field) (float64, error) {
	_, occ, _, err := Consistency(fwd, bwd)
	if err != nil {
		return 0, fmt.Errorf("flow: MeanWarpedDifference: %w", err)
	}
	valid := make([]bool, len(occ))
	for i, o := range occ {
		valid[i] = !o
	}
	return MeanWarpedDifferenceMasked(a, b, w, h, channels, fwd, valid)
}

// MeanWarpedDifferenceMasked is MeanWarpedDifference over the pixels where
// valid is true (valid == nil means every pixel), for callers that compute
// the mask once and reuse it.
func MeanWarpedDifferenceMasked(a, b []float32, w, h, channels int, fwd *Field, valid []bool) (float64, error) {
	if len(a) != len(b) {
		return 0, fmt.Errorf("flow: MeanWarpedDifference: frames hold %d and %d values", len(a), len(b))
	}
	if valid != nil && len(valid) != w*h {
		return 0, fmt.Errorf("flow: MeanWarpedDifference: mask has %d entries, want %d", len(valid), w*h)
	}
	warped := make([]float32, len(b))
	if err := Warp(warped, b, w, h, channels, fwd, Bilinear); err != nil {
		return 0, fmt.Errorf("flow: MeanWarpedDifference: %w", err)
	}
	var sum float64
	cnt := 0
	for i := 0; i < w*h; i++ {
		if valid != nil && !valid[i] {
			continue
		}
		var d float64
		for k := i * channels; k < (i+1)*channels; k++ {
			d += math.Abs(float64(a[k] - warped[k]))
		}
		sum += d / float64(channels)
		cnt++
	}
	if cnt == 0 {
		return 0, fmt.Errorf("flow: MeanWarpedDifference: no valid pixels")
	}
	return sum / float64(cnt), nil
}

// knownEverywhere reports whether every vector of f is known.
func knownEverywhere(f *Field) bool {
	var unknown atomic.Bool
	w := f.Width
	parallelRows(f.Height, 32, func(lo, hi int) {
		u, v := f.U[lo*w:hi*w], f.V[lo*w:hi*w]
		for i := range u {
			if !known32(u[i], v[i]) {
				unknown.Store(true)
				return
			}
		}
	})
	return !unknown.Load()
}
