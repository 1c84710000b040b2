package dream

import "math"

// Laplacian-pyramid gradient normalisation, after the TensorFlow DeepDream
// tutorial (2016): the gradient is split into band-pass levels, each level is
// divided by its root-mean-square, and the levels are summed back. Low
// frequencies, which a plain gradient under-weights, then get as much energy
// as high ones, giving smoother, larger structures.

// binomial5 returns the 5-tap binomial filter [1 4 6 4 1]/16.
func binomial5() []float32 {
	return []float32{1.0 / 16, 4.0 / 16, 6.0 / 16, 4.0 / 16, 1.0 / 16}
}

// down2 blurs an interleaved plane with binomial5 (edges clamped) and keeps
// every second sample in x and y. The result is ceil(w/2)×ceil(h/2).
func down2(p []float32, w, h, c int) ([]float32, int, int) {
	k := binomial5()
	b := append([]float32(nil), p...)
	convolveSeparable(b, w, h, c, k)
	dw, dh := (w+1)/2, (h+1)/2
	out := make([]float32, dw*dh*c)
	for y := 0; y < dh; y++ {
		for x := 0; x < dw; x++ {
			copy(out[(y*dw+x)*c:(y*dw+x)*c+c], b[(2*y*w+2*x)*c:(2*y*w+2*x)*c+c])
		}
	}
	return out, dw, dh
}

// up2 interpolates a plane of size lw×lh (produced by down2 from w×h) back to
// w×h: even samples take (1 6 1)/8 of their neighbourhood, odd samples the
// mean of the two neighbours (zero insertion followed by binomial5 × 2).
func up2(lo []float32, lw, lh, c, w, h int) []float32 {
	interp := func(get func(i int) float32, n, i int) float32 {
		k := i / 2
		at := func(j int) float32 {
			if j < 0 {
				j = 0
			} else if j >= n {
				j = n - 1
			}
			return get(j)
		}
		if i%2 == 0 {
			return (at(k-1) + 6*at(k) + at(k+1)) / 8
		}
		return (at(k) + at(k+1)) / 2
	}
	// Along x.
	tmp := make([]float32, w*lh*c)
	for y := 0; y < lh; y++ {
		for ch := 0; ch < c; ch++ {
			row := lo[y*lw*c:]
			for x := 0; x < w; x++ {
				tmp[(y*w+x)*c+ch] = interp(func(j int) float32 { return row[j*c+ch] }, lw, x)
			}
		}
	}
	// Along y.
	out := make([]float32, w*h*c)
	rowLen := w * c
	for y := 0; y < h; y++ {
		for i := 0; i < rowLen; i++ {
			out[y*rowLen+i] = interp(func(j int) float32 { return tmp[j*rowLen+i] }, lh, y)
		}
	}
	return out
}

// lapNormalize returns g normalised level by level over a Laplacian pyramid
// of at most levels levels (fewer when the plane gets too small to halve).
func lapNormalize(g []float32, w, h, c, levels int) []float32 {
	type band struct {
		p    []float32
		w, h int
	}
	var his []band
	cur, cw, chh := g, w, h
	for l := 0; l < levels-1 && cw >= 2 && chh >= 2; l++ {
		lo, lw, lh := down2(cur, cw, chh, c)
		up := up2(lo, lw, lh, c, cw, chh)
		hi := make([]float32, len(cur))
		for i := range hi {
			hi[i] = cur[i] - up[i]
		}
		his = append(his, band{hi, cw, chh})
		cur, cw, chh = lo, lw, lh
	}
	out := append([]float32(nil), cur...)
	normalizeRMS(out)
	for l := len(his) - 1; l >= 0; l-- {
		b := his[l]
		up := up2(out, cw, chh, c, b.w, b.h)
		hi := append([]float32(nil), b.p...)
		normalizeRMS(hi)
		for i := range up {
			up[i] += hi[i]
		}
		out, cw, chh = up, b.w, b.h
	}
	return out
}

// normalizeRMS divides p by its root-mean-square (guarded by 1e-10 so that
// an all-zero band stays zero).
func normalizeRMS(p []float32) {
	if len(p) == 0 {
		return
	}
	var ss float64
	for _, v := range p {
		ss += float64(v) * float64(v)
	}
	rms := math.Sqrt(ss / float64(len(p)))
	inv := float32(1 / math.Max(rms, 1e-10))
	for i := range p {
		p[i] *= inv
	}
}
