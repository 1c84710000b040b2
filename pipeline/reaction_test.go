package pipeline

import (
	"context"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/deepdream-go/deepdream/dream"
	"github.com/deepdream-go/deepdream/models"
	"github.com/deepdream-go/deepdream/pipeline/media"
	"github.com/deepdream-go/deepdream/pipeline/react"
)

func needFFmpegTools(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"ffmpeg", "ffprobe"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (apt-get install ffmpeg)", tool)
		}
	}
}

// lavfiAudio writes a WAV from an ffmpeg audio source expression.
func lavfiAudio(t *testing.T, src string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "track.wav")
	if out, err := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", src, "-y", p).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %s: %v: %s", src, err, out)
	}
	return p
}

func TestFrameScheduleHitsEveryFrame(t *testing.T) {
	fps := media.Rational{Num: 30000, Den: 1001}
	v := []float64{1, 3, 2, 5, 4}
	s := FrameSchedule(v, fps)
	for i := range v {
		if got := s.At(frameAt(i, fps)); got != v[i] {
			t.Errorf("frame %d: %v, want %v", i, got, v[i])
		}
	}
	if s.At(time.Hour) != 4 {
		t.Error("not held after the last frame")
	}
}

func TestMixObjectives(t *testing.T) {
	a := models.Objective{Terms: []models.Term{{Layer: "mixed3"}}}
	b := models.Objective{Terms: []models.Term{{Layer: "mixed5", Weight: 2}}}
	if got := mixObjectives(a, b, 0); len(got.Terms) != 1 || got.Terms[0].Layer != "mixed3" {
		t.Errorf("u=0: %+v", got)
	}
	if got := mixObjectives(a, b, 1); len(got.Terms) != 1 || got.Terms[0].Layer != "mixed5" || got.Terms[0].Weight != 2 {
		t.Errorf("u=1: %+v", got)
	}
	got := mixObjectives(a, b, 0.25)
	if len(got.Terms) != 2 || got.Terms[0].Weight != 0.75 || got.Terms[1].Weight != 0.5 {
		t.Errorf("u=0.25: %+v", got)
	}
}

// The length rule and the known answers, through ffmpeg, analysis and mapping.
func TestReactToTracks(t *testing.T) {
	needFFmpegTools(t)
	ctx := context.Background()
	fps := media.Rational{Num: 25, Den: 1}
	m, err := react.Parse("zoom=onset:0.5,step=rms:1,layer=bass:mixed5")
	if err != nil {
		t.Fatal(err)
	}
	base := ReactionBase{Zoom: Constant(1.175), Rotate: Constant(0), StepSize: 1.5}

	// 120 BPM clicks, the first at 0.3 s, 4 s long.
	clicks := lavfiAudio(t, "aevalsrc=0.8*lt(mod(t+0.2\\,0.5)\\,0.005)*gte(t\\,0.3)*sin(2*PI*1000*t):s=44100:d=4")
	env, err := AnalyzeSound(ctx, clicks, m, SoundOptions{FrameRate: fps, Stream: -1})
	if err != nil {
		t.Fatal(err)
	}
	if env.Frames() != 100 {
		t.Fatalf("frames %d, want 100 (the track's length)", env.Frames())
	}
	r, err := React(m, env, fps, base, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Rotate != nil || r.Zoom == nil || r.Dream == nil || r.Dream.StepSize == nil || r.Dream.Mix == nil {
		t.Fatalf("reaction %+v", r)
	}
	zoomAt := func(i int) float64 { return r.Zoom.At(frameAt(i, fps)) }
	for k, click := range []int{7, 20, 32, 45, 57, 70, 82, 95} {
		best := click - 2
		for i := click - 2; i <= min(click+2, 99); i++ {
			if zoomAt(i) > zoomAt(best) {
				best = i
			}
		}
		if d := best - click; d < -1 || d > 1 {
			t.Errorf("click %d on frame %d: zoom-rate peak on frame %d", k, click, best)
		}
	}
	if zoomAt(3) != 1.175 {
		t.Errorf("zoom rate before the first click %v, want 1.175", zoomAt(3))
	}

	// Longer job than track: once the release (200 ms) has faded, frames
	// past the track are at base.
	env, err = AnalyzeSound(ctx, clicks, m, SoundOptions{FrameRate: fps, Frames: 150, Stream: -1})
	if err != nil || env.Frames() != 150 || env.Covered != 100 {
		t.Fatalf("longer job: %v, %d frames, %d covered", err, env.Frames(), env.Covered)
	}
	r, _ = React(m, env, fps, base, nil)
	for i := 125; i < 150; i++ {
		if z, s := r.Zoom.At(frameAt(i, fps)), r.Dream.StepSize.At(frameAt(i, fps)); math.Abs(z-1.175) > 5e-3 || math.Abs(s-1.5) > 5e-3 {
			t.Fatalf("frame %d past the track: zoom %v step %v, want the base 1.175 and 1.5", i, z, s)
		}
	}
	// Shorter job than track: only its frames are measured.
	env, err = AnalyzeSound(ctx, clicks, m, SoundOptions{FrameRate: fps, Frames: 30, Stream: -1})
	if err != nil || env.Frames() != 30 || env.Covered != 30 {
		t.Fatalf("shorter job: %v, %d frames, %d covered", err, env.Frames(), env.Covered)
	}

	// Silence: every parameter at its base.
	silence := lavfiAudio(t, "anullsrc=r=44100:cl=stereo:d=2")
	env, err = AnalyzeSound(ctx, silence, m, SoundOptions{FrameRate: fps, Stream: -1})
	if err != nil {
		t.Fatal(err)
	}
	r, _ = React(m, env, fps, base, nil)
	for i := range env.Frames() {
		ti := frameAt(i, fps)
		if r.Zoom.At(ti) != 1.175 || r.Dream.StepSize.At(ti) != 1.5 || r.Dream.Mix.Share.At(ti) != 0 {
			t.Fatalf("silence, frame %d: zoom %v step %v share %v", i, r.Zoom.At(ti), r.Dream.StepSize.At(ti), r.Dream.Mix.Share.At(ti))
		}
	}

	// A loudness ramp (250 Hz: whole cycles in a 40 ms frame, so the RMS
	// has no ripple): the step size rises monotonically.
	ramp := lavfiAudio(t, "aevalsrc=0.9*t/3*sin(2*PI*250*t):s=44100:d=3")
	env, err = AnalyzeSound(ctx, ramp, m, SoundOptions{FrameRate: fps, Stream: -1})
	if err != nil {
		t.Fatal(err)
	}
	r, _ = React(m, env, fps, base, nil)
	prev := 0.0
	for i := range env.Frames() {
		s := r.Dream.StepSize.At(frameAt(i, fps))
		if s < prev {
			t.Fatalf("ramp: step falls at frame %d (%v after %v)", i, s, prev)
		}
		prev = s
	}
	if prev < 2.4 {
		t.Errorf("ramp: step ends at %v, want about 2.5", prev)
	}
}

func TestAnalyzeSoundErrors(t *testing.T) {
	needFFmpegTools(t)
	m, _ := react.Parse("pulse")
	dir := t.TempDir()
	text := filepath.Join(dir, "track.mp3")
	if err := os.WriteFile(text, []byte("no sound here"), 0o644); err != nil {
		t.Fatal(err)
	}
	silentClip := filepath.Join(dir, "clip.mp4")
	if out, err := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
		"testsrc=size=64x48:rate=10:duration=0.5", "-pix_fmt", "yuv420p", "-y", silentClip).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, out)
	}
	fps := media.Rational{Num: 25, Den: 1}
	if _, err := AnalyzeSound(context.Background(), silentClip, m, SoundOptions{FrameRate: fps, Stream: -1}); !errors.Is(err, ErrNoSound) {
		t.Errorf("clip without audio: %v, want ErrNoSound", err)
	}
	if _, err := AnalyzeSound(context.Background(), text, m, SoundOptions{FrameRate: fps, Stream: -1}); !errors.Is(err, media.ErrNotVideo) {
		t.Errorf("text file: %v, want a not-media error", err)
	}
}

