package flow

import (
	"context"
	"math"
)

// patchGrid returns the top-left coordinates of patches of size ps placed
// every stride pixels along a side of length n, with a last patch flush with
// the far edge so that every pixel is covered. ps must not exceed n.
func patchGrid(n, ps, stride int) []int {
	var pos []int
	for p := 0; p+ps <= n; p += stride {
		pos = append(pos, p)
	}
	if last := pos[len(pos)-1]; last+ps < n {
		pos = append(pos, n-ps)
	}
	return pos
}

// patchLevel holds what the inverse search needs on one pyramid level.
type patchLevel struct {
	i0     *plane  // template image (frame A)
	gx, gy *plane  // its gradients
	i1     *padded // frame B with a replicated border
}

// inverseSearch aligns a grid of patches of frame A to frame B by
// inverse-compositional Gauss–Newton on the mean-normalised SSD, starting
// from the dense flow (u, v), then densifies the patch displacements into
// (u, v) in place by weighted averaging.
//
// If ctx is cancelled it stops early, leaving (u, v) unspecified; the caller
// checks ctx.Err(). Its working buffers come from sc.
func inverseSearch(ctx context.Context, sc *scratch, lv *patchLevel, u, v *plane, ps, stride, iters int) {
	w, h := lv.i0.w, lv.i0.h
	xs := patchGrid(w, ps, stride)
	ys := patchGrid(h, ps, stride)
	nx, ny := len(xs), len(ys)
	pu := sc.get(nx * ny)
	pv := sc.get(nx * ny)
	n := ps * ps
	maxMove := float32(ps)
	pad := lv.i1.pad
	lim := float32(pad) - 1
	// wts holds, for every patch, the densification weight of each of its
	// pixels: 1/max(1, |B(x+d) - A(x)|) at the displacement d found.
	wts := sc.get(nx * ny * n)
	parallelRows(ny, 1, func(lo, hi int) {
		ss := newSearchScratch(n)
		for j := lo; j < hi; j++ {
			if ctx.Err() != nil {
				return
			}
			py := ys[j]
			for i, px := range xs {
				k := j*nx + i
				c := (py+ps/2)*w + px + ps/2
				du, dv := searchPatch(lv, px, py, ps, u.p[c], v.p[c], iters, maxMove, lim, ss, wts[k*n:(k+1)*n])
				pu[k], pv[k] = du, dv
			}
		}
	})
	// Densification: every pixel averages the displacements of the patches
	// covering it, weighted by how well each explains the pixel. Rows are
	// split between goroutines; each pixel sums its patches in (j, i) order,
	// so the result does not depend on the split.
	sums := sc.get(3 * w * h)
	parallelRows(h, 8, func(lo, hi int) {
		su := sums[lo*w : hi*w]
		sv := sums[(h+lo)*w : (h+hi)*w]
		sw := sums[(2*h+lo)*w : (2*h+hi)*w]
		clear(su)
		clear(sv)
		clear(sw)
		for j, py := range ys {
			r0, r1 := py, py+ps
			if r0 < lo {
				r0 = lo
			}
			if r1 > hi {
				r1 = hi
			}
			if r0 >= r1 {
				continue
			}
			for i, px := range xs {
				k := j*nx + i
				o := (r0-lo)*w + px
				densify(su[o:], sv[o:], sw[o:], wts[k*n+(r0-py)*ps:(k+1)*n], ps, w, r1-r0, pu[k], pv[k])
			}
		}
		for y := lo; y < hi; y++ {
			for x := 0; x < w; x++ {
				o := (y-lo)*w + x
				if sw[o] > 0 {
					u.p[y*w+x] = su[o] / sw[o]
					v.p[y*w+x] = sv[o] / sw[o]
				}
			}
		}
	})
	sc.put(pu, pv, wts, sums)
}

// densify adds the votes of rows rows of a patch ps pixels wide, with
// weights wts (ps per row) and displacement (du, dv), to the sums su, sv
// and sw of the pixels it covers: row r's votes go to entries r*w on of
// the sums (w: the image width). Where the CPU has a SIMD kernel for
// 8-pixel rows it does them, with the same results.
func densify(su, sv, sw, wts []float32, ps, w, rows int, du, dv float32) {
	if ps == 8 && densify8SIMD(su, sv, sw, wts, w, rows, du, dv) {
		return
	}
	for r := 0; r < rows; r++ {
		wr := wts[r*ps : (r+1)*ps]
		au := su[r*w:][:len(wr)]
		av := sv[r*w:][:len(wr)]
		aw := sw[r*w:][:len(wr)]
		for c, wt := range wr {
			au[c] += float32(wt * du)
			av[c] += float32(wt * dv)
			aw[c] += wt
		}
	}
}

