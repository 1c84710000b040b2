package pipeline

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/deepdream-go/deepdream/dream"
	"github.com/deepdream-go/deepdream/models"
)

// SchedulePoint is one point of a Schedule: Value from time At on.
type SchedulePoint struct {
	At    time.Duration
	Value float64
}

// Schedule is a value that changes over time: linear interpolation between
// keys, held constant before the first and after the last. A schedule with
// one key is a constant. Keys are sorted by At, with distinct times.
type Schedule []SchedulePoint

// Key is the old name of SchedulePoint.
//
// Deprecated: use SchedulePoint; "key" also names keyframes and the
// checkpoint hash.
type Key = SchedulePoint

// Constant returns a schedule that is v at all times.
func Constant(v float64) Schedule { return Schedule{{0, v}} }

// At returns the value at time t.
func (s Schedule) At(t time.Duration) float64 {
	if len(s) == 0 {
		return 0
	}
	if t <= s[0].At {
		return s[0].Value
	}
	// The first key after t (schedules from audio have a key per frame).
	i := sort.Search(len(s), func(i int) bool { return s[i].At > t })
	if i == len(s) {
		return s[len(s)-1].Value
	}
	a, b := s[i-1], s[i]
	u := float64(t-a.At) / float64(b.At-a.At)
	return a.Value + u*(b.Value-a.Value)
}

// ParseSchedule parses "1.05" (a constant) or "1.02@0s,1.05@5s" (values at
// times, linearly interpolated). Times are Go durations (5s, 1m30s, 500ms)
// or plain seconds (5, 2.5), ascending; the first key may come after 0 (the
// value is held until then). check, when not nil, validates every value.
func ParseSchedule(spec string, check func(float64) error) (Schedule, error) {
	var s Schedule
	parts := strings.Split(spec, ",")
	for _, raw := range parts {
		part := strings.TrimSpace(raw)
		if part == "" {
			return nil, fmt.Errorf("schedule %q: empty entry (stray comma?)", spec)
		}
		vs, ts, timed := strings.Cut(part, "@")
		if !timed && len(parts) > 1 {
			return nil, fmt.Errorf("schedule %q: entry %q has no time; write VALUE@TIME, e.g. 1.02@0s,1.05@5s", spec, part)
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(vs), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("schedule %q: %q is not a finite number", spec, strings.TrimSpace(vs))
		}
		if check != nil {
			if err := check(v); err != nil {
				return nil, fmt.Errorf("schedule %q: %w", spec, err)
			}
		}
		var at time.Duration
		if timed {
			if at, err = parseTime(ts); err != nil {
				return nil, fmt.Errorf("schedule %q: %w", spec, err)
			}
		}
		if n := len(s); n > 0 && at <= s[n-1].At {
			return nil, fmt.Errorf("schedule %q: times must increase (%v after %v)", spec, at, s[n-1].At)
		}
		s = append(s, SchedulePoint{At: at, Value: v})
	}
	return s, nil
}

// parseTime reads "5s", "1m30s", "500ms" or a number of seconds.
func parseTime(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return d, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || v < 0 || v > 1e6 {
		return 0, fmt.Errorf("%q is not a time (use 5s, 1m30s, 500ms or 2.5)", s)
	}
	return time.Duration(math.Round(v * float64(time.Second))), nil
}

// TimedObjective is an objective that takes over at time At.
type TimedObjective struct {
	At        time.Duration
	Objective models.Objective
}

// ParseLayerSchedule parses "mixed3@0s,mixed5@8s": objectives that take
// over at the given times. Each entry is an objective as dream.ParseObjective
// reads it, with "+" instead of "," between weighted terms
// (mixed3=1+mixed5=0.5@4s) and "@TIME" after it; a single entry without a
// time holds for the whole animation. layers, when not empty, lists the valid
// layers.
func ParseLayerSchedule(spec string, layers []dream.LayerInfo) ([]TimedObjective, error) {
	var out []TimedObjective
	parts := strings.Split(spec, ",")
	for _, raw := range parts {
		part := strings.TrimSpace(raw)
		if part == "" {
			return nil, fmt.Errorf("layer schedule %q: empty entry (stray comma?)", spec)
		}
		spec1, ts, timed := strings.Cut(part, "@")
		if !timed && len(parts) > 1 {
			return nil, fmt.Errorf("layer schedule %q: entry %q has no time; write LAYER@TIME, e.g. mixed3@0s,mixed5@8s", spec, part)
		}
		obj, err := dream.ParseObjective(strings.ReplaceAll(spec1, "+", ","), layers)
		if err != nil {
			return nil, fmt.Errorf("layer schedule: %w", err)
		}
		var at time.Duration
		if timed {
			if at, err = parseTime(ts); err != nil {
				return nil, fmt.Errorf("layer schedule %q: %w", spec, err)
			}
		}
		if n := len(out); n > 0 && at <= out[n-1].At {
			return nil, fmt.Errorf("layer schedule %q: times must increase (%v after %v)", spec, at, out[n-1].At)
		}
		out = append(out, TimedObjective{At: at, Objective: obj})
	}
	return out, nil
}

// objectiveAt returns the objective at time t: the entry in force, or while
// a cross-fade of length fade runs (starting at an entry's time) a weighted
// sum of the outgoing and the incoming objective's terms.
func objectiveAt(sched []TimedObjective, fade time.Duration, t time.Duration) models.Objective {
	i := sort.Search(len(sched), func(i int) bool { return sched[i].At > t }) - 1
	if i < 0 {
		return sched[0].Objective
	}
	if i == 0 || fade <= 0 || t >= sched[i].At+fade {
		return sched[i].Objective
	}
	u := float64(t-sched[i].At) / float64(fade)
	if u <= 0 {
		return sched[i-1].Objective
	}
	return mixObjectives(sched[i-1].Objective, sched[i].Objective, u)
}
