package dream

import (
	"math"
	"runtime"
	"sync"

	"github.com/deepdream-go/deepdream/models"
)

// This file holds the pure pixel maths dream needs and that pipeline callers
// may reuse: quality resizing (area average when shrinking, Lanczos-3 when
// enlarging), cyclic rolls and Gaussian blur. All of it works on interleaved
// float32 planes (w*h*c values, row-major) and is deterministic: every output
// value is computed by one goroutine in a fixed order, whatever GOMAXPROCS is.

// Resize returns img resampled to width×height. Each axis is resampled
// separately: an axis that shrinks uses an exact area (box) average, one that
// grows uses a Lanczos-3 filter, and an axis whose size does not change is
// copied. Lanczos overshoots a little at sharp edges, so the result may leave
// 0..255; clip it if that matters (dream clips after every step). A size that
// is not positive panics, like make would.
func Resize(img *models.Image, width, height int) *models.Image {
	if width <= 0 || height <= 0 {
		panic("dream.Resize: non-positive target size")
	}
	pix := resizePlane(img.Pix, img.Width, img.Height, 3, width, height)
	return &models.Image{Width: width, Height: height, Pix: pix}
}

// Roll returns img shifted cyclically by dx pixels to the right and dy pixels
// down (numpy.roll semantics): out(x, y) = in(x-dx mod W, y-dy mod H).
func Roll(img *models.Image, dx, dy int) *models.Image {
	out := &models.Image{Width: img.Width, Height: img.Height, Pix: make([]float32, len(img.Pix))}
	rollPlane(out.Pix, img.Pix, img.Width, img.Height, 3, dx, dy)
	return out
}

// Blur returns img smoothed by a Gaussian of standard deviation sigma pixels
// (edges clamped). sigma <= 0 returns a copy.
func Blur(img *models.Image, sigma float64) *models.Image {
	out := &models.Image{Width: img.Width, Height: img.Height, Pix: append([]float32(nil), img.Pix...)}
	gaussianBlur(out.Pix, img.Width, img.Height, 3, sigma)
	return out
}

// contrib lists the source samples (indices and weights, weights summing to
// 1) that make one output sample along an axis.
type contrib struct {
	idx []int32
	w   []float32
}

// axisWeights returns the filter for resampling an axis of n samples to m.
func axisWeights(n, m int) []contrib {
	if m < n {
		return areaWeights(n, m)
	}
	return lanczosWeights(n, m)
}

// areaWeights averages, for each output sample, exactly the part of the
// source axis it covers: output i covers [i*s, (i+1)*s) with s = n/m.
func areaWeights(n, m int) []contrib {
	s := float64(n) / float64(m)
	out := make([]contrib, m)
	for i := range out {
		lo, hi := float64(i)*s, float64(i+1)*s
		j0 := int(math.Floor(lo))
		j1 := int(math.Ceil(hi))
		if j1 > n {
			j1 = n
		}
		var c contrib
		var sum float64
		ws := make([]float64, 0, j1-j0)
		for j := j0; j < j1; j++ {
			ov := math.Min(float64(j+1), hi) - math.Max(float64(j), lo)
			if ov <= 0 {
				continue
			}
			c.idx = append(c.idx, int32(j))
			ws = append(ws, ov)
			sum += ov
		}
		for _, w := range ws {
			c.w = append(c.w, float32(w/sum))
		}
		out[i] = c
	}
	return out
}

// lanczos3 is the Lanczos kernel with a = 3.
func lanczos3(x float64) float64 {
	x = math.Abs(x)
	if x < 1e-12 {
		return 1
	}
	if x >= 3 {
		return 0
	}
	px := math.Pi * x
	return 3 * math.Sin(px) * math.Sin(px/3) / (px * px)
}