// patchWeights fills out with the densification weights of the patch at
// (px, py) displaced by (du, dv); see densityWeights.
func patchWeights(lv *patchLevel, px, py, ps int, du, dv, lim, conf float32, out []float32) {
	i1 := lv.i1
	w := lv.i0.w
	s := i1.stride
	x := clampf(float32(px)+du, -lim, float32(w-ps)+lim-1e-3)
	y := clampf(float32(py)+dv, -lim, float32(i1.h-ps)+lim-1e-3)
	x0 := float32(math.Floor(float64(x)))
	y0 := float32(math.Floor(float64(y)))
	ax, ay := x-x0, y-y0
	base := (int(y0)+i1.pad)*s + int(x0) + i1.pad
	for r := 0; r < ps; r++ {
		o := base + r*s
		row0 := i1.p[o : o+ps+1]
		row1 := i1.p[o+s : o+s+ps+1]
		t := lv.i0.p[(py+r)*w+px:][:ps]
		dst := out[r*ps : (r+1)*ps]
		for c := range dst {
			a := row0[c] + ax*(row0[c+1]-row0[c])
			b := row1[c] + ax*(row1[c+1]-row1[c])
			dst[c] = a + ay*(b-a) - t[c]
		}
	}
	densityWeights(out[:ps*ps], conf)
}

// densityWeights turns the residuals B(x+d) - A(x) of a patch, in place,
// into its densification weights conf/max(1, |r - mean r|): the mean is
// taken out so that a change of brightness between the frames (auto
// exposure) does not lower the weights, and conf (the patch's texture
// confidence, see textureConfidence) keeps textureless patches from
// outvoting textured ones.
func densityWeights(res []float32, conf float32) { densityWeightsTo(res, res, conf) }

// densityWeightsTo is densityWeights with the weights written to out
// (len(res) values) and res left unchanged.
func densityWeightsTo(out, res []float32, conf float32) {
	var m float32
	for _, d := range res {
		m += d
	}
	m /= float32(len(res))
	out = out[:len(res)]
	for k := weightsSIMD(out, res, m, conf); k < len(res); k++ {
		out[k] = conf / max(float32(math.Abs(float64(res[k]-m))), 1)
	}
}

// textureScale sets the texture confidence of a patch: lambda / (lambda +
// textureScale), with lambda the smaller eigenvalue of its structure tensor
// (the sum over the patch of the outer products of its zero-mean
// gradients), per pixel, in grey levels² per pixel². A patch in a flat
// region (a night sky, a wall) matches anywhere its noise happens to fit;
// its low confidence lets textured patches that overlap it decide.
const textureScale = 0.1

// textureConfidence returns the confidence of a patch with structure
// tensor (hxx, hxy, hyy) summed over n pixels.
func textureConfidence(hxx, hxy, hyy float32, n int) float32 {
	hm := 0.5 * (hxx + hyy)
	hd := 0.5 * (hxx - hyy)
	lambda := (hm - float32(math.Sqrt(float64(hd*hd+hxy*hxy)))) / float32(n)
	lambda = max(lambda, 0)
	return lambda / (lambda + textureScale)
}

// outsideWeight is the densification weight of a patch whose displacement
// points beyond the padded border of frame B (content that left the
// frame): low, so that patches that see their match decide wherever they
// overlap it.
const outsideWeight = 1e-3

// searchScratch is per-goroutine scratch space for searchPatch.
type searchScratch struct {
	tpl, gxs, gys, cur, best []float32
}

func newSearchScratch(n int) *searchScratch {
	b := make([]float32, 5*n)
	return &searchScratch{tpl: b[:n], gxs: b[n : 2*n], gys: b[2*n : 3*n], cur: b[3*n : 4*n], best: b[4*n:]}
}

