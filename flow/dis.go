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
	p, err := prepare(ctx, a, b, &opt)
	if err != nil {
		return nil, err
	}
	return p.estimate(ctx, 0, 1, opt)
}

// ComputeBidirectional returns the forward flow (a to b) and the backward
// flow (b to a), as Consistency and MeanWarpedDifference need them. It
// builds the image pyramids once, so it is a little cheaper than two calls
// of Compute, and gives the same results.
func ComputeBidirectional(ctx context.Context, a, b *Image, opt Options) (fwd, bwd *Field, err error) {
	p, err := prepare(ctx, a, b, &opt)
	if err != nil {
		return nil, nil, err
	}
	if fwd, err = p.estimate(ctx, 0, 1, opt); err != nil {
		return nil, nil, err
	}
	if bwd, err = p.estimate(ctx, 1, 0, opt); err != nil {
		return nil, nil, err
	}
	return fwd, bwd, nil
}

// pyramids holds the image pyramids of two frames.
type pyramids struct {
	w, h             int
	coarsest, finest int
	gray             [2][]*plane   // luminance, level 0 = full resolution
	color            [2][][]*plane // per level, the 3 colour channels (if used)
	sc               *scratch      // buffers recycled between levels and directions
}

// prepare validates the input and builds the pyramids of both frames.
func prepare(ctx context.Context, a, b *Image, opt *Options) (*pyramids, error) {
	if *opt == (Options{}) {
		*opt = Medium()
	}
	if err := opt.validate(); err != nil {
		return nil, fmt.Errorf("flow: invalid options: %w", err)
	}
	if err := a.validate("a"); err != nil {
		return nil, fmt.Errorf("flow: %w", err)
	}
	if err := b.validate("b"); err != nil {
		return nil, fmt.Errorf("flow: %w", err)
	}
	if a.Width != b.Width || a.Height != b.Height || a.Channels != b.Channels {
		return nil, fmt.Errorf("flow: frames differ: %dx%dx%d vs %dx%dx%d", a.Width, a.Height, a.Channels, b.Width, b.Height, b.Channels)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("flow: %w", err)
	}
	p := &pyramids{w: a.Width, h: a.Height, sc: &scratch{}}
	p.coarsest, p.finest = opt.levels(a.Width, a.Height)
	useColor := opt.Color && a.Channels == 3 && opt.RefineIterations > 0 && opt.Delta > 0
	for f, m := range [2]*Image{a, b} {
		g := []*plane{grayPlane(m)}
		for k := 1; k <= p.coarsest; k++ {
			g = append(g, downsample(p.sc, g[k-1]))
		}
		p.gray[f] = g
		if useColor {
			c := [][]*plane{channelPlanes(m)}
			for k := 1; k <= p.coarsest; k++ {
				var next []*plane
				for _, pl := range c[k-1] {
					next = append(next, downsample(p.sc, pl))
				}
				c = append(c, next)
			}
			p.color[f] = c
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("flow: %w", err)
	}
	return p, nil
}

// estimate computes the flow from frame i0 to frame i1 (0 or 1) of p.
func (p *pyramids) estimate(ctx context.Context, i0, i1 int, opt Options) (*Field, error) {
	g0, g1 := p.gray[i0], p.gray[i1]
	c0, c1 := p.color[i0], p.color[i1]
	coarsest, finest := p.coarsest, p.finest
	sc := p.sc
	refineDown := finest - opt.RefineBelow
	if refineDown < 0 {
		refineDown = 0
	}
	vp := varParams{
		alpha: opt.Alpha, delta: opt.Delta, gamma: opt.Gamma,
		fixedIters: opt.RefineIterations, sorIters: opt.SORIterations, omega: 1.6,
		edge: opt.EdgeScale,
	}

	var u, v *plane
	for k := coarsest; k >= 0; k-- {
		lw, lh := g0[k].w, g0[k].h
		if u == nil {
			u, v = &plane{w: lw, h: lh, p: sc.zeros(lw * lh)}, &plane{w: lw, h: lh, p: sc.zeros(lw * lh)}
		} else {
			cu, cv := u, v
			u, v = upsampleFlow(sc, cu, cv, lw, lh)
			sc.putPlanes(cu, cv)
		}
		refineHere := k >= refineDown && opt.RefineIterations > 0 && opt.SORIterations > 0
		var gx, gy *plane
		if k >= finest || refineHere {
			gx, gy = gradients(sc, g0[k])
		}
		if k >= finest {
			ps := min(opt.PatchSize, lw, lh)
			stride := min(opt.PatchStride, ps)
			lv := &patchLevel{i0: g0[k], gx: gx, gy: gy, i1: newPadded(sc, g1[k], max(ps+2, 16))}
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
			sc.put(lv.i1.p)
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("flow: %w", err)
			}
		}
		if refineHere {
			col0, col1 := g0[k:k+1], g1[k:k+1]
			if c0 != nil {
				col0, col1 = c0[k], c1[k]
			}
			refine(ctx, sc, col0, col1, g0[k], g1[k], gx, gy, u, v, vp)
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("flow: %w", err)
			}
		}
		sc.putPlanes(gx, gy)
	}
	n := p.w * p.h
	return &Field{Width: p.w, Height: p.h, U: u.p[:n:n], V: v.p[:n:n]}, nil
}

// median returns the median of xs (the upper one for an even count),
// without changing xs.
func median(xs []float32) float32 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}
