package audio

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

const testRate = 22050

// clickTrack returns seconds of a click track at bpm: every beat a 5 ms
// burst of 2 kHz sine at half scale, starting at offset, over faint noise.
func clickTrack(bpm, seconds, offset float64) ([]float32, []float64) {
	pcm := make([]float32, int(seconds*testRate))
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range pcm {
		pcm[i] = float32(0.001 * rng.NormFloat64())
	}
	var clicks []float64
	for c := offset; c < seconds; c += 60 / bpm {
		clicks = append(clicks, c)
		start := int(math.Round(c * testRate))
		for k := 0; k < testRate*5/1000 && start+k < len(pcm); k++ {
			pcm[start+k] += float32(0.5 * math.Sin(2*math.Pi*2000*float64(k)/testRate))
		}
	}
	return pcm, clicks
}

// peaks returns the frames where v has a local maximum above half its peak.
func peaks(v []float64) []int {
	var out []int
	for i := range v {
		left := i == 0 || v[i] > v[i-1]
		right := i == len(v)-1 || v[i] >= v[i+1]
		if left && right && v[i] > 0.5 {
			out = append(out, i)
		}
	}
	return out
}

func TestClickTrackOnsetsAndBeats(t *testing.T) {
	const fps = 25
	for _, offset := range []float64{0.25, 0.31, 0.5037} {
		pcm, clicks := clickTrack(120, 10, offset)
		e, err := Analyze(context.Background(), pcm, testRate, DefaultOptions(fps))
		if err != nil {
			t.Fatal(err)
		}
		if e.Frames() != 250 || e.Covered != 250 {
			t.Fatalf("frames %d covered %d, want 250", e.Frames(), e.Covered)
		}
		got := peaks(e.Onset)
		if len(got) != len(clicks) {
			t.Fatalf("offset %v: %d onset peaks %v for %d clicks", offset, len(got), got, len(clicks))
		}
		for k, c := range clicks {
			want := int(math.Floor(c * fps))
			if d := got[k] - want; d < -1 || d > 1 {
				t.Errorf("offset %v: click %d at %.3fs (frame %d): onset peak on frame %d", offset, k, c, want, got[k])
			}
		}
		if math.Abs(e.Tempo-120) > 1 {
			t.Errorf("offset %v: tempo %.2f BPM, want 120", offset, e.Tempo)
		}
		if len(e.Beats) != len(clicks) {
			t.Fatalf("offset %v: %d beats for %d clicks: %v", offset, len(e.Beats), len(clicks), e.Beats)
		}
		for k, b := range e.Beats {
			if d := b.Seconds() - clicks[k]; math.Abs(d) > 1.0/fps {
				t.Errorf("offset %v: beat %d at %v, click at %.3fs", offset, k, b, clicks[k])
			}
		}
	}
}

func TestSilenceStaysZero(t *testing.T) {
	e, err := Analyze(context.Background(), make([]float32, 3*testRate), testRate, DefaultOptions(30))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range Names() {
		v, _ := e.Get(name)
		for i, x := range v {
			if x != 0 {
				t.Fatalf("%s[%d] = %v on silence", name, i, x)
			}
		}
	}
	if len(e.Beats) != 0 || e.Tempo != 0 {
		t.Errorf("beat grid on silence: %v at %v BPM", e.Beats, e.Tempo)
	}
}

func TestLoudnessRampRises(t *testing.T) {
	// A 440 Hz tone whose amplitude rises linearly from 0 to 0.8 over 4 s.
	pcm := make([]float32, 4*testRate)
	for i := range pcm {
		a := 0.8 * float64(i) / float64(len(pcm))
		pcm[i] = float32(a * math.Sin(2*math.Pi*440*float64(i)/testRate))
	}
	e, err := Analyze(context.Background(), pcm, testRate, DefaultOptions(25))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{RMS, Mid} {
		v, _ := e.Get(name)
		for i := 1; i < len(v); i++ {
			if v[i] < v[i-1] {
				t.Fatalf("%s falls at frame %d: %.4f after %.4f", name, i, v[i], v[i-1])
			}
		}
		if v[0] > 0.05 || v[len(v)-1] < 0.95 {
			t.Errorf("%s runs from %.3f to %.3f, want about 0 to 1", name, v[0], v[len(v)-1])
		}
	}
}

func TestBandsSeparate(t *testing.T) {
	tone := func(hz float64) []float32 {
		pcm := make([]float32, testRate)
		for i := range pcm {
			pcm[i] = float32(0.5 * math.Sin(2*math.Pi*hz*float64(i)/testRate))
		}
		return pcm
	}
	// Bass then treble: each band's envelope is high where its tone plays.
	pcm := append(tone(80), tone(5000)...)
	opts := DefaultOptions(25)
	opts.Release = 0
	e, err := Analyze(context.Background(), pcm, testRate, opts)
	if err != nil {
		t.Fatal(err)
	}
	if e.Bass[10] < 0.9 || e.Treble[10] > 0.05 || e.Mid[10] > 0.05 {
		t.Errorf("80 Hz: bass %.3f mid %.3f treble %.3f", e.Bass[10], e.Mid[10], e.Treble[10])
	}
	if e.Treble[40] < 0.9 || e.Bass[40] > 0.05 || e.Mid[40] > 0.05 {
		t.Errorf("5 kHz: bass %.3f mid %.3f treble %.3f", e.Bass[40], e.Mid[40], e.Treble[40])
	}
}

