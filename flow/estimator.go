package flow

import (
	"context"
	"fmt"
)

// An Estimator computes the flow between frames of a sequence with fixed
// Options, doing each frame's share of the work once. In a video every
// frame takes part in two pairs, (i-1, i) and (i, i+1); Prepare builds a
// frame's image pyramid and what the estimation derives from the frame alone
// (gradients, smoothness weights, a padded copy for the patch search) into
// a Frame, and Bidirectional (both flows of a pair) or Flow (one) uses two
// prepared frames, so the second pair reuses the frame instead of building
// it again. The Estimator also keeps
// its working memory between calls, where ComputeBidirectional asks the
// runtime for fresh, zeroed memory each time: with Medium about 50 bytes
// per frame pixel (45 MB at 1280x720), plus the memory of the Frames handed
// back with Release (a Frame holds about 12 bytes per pixel); Fast needs a
// third of that, Accurate, which works at full resolution, four times as
// much.
//
// The results are bit-identical to ComputeBidirectional's (and Compute's)
// on the same images and Options.
//
// An Estimator is used by one goroutine at a time. A Frame does not refer
// to the Image it was prepared from (the Image may change or be reused
// afterwards) and is not changed by Bidirectional or Flow.
type Estimator struct {
	opt Options
	sc  scratch
}

// NewEstimator returns an Estimator for opt (the zero Options select
// Medium).
func NewEstimator(opt Options) (*Estimator, error) {
	if err := opt.resolve(); err != nil {
		return nil, err
	}
	return &Estimator{opt: opt}, nil
}

// Frame is an image prepared by Estimator.Prepare for estimating the flow
// from it and to it.
type Frame struct {
	w, h, channels int
	opt            Options
	roles          role
	// Levels coarsest..finest are searched with patches; levels
	// refineDown..coarsest are refined (when the options refine at all).
	coarsest, finest, refineDown int
	levels                       []frameLevel // nil once released
}

// role says what a frame is prepared for: the frame a flow starts from (A),
// the frame it points into (B), or both.
type role uint8

const (
	roleA role = 1 << iota
	roleB
)

// frameLevel is one pyramid level of a Frame. Planes that neither role
// needs on the level are nil.
type frameLevel struct {
	w, h  int
	gray  *plane   // luminance
	color []*plane // the colour channels, when the refinement uses them
	// As frame A:
	gx, gy         *plane      // gradients of gray
	gxGrad, gyGrad [2]*plane   // gradients of gx and of gy (gradient constancy)
	colorGrad      [][2]*plane // gradients of every colour channel
	alpha          *plane      // smoothness weight per pixel (see smoothnessWeights)
	// As frame B:
	padded *padded // gray with a replicated border, for the patch search
}

// searches reports whether level k is searched with patches.
func (f *Frame) searches(k int) bool { return k >= f.finest }

// refines reports whether level k is refined.
func (f *Frame) refines(k int) bool {
	return k >= f.refineDown && f.opt.RefineIterations > 0 && f.opt.SORIterations > 0
}

// patchSize is the side of the patches on level k (the option's, shrunk on
// levels smaller than a patch).
func (f *Frame) patchSize(k int) int {
	return min(f.opt.PatchSize, f.levels[k].w, f.levels[k].h)
}

// Prepare builds what Bidirectional and Flow need of img (1 or 3 channels, the
// size of the other frames). It returns the context's error (wrapped) if ctx
// is cancelled.
func (e *Estimator) Prepare(ctx context.Context, img *Image) (*Frame, error) {
	if err := img.validate("img"); err != nil {
		return nil, fmt.Errorf("flow: %w", err)
	}
	return prepareFrame(ctx, &e.sc, img, e.opt, roleA|roleB)
}

// Bidirectional returns the flow from a to b and the flow from b to a, as
// ComputeBidirectional does for the images a and b were prepared from. Both
// frames must come from Prepare of an Estimator with the same Options and
// have the same size and channel count. It returns the context's error
// (wrapped) if ctx is cancelled.
func (e *Estimator) Bidirectional(ctx context.Context, a, b *Frame) (fwd, bwd *Field, err error) {
	if err := e.checkPair("Bidirectional", a, b); err != nil {
		return nil, nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("flow: %w", err)
	}
	return bidirectional(ctx, &e.sc, a, b, e.opt)
}

// Flow returns the flow from a to b, as Compute does for the images a and b
// were prepared from (and as the first result of Bidirectional), for half
// the work of Bidirectional. The frames must be as for Bidirectional. It
// returns the context's error (wrapped) if ctx is cancelled.
func (e *Estimator) Flow(ctx context.Context, a, b *Frame) (*Field, error) {
	if err := e.checkPair("Flow", a, b); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("flow: %w", err)
	}
	return estimate(ctx, &e.sc, a, b, e.opt)
}

