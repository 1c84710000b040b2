package audio

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
)

// BenchmarkAnalyzeFiveMinutes measures the analysis of a 5-minute track at
// the default 22.05 kHz for a 30 fps animation: a 128 BPM kick, a bass
// line, a chord and hi-hat noise, so that every envelope and the beat grid
// have work to do. On a busy machine the cpu-ms/op metric (process CPU
// time, all threads) is the steadier figure; wall time is ns/op.
func BenchmarkAnalyzeFiveMinutes(b *testing.B) {
	pcm := synthTrack(300, 128)
	b.SetBytes(int64(4 * len(pcm)))
	cpu := processCPU()
	for b.Loop() {
		if _, err := Analyze(context.Background(), pcm, testRate, DefaultOptions(30)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(processCPU()-cpu)/1e6/float64(b.N), "cpu-ms/op")
}

// synthTrack makes seconds of a simple dance loop at bpm.
func synthTrack(seconds, bpm float64) []float32 {
	pcm := make([]float32, int(seconds*testRate))
	rng := rand.New(rand.NewPCG(3, 4))
	beat := 60 / bpm
	for i := range pcm {
		t := float64(i) / testRate
		ph := math.Mod(t, beat)
		kick := math.Exp(-ph*30) * math.Sin(2*math.Pi*55*ph)
		hat := 0.0
		if off := math.Mod(t+beat/2, beat); off < 0.03 {
			hat = 0.1 * rng.NormFloat64() * (1 - off/0.03)
		}
		chord := 0.05 * (math.Sin(2*math.Pi*261.6*t) + math.Sin(2*math.Pi*329.6*t) + math.Sin(2*math.Pi*392*t))
		pcm[i] = float32(0.5*kick + hat + chord)
	}
	return pcm
}
