// Package dream implements DeepDream over an abstract differentiable network:
// gradient ascent on an objective over the pixels of an image, at several
// octaves with detail re-injection (Mordvintsev, Olah and Tyka, Google 2015),
// with random jitter, tiled gradients with random offsets, and mean-abs or
// Laplacian-pyramid gradient normalisation.
//
// The package is pure: it does no file or process I/O and depends only on the
// models contract. Any models.Executor satisfies Network.
package dream

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/deepdream-go/deepdream/models"
)

// Network is what dreaming needs from a model: the gradient of an objective
// with respect to the input pixels, and the smallest input it accepts.
// models.Executor satisfies it.
type Network interface {
	// Gradient returns the objective's value for img and writes its
	// gradient with respect to img.Pix into grad (len(img.Pix) values).
	Gradient(ctx context.Context, img *models.Image, obj models.Objective, grad []float32) (float64, error)
	// MinSize is the smallest width and height the network accepts.
	MinSize() (width, height int)
}

var _ Network = models.Executor(nil)

// ErrTooSmall is returned (wrapped) when the image is smaller than the
// network's minimum input even at full resolution.
var ErrTooSmall = errors.New("image is smaller than the network's minimum input")

// gradEpsilon guards the mean-abs normalisation against an all-zero
// gradient: the step is StepSize * g / (mean|g| + gradEpsilon). It is far
// below any real gradient magnitude, so it changes nothing else, and a zero
// gradient gives a zero step instead of NaN.
const gradEpsilon = 1e-20

// Progress reports one finished step.
type Progress struct {
	// Octave is the index of the current octave among those run, 0 being the
	// smallest; Octaves is how many are run (skipped ones excluded).
	Octave, Octaves int
	// Step is the index of the finished step within the octave, from 0;
	// Steps is the number of steps per octave.
	Step, Steps int
	// Done and Total count finished and planned steps over the whole dream.
	Done, Total int
	// Width and Height are the size of the current octave.
	Width, Height int
	// Value is the objective measured during the step (before the update).
	Value float64
}

// Dream returns img dreamed with the parameters p. img is not modified.
// progress, when not nil, is called after every step, on the calling
// goroutine (keep it quick: the network waits for it). Cancelling ctx stops
// the dream between steps (or inside the network if it honours ctx) and
// returns ctx.Err().
//
// Octaves whose size is below net.MinSize are skipped; if the full image is
// already too small the error wraps ErrTooSmall.
func Dream(ctx context.Context, net Network, img *models.Image, p Params, progress func(Progress)) (*models.Image, error) {
	return new(Workspace).DreamFrom(ctx, net, img, img, p, progress)
}

// DreamFrom dreams starting from init while building the octave pyramid
// from base, which is what a video loop needs: base is the source frame and
// init is that frame plus the hallucination carried over from the previous
// dreamed frame (for example init = frame + blend * warped(prevDream -
// prevFrame)). base and init must have the same size; neither is modified.
//
// The difference init - base is split across octaves like a Laplacian
// pyramid: the smallest octave starts from its base plus the difference
// downscaled to it, and each larger octave adds the band of the difference
// that the smaller octaves could not hold, on top of the upscaled dreamed
// detail. So with nothing to dream the result would be init itself, and
// the carried hallucination keeps its fine structure while the octaves grow
// it further. DreamFrom(ctx, net, img, img, p, f) is Dream(ctx, net, img, p, f).
//
// For temporal coherence a video loop typically runs fewer Steps (and often
// fewer Octaves) on later frames than on the first, and may keep the same
// Seed for every frame: the jitter sequence then repeats frame to frame.
func DreamFrom(ctx context.Context, net Network, base, init *models.Image, p Params, progress func(Progress)) (*models.Image, error) {
	return new(Workspace).DreamFrom(ctx, net, base, init, p, progress)
}

