package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

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
	// Structure is the mean layout correlation of source and output frames
	// (see MinStructure); set by MeasureStability only.
	Structure float64
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
	// est computes the flow with estOpt (Flow when est was made);
	// prevFlow is prevSrc prepared for it, or nil.
	est            *flow.Estimator
	estOpt         flow.Options
	prevFlow       *flow.Frame
	sumSrc, sumOut float64
	pairs          int
}

// Add feeds the next source frame and the matching output frame.
func (m *StabilityMeter) Add(ctx context.Context, src, out *models.Image) error {
	return m.addWithFlow(ctx, src, out, nil, nil)
}

// addWithFlow is Add for a caller that has already computed, with m.Flow,
// the flows between the previous source frame and src: fwd from the
// previous frame to src and bwd back. Both nil: Add.
func (m *StabilityMeter) addWithFlow(ctx context.Context, src, out *models.Image, fwd, bwd *flow.Field) error {
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
	var curFlow *flow.Frame
	if m.prevSrc != nil && fwd != nil && bwd != nil {
		// The caller's flows: the prepared previous frame is not needed.
		if m.prevFlow != nil {
			m.est.Release(m.prevFlow)
		}
		if err := m.addPair(src, out, fwd, bwd); err != nil {
			return err
		}
	} else if m.prevSrc != nil {
		if m.est == nil || m.estOpt != m.Flow {
			est, err := flow.NewEstimator(m.Flow)
			if err != nil {
				return err
			}
			m.est, m.estOpt, m.prevFlow = est, m.Flow, nil
		}
		if m.prevFlow == nil {
			a, err := flow.FromRGB(m.prevSrc.Pix, src.Width, src.Height)
			if err != nil {
				return err
			}
			if m.prevFlow, err = m.est.Prepare(ctx, a); err != nil {
				return err
			}
		}
		b, err := flow.FromRGB(src.Pix, src.Width, src.Height)
		if err != nil {
			return err
		}
		if curFlow, err = m.est.Prepare(ctx, b); err != nil {
			return err
		}
		fwd, bwd, err := m.est.Bidirectional(ctx, m.prevFlow, curFlow)
		if err != nil {
			return err
		}
		if err := m.addPair(src, out, fwd, bwd); err != nil {
			return err
		}
		m.est.Release(m.prevFlow)
	}
	m.prevSrc, m.prevOut, m.prevFlow = src, out, curFlow
	return nil
}

