package flow

import (
	"context"
	"math"
)

// varParams configures the variational refinement.
type varParams struct {
	alpha      float32 // smoothness weight
	delta      float32 // brightness (colour) constancy weight
	gamma      float32 // gradient constancy weight
	fixedIters int     // outer fixed-point iterations (robust weights)
	sorIters   int     // inner red-black SOR sweeps
	omega      float32 // SOR relaxation
	edge       float32 // >0: smoothness weight falls off across image edges of this gradient scale
}

const (
	varZeta2 = 0.1 * 0.1     // regulariser of the data-term normalisation
	varEps2  = 0.001 * 0.001 // regulariser of the robust penalty
)

// refine improves the flow (u, v) on one level by minimising
//
//	sum  delta*Psi(colour constancy) + gamma*Psi(gradient constancy)
//	   + alpha*Psi(|grad u|^2 + |grad v|^2)
//
// with Psi(s^2) = sqrt(s^2 + eps^2) (alpha optionally lowered at image
// edges, see varParams.edge), linearised around the current flow,
// solved by lagged-nonlinearity fixed-point iterations with red-black SOR.
// a and b are the level of frames A and B: a holds frame A's grey image, its
// gradients and their gradients (for gradient constancy), the colour
// channels and their gradients (for colour constancy, when used) and the
// smoothness weights; b holds the grey image and colour channels of B.
//
// If ctx is cancelled it stops early, leaving (u, v) unspecified; the caller
// checks ctx.Err(). Its working buffers come from sc and go back to it.
func refine(ctx context.Context, sc *scratch, a, b *frameLevel, u, v *plane, p varParams) {
	g0, g1, gx0, gy0 := a.gray, b.gray, a.gx, a.gy
	w, h := u.w, u.h
	n := w * h
	if p.fixedIters <= 0 || p.sorIters <= 0 {
		return
	}
	// Pixels whose flow leaves the image get no data term.
	inside := sc.flagBuf(n)
	parallelRows(h, 16, func(lo, hi int) {
		for y := lo; y < hi; y++ {
			o := y * w
			insideRow(inside[o:][:w], u.p[o:][:w], v.p[o:][:w], y, h)
		}
	})

	// The constancy channels: brightness (or colour) and gradient.
	type chanSrc struct {
		a0, a1w            *plane // frame A and warped frame B
		gx0, gy0, gx1, gy1 *plane // their gradients
		weight             float32
	}
	g1w := warpPlane(sc, g1, u, v)
	gx1, gy1 := gradients(sc, g1w)
	// Every plane made here goes back to sc at the end.
	var made []*plane
	defer func() { sc.putPlanes(made...) }()
	made = append(made, g1w, gx1, gy1)
	// withGrad pairs a0 (with its gradients, prepared with frame A) with
	// a1w and the gradients of a1w.
	withGrad := func(a0, a1w *plane, a0Grad [2]*plane, weight float32) chanSrc {
		c := chanSrc{a0: a0, a1w: a1w, weight: weight, gx0: a0Grad[0], gy0: a0Grad[1]}
		c.gx1, c.gy1 = gradients(sc, a1w)
		made = append(made, c.gx1, c.gy1)
		return c
	}
	var srcs []chanSrc
	if p.delta > 0 {
		if a.color == nil {
			srcs = append(srcs, chanSrc{g0, g1w, gx0, gy0, gx1, gy1, p.delta})
		} else {
			for c := range a.color {
				a1w := warpPlane(sc, b.color[c], u, v)
				made = append(made, a1w)
				srcs = append(srcs, withGrad(a.color[c], a1w, a.colorGrad[c], p.delta/float32(len(a.color))))
			}
		}
	}
	if p.gamma > 0 {
		srcs = append(srcs, withGrad(gx0, gx1, a.gxGrad, p.gamma), withGrad(gy0, gy1, a.gyGrad, p.gamma))
	}
	// Brightness constancy compares A with B warped; a change of exposure
	// between the frames adds an offset to that difference which, in a
	// flat region (a night sky), the data term can only explain by a large
	// motion. The difference's local mean is taken out, so that the term
	// measures misaligned texture, not exposure.
	nBright := 0
	if p.delta > 0 {
		nBright = len(srcs)
		if p.gamma > 0 {
			nBright -= 2
		}
	}
	diffs := make([]*plane, len(srcs))
	for k, sp := range srcs {
		d := sc.plane(w, h)
		made = append(made, d)
		parallelRows(h, 16, func(lo, hi int) {
			for i := lo * w; i < hi*w; i++ {
				d.p[i] = sp.a1w.p[i] - sp.a0.p[i]
			}
		})
		if k < nBright && offsetRadius > 0 {
			m := boxMean(sc, d, offsetRadius)
			parallelRows(h, 16, func(lo, hi int) {
				for i := lo * w; i < hi*w; i++ {
					d.p[i] -= m.p[i]
				}
			})
			sc.putPlanes(m)
		}
		diffs[k] = d
	}
	K := len(srcs)
	cw := make([]float32, K)
	// The solver's red-black layout (see below).
	hw := (w + 3) / 2
	rbn := hw * (h + 2)
	// Linearised constancy terms in that layout: dat[c] holds, for the
	// pixels of colour c, 3K arrays of rbn entries, ix, iy and iz of
	// channel k in arrays 3k, 3k+1 and 3k+2, normalised by the gradient
	// magnitude, so that residual = iz + ix*du + iy*dv; zero where the
	// flow leaves the image.
	datAll := sc.get(2 * 3 * K * rbn)
	defer sc.put(datAll)
	dat := [2][]float32{datAll[:3*K*rbn], datAll[3*K*rbn:]}
	for k, sp := range srcs {
		cw[k] = sp.weight
		diff := diffs[k]
		parallelRows(h, 16, func(lo, hi int) {
			for y := lo; y < hi; y++ {
				// Pixel x of the row is X = x+1 of padded row Y, at entry
				// (x+1)>>1 of colour (x+1+Y)&1: the even pixels go to
				// colour (Y+1)&1, the odd ones to colour Y&1.
				Y, o := y+1, y*w
				j := 3*k*rbn + Y*hw
				constancyRow(dat[(Y+1)&1][j:], dat[Y&1][j:], sp.gx0.p[o:][:w], sp.gx1.p[o:][:w],
					sp.gy0.p[o:][:w], sp.gy1.p[o:][:w], diff.p[o:][:w], inside[o:][:w], rbn)
			}
		})
	}

	// The solver works on arrays with a one-pixel border, so that neighbour
	// access needs no bounds logic: edges to the border have weight zero
	// and the border increments stay zero. Pixel (x, y) is (X, Y) = (x+1,
	// y+1) there, and the arrays are split by colour (X+Y)&1 of the
	// red-black ordering, each row of a colour holding its pixels in
	// entries X>>1 of hw, so that a half-sweep of SOR streams through its
	// colour's data only. Every array has rbn entries: duv[c] holds the
	// increments du then dv of colour c; coef[c] holds the 9 coefficients
	// of the pixels' two equations, one array after the other: c1, c2
	// (constant parts), a12, inv1, inv2 (inverse diagonals) and the
	// weights of their left, right, up and down edges.
	duvAll := sc.zeros(4 * rbn)
	coefAll := sc.get(18 * rbn)
	defer sc.put(duvAll, coefAll)
	duv := [2][]float32{duvAll[:2*rbn], duvAll[2*rbn:]}
	coef := [2][]float32{coefAll[:9*rbn], coefAll[9*rbn:]}
	du := [2][]float32{duv[0][:rbn], duv[1][:rbn]}
	dv := [2][]float32{duv[0][rbn:], duv[1][rbn:]}
	// field returns row Y of coefficient f of both colours.
	field := func(f, Y int) [2][]float32 {
		o := f*rbn + Y*hw
		return [2][]float32{coef[0][o:][:hw], coef[1][o:][:hw]}
	}
	// row returns row Y of both colours of a.
	row := func(a [2][]float32, Y int) [2][]float32 {
		return [2][]float32{a[0][Y*hw:][:hw], a[1][Y*hw:][:hw]}
	}
	// Optional image-edge-aware smoothness, prepared with frame A.
	alpha := a.alpha.p
	// aux[c] holds u, v, the robust smoothness weights psi and alpha of
	// the pixels of colour c in the same layout, one array after the
	// other; its border entries are never read.
	auxAll := sc.get(8 * rbn)
	defer sc.put(auxAll)
	aux := [2][]float32{auxAll[:4*rbn], auxAll[4*rbn:]}
	parallelRows(h, 16, func(lo, hi int) {
		for y := lo; y < hi; y++ {
			// The even pixels of row y go to colour (Y+1)&1, the odd
			// ones to colour Y&1 (see the dat pass).
			Y, o := y+1, y*w
			even, odd := aux[(Y+1)&1][Y*hw:], aux[Y&1][Y*hw:]
			splitRow(even, odd, u.p[o:][:w])
			splitRow(even[rbn:], odd[rbn:], v.p[o:][:w])
			splitRow(even[3*rbn:], odd[3*rbn:], alpha[o:][:w])
		}
	})
	// psiRow returns row Y of psi of both colours.
	psiRow := func(Y int) [2][]float32 {
		return [2][]float32{aux[0][2*rbn+Y*hw:][:hw], aux[1][2*rbn+Y*hw:][:hw]}
	}

	for fp := 0; fp < p.fixedIters; fp++ {
		if ctx.Err() != nil {
			return
		}
		// Data term (robust weights and per-pixel normal equations, stored
		// in coef[0:5] for the next pass) and the robust smoothness weight
		// per pixel (forward differences).
		parallelRows(h, 16, func(lo, hi int) {
			for y := lo; y < hi; y++ {
				Y := y + 1
				for c := range 2 {
					dataRow(Y, c, w, hw, rbn, duv[c], dat[c], coef[c], cw)
				}
				// This row and the next one (if any) of u, v and of both
				// colours of the increments.
				ur, vr, ar := u.p[y*w:][:w], v.p[y*w:][:w], alpha[y*w:][:w]
				var ud, vd []float32
				var dud, dvd [2][]float32
				if y+1 < h {
					ud, vd = u.p[(y+1)*w:][:w], v.p[(y+1)*w:][:w]
					dud, dvd = row(du, Y+1), row(dv, Y+1)
				}
				dur, dvr := row(du, Y), row(dv, Y)
				psr := psiRow(Y)
				// One colour after the other; on rows with a row below, a
				// SIMD kernel may do the pixels x in [skipLo, skipHi) that
				// have a right neighbour.
				for x0 := range 2 {
					c := (x0 + 1 + Y) & 1
					skipLo, skipHi := w, w
					if y+1 < h {
						if m := psiSIMD(duv[c], duv[c^1], aux[c], aux[c^1], Y, (c+Y)&1, w, hw, rbn); m > 0 {
							skipLo, skipHi = x0, x0+2*m
						}
					}
					for x := x0; x < w; x += 2 {
						if x == skipLo {
							x = skipHi - 2
							continue
						}
						X := x + 1
						j := X >> 1
						d1, d2 := dur[c][j], dvr[c][j]
						cu, cv := ur[x]+d1, vr[x]+d2
						var ux, vx, uy, vy float32
						if x+1 < w {
							// (X+1, Y) has the other colour, at entry (X+1)>>1.
							jr := (X + 1) >> 1
							ux = ur[x+1] + dur[c^1][jr] - cu
							vx = vr[x+1] + dvr[c^1][jr] - cv
						}
						if y+1 < h {
							// (X, Y+1) has the other colour, at entry X>>1.
							uy = ud[x] + dud[c^1][j] - cu
							vy = vd[x] + dvd[c^1][j] - cv
						}
						psr[c][j] = ar[x] / float32(math.Sqrt(float64(float32(ux*ux)+float32(uy*uy)+float32(vx*vx)+float32(vy*vy)+varEps2)))
					}
				}
			}
		})
		// Edge weights and the constant parts of the linear system for this
		// fixed-point step.
		parallelRows(h, 16, func(lo, hi int) {
			for y := lo; y < hi; y++ {
				Y := y + 1
				ur, vr, pr := u.p[y*w:][:w], v.p[y*w:][:w], psiRow(Y)
				var uu, vu, ud, vd []float32 // the rows above and below
				var pu, pd [2][]float32
				if y > 0 {
					uu, vu, pu = u.p[(y-1)*w:][:w], v.p[(y-1)*w:][:w], psiRow(Y-1)
				}
				if y+1 < h {
					ud, vd, pd = u.p[(y+1)*w:][:w], v.p[(y+1)*w:][:w], psiRow(Y+1)
				}
				var cr [9][2][]float32
				for f := range cr {
					cr[f] = field(f, Y)
				}
				// One colour after the other, so that the writes go to
				// the nine coefficient arrays of one colour at a time. On
				// rows with neighbours above and below, a SIMD kernel may
				// do the pixels x in [skipLo, skipHi) that are not on the
				// border.
				for x0 := range 2 {
					c := (x0 + 1 + Y) & 1
					skipLo, skipHi := w, w
					if y > 0 && y+1 < h {
						q := (c + Y) & 1
						if m := edgesSIMD(aux[c], aux[c^1], coef[c], Y, q, w, hw, rbn); m > 0 {
							skipLo, skipHi = q+1, q+1+2*m
						}
					}
					for x := x0; x < w; x += 2 {
						if x == skipLo {
							x = skipHi - 2
							continue
						}
						X := x + 1
						j := X >> 1
						// The neighbours have the other colour, at entries
						// (X-1)>>1 and (X+1)>>1 on this row and X>>1 above
						// and below.
						pc := pr[c][j]
						cu, cv := ur[x], vr[x]
						var el, er, eu, ed, su, sv float32
						if x > 0 {
							el = 0.5 * (pr[c^1][(X-1)>>1] + pc)
							su += float32(el * (ur[x-1] - cu))
							sv += float32(el * (vr[x-1] - cv))
						}
						if x+1 < w {
							er = 0.5 * (pc + pr[c^1][(X+1)>>1])
							su += float32(er * (ur[x+1] - cu))
							sv += float32(er * (vr[x+1] - cv))
						}
						if y > 0 {
							eu = 0.5 * (pu[c^1][j] + pc)
							su += float32(eu * (uu[x] - cu))
							sv += float32(eu * (vu[x] - cv))
						}
						if y+1 < h {
							ed = 0.5 * (pc + pd[c^1][j])
							su += float32(ed * (ud[x] - cu))
							sv += float32(ed * (vd[x] - cv))
						}
						ws := el + er + eu + ed
						a11, a22, b1, b2, a12 := cr[0][c][j], cr[1][c][j], cr[2][c][j], cr[3][c][j], cr[4][c][j]
						var inv1, inv2 float32
						if d := a11 + ws; d > 1e-20 {
							inv1 = 1 / d
						}
						if d := a22 + ws; d > 1e-20 {
							inv2 = 1 / d
						}
						cr[0][c][j], cr[1][c][j], cr[2][c][j], cr[3][c][j], cr[4][c][j] = su-b1, sv-b2, a12, inv1, inv2
						cr[5][c][j], cr[6][c][j], cr[7][c][j], cr[8][c][j] = el, er, eu, ed
					}
				}
			}
		})
		for it := 0; it < p.sorIters; it++ {
			for color := 0; color < 2; color++ {
				parallelRows(h, 16, func(lo, hi int) {
					for y := lo; y < hi; y++ {
						sorRow(y+1, color, w, hw, rbn, duv[color], duv[color^1], coef[color], p.omega)
					}
				})
			}
		}
	}
	parallelRows(h, 16, func(lo, hi int) {
		for y := lo; y < hi; y++ {
			// The inverse of the aux pass.
			Y, o, j := y+1, y*w, (y+1)*hw
			addMergedRow(u.p[o:][:w], du[(Y+1)&1][j:], du[Y&1][j:])
			addMergedRow(v.p[o:][:w], dv[(Y+1)&1][j:], dv[Y&1][j:])
		}
	})
}

