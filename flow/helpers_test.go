package flow

import "math"

// texture is a smooth, richly textured test pattern in 0..255.
func texture(x, y float64) float64 {
	return 128 + 40*math.Sin(0.31*x+0.12*y) + 30*math.Cos(0.17*y-0.07*x) +
		25*math.Sin(0.53*x-0.41*y+1) + 15*math.Cos(0.9*x+0.7*y)
}

// translatedPair returns RGB frames a and b of size w x h where the content
// of a moves by (dx, dy) in b.
func translatedPair(w, h int, dx, dy float64) (*Image, *Image) {
	return translatedFrame(w, h, 0, 0), translatedFrame(w, h, dx, dy)
}

// translatedFrame returns the RGB test pattern of size w x h moved by
// (dx, dy).
func translatedFrame(w, h int, dx, dy float64) *Image {
	pix := make([]float32, w*h*3)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := 3 * (y*w + x)
			for c := 0; c < 3; c++ {
				o := float64(c) * 17
				pix[i+c] = float32(texture(float64(x)-dx+o, float64(y)-dy-o))
			}
		}
	}
	m, _ := FromRGB(pix, w, h)
	return m
}
