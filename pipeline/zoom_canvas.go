package pipeline

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"

	"github.com/deepdream-go/deepdream/dream"
	"github.com/deepdream-go/deepdream/models"
	"github.com/deepdream-go/deepdream/pipeline/imageio"
)

// The zoom canvas: where it starts (noise or a picture) and how keyframes
// are kept bit-exactly in the checkpoint.

// noiseCanvas is the default start: mid grey with seeded uniform noise at
// the output size, enlarged to the canvas.
func (r *zoomRun) noiseCanvas() *models.Image {
	rng := rand.New(rand.NewPCG(r.opt.First.Seed, 0x7a6f6f6d))
	img := models.NewImage(r.opt.Width, r.opt.Height)
	for i := range img.Pix {
		img.Pix[i] = float32(108 + 40*rng.Float64())
	}
	return r.toCanvas(img)
}

func (r *zoomRun) toCanvas(img *models.Image) *models.Image {
	if img.Width != r.cw || img.Height != r.ch {
		img = dream.Resize(img, r.cw, r.ch)
	}
	clampImage(img)
	return img
}

// fromCanvas reads a picture and crops it to fill the canvas.
func (r *zoomRun) fromCanvas(path string) (*models.Image, error) {
	pic, err := imageio.Read(path)
	if err != nil {
		return nil, fmt.Errorf("starting picture: %w", err)
	}
	src := pic.Image
	s := max(float64(r.cw)/float64(src.Width), float64(r.ch)/float64(src.Height))
	w := max(r.cw, int(math.Round(float64(src.Width)*s)))
	h := max(r.ch, int(math.Round(float64(src.Height)*s)))
	big := dream.Resize(src, w, h)
	out := models.NewImage(r.cw, r.ch)
	x0, y0 := (w-r.cw)/2, (h-r.ch)/2
	for y := 0; y < r.ch; y++ {
		copy(out.Pix[3*y*r.cw:3*(y+1)*r.cw], big.Pix[3*((y+y0)*w+x0):])
	}
	clampImage(out)
	return out, nil
}

func (r *zoomRun) canvasPath(K int) string {
	return filepath.Join(r.cp.dir, "canvas_"+strconv.Itoa(1000000 + K)[1:]+".f32")
}

// saveCanvas stores keyframe K bit-exactly, so a resumed run continues from
// the very same canvas.
func (r *zoomRun) saveCanvas(K int, c *models.Image) error {
	err := writeFileAtomic(r.canvasPath(K), func(f *os.File) error {
		bw := bufio.NewWriterSize(f, 1<<16)
		if err := binary.Write(bw, binary.LittleEndian, c.Pix); err != nil {
			return err
		}
		return bw.Flush()
	})
	if err != nil {
		return fmt.Errorf("checkpoint: keyframe %d: %w", K, err)
	}
	return nil
}

// loadCanvas reads keyframe K; ok is false when it was not saved.
func (r *zoomRun) loadCanvas(K int) (c *models.Image, ok bool, err error) {
	f, err := os.Open(r.canvasPath(K))
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("checkpoint: %w", err)
	}
	defer f.Close()
	c = models.NewImage(r.cw, r.ch)
	if err := binary.Read(bufio.NewReaderSize(f, 1<<16), binary.LittleEndian, c.Pix); err != nil {
		return nil, false, fmt.Errorf("checkpoint: keyframe %d: %w", K, err)
	}
	if n, _ := f.Read(make([]byte, 1)); n != 0 {
		return nil, false, fmt.Errorf("checkpoint: keyframe %d has the wrong size", K)
	}
	return c, true, nil
}
