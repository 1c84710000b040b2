// Package audio turns a soundtrack into per-frame envelopes: loudness,
// onset strength, bass, mid and treble energy and a beat grid, each a
// number from 0 to 1 for every output frame of an animation. It is pure:
// it takes mono PCM samples (media.DecodePCM makes them) and does no I/O.
//
// # How the envelopes are measured
//
// The samples are cut into windows of about 46 ms (1024 samples at
// 22.05 kHz, Hann-weighted) every quarter window (11.6 ms), and each window
// is transformed with gonum's real FFT. Per output frame, which covers the
// time [i/fps, (i+1)/fps):
//
//   - rms is the root mean square of the samples in the frame;
//   - onset is the spectral flux: the sum over bands a third of an octave
//     wide of the rise of log-compressed magnitude, log(1+100·|X|), from
//     one window to the next, the largest in the frame. A drum hit or a
//     new note raises many bands at once; a held note raises none. Bands
//     rather than FFT bins give a kick drum as much say as a hi-hat;
//   - bass, mid and treble are the root of the mean power of the bins
//     below 250 Hz, from 250 Hz to 2 kHz, and above 2 kHz;
//   - beat is 1 on the frames of the beat grid (see Beats) and 0 elsewhere.
//
// Each envelope is then smoothed with an attack/release follower (it rises
// towards a higher value with time constant Attack and falls with Release)
// and divided by its largest value over the analysed span, so its peak is
// 1. A floor keeps a near-silent track from being amplified into noise:
// levels below -60 dBFS (onset: a flux of 0.2, about a -50 dBFS click)
// never reach 1, and digital
// silence stays 0.
package audio

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"
	"time"

	"gonum.org/v1/gonum/dsp/fourier"
)

// Names of the envelopes, as the --react grammar spells them.
const (
	RMS    = "rms"
	Onset  = "onset"
	Bass   = "bass"
	Mid    = "mid"
	Treble = "treble"
	Beat   = "beat"
)

// Names lists the envelopes in the order plots draw them.
func Names() []string { return []string{RMS, Onset, Bass, Mid, Treble, Beat} }

// Band edges in Hz between bass and mid and between mid and treble.
const (
	BassMax = 250
	MidMax  = 2000
)

// Options tune Analyze.
type Options struct {
	// FrameRate is the rate of the output frames the envelopes are for (> 0).
	FrameRate float64
	// Frames is the number of frames to produce. Frames past the end of the
	// samples are silent (every envelope 0). Zero: as many frames as the
	// samples span, the last one partly covered.
	Frames int
	// Attack and Release are the time constants of the smoothing: how fast
	// an envelope follows a rise and a fall of its raw value. Zero: no
	// smoothing in that direction.
	Attack, Release time.Duration
	// Beats enables the beat grid (the Beat envelope, Beats and Tempo).
	Beats bool
}

// DefaultOptions returns options for frameRate: a 10 ms attack (a hit shows
// on its own frame), a 200 ms release (it fades over about five frames at
// 25 fps), and a beat grid.
func DefaultOptions(frameRate float64) Options {
	return Options{FrameRate: frameRate, Attack: 10 * time.Millisecond, Release: 200 * time.Millisecond, Beats: true}
}

// Envelopes are the per-frame measurements of a soundtrack, each 0..1.
type Envelopes struct {
	FrameRate float64
	// RMS, Onset, Bass, Mid, Treble and Beat have one value per frame.
	RMS, Onset, Bass, Mid, Treble, Beat []float64
	// Covered is the number of frames that have audio; later frames are
	// silent padding.
	Covered int
	// Beats is the beat grid: the times of the beats, a constant tempo
	// locked to the strongest onsets; empty when disabled or no steady
	// pulse was found.
	Beats []time.Duration
	// Tempo is the grid's tempo in beats per minute (0: none).
	Tempo float64
}

// Frames returns the number of frames.
func (e *Envelopes) Frames() int { return len(e.RMS) }

// Get returns the envelope called name (one of Names).
func (e *Envelopes) Get(name string) ([]float64, error) {
	switch name {
	case RMS:
		return e.RMS, nil
	case Onset:
		return e.Onset, nil
	case Bass:
		return e.Bass, nil
	case Mid:
		return e.Mid, nil
	case Treble:
		return e.Treble, nil
	case Beat:
		return e.Beat, nil
	}
	return nil, fmt.Errorf("audio: unknown envelope %q (want rms, onset, bass, mid, treble or beat)", name)
}

// Floors: the raw value an envelope must exceed to reach 1 (see the
// package comment). Amplitudes are relative to full scale (1.0).
const (
	levelFloor = 1e-3 // -60 dBFS, for rms and the bands
	onsetFloor = 0.2
	// fluxGain scales magnitudes before log compression; with magnitudes
	// relative to full scale, 100 puts the knee at -40 dBFS.
	fluxGain = 100
)