// insideRow sets the flags of the pixels of row y, of an image h rows
// high and len(inside) pixels wide, whose flow (u, v) stays in the image.
func insideRow(inside []bool, u, v []float32, y, h int) {
	m := insideRowSIMD(inside, u, v, y, h)
	insideRowGo(inside, u, v, m, y, h)
}

// insideRowGo sets insideRow's flags of the pixels from x0 on.
func insideRowGo(inside []bool, u, v []float32, x0, y, h int) {
	w := len(inside)
	u, v = u[:w], v[:w]
	for x := x0; x < w; x++ {
		tx := float32(x) + u[x]
		ty := float32(y) + v[x]
		inside[x] = tx >= 0 && tx <= float32(w-1) && ty >= 0 && ty <= float32(h-1)
	}
}

// splitRow copies the values of the pixels of a row into the solver's
// red-black layout (see refine): pixel x's value goes to entry (x+1)>>1
// of dA (even x) or dB (odd x).
func splitRow(dA, dB, src []float32) {
	m := splitRowSIMD(dA, dB, src)
	splitRowGo(dA, dB, src, m)
}

// splitRowGo copies splitRow's values of the pixels from x0 on, x0 even.
func splitRowGo(dA, dB, src []float32, x0 int) {
	n := len(src)
	x := x0
	for ; x+1 < n; x += 2 {
		dA[x>>1], dB[x>>1+1] = src[x], src[x+1]
	}
	if x < n {
		dA[x>>1] = src[x]
	}
}

