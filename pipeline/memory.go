package pipeline

import (
	"fmt"

	"github.com/deepdream-go/deepdream/dream"
)

// Memory model of a job, used to refuse a job that cannot fit before it
// starts (instead of dying with "fatal error: out of memory" after frame 0
// and leaving a checkpoint behind).
//
// The figures are rough upper bounds fitted to measured peaks (maximum
// resident set, built-in model, tile 512, 2 frames): 0.57 GB at 320x180,
// 0.53 GB at 1280x720 and 1.13 GB at 2560x1440. Almost all of the first
// half gigabyte is the network's weights and one tile's activations; frames
// add about 160 bytes per pixel (source frames in flight as float32 RGB,
// the optical flow's pyramids and fields, the dream's octave pyramid,
// gradient and carried layer), counted here at about twice that.
const (
	// memBase is the model, the runtime and one tile's activations.
	memBase = 600 << 20
	// memTilePixel is the activation memory per input pixel of the
	// network (forward and backward), beyond the tile included in memBase.
	memTilePixel = 1000
	// memVideoPixel is what a video job holds per frame pixel.
	memVideoPixel = 300
	// memZoomCanvasPixel is what a zoom holds per canvas pixel (the canvas,
	// its warped copies and the two keyframes being cross-faded).
	memZoomCanvasPixel = 120
	// memDefaultTile is the tile area memBase covers.
	memDefaultTile = 512 * 512
)

// networkMemory is the memory of the network's activations on a w×h input
// dreamed with p: the largest tile, or the whole image without tiling.
func networkMemory(w, h int, p dream.Params) int64 {
	tw, th := w, h
	if p.Tile > 0 {
		tw, th = min(w, p.Tile), min(h, p.Tile)
	}
	extra := int64(tw)*int64(th) - memDefaultTile
	return memBase + max(extra, 0)*memTilePixel
}

// VideoMemory estimates the peak memory, in bytes, of a video job with
// w×h frames dreamed with p.
func VideoMemory(w, h int, p dream.Params) int64 {
	return networkMemory(w, h, p) + int64(w)*int64(h)*memVideoPixel
}

// ZoomMemory estimates the peak memory, in bytes, of a zoom of w×h frames
// on a canvas of cw×ch pixels, dreamed with p.
func ZoomMemory(w, h, cw, ch int, p dream.Params) int64 {
	return networkMemory(w, h, p) + int64(w)*int64(h)*memVideoPixel + int64(cw)*int64(ch)*memZoomCanvasPixel
}

// checkMemory returns an error, ending with "use " + remedy, when need bytes are more than this process
// may use (the smallest of the free memory, the cgroup limit and the
// address-space limit). It says nothing when the limit is unknown.
func checkMemory(what string, need int64, remedy string) error {
	avail, from := availableMemory()
	if avail <= 0 || need <= avail {
		return nil
	}
	return fmt.Errorf("%s needs about %s of memory but only %s is available (%s); use %s", what, gib(need), gib(avail), from, remedy)
}

func gib(n int64) string {
	return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
}
