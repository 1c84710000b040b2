package flow

import "math"

// varParams configures the variational refinement.
type varParams struct {
	alpha      float32 // smoothness weight
	delta      float32 // brightness (colour) constancy weight
	gamma      float32 // gradient constancy weight
	fixedIters int     // outer fixed-point iterations (robust weights)
	sorIters   int     // inner red-black SOR sweeps
	omega      float32 // SOR relaxation
}

const (
	varZeta2 = 0.1 * 0.1     // regulariser of the data-term normalisation
	varEps2  = 0.001 * 0.001 // regulariser of the robust penalty
)

// dataChan is one linearised constancy assumption, normalised by its
// gradient magnitude: residual = iz + ix*du + iy*dv.
type dataChan struct {
	ix, iy, iz []float32
	weight     float32
}

// refine improves the flow (u, v) on one level by minimising
//
//	sum  delta*Psi(colour constancy) + gamma*Psi(gradient constancy)
//	   + alpha*Psi(|grad u|^2 + |grad v|^2)
//
// with Psi(s^2) = sqrt(s^2 + eps^2), linearised around the current flow,
// solved by lagged-nonlinearity fixed-point iterations with red-black SOR.
// col0/col1 are the channels for colour constancy, g0/g1 the grey images for
// gradient constancy (all of the level's size).
func refine(col0, col1 []*plane, g0, g1 *plane, u, v *plane, p varParams) {
	w, h := u.w, u.h
	n := w * h
	if p.fixedIters <= 0 || p.sorIters <= 0 {
		return
	}
	// Pixels whose flow leaves the image get no data term.
	inside := make([]bool, n)
	parallelRows(h, 16, func(lo, hi int) {
		for y := lo; y < hi; y++ {
			for x := 0; x < w; x++ {
				i := y*w + x
				tx := float32(x) + u.p[i]
				ty := float32(y) + v.p[i]
				inside[i] = tx >= 0 && tx <= float32(w-1) && ty >= 0 && ty <= float32(h-1)
			}
		}
	})

	var chans []dataChan
	addChan := func(a0, a1w *plane, weight float32) {
		gx0, gy0 := gradients(a0)
		gx1, gy1 := gradients(a1w)
		ch := dataChan{ix: gx0.p, iy: gy0.p, iz: make([]float32, n), weight: weight}
		parallelRows(h, 16, func(lo, hi int) {
			for i := lo * w; i < hi*w; i++ {
				if !inside[i] {
					ch.ix[i], ch.iy[i], ch.iz[i] = 0, 0, 0
					continue
				}
				ix := 0.5 * (gx0.p[i] + gx1.p[i])
				iy := 0.5 * (gy0.p[i] + gy1.p[i])
				iz := a1w.p[i] - a0.p[i]
				s := float32(1 / math.Sqrt(float64(ix*ix+iy*iy+varZeta2)))
				ch.ix[i], ch.iy[i], ch.iz[i] = ix*s, iy*s, iz*s
			}
		})
		chans = append(chans, ch)
	}
	if p.delta > 0 {
		cw := p.delta / float32(len(col0))
		for c := range col0 {
			addChan(col0[c], warpPlane(col1[c], u, v), cw)
		}
	}
	if p.gamma > 0 {
		g1w := warpPlane(g1, u, v)
		gx0, gy0 := gradients(g0)
		gx1, gy1 := gradients(g1w)
		addChan(gx0, gx1, p.gamma)
		addChan(gy0, gy1, p.gamma)
	}

	// The solver works on arrays with a one-pixel border of zeros (stride
	// pw), so that neighbour access needs no bounds logic: border edges have
	// weight zero.
	pw := w + 2
	pn := pw * (h + 2)
	du := make([]float32, pn)
	dv := make([]float32, pn)
	wx := make([]float32, pn) // weight of the edge (x,y)-(x+1,y)
	wy := make([]float32, pn) // weight of the edge (x,y)-(x,y+1)
	c1 := make([]float32, pn) // constant part of the u equation
	c2 := make([]float32, pn)
	a12 := make([]float32, pn)
	inv1 := make([]float32, pn) // 1/diagonal of the u equation
	inv2 := make([]float32, pn)
	b1 := make([]float32, n)
	b2 := make([]float32, n)
	a11 := make([]float32, n)
	a22 := make([]float32, n)
	psi := make([]float32, n)

	for fp := 0; fp < p.fixedIters; fp++ {
		// Data term (robust weights and per-pixel normal equations) and the
		// robust smoothness weight per pixel (forward differences).
		parallelRows(h, 16, func(lo, hi int) {
			for y := lo; y < hi; y++ {
				for x := 0; x < w; x++ {
					i := y*w + x
					j := (y+1)*pw + x + 1
					var s11, s12, s22, t1, t2 float32
					d1, d2 := du[j], dv[j]
					for k := range chans {
						ch := &chans[k]
						ix, iy, iz := ch.ix[i], ch.iy[i], ch.iz[i]
						r := iz + ix*d1 + iy*d2
						ps := ch.weight / float32(math.Sqrt(float64(r*r+varEps2)))
						s11 += ps * ix * ix
						s12 += ps * ix * iy
						s22 += ps * iy * iy
						t1 += ps * ix * iz
						t2 += ps * iy * iz
					}
					a11[i], a12[j], a22[i], b1[i], b2[i] = s11, s12, s22, t1, t2

					cu, cv := u.p[i]+d1, v.p[i]+d2
					var ux, vx, uy, vy float32
					if x+1 < w {
						ux = u.p[i+1] + du[j+1] - cu
						vx = v.p[i+1] + dv[j+1] - cv
					}
					if y+1 < h {
						uy = u.p[i+w] + du[j+pw] - cu
						vy = v.p[i+w] + dv[j+pw] - cv
					}
					psi[i] = p.alpha / float32(math.Sqrt(float64(ux*ux+uy*uy+vx*vx+vy*vy+varEps2)))
				}
			}
		})
		// Edge weights and the constant parts of the linear system for this
		// fixed-point step. Each pixel writes its own right and down edges and
		// recomputes its left and up edges from psi.
		parallelRows(h, 16, func(lo, hi int) {
			for y := lo; y < hi; y++ {
				for x := 0; x < w; x++ {
					i := y*w + x
					j := (y+1)*pw + x + 1
					pc := psi[i]
					cu, cv := u.p[i], v.p[i]
					var ws, su, sv float32
					if x > 0 {
						e := 0.5 * (psi[i-1] + pc)
						ws += e
						su += e * (u.p[i-1] - cu)
						sv += e * (v.p[i-1] - cv)
					}
					if x+1 < w {
						e := 0.5 * (pc + psi[i+1])
						wx[j] = e
						ws += e
						su += e * (u.p[i+1] - cu)
						sv += e * (v.p[i+1] - cv)
					}
					if y > 0 {
						e := 0.5 * (psi[i-w] + pc)
						ws += e
						su += e * (u.p[i-w] - cu)
						sv += e * (v.p[i-w] - cv)
					}
					if y+1 < h {
						e := 0.5 * (pc + psi[i+w])
						wy[j] = e
						ws += e
						su += e * (u.p[i+w] - cu)
						sv += e * (v.p[i+w] - cv)
					}
					c1[j] = su - b1[i]
					c2[j] = sv - b2[i]
					inv1[j], inv2[j] = 0, 0
					if d := a11[i] + ws; d > 1e-20 {
						inv1[j] = 1 / d
					}
					if d := a22[i] + ws; d > 1e-20 {
						inv2[j] = 1 / d
					}
				}
			}
		})
		for it := 0; it < p.sorIters; it++ {
			for color := 0; color < 2; color++ {
				parallelRows(h, 16, func(lo, hi int) {
					for y := lo; y < hi; y++ {
						sorRow(y, (y+color)&1, w, pw, du, dv, wx, wy, c1, c2, a12, inv1, inv2, p.omega)
					}
				})
			}
		}
	}
	parallelRows(h, 16, func(lo, hi int) {
		for y := lo; y < hi; y++ {
			for x := 0; x < w; x++ {
				u.p[y*w+x] += du[(y+1)*pw+x+1]
				v.p[y*w+x] += dv[(y+1)*pw+x+1]
			}
		}
	})
}