// addMergedRow adds to the values of the pixels of a row their entries in
// the solver's red-black layout, splitRow's inverse: pixel x's entry is
// (x+1)>>1 of dA (even x) or dB (odd x).
func addMergedRow(dst, dA, dB []float32) {
	m := addMergedRowSIMD(dst, dA, dB)
	addMergedRowGo(dst, dA, dB, m)
}

// addMergedRowGo adds addMergedRow's entries to the pixels from x0 on, x0
// even.
func addMergedRowGo(dst, dA, dB []float32, x0 int) {
	n := len(dst)
	x := x0
	for ; x+1 < n; x += 2 {
		dst[x] += dA[x>>1]
		dst[x+1] += dB[x>>1+1]
	}
	if x < n {
		dst[x] += dA[x>>1]
	}
}

// smoothnessWeights returns, in a plane from sc, the smoothness weight of
// every pixel of a level with gradients (gx, gy):
// alpha / (1 + |∇A|²/edge²), or alpha where edge is 0 (see
// Options.EdgeScale).
func smoothnessWeights(sc *scratch, gx, gy *plane, alpha, edge float32) *plane {
	w, h := gx.w, gx.h
	out := sc.plane(w, h)
	inv := float32(0)
	if edge > 0 {
		inv = 1 / (edge * edge)
	}
	parallelRows(h, 16, func(lo, hi int) {
		for i := lo * w; i < hi*w; i++ {
			out.p[i] = alpha / (1 + (gx.p[i]*gx.p[i]+gy.p[i]*gy.p[i])*inv)
		}
	})
	return out
}

