package pipeline

import (
	"fmt"
	"math"
	"strconv"
)

// Fitting a GIF under a size limit: the settings tried, smaller each time.

// gifAttempt is one set of GIF settings tried to meet MaxBytes.
type gifAttempt struct {
	fps, width, colours int
	dither              string // paletteuse dither mode; "" is media's default
}

func (g gifAttempt) String() string {
	s := fmt.Sprintf("%d fps, %d px wide, %d colours", g.fps, g.width, g.colours)
	if g.dither != "" {
		s += ", " + g.dither + " dithering"
	}
	return s
}

// shrinkGIF picks the next, smaller GIF settings for a file ratio times
// too big: first the frame rate down to 15, then the width down to 320,
// then ordered (Bayer) dithering, which compresses far better than error
// diffusion on dream textures, then the palette down to 64 colours, then
// 10 fps and 160 px.
func shrinkGIF(g gifAttempt, ratio float64) (gifAttempt, bool) {
	// Aim a little lower than the ratio says: sizes do not scale exactly.
	ratio *= 1.08
	switch {
	case g.fps > 15:
		g.fps = max(15, int(float64(g.fps)/ratio))
	case g.width > 320:
		g.width = max(320, int(float64(g.width)/math.Sqrt(ratio))) &^ 1
	case g.dither == "":
		g.dither = "bayer"
	case g.colours > 64:
		g.colours /= 2
	case g.fps > 10:
		g.fps = max(10, int(float64(g.fps)/ratio))
	case g.width > 160:
		g.width = max(160, int(float64(g.width)/math.Sqrt(ratio))) &^ 1
	default:
		return g, false
	}
	return g, true
}

// mb writes a file size in the unit that shows it: bytes, kB or MB.
func mb(n int64) string {
	switch {
	case n < 1000:
		return strconv.FormatInt(n, 10) + " bytes"
	case n < 1e6:
		return strconv.FormatFloat(float64(n)/1e3, 'f', 1, 64) + " kB"
	}
	return strconv.FormatFloat(float64(n)/1e6, 'f', 2, 64) + " MB"
}
