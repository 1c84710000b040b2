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
	// Refine: periods within ±1 window of the lag in steps of 1/50 window,
	// every phase in steps of one window; keep the grid with the largest
	// mean onset strength (linearly interpolated) on its beats.
	bestMean, bestPeriod, bestPhase := 0.0, 0.0, 0.0
	at := func(p float64) float64 {
		i := int(p)
		if i+1 >= len(o) {
			return o[len(o)-1]
		}
		f := p - float64(i)
		return o[i] + f*(o[i+1]-o[i])
	}
	for step := -50; step <= 50; step++ {
		period := float64(bestLag) + float64(step)/50
		for phase := 0.0; phase < period; phase++ {
			var sum float64
			n := 0
			for p := phase; p < float64(len(o)-1); p += period {
				sum += at(p)
				n++
			}
			if n > 0 && sum/float64(n) > bestMean {
				bestMean, bestPeriod, bestPhase = sum/float64(n), period, phase
			}
		}
	}
	if bestMean < 1.5*mean {
		return nil, 0
	}
	// Fine phase: a tenth of a window around the best.
	for d := -0.5; d <= 0.5; d += 0.1 {
		ph := bestPhase + d
		if ph < 0 {
			continue
		}
		var sum float64
		n := 0
		for p := ph; p < float64(len(o)-1); p += bestPeriod {
			sum += at(p)
			n++
		}
		if n > 0 && sum/float64(n) > bestMean {
			bestMean, bestPhase = sum/float64(n), ph
		}
	}
	span := float64(nSamples) / sr
	var beats []time.Duration
	for p := bestPhase; ; p += bestPeriod {
		t := (p*float64(s.hop) + float64(s.size)/4) / sr
		if t >= span {
			break
		}
		beats = append(beats, time.Duration(math.Round(t*float64(time.Second))))
	}
	return beats, 60 * wps / bestPeriod
}