// dataRow computes the data term of the pixels of colour c on padded row
// Y (layout as in refine): their robust weights and normal equations,
// stored as coefficients 0..4 (a11, a22, b1, b2, a12) in coef. duv holds
// the increments (du, then dv plane entries later) of colour c, dat the
// linearised constancy terms of colour c, cw the channels' weights.
func dataRow(Y, c, w, hw, plane int, duv, dat, coef, cw []float32) {
	q := (c + Y) & 1
	k0 := Y*hw + 1 - q
	n := (w-q)>>1 + q
	m := dataRowSIMD(duv, dat, coef, cw, k0, n, plane)
	dataRowGo(duv, dat, coef, cw, k0+m, n-m, plane)
}

// dataRowGo computes the data term of the n entries from k0 on (see
// dataRow).
func dataRowGo(duv, dat, coef, cw []float32, k0, n, plane int) {
	d1s := duv[k0:][:n]
	d2s := duv[plane+k0:][:n]
	var out [5][]float32
	for f := range out {
		out[f] = coef[f*plane+k0:][:n]
	}
	for m := range d1s {
		d1, d2 := d1s[m], d2s[m]
		var s11, s12, s22, t1, t2 float32
		for k, wk := range cw {
			o := 3*k*plane + k0 + m
			ix, iy, iz := dat[o], dat[o+plane], dat[o+2*plane]
			r := iz + float32(ix*d1) + float32(iy*d2)
			ps := wk / float32(math.Sqrt(float64(float32(r*r)+varEps2)))
			s11 += float32(ps * ix * ix)
			s12 += float32(ps * ix * iy)
			s22 += float32(ps * iy * iy)
			t1 += float32(ps * ix * iz)
			t2 += float32(ps * iy * iz)
		}
		out[0][m], out[1][m], out[2][m], out[3][m], out[4][m] = s11, s22, t1, t2, s12
	}
}

