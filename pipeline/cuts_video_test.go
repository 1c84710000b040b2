package pipeline

import (
	"context"
	"math"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/deepdream-go/deepdream/dream"
	"github.com/deepdream-go/deepdream/flow"
	"github.com/deepdream-go/deepdream/models"
	"github.com/deepdream-go/deepdream/pipeline/imageio"
	"github.com/deepdream-go/deepdream/pipeline/media"
)

// decodeFrames returns the source frames a video job with these decode
// options dreams, as images.
func decodeFrames(t *testing.T, in string, opt media.DecodeOptions) []*models.Image {
	t.Helper()
	dec, err := media.NewDecoder(context.Background(), in, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	var out []*models.Image
	for {
		buf := make([]byte, dec.FrameSize())
		if err := dec.Next(buf); err != nil {
			break
		}
		img, _ := imageio.FromRGB24(buf, dec.Width(), dec.Height())
		out = append(out, img)
	}
	return out
}

func readFrame(t *testing.T, dir string, i int) *models.Image {
	t.Helper()
	pic, err := imageio.Read(filepath.Join(dir, frameName(i)))
	if err != nil {
		t.Fatal(err)
	}
	return pic.Image
}

// layerCorrelation is the Pearson correlation of two hallucination layers.
func layerCorrelation(a, b []float32) float64 {
	var ma, mb float64
	for i := range a {
		ma += float64(a[i])
		mb += float64(b[i])
	}
	ma /= float64(len(a))
	mb /= float64(len(b))
	var sab, saa, sbb float64
	for i := range a {
		x, y := float64(a[i])-ma, float64(b[i])-mb
		sab += x * y
		saa += x * x
		sbb += y * y
	}
	return sab / math.Sqrt(saa*sbb)
}

func layerOf(dreamed, src *models.Image) []float32 {
	l := make([]float32, len(src.Pix))
	for i := range l {
		l[i] = dreamed.Pix[i] - src.Pix[i]
	}
	return l
}

// TestVideoRestartsAtCut dreams across the hard cut of tos_sar.webm at
// 2.167 s with the built-in model. The first frame of the new shot must be
// dreamed as a first frame: exactly the single-frame dream of that frame
// (so its strength is that of a single-frame dream), and its hallucination
// must not correlate with the previous shot's, warped along the flow or
// not. With cuts off the old hallucination shows through, which is what
// the test would catch.
func TestVideoRestartsAtCut(t *testing.T) {
	if testing.Short() {
		t.Skip("dreams two runs of 6 frames with the real model")
	}
	in := clip(t, "tos_sar.webm")
	net := inceptionNet(t)
	decode := media.DecodeOptions{Width: 160, Start: 2 * time.Second, MaxFrames: 6}
	p := dream.DefaultParams()
	p.Octaves, p.Steps, p.Objective, p.Seed = 2, 4, models.MeanSquareOf("mixed3"), 3
	src := decodeFrames(t, in, decode)
	const cut = 4 // 2.167 s at 24 fps
	back, _, err := flowBetween(src[cut], src[cut-1])
	if err != nil {
		t.Fatal(err)
	}
	probe := StrengthProbe{Net: net, Layer: "mixed3"}
	single, err := dream.Dream(context.Background(), net, src[cut], p, nil)
	if err != nil {
		t.Fatal(err)
	}
	single, _ = imageio.FromRGB24(imageio.ToRGB24(single, nil), single.Width, single.Height)
	singleGain, err := probe.Gain(context.Background(), src[cut], single)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		noCuts bool
	}{{"cuts auto", false}, {"cuts off", true}} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "dream")
			opt := VideoOptions{Input: in, Output: out, Decode: decode, Dream: p,
				FrameDreamOptions: FrameDreamOptions{FrameSteps: 1},
				CoherenceOptions:  CoherenceOptions{Blend: 0.98, Refresh: 0.05, Keep: 0.8, NoCuts: tc.noCuts},
				ModelID:           "inception-v3"}
			res, err := RunVideo(context.Background(), net, opt)
			if err != nil {
				t.Fatal(err)
			}
			wantCuts := []int{cut}
			if tc.noCuts {
				wantCuts = nil
			}
			if !slices.Equal(res.Cuts, wantCuts) {
				t.Fatalf("cuts %v, want %v", res.Cuts, wantCuts)
			}
			before, after := readFrame(t, out, cut-1), readFrame(t, out, cut)
			old, cur := layerOf(before, src[cut-1]), layerOf(after, src[cut])
			warped := make([]float32, len(old))
			if err := flow.Warp(warped, old, after.Width, after.Height, 3, back, flow.Bicubic); err != nil {
				t.Fatal(err)
			}
			direct, moved := layerCorrelation(cur, old), layerCorrelation(cur, warped)
			gain, err := probe.Gain(context.Background(), src[cut], after)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("correlation with the old layer %.3f (warped %.3f); strength %.2f, single-frame dream %.2f", direct, moved, gain, singleGain)
			if tc.noCuts {
				if moved < 0.2 {
					t.Errorf("without cuts the old layer should show through (correlation %.3f); the check is blind", moved)
				}
				return
			}
			if math.Abs(direct) > 0.05 || math.Abs(moved) > 0.05 {
				t.Errorf("after the cut the hallucination correlates with the old shot's: %.3f unwarped, %.3f warped; want |r| <= 0.05", direct, moved)
			}
			if !slices.Equal(after.Pix, single.Pix) {
				t.Error("the first frame of the new shot differs from a single-frame dream of it")
			}
			if gain < 0.9*singleGain {
				t.Errorf("strength after the cut %.2f, want at least 0.9 × %.2f", gain, singleGain)
			}
		})
	}
}

