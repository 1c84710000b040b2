package pipeline

import (
	"fmt"
	"math"

	"github.com/deepdream-go/deepdream/models"
)

// This file plans a looping zoom (ZoomOptions.Loop). A dissolve between the
// end and the start shows two unrelated layers of orbs at once for the
// length of the fade. Instead the zoom is rendered past its length and its
// last keyframes converge onto the frames the output starts with: from the
// point zoomed into, a disc of the start's picture grows outward, faster
// than the zoom carries the picture, until it fills the frame. Every one of
// those keyframes is dreamed as usual, which grows the disc's soft edge
// into the structures on both sides. The last keyframe is the start's
// picture itself, so the output's last frame steps into its first like any
// other step, and at any moment each part of the frame shows one set of
// structures.
//
// Frames are numbered as rendered. With M loop frames, k frames per
// keyframe and N output frames, the zoom renders up to the keyframe
// end = the first multiple of k at or after N+M, and the output is rendered
// frames start..end-1 with start = end-N (at least M). The keyframes after
// end-M take in, inside the disc, the canvas of rendered frame Kt-N, which
// moves with the same zoom; keyframe end is the canvas of frame start.

// loopEdge is the width of the disc's soft edge, as a fraction of the
// distance from the zoom's centre to the farthest corner.
const loopEdge = 0.3

// setupLoop plans the loop (see loopPlan).
func (r *zoomRun) setupLoop() {
	r.total, r.outStart = r.opt.loopPlan()
}

// loopPlan returns the number of frames rendered and the first one output
// (see above); without Loop the output is rendered frames 0..Frames-1.
func (o *ZoomOptions) loopPlan() (total, outStart int) {
	if !o.Loop {
		return o.Frames, 0
	}
	k, m := max(o.KeyframeEvery, 1), o.loopFrames()
	total = (o.Frames + m + k - 1) / k * k
	return total, total - o.Frames
}

// loopProgress is how far keyframe K is through the loop's convergence:
// 0 before it starts (and without Loop), rising to 1 at the last keyframe.
func (r *zoomRun) loopProgress(K int) float64 {
	if !r.opt.Loop {
		return 0
	}
	from := r.total - r.opt.loopFrames()
	return min(max(float64(K-from)/float64(r.total-from), 0), 1)
}

// keepCanvas says whether keyframe K's canvas must stay in the checkpoint
// after its frames are rendered: a loop needs the keyframes around the
// frames its last keyframes converge onto.
func (r *zoomRun) keepCanvas(K int) bool {
	if !r.opt.Loop {
		return false
	}
	k := r.opt.KeyframeEvery
	lo := (r.outStart - r.opt.loopFrames()) / k * k
	return K >= lo && K <= r.outStart/k*k+k
}

// renderedCanvas returns the canvas of rendered frame g (before the output
// downscale) from the checkpointed keyframes around it.
func (r *zoomRun) renderedCanvas(g int) (*models.Image, error) {
	k := r.opt.KeyframeEvery
	K := g / k * k
	key, err := r.keptCanvas(K)
	if err != nil || g == K {
		return key, err
	}
	next, err := r.keptCanvas(K + k)
	if err != nil {
		return nil, err
	}
	return r.frameCanvas(g, K, key, next), nil
}

func (r *zoomRun) keptCanvas(K int) (*models.Image, error) {
	c, ok, err := r.loadCanvas(K)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, &ResumeError{fmt.Sprintf("checkpoint %s lacks keyframe %d, which the loop needs", r.cp.dir, K), FixRestart}
	}
	return c, nil
}

// convergeLoop makes keyframe K's canvas (warped from the last keyframe, not
// yet dreamed) take in the start's picture: inside a disc about the zoom's
// centre it becomes start, the canvas of rendered frame K-Frames, with a
// soft edge. The disc's radius grows with loopProgress(K) from 0 to past
// the farthest corner, where canvas is start everywhere.
func (r *zoomRun) convergeLoop(canvas, start *models.Image, K int) {
	s := r.loopProgress(K)
	far := 0.0
	for _, c := range [][2]float64{{0, 0}, {float64(r.cw), 0}, {0, float64(r.ch)}, {float64(r.cw), float64(r.ch)}} {
		far = max(far, math.Hypot(c[0]-r.cx, c[1]-r.cy))
	}
	edge := loopEdge * far
	radius := s * (far + edge)
	for y := 0; y < r.ch; y++ {
		dy := float64(y) + 0.5 - r.cy
		for x := 0; x < r.cw; x++ {
			d := math.Hypot(float64(x)+0.5-r.cx, dy)
			u := min(max((radius-d)/edge, 0), 1)
			w := float32(u * u * (3 - 2*u)) // smoothstep
			if w == 0 {
				continue
			}
			p := 3 * (y*r.cw + x)
			for i := p; i < p+3; i++ {
				canvas.Pix[i] += w * (start.Pix[i] - canvas.Pix[i])
			}
		}
	}
}
