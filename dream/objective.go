package dream

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/deepdream-go/deepdream/models"
)

// LayerInfo names a layer a model offers for dreaming and its channel count.
type LayerInfo struct {
	Name     string
	Channels int
}

// ParseObjective turns a command-line objective into a models.Objective.
// The spec is a comma-separated list of terms, each
//
//	layer            mean of squares of the layer (models.MeanSquare)
//	layer:channel    mean of one channel (models.MeanChannel)
//	term=weight      either of the above with a weight (default 1)
//
// for example "mixed3", "mixed4:97" or "mixed3=1,mixed5=0.5". When layers is
// not empty, layer names must be among them and channels in range; errors
// then list the valid layers or the channel range. Weights must be finite
// and non-zero (a negative weight suppresses a layer).
func ParseObjective(spec string, layers []LayerInfo) (models.Objective, error) {
	var obj models.Objective
	if strings.TrimSpace(spec) == "" {
		return obj, fmt.Errorf("empty objective%s", validList(layers))
	}
	for _, raw := range strings.Split(spec, ",") {
		part := strings.TrimSpace(raw)
		if part == "" {
			return models.Objective{}, fmt.Errorf("objective %q: empty term (stray comma?)", spec)
		}
		t := models.Term{Kind: models.MeanSquare, Weight: 1}
		name := part
		if i := strings.LastIndexByte(name, '='); i >= 0 {
			ws := strings.TrimSpace(name[i+1:])
			w, err := strconv.ParseFloat(ws, 64)
			if err != nil || math.IsNaN(w) || math.IsInf(w, 0) {
				return models.Objective{}, fmt.Errorf("objective term %q: weight %q is not a finite number", part, ws)
			}
			if w == 0 {
				return models.Objective{}, fmt.Errorf("objective term %q: weight 0 would ignore the layer; drop the term instead", part)
			}
			t.Weight = w
			name = strings.TrimSpace(name[:i])
		}
		if i := strings.LastIndexByte(name, ':'); i >= 0 {
			cs := strings.TrimSpace(name[i+1:])
			c, err := strconv.Atoi(cs)
			if err != nil || c < 0 {
				return models.Objective{}, fmt.Errorf("objective term %q: channel %q is not a non-negative integer", part, cs)
			}
			t.Kind = models.MeanChannel
			t.Channel = c
			name = strings.TrimSpace(name[:i])
		}
		if name == "" {
			return models.Objective{}, fmt.Errorf("objective term %q: missing layer name%s", part, validList(layers))
		}
		t.Layer = name
		if len(layers) > 0 {
			info, ok := findLayer(layers, name)
			if !ok {
				return models.Objective{}, fmt.Errorf("objective term %q: unknown layer %q%s", part, name, validList(layers))
			}
			if t.Kind == models.MeanChannel && info.Channels > 0 && t.Channel >= info.Channels {
				return models.Objective{}, fmt.Errorf("objective term %q: channel %d out of range, layer %s has channels 0..%d",
					part, t.Channel, name, info.Channels-1)
			}
		}
		obj.Terms = append(obj.Terms, t)
	}
	return obj, nil
}

func findLayer(layers []LayerInfo, name string) (LayerInfo, bool) {
	for _, l := range layers {
		if l.Name == name {
			return l, true
		}
	}
	return LayerInfo{}, false
}

// validList formats "; valid layers: a (64 channels), b (128 channels)".
func validList(layers []LayerInfo) string {
	if len(layers) == 0 {
		return ""
	}
	parts := make([]string, len(layers))
	for i, l := range layers {
		parts[i] = fmt.Sprintf("%s (%d channels)", l.Name, l.Channels)
	}
	return "; valid layers: " + strings.Join(parts, ", ")
}
