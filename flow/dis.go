package flow

import (
	"context"
	"fmt"
	"math"
	"slices"
)

// Options configures Compute and ComputeBidirectional. Start from a preset
// (Fast, Medium, Accurate) and adjust; the zero Options selects Medium.
type Options struct {
	// PatchSize is the side, in pixels of its pyramid level, of the square
	// patches aligned by the inverse search (it shrinks on levels smaller
	// than a patch).
	PatchSize int
	// PatchStride is the distance between neighbouring patches; smaller
	// means more overlap, more accuracy and more time. 1 <= PatchStride <= PatchSize.
	PatchStride int
	// CoarsestLevel is the pyramid level where the search starts (level k
	// has 1/2^k of the resolution). A negative value chooses it from the
	// frame size so that the coarsest level is about 4 patches wide.
	CoarsestLevel int
	// FinestLevel is the finest pyramid level searched with patches; 0 is
	// full resolution. Below it the flow is upsampled (and refined on
	// RefineBelow levels).
	FinestLevel int
	// SearchIterations is the maximum number of Gauss–Newton iterations per
	// patch.
	SearchIterations int
	// RefineIterations is the number of fixed-point iterations of the
	// variational refinement on each level; 0 disables refinement.
	RefineIterations int
	// SORIterations is the number of red-black SOR sweeps per fixed-point
	// iteration.
	SORIterations int
	// RefineBelow continues the variational refinement on that many levels
	// finer than FinestLevel (FinestLevel or more: down to full
	// resolution); 0 refines only the levels searched with patches.
	RefineBelow int
	// Alpha weights the smoothness term, Delta the brightness constancy and
	// Gamma the gradient constancy term of the refinement.
	Alpha, Delta, Gamma float32
	// EdgeScale, if positive, makes the smoothness image-edge aware: its
	// weight at a pixel is Alpha / (1 + |∇A|²/EdgeScale²), with |∇A| the
	// luminance gradient of frame A (grey levels per pixel), so that flow
	// discontinuities can follow object edges. 0 disables it.
	EdgeScale float32
	// Color uses every channel of 3-channel frames in the brightness
	// constancy term of the refinement (the patch search always uses
	// luminance).
	Color bool
}

// Fast is tuned for speed: patches and refinement only down to a quarter of
// the resolution, then bilinear upsampling.
func Fast() Options {
	return Options{
		PatchSize: 8, PatchStride: 4, CoarsestLevel: -1, FinestLevel: 2,
		SearchIterations: 8, RefineIterations: 5, SORIterations: 5,
		Alpha: 25, Delta: 5, Gamma: 10, EdgeScale: 15,
	}
}

// Medium balances speed and accuracy; it is the default.
func Medium() Options {
	return Options{
		PatchSize: 8, PatchStride: 3, CoarsestLevel: -1, FinestLevel: 1,
		SearchIterations: 12, RefineIterations: 3, SORIterations: 5,
		Alpha: 25, Delta: 5, Gamma: 10, EdgeScale: 15,
	}
}

// Accurate searches patches at full resolution (with a wider stride to
// keep the cost down); roughly three times slower than Medium.
func Accurate() Options {
	return Options{
		PatchSize: 8, PatchStride: 4, CoarsestLevel: -1, FinestLevel: 0,
		SearchIterations: 12, RefineIterations: 3, SORIterations: 5,
		Alpha: 30, Delta: 5, Gamma: 10, EdgeScale: 15,
	}
}

func (o Options) validate() error {
	switch {
	case o.PatchSize < 1:
		return fmt.Errorf("PatchSize %d < 1", o.PatchSize)
	case o.PatchStride < 1 || o.PatchStride > o.PatchSize:
		return fmt.Errorf("PatchStride %d outside 1..PatchSize (%d)", o.PatchStride, o.PatchSize)
	case o.FinestLevel < 0:
		return fmt.Errorf("FinestLevel %d < 0", o.FinestLevel)
	case o.CoarsestLevel >= 0 && o.CoarsestLevel < o.FinestLevel:
		return fmt.Errorf("CoarsestLevel %d < FinestLevel %d", o.CoarsestLevel, o.FinestLevel)
	case o.CoarsestLevel > 30:
		return fmt.Errorf("CoarsestLevel %d > 30", o.CoarsestLevel)
	case o.SearchIterations < 0 || o.RefineIterations < 0 || o.SORIterations < 0 || o.RefineBelow < 0:
		return fmt.Errorf("negative iteration count")
	case !(o.Alpha >= 0) || !(o.Delta >= 0) || !(o.Gamma >= 0) || !(o.EdgeScale >= 0):
		return fmt.Errorf("negative or NaN refinement weight")
	}
	return nil
}

// levels returns the coarsest and finest patch levels for a frame size.
func (o Options) levels(w, h int) (coarsest, finest int) {
	coarsest = o.CoarsestLevel
	if coarsest < 0 {
		m := w
		if h > m {
			m = h
		}
		c := math.Log2(float64(m)/float64(4*o.PatchSize)) + 0.5
		coarsest = 0
		if c > 0 {
			coarsest = int(c)
		}
		if coarsest < o.FinestLevel {
			coarsest = o.FinestLevel
		}
	}
	// Never go below a level that is smaller than half a patch on its
	// shorter side, unless it is the full-resolution frame.
	minSide := o.PatchSize / 2
	if minSide < 1 {
		minSide = 1
	}
	for coarsest > 0 {
		sw, sh := w, h
		for k := 0; k < coarsest; k++ {
			sw, sh = halfSize(sw), halfSize(sh)
		}
		if sw >= minSide && sh >= minSide {
			break
		}
		coarsest--
	}
	finest = o.FinestLevel
	if finest > coarsest {
		finest = coarsest
	}
	return coarsest, finest
}

