package flow

import (
	"fmt"
	"math"
)

// Interp selects the interpolation used by Warp.
type Interp int

const (
	// Bilinear interpolates between the 2x2 nearest pixels.
	Bilinear Interp = iota
	// Bicubic uses the Catmull–Rom cubic (Keys, a = -0.5) over 4x4 pixels;
	// it keeps more detail but can overshoot slightly at sharp edges.
	Bicubic
)

// String returns the name of the interpolation method.
func (m Interp) String() string {
	switch m {
	case Bilinear:
		return "bilinear"
	case Bicubic:
		return "bicubic"
	}
	return fmt.Sprintf("Interp(%d)", int(m))
}

// Warp backward-warps src by the flow f into dst: dst(x, y) = src(x+U, y+V),
// for interleaved images of w x h pixels with the given number of channels.
// With f the flow from frame A to frame B and src an image aligned with B,
// dst is aligned with A. Samples outside src take the nearest border pixel
// (clamp); pixels with unknown flow are copied unmoved. dst and src must not
// overlap.
func Warp(dst, src []float32, w, h, channels int, f *Field, method Interp) error {
	if err := f.Validate(); err != nil {
		return fmt.Errorf("flow: Warp: %w", err)
	}
	if w != f.Width || h != f.Height {
		return fmt.Errorf("flow: Warp: image %dx%d, flow %dx%d", w, h, f.Width, f.Height)
	}
	if channels < 1 {
		return fmt.Errorf("flow: Warp: %d channels", channels)
	}
	n := w * h * channels
	if len(src) != n || len(dst) != n {
		return fmt.Errorf("flow: Warp: src has %d and dst %d values, want %d (%dx%dx%d)", len(src), len(dst), n, w, h, channels)
	}
	if method != Bilinear && method != Bicubic {
		return fmt.Errorf("flow: Warp: unknown interpolation %v", method)
	}
	parallelRows(h, 8, func(lo, hi int) {
		for y := lo; y < hi; y++ {
			for x := 0; x < w; x++ {
				i := y*w + x
				out := dst[i*channels : (i+1)*channels]
				if !f.Known(i) {
					copy(out, src[i*channels:(i+1)*channels])
					continue
				}
				sx := float32(x) + f.U[i]
				sy := float32(y) + f.V[i]
				if method == Bicubic {
					sampleBicubic(out, src, w, h, channels, sx, sy)
				} else {
					sampleBilinear(out, src, w, h, channels, sx, sy)
				}
			}
		}
	})
	return nil
}

// sampleBilinear writes the bilinear sample of the interleaved image at
// (x, y), with clamped borders, into out.
func sampleBilinear(out, src []float32, w, h, c int, x, y float32) {
	x = clampf(x, 0, float32(w-1))
	y = clampf(y, 0, float32(h-1))
	x0, y0 := int(x), int(y)
	fx, fy := x-float32(x0), y-float32(y0)
	x1, y1 := x0+1, y0+1
	if x1 >= w {
		x1 = w - 1
	}
	if y1 >= h {
		y1 = h - 1
	}
	p00 := src[(y0*w+x0)*c:][:c]
	p01 := src[(y0*w+x1)*c:][:c]
	p10 := src[(y1*w+x0)*c:][:c]
	p11 := src[(y1*w+x1)*c:][:c]
	for k := range out[:c] {
		a := p00[k] + fx*(p01[k]-p00[k])
		b := p10[k] + fx*(p11[k]-p10[k])
		out[k] = a + fy*(b-a)
	}
}

// cubicWeights returns the Catmull–Rom weights for the 4 taps around a
// sample at fractional offset t in [0, 1).
func cubicWeights(t float32) [4]float32 {
	t2 := t * t
	t3 := t2 * t
	return [4]float32{
		-0.5*t3 + t2 - 0.5*t,
		1.5*t3 - 2.5*t2 + 1,
		-1.5*t3 + 2*t2 + 0.5*t,
		0.5*t3 - 0.5*t2,
	}
}

// sampleBicubic writes the Catmull–Rom sample of the interleaved image at
// (x, y), with clamped borders, into out.
func sampleBicubic(out, src []float32, w, h, c int, x, y float32) {
	x = clampf(x, 0, float32(w-1))
	y = clampf(y, 0, float32(h-1))
	fx0 := float32(math.Floor(float64(x)))
	fy0 := float32(math.Floor(float64(y)))
	wx := cubicWeights(x - fx0)
	wy := cubicWeights(y - fy0)
	x0, y0 := int(fx0), int(fy0)
	if c == 3 && x0 >= 1 && x0+2 < w && y0 >= 1 && y0+2 < h {
		// All 4x4 taps inside: the same sums as below, on the three
		// channels of four consecutive pixels per row at once.
		var s0, s1, s2 float32
		base := ((y0-1)*w + x0 - 1) * 3
		for r := 0; r < 4; r++ {
			p := (*[12]float32)(src[base+r*3*w:])
			var t0, t1, t2 float32
			t0 += wx[0] * p[0]
			t1 += wx[0] * p[1]
			t2 += wx[0] * p[2]
			t0 += wx[1] * p[3]
			t1 += wx[1] * p[4]
			t2 += wx[1] * p[5]
			t0 += wx[2] * p[6]
			t1 += wx[2] * p[7]
			t2 += wx[2] * p[8]
			t0 += wx[3] * p[9]
			t1 += wx[3] * p[10]
			t2 += wx[3] * p[11]
			s0 += wy[r] * t0
			s1 += wy[r] * t1
			s2 += wy[r] * t2
		}
		out = out[:3]
		out[0], out[1], out[2] = s0, s1, s2
		return
	}
	var xs, ys [4]int
	for k := 0; k < 4; k++ {
		xs[k] = clampi(x0-1+k, w)
		ys[k] = clampi(y0-1+k, h)
	}
	if c == 3 {
		// The same sums as below, for the three channels at once.
		var s0, s1, s2 float32
		for r := 0; r < 4; r++ {
			row := ys[r] * w
			var t0, t1, t2 float32
			for k := 0; k < 4; k++ {
				p := src[(row+xs[k])*3:][:3]
				t0 += wx[k] * p[0]
				t1 += wx[k] * p[1]
				t2 += wx[k] * p[2]
			}
			s0 += wy[r] * t0
			s1 += wy[r] * t1
			s2 += wy[r] * t2
		}
		out = out[:3]
		out[0], out[1], out[2] = s0, s1, s2
		return
	}
	for ch := 0; ch < c; ch++ {
		var s float32
		for r := 0; r < 4; r++ {
			row := ys[r] * w
			var t float32
			for k := 0; k < 4; k++ {
				t += wx[k] * src[(row+xs[k])*c+ch]
			}
			s += wy[r] * t
		}
		out[ch] = s
	}
}
