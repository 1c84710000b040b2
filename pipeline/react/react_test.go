package react

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/deepdream-go/deepdream/pipeline/audio"
)

func TestParse(t *testing.T) {
	m, err := Parse("zoom=onset:0.04, step=rms:1.5,layer=bass:mixed5=1+mixed3=0.5,rotate=treble:-12,release=0.3")
	if err != nil {
		t.Fatal(err)
	}
	want := []Rule{{Param: Zoom, Envelope: audio.Onset, Amount: 0.04}, {Param: Step, Envelope: audio.RMS, Amount: 1.5},
		{Param: Layer, Envelope: audio.Bass, Objective: "mixed5=1+mixed3=0.5"}, {Param: Rotate, Envelope: audio.Treble, Amount: -12}}
	if len(m.Rules) != len(want) {
		t.Fatalf("rules %v, want %v", m.Rules, want)
	}
	for i := range want {
		if m.Rules[i] != want[i] {
			t.Errorf("rule %d = %+v, want %+v", i, m.Rules[i], want[i])
		}
	}
	if m.Attack != DefaultAttack || m.Release != 300*time.Millisecond {
		t.Errorf("attack %v release %v", m.Attack, m.Release)
	}
	// String round-trips.
	again, err := Parse(m.String())
	if err != nil || again.String() != m.String() {
		t.Errorf("round trip: %v %q vs %q", err, again, m)
	}
}

func TestPresets(t *testing.T) {
	for _, name := range PresetNames() {
		m, err := Parse(name)
		if err != nil {
			t.Errorf("preset %s: %v", name, err)
			continue
		}
		if len(m.Rules) == 0 {
			t.Errorf("preset %s has no rules", name)
		}
	}
	// A preset can be extended and retuned.
	m, err := Parse("pulse,rotate=bass:5,release=400ms")
	if err != nil {
		t.Fatal(err)
	}
	if !m.Drives(Zoom) || !m.Drives(Rotate) || m.Release != 400*time.Millisecond {
		t.Errorf("pulse extended: %v", m)
	}
}

func TestParseErrors(t *testing.T) {
	for spec, want := range map[string]string{
		"":                                   "empty entry",
		"zoom=onset:0.1,":                    "empty entry",
		"wobble":                             "not a preset",
		"zoom=onset":                         "needs an amount",
		"zoom=loudness:0.1":                  "unknown envelope",
		"speed=rms:1":                        "unknown parameter",
		"zoom=rms:fast":                      "not a number",
		"zoom=rms:NaN":                       "not a number",
		"release=-1s":                        "outside",
		"attack=soon":                        "not a time",
		"release=100ms":                      "no PARAM",
		"layer=bass:mixed5,layer=mid:mixed3": "more than one layer",
	} {
		_, err := Parse(spec)
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("Parse(%q) = %v, want one line with %q", spec, err, want)
		}
	}
}

func TestFor(t *testing.T) {
	m, _ := Parse("zoom=onset:1,step=rms:1")
	if _, err := m.For(Step, Layer); err == nil || !strings.Contains(err.Error(), "zoom= does not apply") {
		t.Errorf("written-out zoom= for a video: %v", err)
	}
	if v, err := m.For(Zoom, Rotate, Step, Layer); err != nil || len(v.Rules) != 2 {
		t.Errorf("zoom: %v %v", v, err)
	}
	// A preset's zoom rule is dropped for a video; its step rule stays.
	m, _ = Parse("pulse,release=1s")
	v, err := m.For(Step, Layer)
	if err != nil || len(v.Rules) != 1 || v.Rules[0].Param != Step || v.Release != time.Second {
		t.Errorf("pulse for a video: %v %v", v, err)
	}
	m, _ = Parse("beat")
	if _, err := m.For(Step, Layer); err == nil || !strings.Contains(err.Error(), "preset beat drives nothing") {
		t.Errorf("beat for a video: %v", err)
	}
}

const rate = 22050

func analyse(t *testing.T, pcm []float32, m *Mapping, frames int) *audio.Envelopes {
	t.Helper()
	e, err := audio.Analyze(context.Background(), pcm, rate, m.AnalysisOptions(25, frames))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// The known-answer tests, through analysis and mapping.

func TestClickTrackZoomPeaksOnClicks(t *testing.T) {
	// 120 BPM clicks (5 ms of 1 kHz) for 8 s, the first at 0.3 s.
	pcm := make([]float32, 8*rate)
	var clicks []float64
	for c := 0.3; c < 8; c += 0.5 {
		clicks = append(clicks, c)
		s := int(c * rate)
		for k := range rate * 5 / 1000 {
			pcm[s+k] = float32(0.6 * math.Sin(2*math.Pi*1000*float64(k)/rate))
		}
	}
	for _, spec := range []string{"zoom=onset:0.5", "zoom=beat:0.5", "pulse"} {
		m, err := Parse(spec)
		if err != nil {
			t.Fatal(err)
		}
		off, err := m.Offsets(Zoom, analyse(t, pcm, m, 0))
		if err != nil {
			t.Fatal(err)
		}
		var got []int
		for i := range off {
			if off[i] > 0.25*maxOf(off) && (i == 0 || off[i] > off[i-1]) && (i == len(off)-1 || off[i] >= off[i+1]) {
				got = append(got, i)
			}
		}
		if len(got) != len(clicks) {
			t.Fatalf("%s: %d zoom-rate peaks %v for %d clicks", spec, len(got), got, len(clicks))
		}
		for k, c := range clicks {
			if d := got[k] - int(c*25); d < -1 || d > 1 {
				t.Errorf("%s: click at %.2fs (frame %d): zoom-rate peak at frame %d", spec, c, int(c*25), got[k])
			}
		}
	}
}

func maxOf(v []float64) float64 {
	m := math.Inf(-1)
	for _, x := range v {
		m = max(m, x)
	}
	return m
}

func TestSilenceLeavesParametersAtBase(t *testing.T) {
	for _, name := range PresetNames() {
		m, _ := Parse(name)
		e := analyse(t, make([]float32, 2*rate), m, 0)
		for _, p := range []string{Zoom, Rotate, Step} {
			off, err := m.Offsets(p, e)
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range off {
				if v != 0 {
					t.Fatalf("%s: %s offset %v at frame %d on silence", name, p, v, i)
				}
			}
		}
	}
	m, _ := Parse("layer=rms:mixed5")
	_, share, ok := m.LayerMix(analyse(t, make([]float32, rate), m, 0))
	if !ok || maxOf(share) != 0 {
		t.Errorf("layer share on silence: %v %v", ok, share)
	}
}

func TestLoudnessRampRaisesParameterMonotonically(t *testing.T) {
	pcm := make([]float32, 3*rate)
	for i := range pcm {
		pcm[i] = float32(float64(i) / float64(len(pcm)) * math.Sin(2*math.Pi*300*float64(i)/rate))
	}
	m, _ := Parse("step=rms:1.5,zoom=rms:0.3")
	e := analyse(t, pcm, m, 0)
	for _, p := range []string{Step, Zoom} {
		off, _ := m.Offsets(p, e)
		for i := 1; i < len(off); i++ {
			if off[i] < off[i-1] {
				t.Fatalf("%s falls at frame %d (%v after %v)", p, i, off[i], off[i-1])
			}
		}
		if off[len(off)-1]-off[0] < 0.25 {
			t.Errorf("%s rises only from %v to %v", p, off[0], off[len(off)-1])
		}
	}
}