// checkPair reports why the Estimator's method op cannot take a and b.
func (e *Estimator) checkPair(op string, a, b *Frame) error {
	for _, f := range [2]struct {
		name string
		f    *Frame
	}{{"a", a}, {"b", b}} {
		switch {
		case f.f == nil:
			return fmt.Errorf("flow: %s: frame %s is nil", op, f.name)
		case f.f.levels == nil:
			return fmt.Errorf("flow: %s: frame %s was released", op, f.name)
		case f.f.opt != e.opt || f.f.roles != roleA|roleB:
			return fmt.Errorf("flow: %s: frame %s was prepared with other options", op, f.name)
		}
	}
	if a.w != b.w || a.h != b.h || a.channels != b.channels {
		return fmt.Errorf("flow: frames differ: %dx%dx%d vs %dx%dx%d", a.w, a.h, a.channels, b.w, b.h, b.channels)
	}
	return nil
}

// Release hands the memory of f to the Estimator for later frames and
// calls; f must not be used afterwards (Bidirectional and Flow refuse it). Releasing
// frames is optional: a frame that is simply dropped is collected as usual.
func (e *Estimator) Release(f *Frame) {
	if f == nil {
		return
	}
	for k := range f.levels {
		l := &f.levels[k]
		e.sc.putPlanes(l.gray, l.gx, l.gy, l.alpha)
		e.sc.putPlanes(l.color...)
		e.sc.putPlanes(l.gxGrad[:]...)
		e.sc.putPlanes(l.gyGrad[:]...)
		for _, g := range l.colorGrad {
			e.sc.putPlanes(g[:]...)
		}
		if l.padded != nil {
			e.sc.put(l.padded.p)
		}
	}
	f.levels = nil
}

// Recycle hands the memory of f, a result of Flow or Bidirectional, to the
// Estimator for later results, so that a sequence's flows need not be
// allocated (and zeroed) afresh for every pair; f's slices are set to nil
// and must not be used afterwards (a copy of them neither). Recycling is
// optional: a Field that is simply dropped is collected as usual.
func (e *Estimator) Recycle(f *Field) {
	if f == nil {
		return
	}
	e.sc.put(f.U, f.V)
	f.U, f.V = nil, nil
}

// prepareFrame builds the pyramid of m, which has been validated, and the
// data of every level that the roles r need, in memory from sc.
func prepareFrame(ctx context.Context, sc *scratch, m *Image, opt Options, r role) (*Frame, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("flow: %w", err)
	}
	f := &Frame{w: m.Width, h: m.Height, channels: m.Channels, opt: opt, roles: r}
	f.coarsest, f.finest = opt.levels(m.Width, m.Height)
	f.refineDown = max(f.finest-opt.RefineBelow, 0)
	f.levels = make([]frameLevel, f.coarsest+1)
	useColor := opt.Color && m.Channels == 3 && opt.RefineIterations > 0 && opt.Delta > 0
	asA, asB := r&roleA != 0, r&roleB != 0

	var gray *plane
	var color []*plane
	for k := range f.levels {
		// Level k from level k-1, which goes back to sc unless kept.
		prevGray, prevColor := gray, color
		if k == 0 {
			gray = grayPlane(sc, m)
			if useColor {
				color = channelPlanes(sc, m)
			}
		} else {
			gray = downsample(sc, prevGray)
			if useColor {
				color = make([]*plane, len(prevColor))
				for c, pl := range prevColor {
					color[c] = downsample(sc, pl)
				}
			}
			if l := &f.levels[k-1]; l.gray == nil {
				sc.putPlanes(prevGray)
			}
			if l := &f.levels[k-1]; l.color == nil {
				sc.putPlanes(prevColor...)
			}
		}
		l := &f.levels[k]
		l.w, l.h = gray.w, gray.h
		search, refine := f.searches(k), f.refines(k)
		if (asA && (search || refine)) || (asB && refine) {
			l.gray = gray
		}
		if useColor && refine {
			l.color = color
		}
		if asA && (search || refine) {
			l.gx, l.gy = gradients(sc, gray)
		}
		if asA && refine {
			l.alpha = smoothnessWeights(sc, l.gx, l.gy, opt.Alpha, opt.EdgeScale)
			if opt.Gamma > 0 {
				l.gxGrad[0], l.gxGrad[1] = gradients(sc, l.gx)
				l.gyGrad[0], l.gyGrad[1] = gradients(sc, l.gy)
			}
			for _, pl := range l.color {
				gx, gy := gradients(sc, pl)
				l.colorGrad = append(l.colorGrad, [2]*plane{gx, gy})
			}
		}
		if asB && search {
			l.padded = newPadded(sc, gray, max(f.patchSize(k)+2, 16))
		}
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("flow: %w", err)
		}
	}
	if l := &f.levels[f.coarsest]; l.gray == nil {
		sc.putPlanes(gray)
	}
	if l := &f.levels[f.coarsest]; l.color == nil {
		sc.putPlanes(color...)
	}
	return f, nil
}