// DreamFrom is the package's DreamFrom working in ws's memory, so that a
// loop dreaming pictures of one size (a video's frames) allocates no large
// buffers after the first. The result is the caller's: ws does not keep it
// (hand it back with Recycle when done with it, and the next dream reuses
// its memory).
func (ws *Workspace) DreamFrom(ctx context.Context, net Network, base, init *models.Image, p Params, progress func(Progress)) (*models.Image, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if err := checkImage("base", base); err != nil {
		return nil, err
	}
	if err := checkImage("init", init); err != nil {
		return nil, err
	}
	if base.Width != init.Width || base.Height != init.Height {
		return nil, fmt.Errorf("dream: base is %dx%d but init is %dx%d, want the same size",
			base.Width, base.Height, init.Width, init.Height)
	}
	minW, minH := net.MinSize()
	if base.Width < minW || base.Height < minH {
		return nil, fmt.Errorf("dream: image is %dx%d, network needs at least %dx%d: %w",
			base.Width, base.Height, minW, minH, ErrTooSmall)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	// Octave sizes, full size first; keep those the network accepts (a
	// prefix, since sizes shrink).
	type size struct{ w, h int }
	var sizes []size
	for k := 0; k < p.Octaves; k++ {
		f := math.Pow(p.OctaveScale, float64(k))
		w := int(math.Round(float64(base.Width) / f))
		h := int(math.Round(float64(base.Height) / f))
		if w < minW || h < minH || w < 1 || h < 1 {
			break
		}
		sizes = append(sizes, size{w, h})
	}
	n := len(sizes)

	d := &dreamer{net: net, p: p, rng: rand.New(rand.NewPCG(p.Seed, 0x9e3779b97f4a7c15)), ws: ws}
	withInit := init != base
	var diff *models.Image // init - base at full size
	if withInit {
		diff = ws.image(base.Width, base.Height)
		defer ws.putImage(diff)
		forPixels(base, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				diff.Pix[i] = init.Pix[i] - base.Pix[i]
			}
		})
	}
	// resized is img resampled to octave k in ws's memory (img itself at
	// k = 0); release hands it back.
	resized := func(img *models.Image, k int) *models.Image {
		if k == 0 {
			return img
		}
		out := ws.image(sizes[k].w, sizes[k].h)
		resizePlaneInto(ws, out.Pix, img.Pix, img.Width, img.Height, 3, out.Width, out.Height)
		return out
	}
	release := func(img *models.Image) {
		if img != base && img != diff {
			ws.putImage(img)
		}
	}

	total := n * p.Steps
	done := 0
	var detail *models.Image // dreamed - base at the previous octave
	var prevDiff *models.Image
	var img *models.Image
	for oi := 0; oi < n; oi++ {
		k := n - 1 - oi
		ob := resized(base, k)
		img = ws.image(ob.Width, ob.Height) // at k = 0 the result, which ws lets go of
		switch {
		case detail == nil && withInit && k == 0:
			copy(img.Pix, init.Pix)
		case detail == nil && withInit:
			prevDiff = resized(diff, k)
			forPixels(img, func(lo, hi int) {
				for i := lo; i < hi; i++ {
					img.Pix[i] = ob.Pix[i] + prevDiff.Pix[i]
				}
			})
		case detail == nil:
			copy(img.Pix, ob.Pix)
		default:
			up := ws.image(ob.Width, ob.Height)
			resizePlaneInto(ws, up.Pix, detail.Pix, detail.Width, detail.Height, 3, up.Width, up.Height)
			release(detail)
			if withInit {
				// Add the band of init - base this octave holds and the
				// previous one could not.
				cur := resized(diff, k)
				prevUp := ws.image(ob.Width, ob.Height)
				resizePlaneInto(ws, prevUp.Pix, prevDiff.Pix, prevDiff.Width, prevDiff.Height, 3, prevUp.Width, prevUp.Height)
				forPixels(up, func(lo, hi int) {
					for i := lo; i < hi; i++ {
						up.Pix[i] += cur.Pix[i] - prevUp.Pix[i]
					}
				})
				release(prevUp)
				release(prevDiff)
				prevDiff = cur
			}
			forPixels(img, func(lo, hi int) {
				for i := lo; i < hi; i++ {
					img.Pix[i] = ob.Pix[i] + up.Pix[i]
				}
			})
			release(up)
		}
		for s := 0; s < p.Steps; s++ {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			v, err := d.step(ctx, img)
			if err != nil {
				if cerr := ctx.Err(); cerr != nil {
					return nil, cerr
				}
				return nil, fmt.Errorf("dream: octave %d/%d (%dx%d) step %d: %w", oi+1, n, img.Width, img.Height, s+1, err)
			}
			done++
			if progress != nil {
				progress(Progress{Octave: oi, Octaves: n, Step: s, Steps: p.Steps, Done: done, Total: total,
					Width: img.Width, Height: img.Height, Value: v})
			}
		}
		if k > 0 {
			detail = ws.image(img.Width, img.Height)
			forPixels(img, func(lo, hi int) {
				for i := lo; i < hi; i++ {
					detail.Pix[i] = img.Pix[i] - ob.Pix[i]
				}
			})
			release(img)
			release(ob)
		}
	}
	if prevDiff != nil {
		release(prevDiff)
	}
	return img, nil
}

