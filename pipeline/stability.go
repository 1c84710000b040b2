package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/deepdream-go/deepdream/flow"
	"github.com/deepdream-go/deepdream/models"
	"github.com/deepdream-go/deepdream/pipeline/imageio"
	"github.com/deepdream-go/deepdream/pipeline/media"
)

// Stability is the temporal stability of a dreamed clip relative to its
// source: E_warp = mean |out_t − warp(out_{t+1})| over pixels that are not
// occluded, with the flow taken from the source frames, for the output and
// for the source itself. Ratio = Output / Source: 1 means the dream moves
// exactly with the picture; independent frames flicker and score far higher.
type Stability struct {
	Pairs          int
	Source, Output float64 // mean E_warp over the frame pairs, in 0..255 units
	Ratio          float64
}

// StabilityMeter accumulates E_warp over consecutive frame pairs.
type StabilityMeter struct {
	// Flow tunes the optical flow (zero value: flow.Medium()).
	Flow             flow.Options
	prevSrc, prevOut *models.Image
	sumSrc, sumOut   float64
	pairs            int
}

// Add feeds the next source frame and the matching output frame.
func (m *StabilityMeter) Add(ctx context.Context, src, out *models.Image) error {
	if src.Width != out.Width || src.Height != out.Height {
		return fmt.Errorf("stability: source frame %dx%d, output frame %dx%d", src.Width, src.Height, out.Width, out.Height)
	}
	if m.prevSrc != nil {
		a, err := flow.FromRGB(m.prevSrc.Pix, src.Width, src.Height)
		if err != nil {
			return err
		}
		b, err := flow.FromRGB(src.Pix, src.Width, src.Height)
		if err != nil {
			return err
		}
		fwd, bwd, err := flow.ComputeBidirectional(ctx, a, b, m.Flow)
		if err != nil {
			return err
		}
		_, occ, _, err := flow.Consistency(fwd, bwd)
		if err != nil {
			return err
		}
		valid := make([]bool, len(occ))
		for i, o := range occ {
			valid[i] = !o
		}
		es, err := flow.MeanWarpedDifferenceMasked(m.prevSrc.Pix, src.Pix, src.Width, src.Height, 3, fwd, valid)
		if err != nil {
			return err
		}
		eo, err := flow.MeanWarpedDifferenceMasked(m.prevOut.Pix, out.Pix, src.Width, src.Height, 3, fwd, valid)
		if err != nil {
			return err
		}
		m.sumSrc += es
		m.sumOut += eo
		m.pairs++
	}
	m.prevSrc, m.prevOut = src, out
	return nil
}

// Result returns the stability over the pairs seen so far.
func (m *StabilityMeter) Result() Stability {
	s := Stability{Pairs: m.pairs}
	if m.pairs > 0 {
		s.Source = m.sumSrc / float64(m.pairs)
		s.Output = m.sumOut / float64(m.pairs)
		if s.Source > 0 {
			s.Ratio = s.Output / s.Source
		}
	}
	return s
}

// MeasureStability decodes a dreamed clip and its source side by side and
// measures the output's temporal stability. srcOpt must select the same
// part of the source the dream was made from (Start, Duration, MaxFrames,
// FrameRate); the size is taken from the output.
func MeasureStability(ctx context.Context, source, output string, srcOpt media.DecodeOptions, fopt flow.Options) (Stability, error) {
	outDec, err := media.NewDecoder(ctx, output, media.DecodeOptions{MaxFrames: srcOpt.MaxFrames})
	if err != nil {
		return Stability{}, err
	}
	defer outDec.Close()
	w, h := outDec.Width(), outDec.Height()
	srcOpt.Width, srcOpt.Height = w, h
	srcDec, err := media.NewDecoder(ctx, source, srcOpt)
	if err != nil {
		return Stability{}, err
	}
	defer srcDec.Close()
	if srcDec.Width() != w || srcDec.Height() != h {
		return Stability{}, fmt.Errorf("stability: source decodes at %dx%d, output is %dx%d", srcDec.Width(), srcDec.Height(), w, h)
	}
	m := &StabilityMeter{Flow: fopt}
	a, b := make([]byte, w*h*3), make([]byte, w*h*3)
	for {
		errS := srcDec.Next(a)
		errO := outDec.Next(b)
		if errors.Is(errS, io.EOF) || errors.Is(errO, io.EOF) {
			break
		}
		if errS != nil {
			return Stability{}, errS
		}
		if errO != nil {
			return Stability{}, errO
		}
		s, _ := imageio.FromRGB24(a, w, h)
		o, _ := imageio.FromRGB24(b, w, h)
		if err := m.Add(ctx, s, o); err != nil {
			return Stability{}, err
		}
	}
	if m.pairs == 0 {
		return Stability{}, errors.New("stability: need at least two frames")
	}
	return m.Result(), nil
}
