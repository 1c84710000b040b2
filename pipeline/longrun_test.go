package pipeline

import (
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/deepdream-go/deepdream/dream"
	"github.com/deepdream-go/deepdream/models"
	"github.com/deepdream-go/deepdream/pipeline/media"
)

// TestLongRunNoDrift dreams 600 frames of real footage with the default
// video settings and the built-in model and checks that nothing drifts:
// bulkwater.mov (480 frames of particles in Brownian motion) played
// forward and then backward, so the motion stays continuous. Over windows
// of 60 frames, from frame 60 on, the mean level of the dream, its strength
// (objective gain) and its E_warp each stay in a band around the first
// window's. It takes tens of minutes, so it runs only with
// DEEPDREAM_LONG=1 (and not with -short).
func TestLongRunNoDrift(t *testing.T) {
	if testing.Short() || os.Getenv("DEEPDREAM_LONG") == "" {
		t.Skip("long run (600 frames with the real model): set DEEPDREAM_LONG=1")
	}
	const frames, window, width = 600, 60, 160
	src := clip(t, "bulkwater.mov")
	dir := t.TempDir()
	pingpong := filepath.Join(dir, "pingpong.mkv")
	cmd := exec.Command("ffmpeg", "-v", "error", "-i", src, "-filter_complex",
		fmt.Sprintf("[0:v]scale=%d:-2,setsar=1,split[a][b];[b]reverse[r];[a][r]concat=n=2:v=1:a=0[v]", width),
		"-map", "[v]", "-frames:v", fmt.Sprint(frames), "-c:v", "ffv1", pingpong)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("making the ping-pong clip: %v: %s", err, msg)
	}
	net := inceptionNet(t)
	p := dream.DefaultParams()
	p.Objective, p.Seed = models.MeanSquareOf("mixed3"), 1
	out := filepath.Join(dir, "dream")
	opt := DefaultVideoOptions()
	opt.Input, opt.Output, opt.Dream, opt.ModelID = pingpong, out, p, "inception-v3"
	res, err := RunVideo(context.Background(), net, opt)
	if err != nil {
		t.Fatal(err)
	}
	if res.Frames != frames {
		t.Fatalf("%d frames, want %d", res.Frames, frames)
	}
	source := decodeFrames(t, pingpong, media.DecodeOptions{})
	probe := StrengthProbe{Net: net, Layer: "mixed3"}
	type stats struct{ level, gain, ratio float64 }
	var windows []stats
	for w0 := window; w0+window <= frames; w0 += window {
		m := &StabilityMeter{}
		var level, gain float64
		for i := w0; i < w0+window; i++ {
			d := readFrame(t, out, i)
			g, err := probe.Gain(context.Background(), source[i], d)
			if err != nil {
				t.Fatal(err)
			}
			gain += g / window
			for j, v := range d.Pix {
				level += float64(v-source[i].Pix[j]) / float64(len(d.Pix)) / window
			}
			if err := m.Add(context.Background(), source[i], d); err != nil {
				t.Fatal(err)
			}
		}
		s := stats{level, gain, m.Result().Ratio}
		t.Logf("frames %3d–%3d: level shift %+.2f, strength %.3f, E_warp ratio %.3f", w0, w0+window-1, s.level, s.gain, s.ratio)
		windows = append(windows, s)
	}
	first := windows[0]
	for i, s := range windows[1:] {
		at := (i + 2) * window
		if math.Abs(s.level-first.level) > 3 {
			t.Errorf("frames %d–%d: the dream shifts the mean level by %+.2f, %+.2f at frames %d–%d; want within 3", at, at+window-1, s.level, first.level, window, 2*window-1)
		}
		if s.gain < 0.85*first.gain || s.gain > 1.15*first.gain {
			t.Errorf("frames %d–%d: strength %.3f, want within ±15%% of %.3f", at, at+window-1, s.gain, first.gain)
		}
		if s.ratio > 1.3*first.ratio {
			t.Errorf("frames %d–%d: E_warp ratio %.3f, want at most 1.3 × %.3f", at, at+window-1, s.ratio, first.ratio)
		}
	}
}
