package audio

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"strconv"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// Series is a curve drawn in its own lane below the envelopes, such as a
// parameter a mapping drives; its lane is scaled from its smallest to its
// largest value, both written on the lane.
type Series struct {
	Name   string
	Values []float64 // one per frame
}

// PlotOptions tune Plot.
type PlotOptions struct {
	// Width and Height are the size of the picture; Height 0 gives every
	// lane 70 pixels.
	Width, Height int
	// Title is written at the top (e.g. the file name and tempo).
	Title string
	// Envelopes lists the envelopes to draw, in order; nil: all of Names.
	Envelopes []string
	// Extra are curves drawn in lanes after the envelopes.
	Extra []Series
}

// Colours of the plot: each lane's curve, and the grid.
var (
	plotBackground = color.RGBA{250, 250, 247, 255}
	plotText       = color.RGBA{40, 40, 40, 255}
	plotAxis       = color.RGBA{200, 200, 195, 255}
	plotBeat       = color.RGBA{235, 120, 60, 255}
	plotColours    = []color.RGBA{
		{31, 119, 180, 255}, {214, 39, 40, 255}, {44, 100, 44, 255},
		{148, 103, 189, 255}, {23, 160, 170, 255}, {230, 120, 20, 255},
		{90, 90, 90, 255}, {188, 150, 34, 255},
	}
)

// Plot draws the envelopes against time, one lane each, with the beat grid
// as orange ticks across every lane (unless the beats are under 4 pixels
// apart) and a time axis in seconds. Where a
// pixel column spans several frames it shows their full range, so no peak
// is lost on a long track.
func Plot(e *Envelopes, opts PlotOptions) (*image.RGBA, error) {
	names := opts.Envelopes
	if names == nil {
		names = Names()
	}
	type lane struct {
		name   string
		values []float64
		lo, hi float64
		fixed  bool // 0..1, no range label
	}
	var lanes []lane
	for _, n := range names {
		v, err := e.Get(n)
		if err != nil {
			return nil, err
		}
		lanes = append(lanes, lane{name: n, values: v, lo: 0, hi: 1, fixed: true})
	}
	for _, s := range opts.Extra {
		if len(s.Values) != e.Frames() {
			return nil, fmt.Errorf("audio: plot: series %s has %d values for %d frames", s.Name, len(s.Values), e.Frames())
		}
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, v := range s.Values {
			lo, hi = min(lo, v), max(hi, v)
		}
		lanes = append(lanes, lane{name: s.Name, values: s.Values, lo: lo, hi: hi})
	}
	const left, right, top, bottom, gap = 90, 16, 28, 34, 8
	w, h := opts.Width, opts.Height
	if h == 0 {
		h = top + bottom + 70*len(lanes)
	}
	laneH := (h - top - bottom) / max(len(lanes), 1)
	if w < left+right+50 || w > 20000 || laneH < 12 || h > 20000 || e.Frames() == 0 {
		return nil, fmt.Errorf("audio: plot: %dx%d is too small or too large for %d lanes of %d frames (want at least %dx%d)", w, h, len(lanes), e.Frames(), left+right+50, top+bottom+12*len(lanes))
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), &image.Uniform{plotBackground}, image.Point{}, draw.Src)
	plotW := w - left - right
	n := e.Frames()
	seconds := float64(n) / e.FrameRate
	xOf := func(t float64) int { return left + int(math.Round(t/seconds*float64(plotW))) }

	// Time axis: ticks at a round step giving about ten labels.
	step := niceStep(seconds / 10)
	for t := 0.0; t <= seconds+1e-9; t += step {
		x := xOf(t)
		vline(img, x, top, h-bottom, plotAxis)
		label(img, x-3*len(secondsLabel(t)), h-bottom+16, secondsLabel(t), plotText)
	}
	label(img, left+plotW/2-10, h-6, "time (s)", plotText)
	// Beat ticks closer than 4 pixels would only tint the plot: then the
	// beat lane alone shows the grid.
	beats := e.Beats
	if len(beats) > 1 && float64(plotW)/float64(len(beats)) < 4 {
		beats = nil
	}
	for _, b := range beats {
		x := xOf(b.Seconds())
		for y := top; y < h-bottom; y += 1 {
			if y%4 != 3 {
				img.SetRGBA(x, y, plotBeat)
			}
		}
	}
	if opts.Title != "" {
		label(img, left, 18, opts.Title, plotText)
	}

	for li, ln := range lanes {
		y0 := top + li*laneH + gap/2 // top of the drawing area
		y1 := top + (li+1)*laneH - gap/2
		col := plotColours[li%len(plotColours)]
		light := color.RGBA{uint8((int(col.R) + 3*255) / 4), uint8((int(col.G) + 3*255) / 4), uint8((int(col.B) + 3*255) / 4), 255}
		hline(img, left, w-right, y1, plotAxis)
		label(img, 8, (y0+y1)/2+4, ln.name, col)
		if !ln.fixed {
			label(img, 8, y0+10, trim(ln.hi), plotText)
			label(img, 8, y1-2, trim(ln.lo), plotText)
		}
		span := ln.hi - ln.lo
		yOf := func(v float64) int {
			if span <= 0 {
				return (y0 + y1) / 2
			}
			return y1 - int(math.Round((v-ln.lo)/span*float64(y1-y0)))
		}
		prev := -1
		for x := range plotW {
			f0 := x * n / plotW
			f1 := max((x+1)*n/plotW, f0+1)
			lo, hi := math.Inf(1), math.Inf(-1)
			for _, v := range ln.values[f0:min(f1, n)] {
				lo, hi = min(lo, v), max(hi, v)
			}
			ylo, yhi := yOf(lo), yOf(hi)
			vline(img, left+x, yhi, y1, light)
			a, b := yhi, ylo
			if prev >= 0 { // join the previous column
				a, b = min(a, prev), max(b, prev)
			}
			vline(img, left+x, a, b+1, col)
			prev = yOf(ln.values[min(f1, n)-1])
		}
	}
	return img, nil
}

// niceStep returns 1, 2 or 5 times a power of ten, at least raw.
func niceStep(raw float64) float64 {
	if raw <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw {
			return m * p
		}
	}
	return 10 * p
}

func secondsLabel(t float64) string { return strconv.FormatFloat(math.Round(t*100)/100, 'f', -1, 64) }

func trim(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }

func vline(img *image.RGBA, x, y0, y1 int, c color.RGBA) {
	for y := y0; y < y1; y++ {
		img.SetRGBA(x, y, c)
	}
}

func hline(img *image.RGBA, x0, x1, y int, c color.RGBA) {
	for x := x0; x < x1; x++ {
		img.SetRGBA(x, y, c)
	}
}

func label(img *image.RGBA, x, y int, s string, c color.RGBA) {
	d := font.Drawer{Dst: img, Src: &image.Uniform{c}, Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
	d.DrawString(s)
}
