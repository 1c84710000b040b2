package pipeline

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/deepdream-go/deepdream/dream"
	"github.com/deepdream-go/deepdream/models"
	"github.com/deepdream-go/deepdream/models/testnet"
	"github.com/deepdream-go/deepdream/pipeline/media"
)

// TestStrengthProbe: a frame compared with itself has gain 1, a dreamed
// frame more, and an unknown layer is an error that names it.
func TestStrengthProbe(t *testing.T) {
	net := toyNet(t)
	src := models.NewImage(48, 40)
	for i := range src.Pix {
		src.Pix[i] = float32((i*37)%251) * 0.8
	}
	out, err := dream.Dream(context.Background(), net, src, toyParams(), nil)
	if err != nil {
		t.Fatal(err)
	}
	probe := StrengthProbe{Net: net, Layer: testnet.Layer}
	if g, err := probe.Gain(context.Background(), src, src); err != nil || g != 1 {
		t.Errorf("gain of a frame over itself: %v, %v; want 1", g, err)
	}
	if g, err := probe.Gain(context.Background(), src, out); err != nil || g <= 1 {
		t.Errorf("gain of a dreamed frame: %v, %v; want above 1", g, err)
	}
	probe.Layer = "no-such-layer"
	if _, err := probe.Gain(context.Background(), src, out); err == nil {
		t.Error("an unknown layer gives no error")
	}
}

// TestMeasureStabilityStrength: a dreamed clip measured against its source
// has a strength above 1 on every frame; measured against itself it has
// strength 1 and an E_warp ratio of 1.
func TestMeasureStabilityStrength(t *testing.T) {
	in := clip(t, "chaplin.mp4")
	out := filepath.Join(t.TempDir(), "dream.mkv")
	opt := toyOptions(in, out)
	opt.Decode = media.DecodeOptions{Width: 96, MaxFrames: 4}
	opt.Coherence = CoherenceNone
	net := toyNet(t)
	if _, err := RunVideo(context.Background(), net, opt); err != nil {
		t.Fatal(err)
	}
	meter := StabilityMeter{Strength: StrengthProbe{Net: net, Layer: testnet.Layer}}
	s, err := MeasureStability(context.Background(), in, out, media.DecodeOptions{MaxFrames: 4}, meter)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Gains) != 4 || s.Pairs != 3 {
		t.Fatalf("%d gains and %d pairs, want 4 and 3", len(s.Gains), s.Pairs)
	}
	for i, g := range s.Gains {
		if g <= 1.05 {
			t.Errorf("frame %d: strength %.3f, want above 1.05 for a dreamed frame", i, g)
		}
	}
	same, err := MeasureStability(context.Background(), out, out, media.DecodeOptions{}, meter)
	if err != nil {
		t.Fatal(err)
	}
	if same.Strength != 1 || same.Ratio != 1 {
		t.Errorf("a clip against itself: strength %v, ratio %v; want 1 and 1", same.Strength, same.Ratio)
	}
}
