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
// every second sample in x and y (computing only those). The result is
// ceil(w/2)×ceil(h/2).
func down2(p []float32, w, h, c int) ([]float32, int, int) {
	k := binomial5()
	dw, dh := (w+1)/2, (h+1)/2
	// Along x: every row, even columns only.
	tmp := make([]float32, dw*h*c)
	parallelRows(h, func(y0, y1 int) {
		for y := y0; y < y1; y++ {
			row := p[y*w*c : (y+1)*w*c]
			out := tmp[y*dw*c : (y+1)*dw*c]
			for x := 0; x < dw; x++ {
				o := out[x*c : x*c+c]
				for ch := range o {
					var acc float32
					for t, kv := range k {
						acc += kv * row[clampIndex(2*x+t-2, w)*c+ch]
					}
					o[ch] = acc
				}
			}
		}
	})
	// Along y: even rows only.
	rowLen := dw * c
	out := make([]float32, dh*rowLen)
	parallelRows(dh, func(y0, y1 int) {
		for y := y0; y < y1; y++ {
			o := out[y*rowLen : (y+1)*rowLen]
			for t, kv := range k {
				src := tmp[clampIndex(2*y+t-2, h)*rowLen : (clampIndex(2*y+t-2, h)+1)*rowLen]
				for i, v := range src {
					o[i] += kv * v
				}
			}
		}
	})
	return out, dw, dh
}

// up2 interpolates a plane of size lw×lh (produced by down2 from w×h) back to
// w×h: even samples take (1 6 1)/8 of their neighbourhood, odd samples the
// mean of the two neighbours (zero insertion followed by binomial5 × 2),
// edges clamped.
func up2(lo []float32, lw, lh, c, w, h int) []float32 {
	// Along x, one row of lo at a time.
	tmp := make([]float32, w*lh*c)
	parallelRows(lh, func(y0, y1 int) {
		for y := y0; y < y1; y++ {
			row := lo[y*lw*c : (y+1)*lw*c]
			out := tmp[y*w*c : (y+1)*w*c]
			for x := 0; x < w; x++ {
				k := x / 2
				o := out[x*c : x*c+c]
				if x%2 == 0 {
					a, b, d := row[clampIndex(k-1, lw)*c:], row[k*c:], row[clampIndex(k+1, lw)*c:]
					for ch := range o {
						o[ch] = (a[ch] + 6*b[ch] + d[ch]) / 8
					}
				} else {
					a, b := row[clampIndex(k, lw)*c:], row[clampIndex(k+1, lw)*c:]
					for ch := range o {
						o[ch] = (a[ch] + b[ch]) / 2
					}
				}
			}
		}
	})
	// Along y, whole rows at a time.
	rowLen := w * c
	out := make([]float32, h*rowLen)
	rowOf := func(j int) []float32 { j = clampIndex(j, lh); return tmp[j*rowLen : (j+1)*rowLen] }
	parallelRows(h, func(y0, y1 int) {
		for y := y0; y < y1; y++ {
			k := y / 2
			o := out[y*rowLen : (y+1)*rowLen]
			if y%2 == 0 {
				a, b, d := rowOf(k-1), rowOf(k), rowOf(k+1)
				for i := range o {
					o[i] = (a[i] + 6*b[i] + d[i]) / 8
				}
			} else {
				a, b := rowOf(k), rowOf(k+1)
				for i := range o {
					o[i] = (a[i] + b[i]) / 2
				}
			}
		}
	})
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