// Analyze measures the envelopes of mono samples at sampleRate Hz for the
// frames opts asks for. It returns ctx's error if ctx is cancelled.
func Analyze(ctx context.Context, samples []float32, sampleRate int, opts Options) (*Envelopes, error) {
	if sampleRate < 1000 {
		return nil, fmt.Errorf("audio: sample rate %d Hz is too low (want at least 1000)", sampleRate)
	}
	if !(opts.FrameRate > 0 && opts.FrameRate <= 1000) {
		return nil, fmt.Errorf("audio: frame rate %v is outside (0, 1000]", opts.FrameRate)
	}
	if opts.Frames < 0 || opts.Attack < 0 || opts.Release < 0 {
		return nil, errors.New("audio: negative frame count, attack or release")
	}
	sr, fps := float64(sampleRate), opts.FrameRate
	covered := int(math.Ceil(float64(len(samples)) / sr * fps))
	n := opts.Frames
	if n == 0 {
		n = covered
	}
	covered = min(covered, n)
	e := &Envelopes{FrameRate: fps, Covered: covered}
	for _, p := range []*[]float64{&e.RMS, &e.Onset, &e.Bass, &e.Mid, &e.Treble, &e.Beat} {
		*p = make([]float64, n)
	}

	// Loudness straight from the samples.
	for i := range covered {
		a, b := frameSpan(i, fps, sr, len(samples))
		var sq float64
		for _, v := range samples[a:b] {
			sq += float64(v) * float64(v)
		}
		if b > a {
			e.RMS[i] = math.Sqrt(sq / float64(b-a))
		}
	}

	sp, err := spectra(ctx, samples, sampleRate, runtime.GOMAXPROCS(0))
	if err != nil {
		return nil, err
	}
	// Attribute each window's measures to the frames its time falls in.
	counts := make([]int, n)
	for j := range sp.flux {
		i := int(math.Floor(sp.time(j) * fps))
		if i < 0 || i >= covered {
			continue
		}
		e.Onset[i] = max(e.Onset[i], sp.flux[j])
		e.Bass[i] += sp.bass[j]
		e.Mid[i] += sp.mid[j]
		e.Treble[i] += sp.treble[j]
		counts[i]++
	}
	for i, c := range counts {
		if c > 0 {
			e.Bass[i] = math.Sqrt(e.Bass[i] / float64(c))
			e.Mid[i] = math.Sqrt(e.Mid[i] / float64(c))
			e.Treble[i] = math.Sqrt(e.Treble[i] / float64(c))
		}
	}

	if opts.Beats {
		e.Beats, e.Tempo = beatGrid(sp, len(samples), sr)
		for _, t := range e.Beats {
			if i := int(math.Floor(t.Seconds() * fps)); i >= 0 && i < n {
				e.Beat[i] = 1
			}
		}
	}

	atk, rel := coefficient(opts.Attack, fps), coefficient(opts.Release, fps)
	for _, env := range []struct {
		v     []float64
		floor float64
	}{{e.RMS, levelFloor}, {e.Onset, onsetFloor}, {e.Bass, levelFloor}, {e.Mid, levelFloor}, {e.Treble, levelFloor}, {e.Beat, 1}} {
		follow(env.v, atk, rel)
		normalise(env.v, env.floor)
	}
	return e, nil
}

// frameSpan returns the samples [a, b) of frame i.
func frameSpan(i int, fps, sr float64, n int) (int, int) {
	a := int(math.Round(float64(i) / fps * sr))
	b := int(math.Round(float64(i+1) / fps * sr))
	return min(a, n), min(b, n)
}

// coefficient is the one-pole smoothing factor per frame for time
// constant tc: the share of the distance to the target covered in a frame.
func coefficient(tc time.Duration, fps float64) float64 {
	if tc <= 0 {
		return 1
	}
	return 1 - math.Exp(-1/(tc.Seconds()*fps))
}

// follow smooths v in place: towards larger values by atk per frame,
// towards smaller ones by rel.
func follow(v []float64, atk, rel float64) {
	y := 0.0
	for i, x := range v {
		if x > y {
			y += atk * (x - y)
		} else {
			y += rel * (x - y)
		}
		v[i] = y
	}
}

// normalise divides v by its maximum, or by floor when that is larger.
func normalise(v []float64, floor float64) {
	peak := floor
	for _, x := range v {
		peak = max(peak, x)
	}
	for i := range v {
		v[i] /= peak
	}
}