// addPair adds the E_warp of the pair (previous frames, src/out) given
// the flows between the source frames.
func (m *StabilityMeter) addPair(src, out *models.Image, fwd, bwd *flow.Field) error {
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

// MinStructure is the smallest mean correlation, over the frames compared,
// between the coarse brightness (16×16-pixel block means) of a source frame
// and of its dreamed frame that MeasureStability accepts as "the dream of
// this source". Dreams keep the layout of the picture (measured 0.8-0.95 on
// the test clips); an unrelated clip or another part of the same clip
// scores far lower.
const MinStructure = 0.5

// MeasureStability decodes a dreamed clip and its source side by side and
// measures the output's temporal stability. srcOpt must select the same
// part of the source the dream was made from (Start, Duration, MaxFrames,
// FrameRate) and the same Width and Height as the dream (a start stored in
// the output by deepdream video, see media.DreamComment, is used instead of
// a zero Start, and a different Start is refused); with neither size
// given, the source is decoded at the output's width (or height), as
// deepdream video does, and cropped like the encoder (H.264 and VP9 drop
// an odd last row or column). output may be a folder of PNG frames
// (frame_000001.png, ...). A source that does not match the output (a
// size that no dream of it has, fewer frames, or pictures whose layout
// differs: another clip or another --start) is an error. meter sets the
// flow and, optionally, the strength probe.
func MeasureStability(ctx context.Context, source, output string, srcOpt media.DecodeOptions, meter StabilityMeter) (Stability, error) {
	outPath := output
	if st, err := os.Stat(output); err == nil && st.IsDir() {
		outPath = filepath.Join(output, "frame_%06d.png")
		if _, err := os.Stat(filepath.Join(output, "frame_000001.png")); err != nil {
			return Stability{}, fmt.Errorf("stability: %s is a folder without frame_000001.png; give a clip or a folder of deepdream PNG frames", output)
		}
	}
	outDec, err := media.NewDecoder(ctx, outPath, media.DecodeOptions{MaxFrames: srcOpt.MaxFrames})
	if err != nil {
		return Stability{}, err
	}
	defer outDec.Close()
	w, h := outDec.Width(), outDec.Height()
	info := srcOpt.Info
	if info == nil {
		if info, err = media.Probe(ctx, source); err != nil {
			return Stability{}, err
		}
		srcOpt.Info = info
	}
	if tagged, ok := media.ParseDreamComment(outDec.Info().Comment); ok {
		given := srcOpt.Start
		srcOpt.Start = tagged
		if given > 0 && math.Abs((given-tagged).Seconds())*info.FrameRate.Float64() > 1 {
			return Stability{}, fmt.Errorf("stability: %s was dreamed from %s starting at %v (its metadata says so), not at --start %v", output, source, tagged.Round(time.Millisecond), given)
		}
	}
	req, dw, dh, ok := dreamSize(info, srcOpt.Width, srcOpt.Height, w, h)
	if !ok {
		asked := "the output's width or height"
		if srcOpt.Width > 0 || srcOpt.Height > 0 {
			asked = fmt.Sprintf("--width %d --height %d", srcOpt.Width, srcOpt.Height)
		}
		return Stability{}, fmt.Errorf("stability: %s is %dx%d, but %s decodes at %dx%d at %s; is it a dream of this source? give the same --width/--height as deepdream video",
			output, w, h, source, dw, dh, asked)
	}
	// Decode with the request that gives dw×dh, not with dw×dh itself:
	// with non-square pixels a frame fitted into both sides can come out
	// a column narrower.
	srcOpt.Width, srcOpt.Height = req[0], req[1]
	srcDec, err := media.NewDecoder(ctx, source, srcOpt)
	if err != nil {
		return Stability{}, err
	}
	defer srcDec.Close()
	if srcDec.Width() != dw || srcDec.Height() != dh {
		return Stability{}, fmt.Errorf("stability: %s decodes at %dx%d, expected %dx%d", source, srcDec.Width(), srcDec.Height(), dw, dh)
	}
	m := &StabilityMeter{Flow: meter.Flow, Strength: meter.Strength}
	a, b := make([]byte, dw*dh*3), make([]byte, w*h*3)
	var structure float64
	frames := 0
	for {
		errS := srcDec.Next(a)
		errO := outDec.Next(b)
		if errors.Is(errS, io.EOF) && errors.Is(errO, io.EOF) {
			break
		}
		if errors.Is(errS, io.EOF) || errors.Is(errO, io.EOF) {
			break // a dream of part of the clip, or a rounded last frame
		}
		if errS != nil {
			return Stability{}, errS
		}
		if errO != nil {
			return Stability{}, errO
		}
		s, _ := imageio.FromRGB24(cropRGB24(a, dw, dh, w, h), w, h)
		o, _ := imageio.FromRGB24(b, w, h)
		structure += coarseCorrelation(s, o)
		frames++
		if err := m.Add(ctx, s, o); err != nil {
			return Stability{}, err
		}
	}
	if m.pairs == 0 {
		return Stability{}, errors.New("stability: need at least two frames")
	}
	if c := structure / float64(frames); c < MinStructure {
		return Stability{}, fmt.Errorf("stability: %s does not look like a dream of %s at this range (layout correlation %.2f, a dream scores above %.1f); check the files and give the same --start as deepdream video", output, source, c, MinStructure)
	}
	res := m.Result()
	res.Structure = structure / float64(frames)
	return res, nil
}

// dreamSize returns the size deepdream video dreams the source at for the
// requested width and height, when its frames come out as w×h (equal, or
// one row or column more that the encoder cropped), and the request
// (width, height) that decodes at that size. With no request it tries the
// output's width, then its height, then the display size.
func dreamSize(info *media.Info, reqW, reqH, w, h int) (req [2]int, dw, dh int, ok bool) {
	matches := func(dw, dh int) bool {
		return (dw == w || dw&^1 == w) && (dh == h || dh&^1 == h)
	}
	tries := [][2]int{{reqW, reqH}}
	if reqW == 0 && reqH == 0 {
		tries = [][2]int{{w, 0}, {0, h}, {0, 0}}
	}
	for _, t := range tries {
		dw, dh = media.DecodeSize(info, t[0], t[1])
		if matches(dw, dh) {
			return t, dw, dh, true
		}
	}
	return [2]int{}, dw, dh, false
}

// cropRGB24 keeps the top-left w×h of a packed sw×sh frame (as the
// encoder's crop filter does).
func cropRGB24(src []byte, sw, sh, w, h int) []byte {
	if sw == w && sh == h {
		return src
	}
	out := make([]byte, w*h*3)
	for y := 0; y < h; y++ {
		copy(out[y*w*3:(y+1)*w*3], src[y*sw*3:])
	}
	return out
}

// coarseCorrelation is the Pearson correlation of the 16×16-block mean
// brightness of two frames of the same size: near 1 when one is a dream of
// the other, near 0 for unrelated pictures.
func coarseCorrelation(a, b *models.Image) float64 {
	const block = 16
	bw, bh := max(a.Width/block, 1), max(a.Height/block, 1)
	means := func(img *models.Image) []float64 {
		m := make([]float64, bw*bh)
		n := make([]float64, bw*bh)
		for y := 0; y < img.Height; y++ {
			by := min(y*bh/img.Height, bh-1)
			for x := 0; x < img.Width; x++ {
				bx := min(x*bw/img.Width, bw-1)
				p := img.Pix[3*(y*img.Width+x):]
				m[by*bw+bx] += float64(p[0] + p[1] + p[2])
				n[by*bw+bx]++
			}
		}
		for i := range m {
			m[i] /= n[i]
		}
		return m
	}
	x, y := means(a), means(b)
	var mx, my float64
	for i := range x {
		mx += x[i]
		my += y[i]
	}
	mx /= float64(len(x))
	my /= float64(len(y))
	var sxy, sxx, syy float64
	for i := range x {
		dx, dy := x[i]-mx, y[i]-my
		sxy += dx * dy
		sxx += dx * dx
		syy += dy * dy
	}
	switch {
	case sxx == 0 && syy == 0:
		return 1 // two flat frames
	case sxx == 0 || syy == 0:
		return 0
	}
	return sxy / math.Sqrt(sxx*syy)
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
