// Package react maps audio envelopes onto animation parameters: the
// --react grammar, its presets, and the per-frame curves a mapping adds to
// the zoom rate, the rotation, the dream's step size and the cross-fade of
// a layer mix. It is pure: the envelopes come from package audio, and the
// caller turns the curves into the same per-frame schedules that the @time
// schedules of a zoom produce, so the dream loop never knows about music.
//
// # Grammar
//
// A mapping is a comma-separated list of entries:
//
//	PARAM=ENVELOPE:AMOUNT   add AMOUNT × envelope (0..1) to PARAM
//	attack=TIME             how fast envelopes follow a rise (default 10ms)
//	release=TIME            how fast they fall back (default 200ms)
//	PRESET                  the entries of a preset (see Preset)
//
// PARAM is zoom (magnification per second, added to --zoom), rotate
// (degrees per second, added to --rotate), step (added to the dream's step
// size) or layer. For layer, AMOUNT is an objective (a layer, or weighted
// layers joined by "+": mixed5=1+mixed3=0.5) that is cross-faded into the
// main objective by the envelope: at 0 the picture dreams the main layers,
// at 1 only the mixed-in ones. ENVELOPE is rms, onset, bass, mid, treble or
// beat (see package audio). TIME is a Go duration (150ms, 1s) or seconds,
// as in the @time schedules. Several entries for one PARAM add up; later
// attack/release entries override earlier ones (so a preset can be
// retuned: pulse,release=400ms).
//
// Example: zoom=onset:0.04,step=rms:1.5,layer=bass:mixed5
package react

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/deepdream-go/deepdream/pipeline/audio"
)

// Parameters a rule can drive.
const (
	Zoom   = "zoom"
	Rotate = "rotate"
	Step   = "step"
	Layer  = "layer"
)

// Rule adds Amount × an envelope to a parameter (Param Layer: cross-fades
// Objective in by the envelope).
type Rule struct {
	Param    string
	Envelope string
	// Amount is the value added when the envelope is 1 (not used by Layer).
	Amount float64
	// Objective is the objective mixed in by a Layer rule, as written
	// (dream.ParseObjective syntax with "+" between terms).
	Objective string
	// Preset names the preset the rule came from ("" when written out).
	Preset string
}

func (r Rule) String() string {
	if r.Param == Layer {
		return r.Param + "=" + r.Envelope + ":" + r.Objective
	}
	return r.Param + "=" + r.Envelope + ":" + strconv.FormatFloat(r.Amount, 'g', -1, 64)
}

// Mapping is a parsed --react value.
type Mapping struct {
	Rules []Rule
	// Attack and Release are the smoothing of the envelopes (see
	// audio.Options).
	Attack, Release time.Duration
}

// presets are the named mappings that --react accepts, tuned to look good
// on most music with the default zoom (1.175×/s) and step size (1.5):
//
//   - pulse: the zoom surges on every hit and the dream digs deeper when
//     the music is loud.
//   - beat: the zoom surges on the beat grid only, steady between beats.
//   - breathe: the zoom and the dream swell and ebb with the loudness,
//     slowly.
//   - bass: the bass kicks the zoom and turns the picture; treble sharpens
//     the dream.
var presets = map[string]string{
	"pulse":   "zoom=onset:1.2,step=rms:1,release=300ms",
	"beat":    "zoom=beat:1,release=200ms",
	"breathe": "zoom=rms:0.4,step=rms:1.5,attack=150ms,release=600ms",
	"bass":    "zoom=bass:0.6,rotate=bass:8,step=treble:1,release=300ms",
}

// Preset returns the mapping a preset name stands for (see presets for
// what each one does).
func Preset(name string) (mapping string, ok bool) {
	mapping, ok = presets[name]
	return mapping, ok
}