// lanczosWeights interpolates with Lanczos-3 at the centre of each output
// sample (pixel centres aligned, edges clamped). Used for m >= n.
func lanczosWeights(n, m int) []contrib {
	s := float64(n) / float64(m)
	out := make([]contrib, m)
	for i := range out {
		x := (float64(i)+0.5)*s - 0.5
		f := int(math.Floor(x))
		var c contrib
		var sum float64
		ws := make([]float64, 0, 6)
		for j := f - 2; j <= f+3; j++ {
			w := lanczos3(x - float64(j))
			if w == 0 {
				continue
			}
			k := j
			if k < 0 {
				k = 0
			} else if k >= n {
				k = n - 1
			}
			c.idx = append(c.idx, int32(k))
			ws = append(ws, w)
			sum += w
		}
		for _, w := range ws {
			c.w = append(c.w, float32(w/sum))
		}
		out[i] = c
	}
	return out
}

// resizePlane resamples an interleaved plane of c channels from w×h to dw×dh.
func resizePlane(src []float32, w, h, c, dw, dh int) []float32 {
	return resizePlaneInto(nil, make([]float32, dw*dh*c), src, w, h, c, dw, dh)
}

// resizePlaneInto is resizePlane writing into dst (dw*dh*c values), with
// ws (nil: none) lending the intermediate plane. dst must not alias src.
func resizePlaneInto(ws *Workspace, dst, src []float32, w, h, c, dw, dh int) []float32 {
	if dw == w && dh == h {
		copy(dst, src)
		return dst
	}
	cur := src
	if dw != w {
		cw := axisWeights(w, dw)
		tmp := dst
		if dh != h {
			tmp = ws.get(dw * h * c)
			defer ws.put(tmp)
		}
		parallelRows(h, func(y0, y1 int) {
			for y := y0; y < y1; y++ {
				resampleRow(tmp[y*dw*c:(y+1)*dw*c], cur[y*w*c:(y+1)*w*c], cw, c)
			}
		})
		cur = tmp
	}
	if dh != h {
		ch := axisWeights(h, dh)
		rowLen := dw * c
		parallelRows(dh, func(y0, y1 int) {
			for y := y0; y < y1; y++ {
				orow := dst[y*rowLen : (y+1)*rowLen]
				ct := ch[y]
				for t, j := range ct.idx {
					wt := ct.w[t]
					row := cur[int(j)*rowLen : (int(j)+1)*rowLen]
					if t == 0 {
						// 0 + wt*v, as in a sum started from zero (which
						// also turns -0 into +0), without clearing orow first.
						for i, v := range row {
							orow[i] = 0 + wt*v
						}
						continue
					}
					for i, v := range row {
						orow[i] += wt * v
					}
				}
			}
		})
	}
	return dst
}

// resampleRow computes one output row from one source row with per-output
// contributions cw, for interleaved samples of c channels.
func resampleRow(orow, row []float32, cw []contrib, c int) {
	if c == 3 {
		for x, ct := range cw {
			var a0, a1, a2 float32
			for t, j := range ct.idx {
				wt := ct.w[t]
				p := row[int(j)*3 : int(j)*3+3 : int(j)*3+3]
				a0 += wt * p[0]
				a1 += wt * p[1]
				a2 += wt * p[2]
			}
			o := orow[x*3 : x*3+3 : x*3+3]
			o[0], o[1], o[2] = a0, a1, a2
		}
		return
	}
	for x, ct := range cw {
		o := orow[x*c : x*c+c]
		for k := range o {
			o[k] = 0
		}
		for t, j := range ct.idx {
			wt := ct.w[t]
			p := row[int(j)*c : int(j)*c+c]
			for k := range o {
				o[k] += wt * p[k]
			}
		}
	}
}

// rollPlane writes src rolled by (dx, dy) into dst (which must not alias src).
func rollPlane(dst, src []float32, w, h, c, dx, dy int) {
	dx = ((dx % w) + w) % w
	dy = ((dy % h) + h) % h
	rowLen := w * c
	split := dx * c
	parallelRows(h, func(y0, y1 int) {
		for y := y0; y < y1; y++ {
			s := src[y*rowLen : (y+1)*rowLen]
			d := dst[((y+dy)%h)*rowLen : ((y+dy)%h+1)*rowLen]
			// out(x) = in(x - dx): the tail of s goes to the front of d.
			copy(d[split:], s[:rowLen-split])
			copy(d[:split], s[rowLen-split:])
		}
	})
}