// searchPatch runs the Gauss–Newton iterations for the patch with top-left
// corner (px, py) starting at displacement (u0, v0), returns the
// displacement found and writes the patch's densification weights into wout.
func searchPatch(lv *patchLevel, px, py, ps int, u0, v0 float32, iters int, maxMove, lim float32, sc *searchScratch, wout []float32) (float32, float32) {
	tpl, gxs, gys := sc.tpl, sc.gxs, sc.gys
	cur, bestRes := sc.cur, sc.best
	w := lv.i0.w
	n := ps * ps
	inv := 1 / float32(n)
	var hxx, hxy, hyy float32
	if ps == 8 {
		hxx, hxy, hyy = center8(lv, px, py, tpl, gxs, gys)
	} else {
		var mt, mgx, mgy float32
		for r := 0; r < ps; r++ {
			o := (py+r)*w + px
			copy(tpl[r*ps:(r+1)*ps], lv.i0.p[o:o+ps])
			copy(gxs[r*ps:(r+1)*ps], lv.gx.p[o:o+ps])
			copy(gys[r*ps:(r+1)*ps], lv.gy.p[o:o+ps])
		}
		for k := 0; k < n; k++ {
			mt += tpl[k]
			mgx += gxs[k]
			mgy += gys[k]
		}
		mt *= inv
		mgx *= inv
		mgy *= inv
		for k := 0; k < n; k++ {
			gx := gxs[k] - mgx
			gy := gys[k] - mgy
			gxs[k], gys[k] = gx, gy
			tpl[k] -= mt
			hxx += gx * gx
			hxy += gx * gy
			hyy += gy * gy
		}
	}
	conf := textureConfidence(hxx, hxy, hyy, n)
	// A tiny ridge keeps weakly textured patches from producing huge steps.
	reg := 1e-3*(hxx+hyy) + 1e-2
	hxx += reg
	hyy += reg
	det := hxx*hyy - hxy*hxy
	if !(det > 1e-9) {
		patchWeights(lv, px, py, ps, u0, v0, lim, conf, wout)
		return u0, v0
	}
	ixx, ixy, iyy := hyy/det, -hxy/det, hxx/det

	i1 := lv.i1
	s := i1.stride
	uu, vv := u0, v0
	bestU, bestV := u0, v0
	best := float32(math.MaxFloat32)
	fpx, fpy := float32(px), float32(py)
	// The search stays within the padded border of B.
	xmin, xmax := -lim, float32(w-ps)+lim-1e-3
	ymin, ymax := -lim, float32(i1.h-ps)+lim-1e-3
	for it := 0; it < iters; it++ {
		x, y := fpx+uu, fpy+vv
		if !(x >= xmin && x <= xmax && y >= ymin && y <= ymax) {
			// Beyond the padded border there is nothing to match. Stop;
			// a patch that starts out there (content far out of the
			// frame) keeps its displacement and barely votes.
			if it == 0 {
				for k := range wout[:n] {
					wout[k] = outsideWeight
				}
				return u0, v0
			}
			break
		}
		x0 := float32(math.Floor(float64(x)))
		y0 := float32(math.Floor(float64(y)))
		ax, ay := x-x0, y-y0
		w00 := (1 - ax) * (1 - ay)
		w01 := ax * (1 - ay)
		w10 := (1 - ax) * ay
		w11 := ax * ay
		base := (int(y0)+i1.pad)*s + int(x0) + i1.pad
		var bx, by, sr, sr2 float32
		if ps == 8 {
			bx, by, sr, sr2 = residuals8(i1.p, base, s, w00, w01, w10, w11, tpl, gxs, gys, cur)
		} else {
			for r := 0; r < ps; r++ {
				o := base + r*s
				t := tpl[r*ps : (r+1)*ps]
				row0 := i1.p[o : o+len(t)+1]
				row1 := i1.p[o+s : o+s+len(t)+1]
				gx := gxs[r*ps:][:len(t)]
				gy := gys[r*ps:][:len(t)]
				res := cur[r*ps:][:len(t)]
				for c, tv := range t {
					val := w00*row0[c] + w01*row0[c+1] + w10*row1[c] + w11*row1[c+1]
					d := val - tv
					res[c] = d
					bx += gx[c] * d
					by += gy[c] * d
					sr += d
					sr2 += d * d
				}
			}
		}
		ssd := sr2 - sr*sr*inv
		if ssd > best {
			break
		}
		best, bestU, bestV = ssd, uu, vv
		cur, bestRes = bestRes, cur
		dx := ixx*bx + ixy*by
		dy := ixy*bx + iyy*by
		uu -= dx
		vv -= dy
		if dx*dx+dy*dy < 1e-4 {
			break
		}
	}
	if du, dv := bestU-u0, bestV-v0; best == math.MaxFloat32 || du*du+dv*dv > maxMove*maxMove {
		patchWeights(lv, px, py, ps, u0, v0, lim, conf, wout)
		return u0, v0
	}
	// The residuals at the accepted position are B(x+d) - (A(x) - mean A);
	// densityWeights takes their mean out anyway.
	densityWeightsTo(wout, bestRes[:n], conf)
	return bestU, bestV
}