// constancyRow writes the linearised constancy terms of one channel for
// the pixels of a row (see refine's dat): with gx0, gx1, gy0, gy1 the
// gradients of the frames, diff their difference and inside the flags of
// the row's pixels, pixel x's ix, iy and iz, normalised by the gradient
// magnitude, go to entry (x+1)>>1 of dA (even x) or dB (odd x) and of the
// arrays plane and 2*plane entries on; zeros where the flow leaves the
// image.
func constancyRow(dA, dB, gx0, gx1, gy0, gy1, diff []float32, inside []bool, plane int) {
	m := constancyRowSIMD(dA, dB, gx0, gx1, gy0, gy1, diff, inside, plane)
	constancyRowGo(dA, dB, gx0, gx1, gy0, gy1, diff, inside, m, plane)
}

// constancyRowGo computes constancyRow's terms of the pixels from x0 on.
func constancyRowGo(dA, dB, gx0, gx1, gy0, gy1, diff []float32, inside []bool, x0, plane int) {
	n := len(inside)
	gx0, gx1, gy0, gy1, diff = gx0[:n], gx1[:n], gy0[:n], gy1[:n], diff[:n]
	for x := x0; x < n; x++ {
		d, j := dA, x>>1
		if x&1 != 0 {
			d, j = dB, j+1
		}
		if !inside[x] {
			d[j], d[j+plane], d[j+2*plane] = 0, 0, 0
			continue
		}
		ix := 0.5 * (gx0[x] + gx1[x])
		iy := 0.5 * (gy0[x] + gy1[x])
		iz := diff[x]
		s := float32(1 / math.Sqrt(float64(float32(ix*ix)+float32(iy*iy)+varZeta2)))
		d[j], d[j+plane], d[j+2*plane] = ix*s, iy*s, iz*s
	}
}

