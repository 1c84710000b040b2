package pipeline

import (
	"math/rand/v2"

	"github.com/deepdream-go/deepdream/dream"
	"github.com/deepdream-go/deepdream/models"
)

// This file holds what the zoom does where a warp leaves the picture: the
// corners a rotation turns in (when the zoom does not magnify enough to
// cover them). The warp samples there by mirroring the canvas, which carried
// into the next keyframe and mirrored again at every keyframe, grows tiled,
// mirrored stripes. Instead, a keyframe's uncovered part is filled with
// fresh noise over a heavy blur of the picture (its colours carried out to
// the edge) and the keyframe's dream grows structures in it, as it did in
// the first frame's noise; the frames between keyframes take that part from
// the next keyframe. (Zooming out would uncover a strip along every edge at
// every keyframe; dreamed strip after strip, those grow rows and columns of
// orbs parallel to the edges, so ZoomOptions refuses it.)

// borderFeather is the width, in canvas pixels, over which a warped
// keyframe's coverage ramps from 0 (a sample on the source's edge or
// beyond) to 1 (half a pixel inside: the centre of an edge pixel), so a warp
// that keeps the picture in place or magnifies it covers everything.
const borderFeather = 0.5

// borderBlur is the factor the picture is shrunk by (and enlarged back) to
// give the fill's colours: coarse enough that no structure survives.
const borderBlur = 16

// borderNoise is the amplitude of the fill's noise, in 0..255 pixel units:
// that of the noise a zoom starts from.
const borderNoise = 20

// nextKeyframeCanvas warps keyframe K's canvas by the motion to keyframe
// next and fills what the warp does not cover (see fillUncovered).
func (r *zoomRun) nextKeyframeCanvas(key *models.Image, K, next int) *models.Image {
	cover := make([]float32, r.cw*r.ch)
	img := warpImage(key, r.motion(K, next), cover, borderFeather)
	r.fillUncovered(img, cover, next)
	clampImage(img)
	return img
}

// fillUncovered blends img towards noise over a blur of img where cover is
// below 1: img = c·img + (1-c)·(blur + noise). The noise is seeded by the
// job's seed and the keyframe, so a resumed run fills the same way.
func (r *zoomRun) fillUncovered(img *models.Image, cover []float32, K int) {
	open := false
	for _, c := range cover {
		if c < 1 {
			open = true
			break
		}
	}
	if !open {
		return
	}
	small := dream.Resize(img, max(1, r.cw/borderBlur), max(1, r.ch/borderBlur))
	blur := dream.Resize(small, r.cw, r.ch)
	// Noise at the output size, enlarged to the canvas like the first
	// frame's, so its grain is the one the network dreamed on then.
	rng := rand.New(rand.NewPCG(r.opt.Dream.Seed^uint64(K)*0x9e3779b97f4a7c15, 0x626f72646572))
	n := models.NewImage(r.opt.Width, r.opt.Height)
	for i := range n.Pix {
		n.Pix[i] = float32(borderNoise * (2*rng.Float64() - 1))
	}
	if n.Width != r.cw || n.Height != r.ch {
		n = dream.Resize(n, r.cw, r.ch)
	}
	for p, c := range cover {
		if c >= 1 {
			continue
		}
		for i := 3 * p; i < 3*p+3; i++ {
			img.Pix[i] = c*img.Pix[i] + (1-c)*(blur.Pix[i]+n.Pix[i])
		}
	}
}

// crossFadeWeight is the weight of the next keyframe in a frame between
// keyframes: t (the way from this keyframe to the next, 0..1) times the
// next keyframe's coverage cb where this keyframe's warp covers the frame
// (ca = 1), all of it where that warp does not (ca = 0: a corner the
// rotation turned in, which only the next keyframe holds).
func crossFadeWeight(t, ca, cb float32) float32 {
	return 1 - (1-t*cb)*ca
}