// mirrorPlane writes src mirrored left-right (mx) and/or top-bottom (my)
// into dst (which must not alias src): out(x, y) = in(x', y') with
// x' = w-1-x when mx, y' = h-1-y when my.
func mirrorPlane(dst, src []float32, w, h, c int, mx, my bool) {
	rowLen := w * c
	for y := 0; y < h; y++ {
		sy := y
		if my {
			sy = h - 1 - y
		}
		s := src[sy*rowLen : (sy+1)*rowLen]
		d := dst[y*rowLen : (y+1)*rowLen]
		if !mx {
			copy(d, s)
			continue
		}
		for x := 0; x < w; x++ {
			copy(d[x*c:(x+1)*c], s[(w-1-x)*c:(w-x)*c])
		}
	}
}

// gaussianKernel returns a normalised Gaussian of standard deviation sigma
// truncated at ceil(3 sigma).
func gaussianKernel(sigma float64) []float32 {
	r := int(math.Ceil(3 * sigma))
	if r < 1 {
		r = 1
	}
	k := make([]float64, 2*r+1)
	var sum float64
	for i := range k {
		x := float64(i - r)
		k[i] = math.Exp(-x * x / (2 * sigma * sigma))
		sum += k[i]
	}
	out := make([]float32, len(k))
	for i := range k {
		out[i] = float32(k[i] / sum)
	}
	return out
}

// gaussianBlur blurs an interleaved plane in place with edge clamping.
func gaussianBlur(p []float32, w, h, c int, sigma float64) {
	if sigma <= 0 {
		return
	}
	convolveSeparable(p, w, h, c, gaussianKernel(sigma))
}

// convolveSeparable convolves p in place along x then y with the odd-length
// kernel k, clamping at the edges.
func convolveSeparable(p []float32, w, h, c int, k []float32) {
	r := len(k) / 2
	tmp := make([]float32, len(p))
	parallelRows(h, func(y0, y1 int) {
		for y := y0; y < y1; y++ {
			row := p[y*w*c : (y+1)*w*c]
			orow := tmp[y*w*c : (y+1)*w*c]
			for x := 0; x < w; x++ {
				o := orow[x*c : x*c+c]
				if x >= r && x+r < w {
					// Interior: no clamping; the taps are contiguous.
					win := row[(x-r)*c : (x+r+1)*c]
					for ch := range o {
						var acc float32
						for t, kv := range k {
							acc += kv * win[t*c+ch]
						}
						o[ch] = acc
					}
					continue
				}
				for ch := range o {
					var acc float32
					for t, kv := range k {
						acc += kv * row[clampIndex(x+t-r, w)*c+ch]
					}
					o[ch] = acc
				}
			}
		}
	})
	rowLen := w * c
	parallelRows(h, func(y0, y1 int) {
		for y := y0; y < y1; y++ {
			orow := p[y*rowLen : (y+1)*rowLen]
			for i := range orow {
				orow[i] = 0
			}
			for t, kv := range k {
				src := tmp[clampIndex(y+t-r, h)*rowLen : (clampIndex(y+t-r, h)+1)*rowLen]
				for i, v := range src {
					orow[i] += kv * v
				}
			}
		}
	})
}

// parallelRows runs fn over [0, n) split into contiguous chunks, one
// goroutine per chunk, and waits for all of them. Results are deterministic as
// long as fn writes only the rows it is given.
func parallelRows(n int, fn func(lo, hi int)) {
	workers := runtime.GOMAXPROCS(0)
	if workers > n {
		workers = n
	}
	if workers <= 1 || n < 64 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	chunk := (n + workers - 1) / workers
	for lo := 0; lo < n; lo += chunk {
		hi := lo + chunk
		if hi > n {
			hi = n
		}
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			fn(lo, hi)
		}(lo, hi)
	}
	wg.Wait()
}

// clampIndex clamps i to 0..n-1 (edge replication for filters).
func clampIndex(i, n int) int {
	if i < 0 {
		return 0
	}
	if i >= n {
		return n - 1
	}
	return i
}
