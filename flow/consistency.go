package flow

import (
	"fmt"
	"math"
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
				occluded[i] = occludedAt(fwd, bu, bv, x, y)
				boundary[i] = boundaryAt(fwd, x, y)
				if !occluded[i] && !boundary[i] {
					raw[i] = 1
				}
			}
		}
	})
	blurred := blurBinomial(&plane{w: w, h: h, p: raw})
	weights = make([]float32, n)
	parallelRows(h, 16, func(lo, hi int) {
		for i := lo * w; i < hi*w; i++ {
			weights[i] = min(raw[i], blurred.p[i])
		}
	})
	return weights, occluded, boundary, nil
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

// occludedAt applies the forward–backward test at (x, y).
func occludedAt(fwd *Field, bu, bv *plane, x, y int) bool {
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

// boundaryAt applies the motion-boundary test to fwd at (x, y), with
// central differences (one-sided at the frame border).
func boundaryAt(f *Field, x, y int) bool {
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

// blurBinomial smooths a plane with the separable 5-tap binomial kernel
// [1 4 6 4 1]/16 and clamped borders.
func blurBinomial(src *plane) *plane {
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