// sorRow performs over-relaxed Gauss–Seidel updates of (du, dv) on the
// pixels x0, x0+2, ... of row y (arrays with a zero border, stride pw).
func sorRow(y, x0, w, pw int, du, dv, wx, wy, c1, c2, a12, inv1, inv2 []float32, omega float32) {
	base := (y + 1) * pw
	for j := base + 1 + x0; j < base+1+w; j += 2 {
		el, er, eu, ed := wx[j-1], wx[j], wy[j-pw], wy[j]
		su := el*du[j-1] + er*du[j+1] + eu*du[j-pw] + ed*du[j+pw]
		d := du[j]
		d += omega * ((c1[j]+su-a12[j]*dv[j])*inv1[j] - d)
		du[j] = d
		sv := el*dv[j-1] + er*dv[j+1] + eu*dv[j-pw] + ed*dv[j+pw]
		e := dv[j]
		dv[j] = e + omega*((c2[j]+sv-a12[j]*d)*inv2[j]-e)
	}
}

// warpPlane samples src at (x+u, y+v) bilinearly with clamped borders.
func warpPlane(src, u, v *plane) *plane {
	w, h := u.w, u.h
	out := newPlane(w, h)
	parallelRows(h, 16, func(lo, hi int) {
		for y := lo; y < hi; y++ {
			for x := 0; x < w; x++ {
				i := y*w + x
				out.p[i] = src.sampleClamp(float32(x)+u.p[i], float32(y)+v.p[i])
			}
		}
	})
	return out
}