// spectrum holds the per-window measures of a track.
type spectrum struct {
	hop, size int
	rate      float64
	// flux, bass, mid and treble have one value per window; window j is
	// centred on sample j·hop.
	flux, bass, mid, treble []float64
}

// time returns the time in seconds a window's measures are attributed to.
// The flux of window j is the rise since window j-1; a sudden sound starts
// raising it when it enters the window's leading edge and peaks about a
// quarter window before the sound (the Hann weight rises fastest there),
// so flux is attributed a quarter window late, to the sound itself.
func (s *spectrum) time(j int) float64 {
	return float64(j*s.hop+s.size/4) / s.rate
}

// windowSize is the FFT length for a sample rate: the power of two nearest
// to 46 ms.
func windowSize(sampleRate int) int {
	n := 256
	for float64(n)*1.5 < 0.0464*float64(sampleRate) {
		n *= 2
	}
	return n
}

// spectra measures every window of the samples, split into contiguous
// blocks over workers goroutines (each with its own FFT). Every window is
// computed the same way whatever the split (a block also transforms the
// window before its first, for the flux), so the result does not depend
// on workers.
func spectra(ctx context.Context, samples []float32, sampleRate, workers int) (*spectrum, error) {
	size := windowSize(sampleRate)
	hop := size / 4
	windows := (len(samples) + hop - 1) / hop
	s := &spectrum{hop: hop, size: size, rate: float64(sampleRate),
		flux: make([]float64, windows), bass: make([]float64, windows),
		mid: make([]float64, windows), treble: make([]float64, windows)}
	const minBlock = 512
	workers = max(min(workers, windows/minBlock), 1)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[w] = s.measure(ctx, samples, w*windows/workers, (w+1)*windows/workers)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("audio: analysis: %w", err)
		}
	}
	return s, nil
}

// measure fills the measures of windows [from, to).
func (s *spectrum) measure(ctx context.Context, samples []float32, from, to int) error {
	size, hop := s.size, s.hop
	fft := fourier.NewFFT(size)
	hann := make([]float64, size)
	var wsum float64
	for k := range hann {
		hann[k] = 0.5 - 0.5*math.Cos(2*math.Pi*float64(k)/float64(size))
		wsum += hann[k]
	}
	// Magnitudes relative to full scale: a full-scale sine peaks at 1.
	scale := 2 / wsum
	binHz := s.rate / float64(size)
	bassEnd := min(int(BassMax/binHz)+1, size/2+1)
	midEnd := min(int(MidMax/binHz)+1, size/2+1)
	bandOf, bands := fluxBands(size, s.rate)
	seq := make([]float64, size)
	coeff := make([]complex128, size/2+1)
	prev := make([]float64, bands)
	cur := make([]float64, bands)
	for j := max(from-1, 0); j < to; j++ {
		if (j-from)%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		start := j*hop - size/2
		for k := range seq {
			v := 0.0
			if p := start + k; p >= 0 && p < len(samples) {
				v = float64(samples[p]) * hann[k]
			}
			seq[k] = v
		}
		fft.Coefficients(coeff, seq)
		var flux, bass, mid, treble float64
		clear(cur)
		for k, c := range coeff {
			re, im := real(c)*scale, imag(c)*scale
			pow := re*re + im*im
			if k > 0 {
				cur[bandOf[k]] += pow
			}
			switch {
			case k == 0: // DC says nothing about sound
			case k < bassEnd:
				bass += pow
			case k < midEnd:
				mid += pow
			default:
				treble += pow
			}
		}
		for b, pow := range cur {
			cur[b] = math.Log1p(fluxGain * math.Sqrt(pow))
			if d := cur[b] - prev[b]; d > 0 {
				flux += d
			}
		}
		if start < 0 {
			// The window hangs over the start, where the padding makes
			// everything rise; a track that starts loud is no onset.
			flux = 0
		}
		if j >= from {
			s.flux[j], s.bass[j], s.mid[j], s.treble[j] = flux, bass, mid, treble
		}
		prev, cur = cur, prev
	}
	return nil
}

// fluxBands groups the FFT bins 1..size/2 into bands a third of an octave
// wide from 40 Hz up (bins below 40 Hz join the first band; a band that
// would hold no bin is skipped). It returns each bin's band and the number
// of bands. Measuring the flux over bands rather than bins gives a kick
// drum (a few low bins) as much say as a hi-hat (hundreds of high bins).
func fluxBands(size int, rate float64) ([]int, int) {
	bandOf := make([]int, size/2+1)
	last, n := -1, 0
	for k := 1; k <= size/2; k++ {
		f := float64(k) * rate / float64(size)
		b := max(int(math.Floor(3*math.Log2(f/40))), 0)
		if b != last {
			last = b
			n++
		}
		bandOf[k] = n - 1
	}
	return bandOf, n
}
