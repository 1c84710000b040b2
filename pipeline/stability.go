package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/deepdream-go/deepdream/dream"
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
//
// Steadiness is half of the picture: a dream that fades is steady too. With
// a StrengthProbe the meter also measures each output frame's strength, the
// objective gain mean(layer²) of the dreamed frame over the same on its
// source frame: about 2 for the default dream on mixed3, 1 for no dream.
type Stability struct {
	Pairs          int
	Source, Output float64 // mean E_warp over the frame pairs, in 0..255 units
	Ratio          float64
	// Gains is the strength of every output frame, in order; nil when no
	// StrengthProbe was set. Strength is their mean.
	Gains    []float64
	Strength float64
}

// StabilityMeter accumulates E_warp over consecutive frame pairs.
type StabilityMeter struct {
	// Flow tunes the optical flow (zero value: flow.Medium()).
	Flow flow.Options
	// Strength, when its Net is set, also measures each frame's strength.
	Strength         StrengthProbe
	gains            []float64
	prevSrc, prevOut *models.Image
	sumSrc, sumOut   float64
	pairs            int
}

// Add feeds the next source frame and the matching output frame.
func (m *StabilityMeter) Add(ctx context.Context, src, out *models.Image) error {
	if src.Width != out.Width || src.Height != out.Height {
		return fmt.Errorf("stability: source frame %dx%d, output frame %dx%d", src.Width, src.Height, out.Width, out.Height)
	}
	if m.Strength.Net != nil {
		g, err := m.Strength.Gain(ctx, src, out)
		if err != nil {
			return err
		}
		m.gains = append(m.gains, g)
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
	if len(m.gains) > 0 {
		s.Gains = append([]float64(nil), m.gains...)
		var sum float64
		for _, g := range m.gains {
			sum += g
		}
		s.Strength = sum / float64(len(m.gains))
	}
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
// FrameRate); the size is taken from the output. meter sets the flow and,
// optionally, the strength probe.
func MeasureStability(ctx context.Context, source, output string, srcOpt media.DecodeOptions, meter StabilityMeter) (Stability, error) {
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
	m := &StabilityMeter{Flow: meter.Flow, Strength: meter.Strength}
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

// StrengthProbe measures how strongly a frame is dreamed: the gain of
// mean(layer²) of the dreamed frame over the same on the source frame, with
// the network the dream was made with (or any other).
type StrengthProbe struct {
	// Net runs the network forward; nil measures nothing.
	Net dream.Activator
	// Layer is the layer compared, normally the one dreamed on.
	Layer string
}

// Gain returns mean(Layer²) of out over mean(Layer²) of src.
func (p StrengthProbe) Gain(ctx context.Context, src, out *models.Image) (float64, error) {
	a, err := p.meanSquare(ctx, src)
	if err != nil {
		return 0, err
	}
	b, err := p.meanSquare(ctx, out)
	if err != nil {
		return 0, err
	}
	if a == 0 {
		return 0, fmt.Errorf("strength: layer %s is all zero on the source frame", p.Layer)
	}
	return b / a, nil
}

func (p StrengthProbe) meanSquare(ctx context.Context, img *models.Image) (float64, error) {
	acts, err := p.Net.Activations(ctx, img, []string{p.Layer})
	if err != nil {
		return 0, fmt.Errorf("strength: %w", err)
	}
	for _, a := range acts {
		if a.Layer != p.Layer {
			continue
		}
		if len(a.Data) == 0 {
			return 0, fmt.Errorf("strength: layer %s is empty", p.Layer)
		}
		var sum float64
		for _, v := range a.Data {
			sum += float64(v) * float64(v)
		}
		return sum / float64(len(a.Data)), nil
	}
	return 0, fmt.Errorf("strength: the network returned no layer %q", p.Layer)
}
