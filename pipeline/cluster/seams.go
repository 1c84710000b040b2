package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"

	"github.com/deepdream-go/deepdream/flow"
	"github.com/deepdream-go/deepdream/pipeline"
	"github.com/deepdream-go/deepdream/pipeline/imageio"
	"github.com/deepdream-go/deepdream/pipeline/media"
)

// SeamReport measures how visible the seams of a joined clip are.
type SeamReport struct {
	// Ewarp[t] is the E_warp of the output between frames t and t+1
	// (see pipeline.Stability), in 0..255 units.
	Ewarp []float64
	// Strength[t] is the mean |output − source| of frame t: how much dream
	// the frame carries.
	Strength []float64
	// InsideEwarp and InsideStrength are the medians over the frames away
	// from every seam.
	InsideEwarp, InsideStrength float64
	Seams                       []SeamStat
}

// SeamStat is one mid-shot seam.
type SeamStat struct {
	// Frame is the first frame of the part after the seam.
	Frame int
	// MeanEwarp and MaxEwarp are the mean and the largest E_warp of the
	// pairs from two frames before the seam to one past its cross-fade;
	// the ratios divide them by InsideEwarp.
	MeanEwarp, MaxEwarp float64
	MeanRatio, MaxRatio float64
	// StrengthRatio is the weakest frame of that window over InsideStrength.
	StrengthRatio float64
}

// seamWindow is the range of frame pairs [lo, hi] a seam at part q touches.
func seamWindow(q Part) (lo, hi int) { return q.Start - 2, q.Start + q.Head }

// MeasureSeams decodes a joined clip beside its source (srcOpt selects the
// job's frames, as the job's decode options do) and measures E_warp and
// dream strength around each mid-shot seam of the plan against the
// medians inside the parts. Seams at scene cuts are left out: the picture
// itself jumps there.
func MeasureSeams(ctx context.Context, source string, srcOpt media.DecodeOptions, output string, plan *Plan, fopt flow.Options) (*SeamReport, error) {
	outDec, err := media.NewDecoder(ctx, output, media.DecodeOptions{})
	if err != nil {
		return nil, err
	}
	defer outDec.Close()
	w, h := outDec.Width(), outDec.Height()
	srcOpt.Width, srcOpt.Height = w, h
	srcDec, err := media.NewDecoder(ctx, source, srcOpt)
	if err != nil {
		return nil, err
	}
	defer srcDec.Close()
	if srcDec.Width() != w || srcDec.Height() != h {
		return nil, fmt.Errorf("seams: source decodes at %dx%d, output is %dx%d", srcDec.Width(), srcDec.Height(), w, h)
	}
	r := &SeamReport{}
	m := &pipeline.StabilityMeter{Flow: fopt}
	a, b := make([]byte, w*h*3), make([]byte, w*h*3)
	prevSum := 0.0
	for {
		errS, errO := srcDec.Next(a), outDec.Next(b)
		if errors.Is(errS, io.EOF) || errors.Is(errO, io.EOF) {
			break
		}
		if errS != nil {
			return nil, errS
		}
		if errO != nil {
			return nil, errO
		}
		s, _ := imageio.FromRGB24(a, w, h)
		o, _ := imageio.FromRGB24(b, w, h)
		if err := m.Add(ctx, s, o); err != nil {
			return nil, err
		}
		if res := m.Result(); res.Pairs > 0 {
			sum := res.Output * float64(res.Pairs)
			r.Ewarp = append(r.Ewarp, sum-prevSum)
			prevSum = sum
		}
		d := 0.0
		for i := range a {
			d += math.Abs(float64(a[i]) - float64(b[i]))
		}
		r.Strength = append(r.Strength, d/float64(len(a)))
	}
	if len(r.Strength) != plan.Frames {
		return nil, fmt.Errorf("seams: %s has %d frames, the plan %d", output, len(r.Strength), plan.Frames)
	}
	nearSeam := make([]bool, len(r.Strength))
	for _, q := range plan.Parts {
		if q.AtCut {
			continue
		}
		lo, hi := seamWindow(q)
		for t := max(lo, 0); t <= hi+1 && t < len(nearSeam); t++ {
			nearSeam[t] = true
		}
	}
	var ew, st []float64
	for t := range r.Strength {
		if !nearSeam[t] {
			st = append(st, r.Strength[t])
			if t < len(r.Ewarp) {
				ew = append(ew, r.Ewarp[t])
			}
		}
	}
	r.InsideEwarp, r.InsideStrength = median(ew), median(st)
	for _, q := range plan.Parts {
		if q.AtCut {
			continue
		}
		lo, hi := seamWindow(q)
		s := SeamStat{Frame: q.Start, StrengthRatio: math.Inf(1)}
		n := 0
		for t := max(lo, 0); t <= hi && t < len(r.Ewarp); t++ {
			s.MaxEwarp = max(s.MaxEwarp, r.Ewarp[t])
			s.MeanEwarp += r.Ewarp[t]
			n++
		}
		s.MeanEwarp /= float64(max(n, 1))
		for t := max(lo, 0); t <= hi+1 && t < len(r.Strength); t++ {
			s.StrengthRatio = min(s.StrengthRatio, r.Strength[t]/r.InsideStrength)
		}
		s.MeanRatio, s.MaxRatio = s.MeanEwarp/r.InsideEwarp, s.MaxEwarp/r.InsideEwarp
		r.Seams = append(r.Seams, s)
	}
	return r, nil
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// String prints the report, one line per seam.
func (r *SeamReport) String() string {
	out := fmt.Sprintf("inside the parts: median E_warp %.3f, median strength %.2f\n", r.InsideEwarp, r.InsideStrength)
	for _, s := range r.Seams {
		out += fmt.Sprintf("seam at frame %d: E_warp mean %.3f (%.2f× the median), max %.3f (%.2f×); weakest frame %.2f× the median strength\n",
			s.Frame, s.MeanEwarp, s.MeanRatio, s.MaxEwarp, s.MaxRatio, s.StrengthRatio)
	}
	return out
}