// checkImage rejects images whose pixel slice does not match their size.
func checkImage(name string, img *models.Image) error {
	if img == nil {
		return fmt.Errorf("dream: %s image is nil", name)
	}
	if img.Width <= 0 || img.Height <= 0 || len(img.Pix) != img.Width*img.Height*3 {
		return fmt.Errorf("dream: %s image is %dx%d with %d values, want width*height*3 > 0",
			name, img.Width, img.Height, len(img.Pix))
	}
	return nil
}

// dreamer holds the state shared by the steps of one dream.
type dreamer struct {
	net Network
	p   Params
	rng *rand.Rand
	// ws lends the step's working planes (see Workspace.step).
	ws *Workspace
}

// grown returns *b resliced to n values, reallocated only when too small.
// Its contents are unspecified.
func grown(b *[]float32, n int) []float32 {
	if cap(*b) < n {
		*b = make([]float32, n)
	}
	*b = (*b)[:n]
	return *b
}

// step does one gradient-ascent step on img in place and returns the
// objective value measured.
func (d *dreamer) step(ctx context.Context, img *models.Image) (float64, error) {
	w, h := img.Width, img.Height
	// Random draws, always in the same order: jitter x, y, then tile offset
	// x, y (only when tiling applies), then the mirroring (only with Mirror).
	var sx, sy int
	if j := d.p.Jitter; j > 0 {
		sx = d.rng.IntN(2*j+1) - j
		sy = d.rng.IntN(2*j+1) - j
	}
	tiled := d.p.Tile > 0 && (w > d.p.Tile || h > d.p.Tile)
	if tiled {
		sx += d.rng.IntN(w)
		sy += d.rng.IntN(h)
	}
	var mirrorX, mirrorY bool
	if d.p.Mirror {
		m := d.rng.IntN(4)
		mirrorX, mirrorY = m&1 != 0, m&2 != 0
	}
	n := len(img.Pix)
	src := img
	// Tiles are cut from the rolled picture and their gradients put back
	// unrolled in one copy each (same values as rolling the whole picture
	// there and back); mirroring and whole-picture gradients roll first.
	fused := tiled && !mirrorX && !mirrorY
	rolled := !fused && (sx%w != 0 || sy%h != 0)
	if rolled {
		pix := grown(&d.ws.step[0], n)
		rollPlane(pix, img.Pix, w, h, 3, sx, sy)
		src = &models.Image{Width: w, Height: h, Pix: pix}
	}
	if mirrorX || mirrorY {
		pix := grown(&d.ws.step[1], n)
		mirrorPlane(pix, src.Pix, w, h, 3, mirrorX, mirrorY)
		src = &models.Image{Width: w, Height: h, Pix: pix}
	}
	g, spare := grown(&d.ws.step[2], n), grown(&d.ws.step[3], n)
	tile := 0
	if tiled {
		tile = d.p.Tile
	}
	var dx, dy int // the roll left for the tiles to do
	if fused {
		dx, dy = sx, sy
	}
	v, err := tiledGradient(ctx, d.net, src, d.p.Objective, tile, dx, dy, g, &d.ws.tile)
	if err != nil {
		return 0, err
	}
	if mirrorX || mirrorY {
		mirrorPlane(spare, g, w, h, 3, mirrorX, mirrorY)
		g, spare = spare, g
	}
	if rolled {
		rollPlane(spare, g, w, h, 3, -sx, -sy)
		g = spare
	}
	if d.p.Smooth > 0 {
		gaussianBlur(g, w, h, 3, d.p.Smooth)
	}
	var sum float64
	for _, x := range g {
		sum += math.Abs(float64(x))
	}
	if math.IsNaN(sum) || math.IsInf(sum, 0) {
		return 0, errors.New("network returned a non-finite gradient")
	}
	scale := d.p.StepSize / (sum/float64(len(g)) + gradEpsilon)
	if d.p.Norm == NormLaplacian {
		// Bring g to unit scale first (so the pyramid's own guard against
		// zero bands is scale-free), then normalise band by band.
		inv := float32(1 / (sum/float64(len(g)) + gradEpsilon))
		for i := range g {
			g[i] *= inv
		}
		g = lapNormalize(g, w, h, 3, d.p.LaplacianLevels)
		scale = d.p.StepSize
	}
	forPixels(img, func(lo, hi int) { applyStep(img.Pix[lo:hi], g[lo:hi], scale) })
	return v, nil
}