// flowBetween returns the flow from a to b and from b to a.
func flowBetween(a, b *models.Image) (ab, ba *flow.Field, err error) {
	fa, err := flow.FromRGB(a.Pix, a.Width, a.Height)
	if err != nil {
		return nil, nil, err
	}
	fb, err := flow.FromRGB(b.Pix, b.Width, b.Height)
	if err != nil {
		return nil, nil, err
	}
	return flow.ComputeBidirectional(context.Background(), fa, fb, flow.Options{})
}

// TestVideoKeepsDreamThroughMotion: fast motion (the hand-held phone clip,
// the mouse's paw reaching, with a one-frame exposure dip at frame 206) is
// no cut, so the dream is never restarted.
func TestVideoKeepsDreamThroughMotion(t *testing.T) {
	net := toyNet(t)
	for _, tc := range []struct {
		name   string
		decode media.DecodeOptions
	}{
		{"phone_rot180_vfr.mp4", media.DecodeOptions{Width: 96}},
		{"mouse.avi", media.DecodeOptions{Width: 96, Start: 6700 * time.Millisecond, MaxFrames: 12}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := clip(t, tc.name)
			opt := toyOptions(in, filepath.Join(t.TempDir(), "out.mkv"))
			opt.Decode = tc.decode
			res, err := RunVideo(context.Background(), net, opt)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Cuts) > 0 || res.Frames < 10 {
				t.Errorf("%d frames, restarted at %v; want no restart", res.Frames, res.Cuts)
			}
		})
	}
}

// TestVideoStabilityReusesTheFlow: a video job's stability meter takes the
// flows the flow stage computed instead of computing the pair again (and
// computes its own across the cut of tos_sar.webm, where the flow stage
// has none). Its figures must be exactly those of a separate meter fed the
// source frames and the written frames.
func TestVideoStabilityReusesTheFlow(t *testing.T) {
	in := clip(t, "tos_sar.webm")
	out := filepath.Join(t.TempDir(), "dream")
	opt := toyOptions(in, out+string(filepath.Separator))
	opt.Decode = media.DecodeOptions{Width: 160, Start: 2 * time.Second, MaxFrames: 6}
	opt.MeasureStability = true
	res, err := RunVideo(context.Background(), toyNet(t), opt)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Cuts, []int{4}) || res.Stability == nil || res.Stability.Pairs != 5 {
		t.Fatalf("cuts %v, stability %+v: want the cut at 4 and 5 measured pairs", res.Cuts, res.Stability)
	}
	src := decodeFrames(t, in, opt.Decode)
	meter := StabilityMeter{Flow: opt.Flow}
	for i, s := range src {
		if err := meter.Add(context.Background(), s, readFrame(t, out, i)); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := *res.Stability, meter.Result(); got.Source != want.Source || got.Output != want.Output || got.Ratio != want.Ratio {
		t.Fatalf("the job measured %+v, a separate meter %+v", got, want)
	}
}
