// Package scenecut finds where a new shot starts in a stream of video
// frames: hard cuts, and the first picture after a fade to or from black.
// It is pure: frames in, decisions out, no I/O.
//
// Each frame is reduced to a small grid of cell averages (at most 48 cells
// across, whatever the frame size), so a decision costs one pass over the
// pixels plus a few thousand operations on the grid. Two consecutive grids
// are compared in two ways:
//
//   - change: the mean absolute colour difference per cell, where each cell
//     may match any of its 3×3 neighbours in the previous grid, so that
//     motion of up to a cell (about 2% of the width) costs nothing;
//   - structure: the correlation of the two luma grids, which ignores a
//     global change of brightness or contrast (a flash, an exposure step)
//     because it compares the layout of light and dark, not the levels.
//
// The score is change × (1 − correlation), with the correlation clamped to
// [0, 1]. On the test clips, hard cuts score 24–83 and the hardest frames
// that are not cuts (a hand-held phone panning, a muzzle flash, a mouse's
// paw, a one-frame exposure dip) score at most 4.7; the default threshold
// of 10 sits between.
package scenecut

import "math"

// Default thresholds; see Options.
const (
	DefaultThreshold  = 10
	DefaultBlackLevel = 16
)

// gridCells is the number of grid cells across the frame's width.
const gridCells = 48

// Options tune a Detector. The zero value means the defaults.
type Options struct {
	// Threshold is the score at or above which a frame starts a new shot.
	// Zero: DefaultThreshold. Lower finds softer cuts and risks false ones
	// on fast motion.
	Threshold float64
	// BlackLevel is the mean luma (0..255) below which a frame counts as
	// black. The first frame that is not black after one or more black
	// frames starts a new shot (the end of a fade from black, or of a fade
	// to black followed by a fade in). Between two black frames there is
	// never a cut: their difference is noise. Zero: DefaultBlackLevel;
	// negative: no fade detection.
	BlackLevel float64
}

// DefaultOptions returns the options the zero value stands for, spelled out.
func DefaultOptions() Options {
	return Options{Threshold: DefaultThreshold, BlackLevel: DefaultBlackLevel}
}

func (o Options) withDefaults() Options {
	if o.Threshold == 0 {
		o.Threshold = DefaultThreshold
	}
	if o.BlackLevel == 0 {
		o.BlackLevel = DefaultBlackLevel
	}
	return o
}

// Detector decides, frame by frame, whether a new shot starts. It keeps the
// grid of the previous frame; a Detector is not safe for concurrent use.
type Detector struct {
	opt        Options
	prev, cur  grid
	count      []int // scratch: pixels per cell
	column     []int // scratch: grid column of each pixel column
	frames     int
	w, h       int
	afterBlack bool // the previous frame was black
}

// NewDetector returns a detector with the given options (zero fields take
// their defaults).
func NewDetector(opt Options) *Detector {
	return &Detector{opt: opt.withDefaults()}
}

// Reset forgets the previous frame: the next frame is taken as the first.
func (d *Detector) Reset() {
	d.frames = 0
	d.afterBlack = false
}

// Next takes the next frame, packed RGB24 (3 bytes per pixel, rows top to
// bottom, no padding) of w×h pixels, and reports whether a new shot starts
// at it, with the frame's score (see the package documentation; 0 for the
// first frame). The first frame is never a cut; a change of frame size is
// always one. Next panics if rgb holds fewer than w×h×3 bytes or if w or h
// is not positive, as slicing would.
func (d *Detector) Next(rgb []byte, w, h int) (cut bool, score float64) {
	if w <= 0 || h <= 0 || len(rgb) < w*h*3 {
		panic("scenecut: frame smaller than w×h×3 bytes")
	}
	resized := d.frames > 0 && (w != d.w || h != d.h)
	d.prev, d.cur = d.cur, d.prev
	d.count, d.column = d.cur.fill(rgb, w, h, d.count, d.column)
	d.w, d.h = w, h
	first := d.frames == 0
	d.frames++

	black := d.opt.BlackLevel > 0 && d.cur.mean < d.opt.BlackLevel
	wasBlack := d.afterBlack
	d.afterBlack = black
	switch {
	case first:
		return false, 0
	case resized:
		return true, math.Inf(1)
	}
	score = d.cur.change(&d.prev) * (1 - clamp01(d.cur.correlation(&d.prev)))
	switch {
	case wasBlack && !black:
		return true, score
	case wasBlack && black:
		// Within black, the picture is noise and the score means nothing.
		return false, score
	}
	return score >= d.opt.Threshold, score
}