// sorRow performs over-relaxed Gauss–Seidel updates of the increments of
// the pixels of colour c on padded row Y (layout as in refine): cur holds
// the increments (du, then dv plane entries later) of colour c, oth those
// of the other colour, coef the 9 coefficient arrays of colour c.
func sorRow(Y, c, w, hw, plane int, cur, oth, coef []float32, omega float32) {
	// The pixels of colour c on row Y are X = q, q+2, ..., at entries
	// X>>1; their left and right neighbours are at entries X>>1 - 1 + q
	// and X>>1 + q of the other colour, the ones above and below at X>>1
	// of the rows above and below.
	q := (c + Y) & 1
	k0 := Y*hw + 1 - q
	n := (w-q)>>1 + q
	m := sorRowSIMD(cur, oth, coef, k0, n, q, hw, plane, omega)
	sorRowGo(cur, oth, coef, k0+m, n-m, q, hw, plane, omega)
}

// sorRowGo updates the n entries from k0 on of cur (see sorRow).
func sorRowGo(cur, oth, coef []float32, k0, n, q, hw, plane int, omega float32) {
	cu := cur[k0:][:n]
	cv := cur[plane+k0:][:n]
	lu := oth[k0-1+q:][:n+1]
	lv := oth[plane+k0-1+q:][:n+1]
	uu := oth[k0-hw:][:n]
	uv := oth[plane+k0-hw:][:n]
	du := oth[k0+hw:][:n]
	dv := oth[plane+k0+hw:][:n]
	var cf [9][]float32
	for f := range cf {
		cf[f] = coef[f*plane+k0:][:n]
	}
	c0, c1, c2, c3, c4 := cf[0], cf[1], cf[2], cf[3], cf[4]
	el, er, eu, ed := cf[5], cf[6], cf[7], cf[8]
	for m := range cu {
		su := float32(el[m]*lu[m]) + float32(er[m]*lu[m+1]) + float32(eu[m]*uu[m]) + float32(ed[m]*du[m])
		sv := float32(el[m]*lv[m]) + float32(er[m]*lv[m+1]) + float32(eu[m]*uv[m]) + float32(ed[m]*dv[m])
		d := cu[m]
		d += float32(omega * (float32((c0[m]+su-float32(c2[m]*cv[m]))*c3[m]) - d))
		cu[m] = d
		e := cv[m]
		cv[m] = e + float32(omega*(float32((c1[m]+sv-float32(c2[m]*d))*c4[m])-e))
	}
}

