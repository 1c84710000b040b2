package flow

import (
	"fmt"
	"math"
)

// MatchWeights writes into dst (Width*Height values, indexed like the
// Field) how far to trust f, the flow from frame a to frame b, judged from
// the frames themselves rather than from a second flow computed backwards
// (Consistency). For every pixel x of a, with w = f(x):
//
//   - x is mismatched when w is unknown, x + w leaves the frame (by half a
//     pixel or more), or a at x and b at x + w (bilinear) differ by more
//     than tol on average over the channels (in the images' units: grey
//     levels for 0..255 frames);
//   - x is on a motion boundary by the test of Consistency;
//   - the weight is 0 where mismatched or on a boundary, 1 elsewhere,
//     softened by the same blur as Consistency's (masked pixels stay
//     exactly 0).
//
// It needs one flow per pair of frames where Consistency needs two. In the
// video pipeline, with tol 6 on 0..255 frames, it dreamed chaplin, bbb
// and flower (640 px wide, 40 frames) as steadily as the two-flow check
// (E_warp ratios 1.52, 1.25, 1.61 with either) and at least as strongly.
// Where the light changes between the frames (flashes, fades) it distrusts
// the flow, which the two-flow check does not.
//
// a and b must have the size of f and the same number of channels; tol
// must not be negative.
func MatchWeights(dst []float32, a, b *Image, f *Field, tol float32) error {
	return matchWeights(nil, dst, a, b, f, tol)
}

// MatchWeights is flow.MatchWeights in the Estimator's working memory, for
// a caller that judges every pair of a sequence.
func (e *Estimator) MatchWeights(dst []float32, a, b *Image, f *Field, tol float32) error {
	return matchWeights(&e.sc, dst, a, b, f, tol)
}

// matchWeights is MatchWeights with its working memory from sc (nil:
// allocated).
func matchWeights(sc *scratch, dst []float32, a, b *Image, f *Field, tol float32) error {
	if err := f.Validate(); err != nil {
		return fmt.Errorf("flow: MatchWeights: %w", err)
	}
	for _, m := range [2]struct {
		name string
		img  *Image
	}{{"a", a}, {"b", b}} {
		if err := m.img.validate(m.name); err != nil {
			return fmt.Errorf("flow: MatchWeights: %w", err)
		}
		if m.img.Width != f.Width || m.img.Height != f.Height {
			return fmt.Errorf("flow: MatchWeights: image %s is %dx%d, the flow %dx%d", m.name, m.img.Width, m.img.Height, f.Width, f.Height)
		}
	}
	if a.Channels != b.Channels {
		return fmt.Errorf("flow: MatchWeights: image a has %d channels, b %d", a.Channels, b.Channels)
	}
	if n := f.Width * f.Height; len(dst) != n {
		return fmt.Errorf("flow: MatchWeights: dst holds %d values, want %d", len(dst), n)
	}
	if !(tol >= 0) {
		return fmt.Errorf("flow: MatchWeights: tolerance %v, want 0 or more", tol)
	}
	allKnown := knownEverywhere(f)
	limit := tol * float32(a.Channels)
	trustWeights(sc, dst, nil, nil, f.Width, f.Height, func(flags []uint8, y int) {
		matchRow(flags, a, b, f, limit, y, allKnown)
		boundaryRow(flags, f, y, allKnown)
	})
	return nil
}

// matchRow sets flags[x] to occludedBit where pixel (x, y) of a is
// mismatched in the sense of MatchWeights, to 0 elsewhere; limit is the
// tolerance times the number of channels (the differences are summed over
// the channels, not averaged). allKnown says that f is known everywhere. Pixels whose sample needs no clamping take a
// shorter path with the same arithmetic as sampleBilinear, written out per
// channel: this runs at every pixel of every video frame. Where the CPU
// has AVX2, matchRowSIMD takes that path 8 pixels at a time, as long as
// all 8 are on it, with the same float32 operations; the Go loop does the
// groups of 8 it stops at, one at a time, and the end of the row.
func matchRow(flags []uint8, a, b *Image, f *Field, limit float32, y int, allKnown bool) {
	w, h, c := f.Width, f.Height, a.Channels // c is 1 or 3
	flags = flags[:w]
	fu, fv := f.U[y*w:][:w], f.V[y*w:][:w]
	pa := a.Pix[y*w*c:][:w*c]
	pb := b.Pix[:w*h*c]
	fy := float32(y)
	xo, yo := float32(w)-0.5, float32(h)-0.5
	xi, yi := float32(w-1), float32(h-1)
	var sample [3]float32 // b at x + f(x)
	for x := 0; x < w; {
		x += matchRowSIMD(flags, fu, fv, pa, pb, x, w, h, c, fy, limit)
		end := w
		if hasAVX2 {
			end = min(x+8, w) // the group the kernel stopped at, or the tail
		}
		for ; x < end; x++ {
			flags[x] = occludedBit
			u, v := fu[x], fv[x]
			if !allKnown && !known32(u, v) {
				continue
			}
			tx, ty := float32(x)+u, fy+v
			switch {
			case tx >= 0 && tx < xi && ty >= 0 && ty < yi:
				x0, y0 := int(tx), int(ty)
				fx, gy := tx-float32(x0), ty-float32(y0)
				i0 := c * (y0*w + x0)
				i1 := i0 + c*w
				if c == 3 {
					p := pb[i0 : i0+6 : i0+6]
					q := pb[i1 : i1+6 : i1+6]
					top := p[0] + float32(fx*(p[3]-p[0]))
					bot := q[0] + float32(fx*(q[3]-q[0]))
					sample[0] = top + float32(gy*(bot-top))
					top = p[1] + float32(fx*(p[4]-p[1]))
					bot = q[1] + float32(fx*(q[4]-q[1]))
					sample[1] = top + float32(gy*(bot-top))
					top = p[2] + float32(fx*(p[5]-p[2]))
					bot = q[2] + float32(fx*(q[5]-q[2]))
					sample[2] = top + float32(gy*(bot-top))
				} else {
					p := pb[i0 : i0+2 : i0+2]
					q := pb[i1 : i1+2 : i1+2]
					top := p[0] + float32(fx*(p[1]-p[0]))
					bot := q[0] + float32(fx*(q[1]-q[0]))
					sample[0] = top + float32(gy*(bot-top))
				}
			case tx > -0.5 && tx < xo && ty > -0.5 && ty < yo:
				sampleBilinear(sample[:c], pb, w, h, c, tx, ty)
			default:
				continue
			}
			var diff float32
			if c == 3 {
				ax := pa[3*x : 3*x+3 : 3*x+3]
				diff = abs32(ax[0] - sample[0])
				diff += abs32(ax[1] - sample[1])
				diff += abs32(ax[2] - sample[2])
			} else {
				diff = abs32(pa[x] - sample[0])
			}
			// A conditional move rather than a branch: which pixels
			// match is as unpredictable as the frames.
			fl := uint8(occludedBit)
			if diff <= limit {
				fl = 0
			}
			flags[x] = fl
		}
	}
}

// abs32 is |x|, without a branch (the sign of a difference between two
// frames is random, and a mispredicted branch per channel cost more than
// the rest of the test).
func abs32(x float32) float32 {
	return math.Float32frombits(math.Float32bits(x) &^ (1 << 31))
}
