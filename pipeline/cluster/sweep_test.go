package cluster

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deepdream-go/deepdream/dream"
	"github.com/deepdream-go/deepdream/flow"
	"github.com/deepdream-go/deepdream/models"
	"github.com/deepdream-go/deepdream/models/builtin"
	"github.com/deepdream-go/deepdream/models/graphdef"
	"github.com/deepdream-go/deepdream/models/native"
	"github.com/deepdream-go/deepdream/pipeline"
	"github.com/deepdream-go/deepdream/pipeline/media"
)

// TestSeamSweep renders a clip in parts with the built-in model for several
// warm-up and cross-fade lengths and prints the seam measurements; it is
// how DefaultWarmup and DefaultCrossfade were chosen. It takes minutes, so
// it runs only with DEEPDREAM_SEAM_SWEEP set, to a list such as
// "0:0,12:6" (warm-up:cross-fade) or to 1 for the default list.
// DEEPDREAM_SEAM_CLIP, _WIDTH, _FRAMES and _PARTS change the clip.
func TestSeamSweep(t *testing.T) {
	spec := os.Getenv("DEEPDREAM_SEAM_SWEEP")
	if spec == "" {
		t.Skip("set DEEPDREAM_SEAM_SWEEP=1 (or W:C,W:C) to measure seams with the real model (minutes)")
	}
	if spec == "1" {
		spec = "0:0,6:0,12:0,12:3,12:6,24:6,12:10,24:10"
	}
	env := func(k, def string) string {
		if v := os.Getenv(k); v != "" {
			return v
		}
		return def
	}
	in := clip(t, env("DEEPDREAM_SEAM_CLIP", "chaplin.mp4"))
	var width, frames, parts int
	fmt.Sscan(env("DEEPDREAM_SEAM_WIDTH", "160"), &width)
	fmt.Sscan(env("DEEPDREAM_SEAM_FRAMES", "60"), &frames)
	fmt.Sscan(env("DEEPDREAM_SEAM_PARTS", "3"), &parts)
	g, err := graphdef.Decode(builtin.InceptionV3())
	if err != nil {
		t.Fatal(err)
	}
	net, err := native.New(g, models.Spec{InputNode: "input", PixelScale: 1 / 127.5, PixelOffset: -1}, native.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := dream.DefaultParams()
	p.Objective = models.MeanSquareOf("mixed3")
	video := pipeline.VideoOptions{
		Input: in, Decode: media.DecodeOptions{Width: width, MaxFrames: frames},
		Dream: p, ModelID: "builtin",
		FrameDreamOptions: pipeline.FrameDreamOptions{FrameSteps: 2},
		CoherenceOptions:  pipeline.CoherenceOptions{Blend: 0.98, Refresh: 0.05, Keep: 0.8, Flow: flow.Medium()},
	}
	dir := t.TempDir()
	measure := func(name string, n, w, c int) {
		out := filepath.Join(dir, name+".mp4")
		j := &Job{Video: video, Plan: PlanOptions{Parts: n, Warmup: w, Crossfade: c}}
		j.Video.Output = out
		m, err := j.Prepare(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for k := range m.Plan.Parts {
			if _, err := j.RunPart(context.Background(), net, m, k); err != nil {
				t.Fatal(err)
			}
		}
		if err := Join(context.Background(), out, JoinOptions{Clean: true}); err != nil {
			t.Fatal(err)
		}
		// Measure at the seams of the parted plan, also for the whole run.
		plan, _ := NewPlan(m.Plan.Frames, PlanOptions{Parts: parts, Warmup: max(w, 1), Crossfade: c})
		r, err := MeasureSeams(context.Background(), in, video.Decode, out, plan, flow.Medium())
		if err != nil {
			t.Fatal(err)
		}
		var line []string
		for _, s := range r.Seams {
			var pairs []string
			for t := s.Frame - 3; t < s.Frame+c+2 && t < len(r.Ewarp); t++ {
				pairs = append(pairs, fmt.Sprintf("%.1f", r.Ewarp[t]/r.InsideEwarp))
			}
			t.Logf("%-12s seam %d pairs from %d: %s", name, s.Frame, s.Frame-3, strings.Join(pairs, " "))
			line = append(line, fmt.Sprintf("seam %d: E_warp mean %.2f× max %.2f× strength %.2f×", s.Frame, s.MeanRatio, s.MaxRatio, s.StrengthRatio))
		}
		t.Logf("%-12s W=%-2d C=%-2d inside E_warp %.3f strength %.2f | %s", name, w, c, r.InsideEwarp, r.InsideStrength, strings.Join(line, " | "))
	}
	if spec == "segments" {
		// A whole run encoded in segments of 20 frames: its segment joins
		// fall on the seams of the 3-part plan, which shows what the
		// encoder alone does at a segment boundary.
		out := filepath.Join(dir, "seg20.mp4")
		o := video
		o.Output, o.SegmentFrames = out, 20
		if _, err := pipeline.RunVideo(context.Background(), net, o); err != nil {
			t.Fatal(err)
		}
		plan, _ := NewPlan(frames, PlanOptions{Parts: parts, Warmup: 1, Crossfade: 0})
		r, err := MeasureSeams(context.Background(), in, video.Decode, out, plan, flow.Medium())
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range r.Seams {
			var pairs []string
			for t := s.Frame - 3; t < s.Frame+3; t++ {
				pairs = append(pairs, fmt.Sprintf("%.1f", r.Ewarp[t]/r.InsideEwarp))
			}
			t.Logf("whole run in 20-frame segments, boundary %d, pairs from %d: %s", s.Frame, s.Frame-3, strings.Join(pairs, " "))
		}
		return
	}
	measure("whole", 1, 0, 0)
	for _, wc := range strings.Split(spec, ",") {
		var w, c int
		if _, err := fmt.Sscanf(wc, "%d:%d", &w, &c); err != nil {
			t.Fatalf("bad sweep entry %q", wc)
		}
		measure(fmt.Sprintf("w%d-c%d", w, c), parts, w, c)
	}
}