// PresetNames returns the preset names, sorted.
func PresetNames() []string {
	names := make([]string, 0, len(presets))
	for n := range presets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// DefaultAttack and DefaultRelease are the smoothing when a mapping does
// not set it.
const (
	DefaultAttack  = 10 * time.Millisecond
	DefaultRelease = 200 * time.Millisecond
)

// Parse reads a --react value. It checks the names and numbers; a Layer
// rule's objective is checked by the caller, which knows the model.
func Parse(spec string) (*Mapping, error) {
	m := &Mapping{Attack: DefaultAttack, Release: DefaultRelease}
	if err := m.parse(spec, spec, ""); err != nil {
		return nil, err
	}
	if len(m.Rules) == 0 {
		return nil, fmt.Errorf("react %q: no PARAM=ENVELOPE:AMOUNT entry (e.g. zoom=onset:0.5, or a preset: %s)", spec, strings.Join(PresetNames(), ", "))
	}
	layers := 0
	for _, r := range m.Rules {
		if r.Param == Layer {
			layers++
		}
	}
	if layers > 1 {
		return nil, fmt.Errorf("react %q: more than one layer= entry; mix several layers into one with +, e.g. layer=bass:mixed5=1+mixed6=0.5", spec)
	}
	return m, nil
}

func (m *Mapping) parse(whole, spec, preset string) error {
	for _, raw := range strings.Split(spec, ",") {
		entry := strings.TrimSpace(raw)
		if entry == "" {
			return fmt.Errorf("react %q: empty entry (stray comma?)", whole)
		}
		key, val, ok := strings.Cut(entry, "=")
		key = strings.TrimSpace(key)
		if !ok {
			name := strings.ToLower(key)
			expansion, known := Preset(name)
			if !known || preset != "" {
				return fmt.Errorf("react %q: %q is not a preset (%s) nor PARAM=ENVELOPE:AMOUNT", whole, entry, strings.Join(PresetNames(), ", "))
			}
			if err := m.parse(whole, expansion, name); err != nil {
				return err
			}
			continue
		}
		switch key {
		case "attack", "release":
			d, err := parseTime(val)
			if err != nil {
				return fmt.Errorf("react %q: %s: %w", whole, key, err)
			}
			if key == "attack" {
				m.Attack = d
			} else {
				m.Release = d
			}
			continue
		case Zoom, Rotate, Step, Layer:
		default:
			return fmt.Errorf("react %q: unknown parameter %q (want zoom, rotate, step, layer, attack or release)", whole, key)
		}
		env, amount, ok := strings.Cut(val, ":")
		env = strings.ToLower(strings.TrimSpace(env))
		amount = strings.TrimSpace(amount)
		if !ok || amount == "" {
			return fmt.Errorf("react %q: %q needs an amount: write %s=ENVELOPE:AMOUNT, e.g. %s", whole, entry, key, example(key))
		}
		if !validEnvelope(env) {
			return fmt.Errorf("react %q: unknown envelope %q in %q (want %s)", whole, env, entry, strings.Join(audio.Names(), ", "))
		}
		r := Rule{Param: key, Envelope: env, Preset: preset}
		if key == Layer {
			r.Objective = amount
		} else {
			v, err := strconv.ParseFloat(amount, 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > 1e6 {
				return fmt.Errorf("react %q: amount %q in %q is not a number", whole, amount, entry)
			}
			r.Amount = v
		}
		m.Rules = append(m.Rules, r)
	}
	return nil
}

func example(param string) string {
	switch param {
	case Zoom:
		return "zoom=onset:0.5"
	case Rotate:
		return "rotate=bass:10"
	case Step:
		return "step=rms:1.5"
	}
	return "layer=bass:mixed5"
}

func validEnvelope(name string) bool {
	for _, n := range audio.Names() {
		if n == name {
			return true
		}
	}
	return false
}

// parseTime reads "150ms", "1s" or a number of seconds, at most a minute.
func parseTime(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	d, err := time.ParseDuration(s)
	if err != nil {
		v, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || math.IsNaN(v) {
			return 0, fmt.Errorf("%q is not a time (use 150ms, 1s or 0.5)", s)
		}
		d = time.Duration(math.Round(v * float64(time.Second)))
	}
	if d < 0 || d > time.Minute {
		return 0, fmt.Errorf("%q is outside 0..1m", s)
	}
	return d, nil
}

// String writes the mapping back in the grammar, presets expanded.
func (m *Mapping) String() string {
	parts := make([]string, 0, len(m.Rules)+2)
	for _, r := range m.Rules {
		parts = append(parts, r.String())
	}
	parts = append(parts, "attack="+m.Attack.String(), "release="+m.Release.String())
	return strings.Join(parts, ",")
}

// Drives reports whether any rule drives param.
func (m *Mapping) Drives(param string) bool {
	for _, r := range m.Rules {
		if r.Param == param {
			return true
		}
	}
	return false
}

// For returns the mapping restricted to the parameters a command can
// drive (a video has no zoom or rotation). A rule written out for another
// parameter is an error; a preset's rules for other parameters are left
// out, as long as the preset drives something here.
func (m *Mapping) For(allowed ...string) (*Mapping, error) {
	out := &Mapping{Attack: m.Attack, Release: m.Release}
	trimmed := map[string]bool{} // presets that lost rules here
	for _, r := range m.Rules {
		if slices.Contains(allowed, r.Param) {
			out.Rules = append(out.Rules, r)
			continue
		}
		if r.Preset == "" {
			return nil, fmt.Errorf("react: %s= does not apply here (this command takes %s)", r.Param, strings.Join(allowed, ", "))
		}
		trimmed[r.Preset] = true
	}
	if len(out.Rules) == 0 {
		return nil, fmt.Errorf("react: preset %s drives nothing this command has (it takes %s)", strings.Join(slices.Sorted(maps.Keys(trimmed)), ", "), strings.Join(allowed, ", "))
	}
	return out, nil
}

// Offsets returns, per frame, the sum of Amount × envelope over the rules
// for param (all zeros when none drives it).
func (m *Mapping) Offsets(param string, e *audio.Envelopes) ([]float64, error) {
	out := make([]float64, e.Frames())
	for _, r := range m.Rules {
		if r.Param != param || param == Layer {
			continue
		}
		env, err := e.Get(r.Envelope)
		if err != nil {
			return nil, err
		}
		for i, v := range env {
			out[i] += r.Amount * v
		}
	}
	return out, nil
}

// LayerMix returns the objective of the layer rule, as written, and per
// frame the share it takes (the envelope, 0..1); ok is false when the
// mapping has no layer rule.
func (m *Mapping) LayerMix(e *audio.Envelopes) (objective string, share []float64, ok bool) {
	for _, r := range m.Rules {
		if r.Param != Layer {
			continue
		}
		env, err := e.Get(r.Envelope)
		if err != nil {
			return "", nil, false // Parse admits only known envelopes
		}
		return r.Objective, append([]float64(nil), env...), true
	}
	return "", nil, false
}

// AnalysisOptions returns the audio analysis options for this mapping at
// frameRate, for frames frames (0: as many as the track spans). The beat
// grid is computed only when a rule uses it.
func (m *Mapping) AnalysisOptions(frameRate float64, frames int) audio.Options {
	o := audio.Options{FrameRate: frameRate, Frames: frames, Attack: m.Attack, Release: m.Release}
	for _, r := range m.Rules {
		o.Beats = o.Beats || r.Envelope == audio.Beat
	}
	return o
}

// Limits a mapped value is held within, the ranges the zoom command
// accepts: the zoom rate (a factor per second) within MinZoom..MaxZoom,
// the step size within MinStep..MaxStep, the rotation within ±MaxRotate
// degrees per second.
const (
	MinZoom, MaxZoom = 0.1, 10
	MinStep, MaxStep = 0.05, 255
	MaxRotate        = 3600
)

// Value returns base plus offset for param, held within its limits.
func Value(param string, base, offset float64) float64 {
	v := base + offset
	switch param {
	case Zoom:
		return min(max(v, MinZoom), MaxZoom)
	case Step:
		return min(max(v, MinStep), MaxStep)
	case Rotate:
		return min(max(v, -MaxRotate), MaxRotate)
	}
	return v
}

// Curve returns the value of param for every frame: base(i) plus the
// mapping's offset, held within the limits (see Value).
func (m *Mapping) Curve(param string, base func(frame int) float64, e *audio.Envelopes) ([]float64, error) {
	off, err := m.Offsets(param, e)
	if err != nil {
		return nil, err
	}
	for i := range off {
		off[i] = Value(param, base(i), off[i])
	}
	return off, nil
}