func TestDreamChangeAt(t *testing.T) {
	var none *DreamChange
	p := dreamParamsForTest()
	if got := none.At(p, time.Second); got.StepSize != p.StepSize || len(got.Objective.Terms) != 1 {
		t.Errorf("nil change altered the params: %+v", got)
	}
	c := &DreamChange{
		StepSize: Schedule{{0, 1}, {2 * time.Second, 3}},
		Mix:      &LayerMix{Objective: models.Objective{Terms: []models.Term{{Layer: "mixed5"}}}, Share: Schedule{{0, 0}, {time.Second, 1}}},
	}
	got := c.At(p, time.Second)
	if got.StepSize != 2 || len(got.Objective.Terms) != 1 || got.Objective.Terms[0].Layer != "mixed5" {
		t.Errorf("at 1 s: step %v, objective %+v", got.StepSize, got.Objective)
	}
	got = c.At(p, 500*time.Millisecond)
	if len(got.Objective.Terms) != 2 || got.Objective.Terms[0].Weight != 0.5 {
		t.Errorf("at 0.5 s: objective %+v", got.Objective)
	}
	if p.StepSize != 1.5 || len(p.Objective.Terms) != 1 {
		t.Error("At changed its argument")
	}
}

func dreamParamsForTest() dream.Params {
	p := dream.DefaultParams()
	p.Objective = models.Objective{Terms: []models.Term{{Layer: "mixed3"}}}
	return p
}

func TestClipChange(t *testing.T) {
	needFFmpegTools(t)
	dir := t.TempDir()
	clip := filepath.Join(dir, "clip.mkv")
	// 2 s of picture at 25 fps with a loudness ramp as its sound.
	if out, err := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error",
		"-f", "lavfi", "-i", "testsrc=size=64x48:rate=25:duration=2",
		"-f", "lavfi", "-i", "aevalsrc=0.9*t/2*sin(2*PI*250*t):s=44100:d=2",
		"-c:v", "ffv1", "-c:a", "flac", "-y", clip).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, out)
	}
	ctx := context.Background()
	dec, err := media.NewDecoder(ctx, clip, media.DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	m, _ := react.Parse("step=rms:2")
	c, err := clipChange(ctx, m, nil, clip, dec.AudioSource(), dec.FrameRate(), dec.ExpectedFrames(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.StepSize) != 50 || c.Mix != nil {
		t.Fatalf("step schedule of %d keys, mix %v; want 50 and none", len(c.StepSize), c.Mix)
	}
	if first, last := c.StepSize[0].Value, c.StepSize[49].Value; first > 1.1 || last < 2.9 {
		t.Errorf("step runs from %v to %v, want about 1 to 3", first, last)
	}
	// A mapping that zooms does not apply to a clip; a clip without sound fails.
	zm, _ := react.Parse("zoom=onset:1")
	if _, err := clipChange(ctx, zm, nil, clip, dec.AudioSource(), dec.FrameRate(), 50, 1); err == nil {
		t.Error("zoom= accepted for a clip")
	}
	if _, err := clipChange(ctx, m, nil, clip, nil, dec.FrameRate(), 50, 1); !errors.Is(err, ErrNoSound) {
		t.Errorf("no audio: %v", err)
	}
}
