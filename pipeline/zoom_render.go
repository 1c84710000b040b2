package pipeline

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/deepdream-go/deepdream/dream"
	"github.com/deepdream-go/deepdream/models"
	"github.com/deepdream-go/deepdream/pipeline/imageio"
)

// Rendering a zoom: keyframes dreamed on the canvas, the frames between
// warped from them and cross-faded (a loop's convergence is in
// zoom_loop.go).

// dreamKey dreams keyframe K of the canvas: the canvas is area-averaged to
// the output size, dreamed there, and the change the dream made is enlarged
// back onto the canvas, so the network cost does not grow with Supersample
// and the canvas keeps its own fine detail.
func (r *zoomRun) dreamKey(ctx context.Context, canvas *models.Image, K int, p dream.Params) (*models.Image, error) {
	if p.Steps == 0 {
		return canvas, nil
	}
	defer r.clock.add(&r.clock.st.Dream, time.Now())
	if len(r.opt.Layers) > 0 {
		p.Objective = objectiveAt(r.opt.Layers, r.opt.LayerFade, r.frameTime(K))
	}
	p = r.opt.Change.At(p, r.frameTime(K))
	p = keyframeParams(p, K)
	small := canvas
	if r.cw != r.opt.Width || r.ch != r.opt.Height {
		small = dream.Resize(canvas, r.opt.Width, r.opt.Height)
	}
	d, err := dream.Dream(ctx, r.net, small, p, nil)
	if err != nil {
		return nil, fmt.Errorf("keyframe at frame %d: %w", K, err)
	}
	r.keyframes++
	if small == canvas {
		return d, nil
	}
	for i := range d.Pix {
		d.Pix[i] -= small.Pix[i]
	}
	up := dream.Resize(d, r.cw, r.ch)
	out := models.NewImage(r.cw, r.ch)
	for i, v := range canvas.Pix {
		out.Pix[i] = min(max(v+up.Pix[i], 0), 255)
	}
	return out, nil
}

// render makes the frames the checkpoint does not hold yet.
func (r *zoomRun) render(ctx context.Context, emit func(int, []byte) error) error {
	k, T := r.opt.KeyframeEvery, r.total
	done := r.cp.state.Done
	if done >= T {
		return nil
	}
	K := done / k * k
	var key *models.Image
	if done == 0 {
		key = r.from
		if key == nil {
			key = r.noiseCanvas()
		}
		p := r.opt.First
		var err error
		if key, err = r.dreamKey(ctx, key, 0, p); err != nil {
			return err
		}
		if err := r.saveCanvas(0, key); err != nil {
			return err
		}
	} else {
		var ok bool
		var err error
		if key, ok, err = r.loadCanvas(K); err != nil {
			return err
		} else if !ok {
			return &ResumeError{fmt.Sprintf("checkpoint %s lacks keyframe %d", r.cp.dir, K), FixRestart}
		}
	}
	rgb := make([]byte, r.opt.Width*r.opt.Height*3)
	for ; K < T; K += k {
		var next *models.Image
		if K+1 < T {
			var ok bool
			var err error
			if next, ok, err = r.loadCanvas(K + k); err != nil {
				return err
			}
			if !ok {
				if next, err = r.makeKeyframe(ctx, key, K, K+k); err != nil {
					return err
				}
				if err := r.saveCanvas(K+k, next); err != nil {
					return err
				}
			}
		}
		for f := max(K, done); f < min(K+k, T); f++ {
			if err := ctx.Err(); err != nil {
				return err
			}
			t := time.Now()
			r.frame(f, K, key, next, rgb)
			r.clock.add(&r.clock.st.Warp, t)
			if err := emit(f, rgb); err != nil {
				return err
			}
			if (f+1)%k == 0 && f+1-k >= 0 && !r.keepCanvas(f+1-k) {
				// Keyframe f+1-k is no longer needed to resume.
				_ = os.Remove(r.canvasPath(f + 1 - k))
			}
		}
		key = next
	}
	return nil
}

// keyframeParams are the dream parameters of keyframe K: a jitter sequence
// of its own, fixed by the seed, and random mirroring. InceptionV3 is not
// symmetric: dreamed without mirroring, its orbs grow in rows along one
// diagonal (about 135° on screen, whatever the seed), a bias a still dream
// shows faintly and a zoom, which dreams every keyframe on top of the last,
// piles up into a woven pattern. Mirroring the network's view at random each
// step cancels it (see dream.Params.Mirror).
func keyframeParams(p dream.Params, K int) dream.Params {
	p.Seed += uint64(K) * 0x9e3779b97f4a7c15
	p.Mirror = true
	return p
}

// makeKeyframe makes keyframe K2's canvas from keyframe K's: warped by the
// motion between them, converged onto the loop's start when K2 is one of a
// loop's last keyframes, and dreamed. A loop's very last keyframe is the
// start's canvas itself.
func (r *zoomRun) makeKeyframe(ctx context.Context, key *models.Image, K, K2 int) (*models.Image, error) {
	s := r.loopProgress(K2)
	if s >= 1 {
		return r.renderedCanvas(K2 - r.opt.Frames)
	}
	t := time.Now()
	next := r.nextKeyframeCanvas(key, K, K2)
	r.clock.add(&r.clock.st.Warp, t)
	if s > 0 {
		start, err := r.renderedCanvas(K2 - r.opt.Frames)
		if err != nil {
			return nil, err
		}
		r.convergeLoop(next, start, K2)
	}
	return r.dreamKey(ctx, next, K2, r.opt.Dream)
}

// frame renders frame f from keyframe K (and the next keyframe, if any) as
// rgb24 at the output size.
func (r *zoomRun) frame(f, K int, key, next *models.Image, rgb []byte) {
	img := r.frameCanvas(f, K, key, next)
	if r.cw != r.opt.Width || r.ch != r.opt.Height {
		img = dream.Resize(img, r.opt.Width, r.opt.Height)
	}
	imageio.ToRGB24(img, rgb)
}

// frameCanvas returns the canvas of frame f: keyframe K (itself, when f is
// K) warped by the motion since K, cross-faded towards the next keyframe
// (if any) warped back to the same moment. Callers must not modify it.
func (r *zoomRun) frameCanvas(f, K int, key, next *models.Image) *models.Image {
	if f == K {
		return key
	}
	if next == nil {
		return warpImage(key, r.motion(K, f), nil, 0)
	}
	ca, cb := make([]float32, r.cw*r.ch), make([]float32, r.cw*r.ch)
	img := warpImage(key, r.motion(K, f), ca, borderFeather)
	ahead := r.motion(f, K+r.opt.KeyframeEvery)
	back := view{Scale: 1 / ahead.Scale, Angle: -ahead.Angle, CX: r.cx, CY: r.cy}
	b := warpImage(next, back, cb, 4*r.opt.Supersample)
	t := float32(f-K) / float32(r.opt.KeyframeEvery)
	for p := range cb {
		wb := crossFadeWeight(t, ca[p], cb[p])
		for i := 3 * p; i < 3*p+3; i++ {
			img.Pix[i] += wb * (b.Pix[i] - img.Pix[i])
		}
	}
	return img
}

// outputFrame fills rgb with output frame i: rendered frame outStart+i.
func (r *zoomRun) outputFrame(i int, rgb []byte) error {
	return r.cp.loadFrame(r.outStart+i, rgb)
}
