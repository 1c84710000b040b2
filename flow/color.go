package flow

import (
	"fmt"
	"image"
	"image/color"
	"math"
)

// wheelSize is the number of hues of the Middlebury flow colour wheel
// (Baker et al., IJCV 2011): red→yellow→green→cyan→blue→magenta→red in 15,
// 6, 4, 11, 13 and 6 steps, so that perceptually similar hue changes get
// similar room.
const wheelSize = 55

// wheelEntry returns hue k (0 <= k < wheelSize) of the colour wheel, 0..255.
func wheelEntry(k int) [3]float32 {
	segs := [6]struct {
		n        int
		from, to [3]float32
	}{
		{15, [3]float32{255, 0, 0}, [3]float32{255, 255, 0}}, // red → yellow
		{6, [3]float32{255, 255, 0}, [3]float32{0, 255, 0}},  // yellow → green
		{4, [3]float32{0, 255, 0}, [3]float32{0, 255, 255}},  // green → cyan
		{11, [3]float32{0, 255, 255}, [3]float32{0, 0, 255}}, // cyan → blue
		{13, [3]float32{0, 0, 255}, [3]float32{255, 0, 255}}, // blue → magenta
		{6, [3]float32{255, 0, 255}, [3]float32{255, 0, 0}},  // magenta → red
	}
	for _, s := range segs {
		if k >= s.n {
			k -= s.n
			continue
		}
		t := float32(k) / float32(s.n)
		var c [3]float32
		for i := range c {
			c[i] = float32(math.Floor(float64(s.from[i] + t*(s.to[i]-s.from[i]))))
		}
		return c
	}
	return [3]float32{255, 0, 0}
}

// MaxMagnitude returns the largest magnitude among the known vectors of f
// (0 if there are none).
func MaxMagnitude(f *Field) float32 {
	var m float64
	for i := range f.U {
		if !f.Known(i) {
			continue
		}
		u, v := float64(f.U[i]), float64(f.V[i])
		if r := math.Sqrt(u*u + v*v); r > m {
			m = r
		}
	}
	return float32(m)
}

// Colorize renders f with the standard Middlebury colour wheel: hue is the
// direction, saturation the magnitude divided by maxMag (vectors longer than
// maxMag are drawn darker), unknown flow is black. maxMag <= 0 normalises by
// the largest known magnitude in f, as the Middlebury tools do.
func Colorize(f *Field, maxMag float32) (*image.RGBA, error) {
	if err := f.Validate(); err != nil {
		return nil, fmt.Errorf("flow: Colorize: %w", err)
	}
	if !(maxMag > 0) {
		maxMag = MaxMagnitude(f)
	}
	if !(maxMag > 0) {
		maxMag = 1
	}
	w, h := f.Width, f.Height
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	inv := 1 / float64(maxMag)
	parallelRows(h, 8, func(lo, hi int) {
		for y := lo; y < hi; y++ {
			for x := 0; x < w; x++ {
				i := y*w + x
				c := color.RGBA{A: 255}
				if f.Known(i) {
					c = wheelColor(float64(f.U[i])*inv, float64(f.V[i])*inv)
				}
				img.SetRGBA(x, y, c)
			}
		}
	})
	return img, nil
}

// wheelColor maps a normalised flow vector to its wheel colour.
func wheelColor(u, v float64) color.RGBA {
	n := wheelSize
	rad := math.Sqrt(u*u + v*v)
	ang := math.Atan2(-v, -u) / math.Pi // -1..1
	fk := (ang + 1) / 2 * float64(n-1)
	k0 := int(fk)
	if k0 >= n {
		k0 = n - 1
	}
	k1 := (k0 + 1) % n
	t := float32(fk - float64(k0))
	c0, c1 := wheelEntry(k0), wheelEntry(k1)
	var out [3]uint8
	for ch := 0; ch < 3; ch++ {
		c := ((1-t)*c0[ch] + t*c1[ch]) / 255
		if rad <= 1 {
			c = 1 - float32(rad)*(1-c)
		} else {
			c *= 0.75
		}
		out[ch] = uint8(math.Floor(float64(255 * c)))
	}
	return color.RGBA{R: out[0], G: out[1], B: out[2], A: 255}
}