// Compute estimates the dense optical flow from frame a to frame b (pixel
// (x, y) of a moves to (x+U, y+V) in b). The frames must have the same size
// and channel count (1 or 3); any size works, down to 1x1. The result is
// bit-identical for identical input and options, whatever GOMAXPROCS is.
// Compute returns the context's error (wrapped) if ctx is cancelled while it
// runs.
func Compute(ctx context.Context, a, b *Image, opt Options) (*Field, error) {
	sc := &scratch{}
	fa, fb, err := preparePair(ctx, sc, a, b, &opt, roleA, roleB)
	if err != nil {
		return nil, err
	}
	return estimate(ctx, sc, fa, fb, opt)
}

// ComputeBidirectional returns the forward flow (a to b) and the backward
// flow (b to a), as Consistency and MeanWarpedDifference need them. It
// builds the image pyramids once, so it is a little cheaper than two calls
// of Compute, and gives the same results. For a sequence of frames, an
// Estimator also reuses each frame's pyramid for the next pair, and its
// working memory, with the same results.
func ComputeBidirectional(ctx context.Context, a, b *Image, opt Options) (fwd, bwd *Field, err error) {
	sc := &scratch{}
	fa, fb, err := preparePair(ctx, sc, a, b, &opt, roleA|roleB, roleA|roleB)
	if err != nil {
		return nil, nil, err
	}
	return bidirectional(ctx, sc, fa, fb, opt)
}

// preparePair validates the input and prepares a for the roles ra and b
// for the roles rb, in memory from sc.
func preparePair(ctx context.Context, sc *scratch, a, b *Image, opt *Options, ra, rb role) (fa, fb *Frame, err error) {
	if err := opt.resolve(); err != nil {
		return nil, nil, err
	}
	if err := a.validate("a"); err != nil {
		return nil, nil, fmt.Errorf("flow: %w", err)
	}
	if err := b.validate("b"); err != nil {
		return nil, nil, fmt.Errorf("flow: %w", err)
	}
	if a.Width != b.Width || a.Height != b.Height || a.Channels != b.Channels {
		return nil, nil, fmt.Errorf("flow: frames differ: %dx%dx%d vs %dx%dx%d", a.Width, a.Height, a.Channels, b.Width, b.Height, b.Channels)
	}
	if fa, err = prepareFrame(ctx, sc, a, *opt, ra); err != nil {
		return nil, nil, err
	}
	if fb, err = prepareFrame(ctx, sc, b, *opt, rb); err != nil {
		return nil, nil, err
	}
	return fa, fb, nil
}

// resolve replaces the zero Options by Medium and validates them.
func (o *Options) resolve() error {
	if *o == (Options{}) {
		*o = Medium()
	}
	if err := o.validate(); err != nil {
		return fmt.Errorf("flow: invalid options: %w", err)
	}
	return nil
}

// bidirectional returns the flow from a to b and from b to a.
func bidirectional(ctx context.Context, sc *scratch, a, b *Frame, opt Options) (fwd, bwd *Field, err error) {
	if fwd, err = estimate(ctx, sc, a, b, opt); err != nil {
		return nil, nil, err
	}
	if bwd, err = estimate(ctx, sc, b, a, opt); err != nil {
		return nil, nil, err
	}
	return fwd, bwd, nil
}

// estimate computes the flow from frame a to frame b, prepared with opt, a
// as frame A and b as frame B.
func estimate(ctx context.Context, sc *scratch, a, b *Frame, opt Options) (*Field, error) {
	coarsest, finest := a.coarsest, a.finest
	vp := varParams{
		alpha: opt.Alpha, delta: opt.Delta, gamma: opt.Gamma,
		fixedIters: opt.RefineIterations, sorIters: opt.SORIterations, omega: 1.6,
		edge: opt.EdgeScale,
	}

	var u, v *plane
	for k := coarsest; k >= 0; k-- {
		la, lb := &a.levels[k], &b.levels[k]
		lw, lh := la.w, la.h
		if u == nil {
			u, v = &plane{w: lw, h: lh, p: sc.zeros(lw * lh)}, &plane{w: lw, h: lh, p: sc.zeros(lw * lh)}
		} else {
			cu, cv := u, v
			u, v = upsampleFlow(sc, cu, cv, lw, lh)
			sc.putPlanes(cu, cv)
		}
		if k >= finest {
			ps := a.patchSize(k)
			stride := min(opt.PatchStride, ps)
			lv := &patchLevel{i0: la.gray, gx: la.gx, gy: la.gy, i1: lb.padded}
			inverseSearch(ctx, sc, lv, u, v, ps, stride, opt.SearchIterations)
			if k == coarsest {
				// The search from rest gives the dominant motion (the
				// median of its flow). If that is a pixel or more on
				// this level (a fast pan), search again with every patch
				// starting from it: patches with little texture then
				// start from the camera's motion rather than from rest,
				// outside the reach of their search.
				if mu, mv := median(u.p), median(v.p); mu*mu+mv*mv >= 1 && ctx.Err() == nil {
					for i := range u.p {
						u.p[i], v.p[i] = mu, mv
					}
					inverseSearch(ctx, sc, lv, u, v, ps, stride, opt.SearchIterations)
				}
			}
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("flow: %w", err)
			}
		}
		if a.refines(k) {
			refine(ctx, sc, la, lb, u, v, vp)
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("flow: %w", err)
			}
		}
	}
	n := a.w * a.h
	return &Field{Width: a.w, Height: a.h, U: u.p[:n:n], V: v.p[:n:n]}, nil
}

// median returns the median of xs (the upper one for an even count),
// without changing xs.
func median(xs []float32) float32 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}
