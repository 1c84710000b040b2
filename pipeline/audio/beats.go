package audio

import (
	"math"
	"time"
)

// Tempo range the beat grid searches, in beats per minute, and the tempo
// it prefers when two are about as likely (a half or double tempo fits a
// steady pulse almost as well as the true one).
const (
	minTempo       = 60
	maxTempo       = 200
	preferredTempo = 120
)

// beatGrid finds a constant-tempo beat grid in the onset strength of the
// windows: the tempo from the autocorrelation of the onset strength
// (weighted by a log-normal preference for 120 BPM, one octave wide), then
// the period refined and the phase chosen so that the grid collects the
// most onset strength. It returns the beat times over the samples' span
// and the tempo, or nothing when the track has no steady pulse (the best
// grid collects under 1.5 times the average onset strength).
func beatGrid(s *spectrum, nSamples int, sr float64) ([]time.Duration, float64) {
	o := s.flux
	if len(o) < 4 {
		return nil, 0
	}
	// Remove the mean so that a busy track's constant flux does not favour
	// long lags.
	var mean float64
	for _, v := range o {
		mean += v
	}
	mean /= float64(len(o))
	if mean <= 0 {
		return nil, 0
	}
	x := make([]float64, len(o))
	for i, v := range o {
		x[i] = v - mean
	}
	wps := sr / float64(s.hop) // windows per second
	minLag := int(math.Floor(60 / maxTempo * wps))
	maxLag := int(math.Ceil(60 / minTempo * wps))
	if maxLag >= len(x)/2 {
		return nil, 0 // too short to see two beats of the slowest tempo
	}
	best, bestLag := math.Inf(-1), 0
	for lag := max(minLag, 1); lag <= maxLag; lag++ {
		var ac float64
		for i := lag; i < len(x); i++ {
			ac += x[i] * x[i-lag]
		}
		ac /= float64(len(x) - lag)
		bpm := 60 * wps / float64(lag)
		octaves := math.Log2(bpm / preferredTempo)
		score := ac * math.Exp(-0.5*octaves*octaves)
		if score > best {
			best, bestLag = score, lag
		}
	}
	if best <= 0 {
		return nil, 0
	}
	// Refine on the onset strength widened to the largest of three
	// neighbouring windows, so that a beat played a window early or late
	// still counts: periods within ±1 window of the lag in steps of 1/50
	// window, every phase in steps of one window; keep the grid with the
	// largest mean strength on its beats.
	wide := make([]float64, len(o))
	for j := range o {
		wide[j] = max(o[j], o[max(j-1, 0)], o[min(j+1, len(o)-1)])
	}
	bestMean, bestPeriod, bestPhase := 0.0, 0.0, 0.0
	for step := -50; step <= 50; step++ {
		period := float64(bestLag) + float64(step)/50
		for phase := 0.0; phase < period; phase++ {
			if m := comb(wide, phase, period); m > bestMean {
				bestMean, bestPeriod, bestPhase = m, period, phase
			}
		}
	}
	if bestMean < 1.5*mean {
		return nil, 0
	}
	// A pulse whose off-beats are nearly as strong as its beats (kick and
	// snare, or clicks of alternating length) is at double the tempo: the
	// autocorrelation often favours the bar's longer period there.
	if half := bestPeriod / 2; 60*wps/half <= maxTempo {
		if m := comb(wide, bestPhase+half, bestPeriod); m >= 0.5*bestMean && m >= 1.5*mean {
			bestPeriod = half
			bestPhase = math.Mod(bestPhase, half)
		}
	}
	// Fine phase on the raw strength: ±1.5 windows in tenths.
	fine, finePhase := math.Inf(-1), bestPhase
	for d := -15; d <= 15; d++ {
		ph := bestPhase + float64(d)/10
		if ph < 0 {
			continue
		}
		if m := comb(o, ph, bestPeriod); m > fine {
			fine, finePhase = m, ph
		}
	}
	bestPhase = finePhase
	span := float64(nSamples) / sr
	var beats []time.Duration
	// A track that starts loud may start on a beat, whose onset the start
	// padding hides: then the grid reaches back to the first sample.
	first := bestPhase
	if loudStart(s) {
		first -= bestPeriod
	}
	for p := first; ; p += bestPeriod {
		t := (p*float64(s.hop) + float64(s.size)/4) / sr
		if t >= span {
			break
		}
		if t < -float64(s.hop)/sr {
			continue
		}
		beats = append(beats, time.Duration(math.Round(max(t, 0)*float64(time.Second))))
	}
	return beats, 60 * wps / bestPeriod
}

// comb returns the mean of v (linearly interpolated) at phase, phase +
// period, phase + 2·period, ... within v.
func comb(v []float64, phase, period float64) float64 {
	var sum float64
	n := 0
	for p := phase; p < float64(len(v)-1); p += period {
		i := int(p)
		f := p - float64(i)
		sum += v[i] + f*(v[i+1]-v[i])
		n++
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

// loudStart reports whether the first windows of the track carry at least
// half its mean power.
func loudStart(s *spectrum) bool {
	power := func(j int) float64 { return s.bass[j] + s.mid[j] + s.treble[j] }
	n := len(s.bass)
	if n < 8 {
		return false
	}
	var mean float64
	for j := range n {
		mean += power(j)
	}
	mean /= float64(n)
	return mean > 0 && power(2) >= 0.5*mean
}