func TestFramesPastTheTrackAreSilent(t *testing.T) {
	pcm, _ := clickTrack(120, 2, 0.25)
	opts := DefaultOptions(25)
	opts.Frames = 100 // 4 s of frames for 2 s of audio
	opts.Release = 0
	e, err := Analyze(context.Background(), pcm, testRate, opts)
	if err != nil {
		t.Fatal(err)
	}
	if e.Frames() != 100 || e.Covered != 50 {
		t.Fatalf("frames %d covered %d, want 100 and 50", e.Frames(), e.Covered)
	}
	for i := 50; i < 100; i++ {
		if e.RMS[i] != 0 || e.Onset[i] != 0 || e.Bass[i] != 0 {
			t.Fatalf("frame %d past the track: rms %v onset %v", i, e.RMS[i], e.Onset[i])
		}
	}
	opts.Frames = 20 // fewer frames than the track: it is cut
	e, err = Analyze(context.Background(), pcm, testRate, opts)
	if err != nil || e.Frames() != 20 || e.Covered != 20 {
		t.Fatalf("cut: %v frames %d covered %d", err, e.Frames(), e.Covered)
	}
}

func TestSmoothing(t *testing.T) {
	v := []float64{0, 1, 0, 0, 0}
	follow(v, coefficient(0, 25), coefficient(200*time.Millisecond, 25))
	if v[1] != 1 || !(v[2] < 1 && v[2] > v[3] && v[3] > v[4] && v[4] > 0) {
		t.Errorf("instant attack, 200 ms release: %v", v)
	}
	// 200 ms at 25 fps is 5 frames: e^(-1/5) left after one frame.
	if math.Abs(v[2]-math.Exp(-0.2)) > 1e-12 {
		t.Errorf("after one frame %v, want %v", v[2], math.Exp(-0.2))
	}
}

func TestAnalyzeRejectsBadOptions(t *testing.T) {
	for _, o := range []Options{{FrameRate: 0}, {FrameRate: -5}, {FrameRate: math.NaN()}, {FrameRate: 25, Frames: -1}} {
		if _, err := Analyze(context.Background(), nil, testRate, o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
	if _, err := Analyze(context.Background(), nil, 10, DefaultOptions(25)); err == nil {
		t.Error("10 Hz sample rate accepted")
	}
}

func TestAnalyzeCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Analyze(ctx, make([]float32, testRate), testRate, DefaultOptions(25)); err == nil {
		t.Error("cancelled analysis returned no error")
	}
}

func TestSpectraSameForAnyWorkerCount(t *testing.T) {
	pcm := synthTrack(8, 128)
	one, err := spectra(context.Background(), pcm, testRate, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []int{2, 3, 7} {
		many, err := spectra(context.Background(), pcm, testRate, w)
		if err != nil {
			t.Fatal(err)
		}
		for j := range one.flux {
			if one.flux[j] != many.flux[j] || one.bass[j] != many.bass[j] || one.mid[j] != many.mid[j] || one.treble[j] != many.treble[j] {
				t.Fatalf("%d workers: window %d differs from one worker", w, j)
			}
		}
	}
}

func TestPlot(t *testing.T) {
	pcm, _ := clickTrack(120, 4, 0.25)
	e, err := Analyze(context.Background(), pcm, testRate, DefaultOptions(25))
	if err != nil {
		t.Fatal(err)
	}
	zoom := make([]float64, e.Frames())
	for i := range zoom {
		zoom[i] = 1 + e.Onset[i]
	}
	img, err := Plot(e, PlotOptions{Width: 500, Extra: []Series{{Name: "zoom", Values: zoom}}})
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 500 || b.Dy() != 28+34+7*70 {
		t.Fatalf("plot is %v", b)
	}
	// The beat ticks show (behind the curves) at the beats, and only there.
	ticks := func(seconds float64) int {
		x := 90 + int(math.Round(seconds/4*float64(500-90-16)))
		n := 0
		for y := 28; y < img.Bounds().Dy()-34; y++ {
			if img.RGBAAt(x, y) == plotBeat {
				n++
			}
		}
		return n
	}
	if n := ticks(e.Beats[2].Seconds()); n < 20 {
		t.Errorf("beat tick at %v: %d pixels of its colour", e.Beats[2], n)
	}
	if n := ticks(e.Beats[2].Seconds() + 0.25); n != 0 {
		t.Errorf("between beats: %d pixels of the beat colour", n)
	}
	if _, err := Plot(e, PlotOptions{Width: 50}); err == nil {
		t.Error("a 50-pixel-wide plot was accepted")
	}
	if _, err := Plot(e, PlotOptions{Width: 500, Extra: []Series{{Name: "short", Values: zoom[:3]}}}); err == nil {
		t.Error("a series of the wrong length was accepted")
	}
}

func TestBeatGridStartsOnAFirstSampleBeat(t *testing.T) {
	// Clicks from the very first sample over a steady tone: the first
	// beat's onset is hidden by the start, but the grid reaches it.
	pcm, clicks := clickTrack(120, 6, 0)
	for i := range pcm {
		pcm[i] += float32(0.2 * math.Sin(2*math.Pi*330*float64(i)/testRate))
	}
	e, err := Analyze(context.Background(), pcm, testRate, DefaultOptions(25))
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Beats) != len(clicks) || e.Beats[0] > 40*time.Millisecond {
		t.Errorf("beats %v for clicks from 0 s every 0.5 s", e.Beats)
	}
}