func clamp01(x float64) float64 {
	return math.Max(0, math.Min(1, x))
}

// grid holds the cell averages of one frame: luma and two colour
// differences, all on the 0..255 scale of the pixels.
type grid struct {
	w, h    int
	y, u, v []float64
	mean    float64 // mean luma of the cells
}

// fill replaces g with the grid of the frame. count and column are scratch
// space, returned for reuse.
func (g *grid) fill(rgb []byte, w, h int, count, column []int) ([]int, []int) {
	g.w = min(gridCells, w)
	g.h = max(1, min(h, int(math.Round(float64(g.w)*float64(h)/float64(w)))))
	n := g.w * g.h
	g.y = resize(g.y, n)
	g.u = resize(g.u, n)
	g.v = resize(g.v, n)
	if cap(count) < n {
		count = make([]int, n)
	}
	count = count[:n]
	clear(count)
	if cap(column) < w {
		column = make([]int, w)
	}
	column = column[:w]
	for px := range column {
		column[px] = px * g.w / w
	}
	for py := 0; py < h; py++ {
		row := rgb[py*w*3 : (py+1)*w*3]
		base := py * g.h / h * g.w
		for px := 0; px < w; px++ {
			c := base + column[px]
			r, gr, b := float64(row[3*px]), float64(row[3*px+1]), float64(row[3*px+2])
			luma := 0.299*r + 0.587*gr + 0.114*b
			g.y[c] += luma
			g.u[c] += b - luma
			g.v[c] += r - luma
			count[c]++
		}
	}
	var sum float64
	for c := range n {
		k := float64(count[c])
		g.y[c] /= k
		g.u[c] /= k
		g.v[c] /= k
		sum += g.y[c]
	}
	g.mean = sum / float64(n)
	return count, column
}

// resize returns s with length n, zeroed.
func resize(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	s = s[:n]
	clear(s)
	return s
}

// change is the mean over the cells of g of the smallest colour distance to
// a cell of o in the 3×3 neighbourhood of the same position. Luma counts
// fully, each colour difference half.
func (g *grid) change(o *grid) float64 {
	var total float64
	for y := range g.h {
		for x := range g.w {
			c := y*g.w + x
			best := math.Inf(1)
			for yy := max(0, y-1); yy <= min(g.h-1, y+1); yy++ {
				for xx := max(0, x-1); xx <= min(g.w-1, x+1); xx++ {
					oc := yy*o.w + xx
					dist := math.Abs(g.y[c]-o.y[oc]) + 0.5*(math.Abs(g.u[c]-o.u[oc])+math.Abs(g.v[c]-o.v[oc]))
					best = math.Min(best, dist)
				}
			}
			total += best
		}
	}
	return total / float64(g.w*g.h)
}

// correlation is the Pearson correlation of the luma of g and o, 0 when
// either is flat.
func (g *grid) correlation(o *grid) float64 {
	var sab, saa, sbb float64
	for c := range g.y {
		a, b := g.y[c]-g.mean, o.y[c]-o.mean
		sab += a * b
		saa += a * a
		sbb += b * b
	}
	if saa == 0 || sbb == 0 {
		return 0
	}
	return sab / math.Sqrt(saa*sbb)
}