// center8 copies the 8x8 patch at (px, py) of the template image and its
// gradients into tpl, gxs and gys with their means taken out, and returns
// the structure tensor (hxx, hxy, hyy) of the centred gradients. Sums are
// taken per column and the column sums added as reduce8 does, the order of
// the SIMD kernel that center8SIMD runs where the CPU has one, with the
// same results as center8Go.
func center8(lv *patchLevel, px, py int, tpl, gxs, gys []float32) (hxx, hxy, hyy float32) {
	var out [3]float32
	if center8SIMD(lv.i0.p, lv.gx.p, lv.gy.p, py*lv.i0.w+px, lv.i0.w, tpl, gxs, gys, &out) {
		return out[0], out[1], out[2]
	}
	return center8Go(lv.i0.p, lv.gx.p, lv.gy.p, py*lv.i0.w+px, lv.i0.w, tpl, gxs, gys)
}

// center8Go is center8 in Go for the patch at offset o of the planes img,
// gx and gy (w values per row), written with fixed-size arrays so that the
// compiler drops the bounds checks.
func center8Go(img, gx, gy []float32, o, w int, tpl, gxs, gys []float32) (hxx, hxy, hyy float32) {
	t := (*[64]float32)(tpl)
	tx := (*[64]float32)(gxs)
	ty := (*[64]float32)(gys)
	var st, sx, sy [8]float32 // column sums
	for r := 0; r < 8; r++ {
		a := (*[8]float32)(img[o+r*w:])
		b := (*[8]float32)(gx[o+r*w:])
		c := (*[8]float32)(gy[o+r*w:])
		for x := 0; x < 8; x++ {
			k := (r*8 + x) & 63
			t[k], tx[k], ty[k] = a[x], b[x], c[x]
			st[x] += a[x]
			sx[x] += b[x]
			sy[x] += c[x]
		}
	}
	const inv = 1.0 / 64
	mt, mgx, mgy := reduce8(&st)*inv, reduce8(&sx)*inv, reduce8(&sy)*inv
	var cxx, cxy, cyy [8]float32
	for k := 0; k < 64; k++ {
		x := k & 7
		gx := tx[k] - mgx
		gy := ty[k] - mgy
		tx[k], ty[k] = gx, gy
		t[k] -= mt
		cxx[x] += float32(gx * gx)
		cxy[x] += float32(gx * gy)
		cyy[x] += float32(gy * gy)
	}
	return reduce8(&cxx), reduce8(&cxy), reduce8(&cyy)
}

// residuals8 is the inner loop of searchPatch for 8x8 patches (the common
// case). It stores the residuals of the patch warped with the bilinear
// weights w00..w11 at offset base of img (row stride s) into res and
// returns the gradient-weighted sums and the first two moments. The sums
// are taken per column, down the rows, and the eight column sums are then
// added as reduce8 does: the order of a SIMD kernel with one column per
// lane, which residuals8SIMD runs where the CPU has one, with the same
// results as the Go loop.
func residuals8(img []float32, base, s int, w00, w01, w10, w11 float32, tpl, gxs, gys, res []float32) (bx, by, sr, sr2 float32) {
	var out [4]float32
	if residuals8SIMD(img, base, s, w00, w01, w10, w11, tpl, gxs, gys, res, &out) {
		return out[0], out[1], out[2], out[3]
	}
	return residuals8Go(img, base, s, w00, w01, w10, w11, tpl, gxs, gys, res)
}

// residuals8Go is residuals8 in Go, written with fixed-size arrays so that
// the compiler drops the bounds checks.
func residuals8Go(img []float32, base, s int, w00, w01, w10, w11 float32, tpl, gxs, gys, res []float32) (bx, by, sr, sr2 float32) {
	t := (*[64]float32)(tpl)
	gx := (*[64]float32)(gxs)
	gy := (*[64]float32)(gys)
	rs := (*[64]float32)(res)
	var cbx, cby, csr, csr2 [8]float32 // the column sums
	for r := 0; r < 8; r++ {
		row0 := (*[9]float32)(img[base+r*s:])
		row1 := (*[9]float32)(img[base+(r+1)*s:])
		for c := 0; c < 8; c++ {
			k := r*8 + c
			val := float32(w00*row0[c]) + float32(w01*row0[c+1]) + float32(w10*row1[c]) + float32(w11*row1[c+1])
			d := val - t[k&63]
			rs[k&63] = d
			cbx[c] += float32(gx[k&63] * d)
			cby[c] += float32(gy[k&63] * d)
			csr[c] += d
			csr2[c] += float32(d * d)
		}
	}
	return reduce8(&cbx), reduce8(&cby), reduce8(&csr), reduce8(&csr2)
}

// reduce8 adds eight column sums in the order of a SIMD horizontal sum:
// the upper half onto the lower, then the upper quarter onto the lower,
// then the last two.
func reduce8(v *[8]float32) float32 {
	s0, s1, s2, s3 := v[0]+v[4], v[1]+v[5], v[2]+v[6], v[3]+v[7]
	return (s0 + s2) + (s1 + s3)
}
