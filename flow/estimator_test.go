package flow

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"testing"
)

// sameField fails the test unless got and want hold the same bits.
func sameField(t *testing.T, what string, got, want *Field) {
	t.Helper()
	if got.Width != want.Width || got.Height != want.Height || len(got.U) != len(want.U) || len(got.V) != len(want.V) {
		t.Fatalf("%s: field %dx%d (%d/%d values), want %dx%d (%d/%d)", what, got.Width, got.Height, len(got.U), len(got.V), want.Width, want.Height, len(want.U), len(want.V))
	}
	for i := range want.U {
		if math.Float32bits(got.U[i]) != math.Float32bits(want.U[i]) || math.Float32bits(got.V[i]) != math.Float32bits(want.V[i]) {
			t.Fatalf("%s: pixel %d is (%v, %v), want (%v, %v)", what, i, got.U[i], got.V[i], want.U[i], want.V[i])
		}
	}
}

// TestEstimatorMiddlebury checks that Estimator.Bidirectional gives exactly
// ComputeBidirectional's flows on the Middlebury pairs, in both orders, with
// one Estimator per preset whose memory pool sees frames of three sizes.
func TestEstimatorMiddlebury(t *testing.T) {
	pairs := loadMiddlebury(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		opt  Options
		seqs map[string]bool // nil: every pair
	}{
		{"Medium", Medium(), nil},
		{"Fast", Fast(), map[string]bool{"Venus": true, "Urban2": true, "RubberWhale": true}},
		{"Accurate", Accurate(), map[string]bool{"Venus": true, "Grove3": true}},
		{"ColorBelow", colorBelowOpts(), map[string]bool{"Venus": true, "Dimetrodon": true, "Urban3": true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			est, err := NewEstimator(tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range pairs {
				if tc.seqs != nil && !tc.seqs[p.name] {
					continue
				}
				fwd, bwd, err := ComputeBidirectional(ctx, p.a, p.b, tc.opt)
				if err != nil {
					t.Fatal(err)
				}
				fa, err := est.Prepare(ctx, p.a)
				if err != nil {
					t.Fatal(err)
				}
				fb, err := est.Prepare(ctx, p.b)
				if err != nil {
					t.Fatal(err)
				}
				gotF, gotB, err := est.Bidirectional(ctx, fa, fb)
				if err != nil {
					t.Fatal(err)
				}
				sameField(t, p.name+" forward", gotF, fwd)
				sameField(t, p.name+" backward", gotB, bwd)
				// The other order reuses the same frames.
				gotB, gotF, err = est.Bidirectional(ctx, fb, fa)
				if err != nil {
					t.Fatal(err)
				}
				sameField(t, p.name+" forward, frames swapped", gotF, fwd)
				sameField(t, p.name+" backward, frames swapped", gotB, bwd)
				// One direction alone is the same flow.
				one, err := est.Flow(ctx, fa, fb)
				if err != nil {
					t.Fatal(err)
				}
				sameField(t, p.name+" Flow", one, fwd)
				est.Release(fa)
				est.Release(fb)
			}
		})
	}
}

// colorBelowOpts uses every cached part of a frame: colour constancy (with
// its channel gradients) and refinement below the patch levels.
func colorBelowOpts() Options {
	o := Medium()
	o.Color = true
	o.RefineBelow = 1
	return o
}

// loadSequence returns six 640x480 Middlebury frames in a row: Grove2
// 10 and 11, Grove3 10 and 11, Urban2 10 and 11 (so two of the five pairs
// are scene cuts).
func loadSequence(t testing.TB) []*Image {
	t.Helper()
	loadMiddlebury(t) // skips without the data
	var seq []*Image
	for _, s := range []string{"Grove2", "Grove3", "Urban2"} {
		for _, f := range []string{"frame10.png", "frame11.png"} {
			seq = append(seq, loadPNGImage(t, filepath.Join(middleburyDir, s, f)))
		}
	}
	return seq
}

// TestEstimatorSequence runs the flow over a sequence as the video
// pipeline does, each frame prepared once and carried to the next pair
// (flow from the current frame back to the previous one), and checks every
// pair's flows and consistency weights against ComputeBidirectional and
// Consistency on the images, then the flow back alone from Flow. The
// frames' pixels are overwritten after Prepare, as a decoder reusing its
// buffer would, and every result is recycled once checked.
func TestEstimatorSequence(t *testing.T) {
	seq := loadSequence(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		opt  Options
	}{{"Medium", Medium()}, {"Fast", Fast()}, {"ColorBelow", colorBelowOpts()}} {
		t.Run(tc.name, func(t *testing.T) {
			est, err := NewEstimator(tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			var prev *Frame
			for i, img := range seq {
				buf := &Image{Width: img.Width, Height: img.Height, Channels: img.Channels, Pix: append([]float32(nil), img.Pix...)}
				cur, err := est.Prepare(ctx, buf)
				if err != nil {
					t.Fatal(err)
				}
				for k := range buf.Pix {
					buf.Pix[k] = 0
				}
				if prev == nil {
					prev = cur
					continue
				}
				back, fwd, err := est.Bidirectional(ctx, cur, prev)
				if err != nil {
					t.Fatal(err)
				}
				wantBack, wantFwd, err := ComputeBidirectional(ctx, img, seq[i-1], tc.opt)
				if err != nil {
					t.Fatal(err)
				}
				sameField(t, "pair back", back, wantBack)
				sameField(t, "pair forward", fwd, wantFwd)
				weights := make([]float32, len(back.U))
				if err := ConsistencyWeights(weights, back, fwd); err != nil {
					t.Fatal(err)
				}
				wantW, _, _, err := Consistency(wantBack, wantFwd)
				if err != nil {
					t.Fatal(err)
				}
				for k := range wantW {
					if math.Float32bits(weights[k]) != math.Float32bits(wantW[k]) {
						t.Fatalf("pair %d: weight %d is %v, want %v", i, k, weights[k], wantW[k])
					}
				}
				// The results' memory serves the next pair's results
				// (which must not depend on it), and Flow's too.
				est.Recycle(back)
				est.Recycle(fwd)
				if back.U != nil || fwd.V != nil {
					t.Fatal("Recycle left the field's slices in place")
				}
				one, err := est.Flow(ctx, cur, prev)
				if err != nil {
					t.Fatal(err)
				}
				sameField(t, "pair back, Flow", one, wantBack)
				est.Recycle(one)
				est.Release(prev)
				prev = cur
			}
		})
	}
}

func TestEstimatorErrors(t *testing.T) {
	ctx := context.Background()
	a, b := translatedPair(40, 30, 1, 1)
	c, _ := translatedPair(41, 30, 1, 1)
	if _, err := NewEstimator(Options{PatchSize: 4, PatchStride: 5}); err == nil {
		t.Error("NewEstimator accepted a stride larger than the patch")
	}
	est, err := NewEstimator(Options{})
	if err != nil {
		t.Fatal(err)
	}
	other, _ := NewEstimator(Fast())
	prep := func(e *Estimator, m *Image) *Frame {
		f, err := e.Prepare(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	fa, fb, fc := prep(est, a), prep(est, b), prep(est, c)
	fg := prep(est, b.Gray())
	fo := prep(other, b)
	released := prep(est, b)
	est.Release(released)
	est.Release(nil)
	cases := map[string][2]*Frame{
		"nil": {fa, nil}, "size": {fa, fc}, "channels": {fa, fg},
		"options": {fa, fo}, "released": {released, fa},
	}
	for name, fs := range cases {
		if _, _, err := est.Bidirectional(ctx, fs[0], fs[1]); err == nil {
			t.Errorf("%s: no error", name)
		}
		if _, err := est.Flow(ctx, fs[0], fs[1]); err == nil {
			t.Errorf("%s: no error from Flow", name)
		}
	}
	if _, err := est.Prepare(ctx, &Image{Width: 4, Height: 4, Channels: 2, Pix: make([]float32, 32)}); err == nil {
		t.Error("Prepare accepted a 2-channel image")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := est.Prepare(cancelled, a); !errors.Is(err, context.Canceled) {
		t.Errorf("Prepare with a cancelled context: %v", err)
	}
	if _, _, err := est.Bidirectional(cancelled, fa, fb); !errors.Is(err, context.Canceled) {
		t.Errorf("Bidirectional with a cancelled context: %v", err)
	}
	if _, err := est.Flow(cancelled, fa, fb); !errors.Is(err, context.Canceled) {
		t.Errorf("Flow with a cancelled context: %v", err)
	}
	// The estimator still works after the errors, and the zero Options
	// are Medium's.
	fwd, bwd, err := est.Bidirectional(ctx, fa, fb)
	if err != nil {
		t.Fatal(err)
	}
	wantF, wantB, _ := ComputeBidirectional(ctx, a, b, Medium())
	sameField(t, "forward after errors", fwd, wantF)
	sameField(t, "backward after errors", bwd, wantB)
}