// warpPlane samples src at (x+u, y+v) bilinearly with clamped borders,
// into a plane from sc.
func warpPlane(sc *scratch, src, u, v *plane) *plane {
	w, h := u.w, u.h
	out := sc.plane(w, h)
	parallelRows(h, 16, func(lo, hi int) {
		for y := lo; y < hi; y++ {
			row := y * w
			for x := warpRowSIMD(out.p[row:row+w], src, u.p[row:row+w], v.p[row:row+w], y); x < w; x++ {
				i := row + x
				out.p[i] = src.sampleClamp(float32(x)+u.p[i], float32(y)+v.p[i])
			}
		}
	})
	return out
}

// offsetRadius is the radius, in pixels of the level, of the window over
// which refine takes out the mean brightness difference between the frames.
// Measured on the evaluation set (evalset_test.go) and Middlebury: radius 16
// halves the error on the night-sky pairs and costs Middlebury about 0.01 px
// (0.434 to 0.442 with the other changes of that commit); radius 4 costs
// more on Middlebury and helps less.
const offsetRadius = 16

// boxMean returns the mean of src over the (2r+1)² window around every
// pixel (the window shrinks at the borders). Running sums are kept in
// float64 along rows, then down columns in blocks of columns, so every
// value is summed in the same order whatever the split between goroutines.
// The result is in a plane from sc.
func boxMean(sc *scratch, src *plane, r int) *plane {
	w, h := src.w, src.h
	tmp := sc.plane(w, h)
	defer sc.putPlanes(tmp)
	parallelRows(h, 16, func(lo, hi int) {
		for y := lo; y < hi; y++ {
			row := src.p[y*w : (y+1)*w]
			out := tmp.p[y*w : (y+1)*w]
			var s float64
			for x := 0; x < min(r, w); x++ {
				s += float64(row[x])
			}
			for x := range out {
				if x+r < w {
					s += float64(row[x+r])
				}
				if x-r-1 >= 0 {
					s -= float64(row[x-r-1])
				}
				out[x] = float32(s / float64(min(x+r, w-1)-max(x-r, 0)+1))
			}
		}
	})
	dst := sc.plane(w, h)
	const block = 64
	parallelRows((w+block-1)/block, 1, func(lo, hi int) {
		x0, x1 := lo*block, min(hi*block, w)
		sums := make([]float64, x1-x0)
		for y := 0; y < min(r, h); y++ {
			for x, v := range tmp.p[y*w+x0 : y*w+x1] {
				sums[x] += float64(v)
			}
		}
		for y := 0; y < h; y++ {
			if y+r < h {
				for x, v := range tmp.p[(y+r)*w+x0 : (y+r)*w+x1] {
					sums[x] += float64(v)
				}
			}
			if y-r-1 >= 0 {
				for x, v := range tmp.p[(y-r-1)*w+x0 : (y-r-1)*w+x1] {
					sums[x] -= float64(v)
				}
			}
			inv := 1 / float64(min(y+r, h-1)-max(y-r, 0)+1)
			out := dst.p[y*w+x0 : y*w+x1]
			for x, s := range sums {
				out[x] = float32(s * inv)
			}
		}
	})
	return dst
}
