package pipeline

import (
	"context"
	"fmt"
	"math"
	"os"
	"time"

	"github.com/deepdream-go/deepdream/dream"
	"github.com/deepdream-go/deepdream/models"
	"github.com/deepdream-go/deepdream/pipeline/imageio"
)

// Rendering a zoom: keyframes dreamed on the canvas, the frames between
// warped from them and cross-faded, the loop's seam blended.

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
	// A new jitter sequence for every keyframe, fixed by the seed.
	p.Seed += uint64(K) * 0x9e3779b97f4a7c15
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
				t := time.Now()
				next = warpImage(key, r.motion(K, K+k), nil, 0)
				clampImage(next)
				r.clock.add(&r.clock.st.Warp, t)
				if next, err = r.dreamKey(ctx, next, K+k, r.opt.Dream); err != nil {
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
			if (f+1)%k == 0 && f+1-k >= 0 {
				// Keyframe f+1-k is no longer needed to resume.
				_ = os.Remove(r.canvasPath(f + 1 - k))
			}
		}
		key = next
	}
	return nil
}

// frame renders frame f from keyframe K (and the next keyframe, if any) as
// rgb24 at the output size.
func (r *zoomRun) frame(f, K int, key, next *models.Image, rgb []byte) {
	img := key
	if f > K {
		img = warpImage(key, r.motion(K, f), nil, 0)
		if next != nil {
			cover := make([]float32, r.cw*r.ch)
			ahead := r.motion(f, K+r.opt.KeyframeEvery)
			back := view{Scale: 1 / ahead.Scale, Angle: -ahead.Angle, CX: r.cx, CY: r.cy}
			b := warpImage(next, back, cover, 4*r.opt.Supersample)
			t := float32(f-K) / float32(r.opt.KeyframeEvery)
			for p, c := range cover {
				wb := t * c
				for i := 3 * p; i < 3*p+3; i++ {
					img.Pix[i] += wb * (b.Pix[i] - img.Pix[i])
				}
			}
		}
	}
	if r.cw != r.opt.Width || r.ch != r.opt.Height {
		img = dream.Resize(img, r.opt.Width, r.opt.Height)
	}
	imageio.ToRGB24(img, rgb)
}

// outputFrame fills rgb with output frame i: the rendered frame, or for the
// head of a loop the rendered frame cross-faded with its tail twin.
func (r *zoomRun) outputFrame(i int, rgb, tail []byte) error {
	if err := r.cp.loadFrame(i, rgb); err != nil {
		return err
	}
	m := r.opt.loopFrames()
	if i >= m {
		return nil
	}
	if err := r.cp.loadFrame(r.opt.Frames+i, tail); err != nil {
		return err
	}
	loopBlend(rgb, tail, float64(i+1)/float64(m+1))
	return nil
}

// loopBlend writes a·head + (1-a)·tail into head, with the contrast kept:
// two unrelated pictures mixed half and half have only 1/√2 of their
// contrast, which makes the middle of a plain cross-fade look washed out.
// The mix is scaled about its mean (per channel) by 1/√(a² + (1-a)²), which
// restores the contrast of uncorrelated inputs and is the identity at
// a = 0 and a = 1, so the fade still starts and ends on the pure frames.
func loopBlend(head, tail []byte, a float64) {
	var mean [3]float64
	mix := make([]float64, len(head))
	for j := range head {
		mix[j] = a*float64(head[j]) + (1-a)*float64(tail[j])
		mean[j%3] += mix[j]
	}
	n := float64(len(head) / 3)
	for c := range mean {
		mean[c] /= n
	}
	gain := 1 / math.Sqrt(a*a+(1-a)*(1-a))
	for j, v := range mix {
		m := mean[j%3]
		head[j] = byte(math.Round(min(max(m+(v-m)*gain, 0), 255)))
	}
}
