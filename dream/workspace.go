package dream

import "github.com/deepdream-go/deepdream/models"

// Workspace is the working memory of a dream, kept for the next one: the
// octave pictures, their resampling buffers and the step's planes. A loop
// that dreams many pictures of one size with one Workspace (a video's
// frames) and hands each result back with Recycle when done with it
// allocates no large buffers after the first picture, where each 1280×720
// dream would otherwise ask for and zero a few hundred MB. It holds on to
// that memory (about the largest set one dream needed) until it is dropped.
// The zero value is ready to use. A Workspace serves one dream at a time;
// it never holds a result it returned.
type Workspace struct {
	// free holds planes handed back, any size.
	free [][]float32
	// step holds the step's full-size planes (the shifted picture and the
	// gradient, twice each so that a shift back has a target), reused by
	// capacity across steps, octaves and dreams.
	step [4][]float32
	// tile holds the tile picture and gradient of tiledGradient.
	tile tileScratch
}

// get returns a plane of n values with unspecified contents: the smallest
// free one that is large enough, or a new one. A nil Workspace allocates.
func (ws *Workspace) get(n int) []float32 {
	if ws == nil {
		return make([]float32, n)
	}
	best := -1
	for k, b := range ws.free {
		if cap(b) >= n && (best < 0 || cap(b) < cap(ws.free[best])) {
			best = k
		}
	}
	if best < 0 {
		return make([]float32, n)
	}
	b := ws.free[best][:n]
	last := len(ws.free) - 1
	ws.free[best], ws.free[last] = ws.free[last], nil
	ws.free = ws.free[:last]
	return b
}

// put hands a plane back; the caller must not use it again.
func (ws *Workspace) put(b []float32) {
	if ws != nil && cap(b) > 0 {
		ws.free = append(ws.free, b[:0])
	}
}

// image returns a w×h picture in ws's memory, contents unspecified.
func (ws *Workspace) image(w, h int) *models.Image {
	return &models.Image{Width: w, Height: h, Pix: ws.get(w * h * 3)}
}

// Recycle hands back a picture that DreamFrom returned (or any picture
// whose pixels the caller gives up) once the caller no longer uses it, so
// that a later dream reuses its memory instead of asking for fresh memory.
// The caller must not touch img afterwards.
func (ws *Workspace) Recycle(img *models.Image) {
	if img != nil {
		ws.put(img.Pix)
	}
}

// putImage hands img's pixels back.
func (ws *Workspace) putImage(img *models.Image) { ws.put(img.Pix) }

// forPixels runs fn over img.Pix in row bands, in parallel: fn(lo, hi)
// handles the values [lo, hi) and each value is written by one goroutine,
// so the result does not depend on the split.
func forPixels(img *models.Image, fn func(lo, hi int)) {
	row := img.Width * 3
	parallelRows(img.Height, func(y0, y1 int) { fn(y0*row, y1*row) })
}