// applyStep does pix = clip(pix + scale*g, 0, 255).
func applyStep(pix, g []float32, scale float64) {
	for i, x := range g {
		v := pix[i] + float32(scale*float64(x))
		if v < 0 {
			v = 0
		} else if v > 255 {
			v = 255
		} else if v != v { // NaN
			v = 0
		}
		pix[i] = v
	}
}

// tileSpans splits [0, n) into the fewest near-equal spans (lengths
// differing by at most one) no longer than tile, then, if that makes spans
// shorter than minLen, into fewer, longer ones: a short leftover tile is
// merged into its neighbours, never skipped. With tile >= 2*minLen every span
// is between minLen and tile long. tile <= 0 or tile >= n gives one span.
func tileSpans(n, tile, minLen int) [][2]int {
	if tile <= 0 || tile >= n {
		return [][2]int{{0, n}}
	}
	count := (n + tile - 1) / tile
	for count > 1 && n/count < minLen {
		count--
	}
	spans := make([][2]int, count)
	pos := 0
	for i := range spans {
		l := n / count
		if i < n%count {
			l++
		}
		spans[i] = [2]int{pos, pos + l}
		pos += l
	}
	return spans
}

// tileScratch holds tiledGradient's buffers between calls.
type tileScratch struct{ pix, grad []float32 }

// tiledGradient writes into g the gradient of obj over img rolled by
// (dx, dy) (see rollPlane; 0, 0 for img itself), rolled back, computed tile
// by tile (tile 0: whole image, which cannot be rolled here). Tiles are cut
// from the rolled picture and their gradients written to where their
// pixels came from, without a rolled copy of the whole picture. Each
// tile's gradient is weighted by the tile's share of the image area, so
// that for objectives that are means over positions the tiles add up to
// the whole-image gradient away from tile borders. Tiles are at least the
// network's minimum size and at most tile pixels wide and high when tile is
// at least twice that minimum (see tileSpans). It returns the
// area-weighted objective value. scratch (nil: none) keeps the tile
// buffers for the next call.
func tiledGradient(ctx context.Context, net Network, img *models.Image, obj models.Objective, tile, dx, dy int, g []float32, scratch *tileScratch) (float64, error) {
	w, h := img.Width, img.Height
	if tile <= 0 || (tile >= w && tile >= h) {
		if dx%w != 0 || dy%h != 0 {
			return 0, errors.New("dream: a whole-picture gradient cannot be rolled")
		}
		return net.Gradient(ctx, img, obj, g)
	}
	if scratch == nil {
		scratch = new(tileScratch)
	}
	dx, dy = ((dx%w)+w)%w, ((dy%h)+h)%h
	minW, minH := net.MinSize()
	xs, ys := tileSpans(w, tile, minW), tileSpans(h, tile, minH)
	var value float64
	for _, ty := range ys {
		for _, tx := range xs {
			if err := ctx.Err(); err != nil {
				return 0, err
			}
			cw, ch := tx[1]-tx[0], ty[1]-ty[0]
			// Rolled pixel (x, y) is img's ((x-dx) mod w, (y-dy) mod h):
			// a tile row comes from one row of img, in at most two runs.
			x0 := (tx[0] - dx + w) % w
			split := min(cw, w-x0) // pixels before the row wraps
			sub := &models.Image{Width: cw, Height: ch, Pix: grown(&scratch.pix, cw*ch*3)}
			for y := 0; y < ch; y++ {
				row := img.Pix[((ty[0]+y-dy+h)%h)*w*3:][:w*3]
				dst := sub.Pix[y*cw*3 : (y+1)*cw*3]
				copy(dst, row[x0*3:(x0+split)*3])
				copy(dst[split*3:], row[:(cw-split)*3])
			}
			tg := grown(&scratch.grad, len(sub.Pix))
			v, err := net.Gradient(ctx, sub, obj, tg)
			if err != nil {
				return 0, fmt.Errorf("tile at (%d,%d) %dx%d: %w", tx[0], ty[0], cw, ch, err)
			}
			share := float64(cw*ch) / float64(w*h)
			value += share * v
			fs := float32(share)
			for y := 0; y < ch; y++ {
				row := g[((ty[0]+y-dy+h)%h)*w*3:][:w*3]
				src := tg[y*cw*3 : (y+1)*cw*3]
				scaleInto(row[x0*3:(x0+split)*3], src[:split*3], fs)
				scaleInto(row[:(cw-split)*3], src[split*3:], fs)
			}
		}
	}
	return value, nil
}

// scaleInto writes src[i]*f into dst[i].
func scaleInto(dst, src []float32, f float32) {
	for i, x := range src[:len(dst)] {
		dst[i] = x * f
	}
}
