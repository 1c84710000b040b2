package dream

import (
	"context"
	"fmt"

	"github.com/deepdream-go/deepdream/models"
)

// Activator runs a network forward and returns named layers.
// models.Executor satisfies it.
type Activator interface {
	Activations(ctx context.Context, img *models.Image, layers []string) ([]models.Activation, error)
}

var _ Activator = models.Executor(nil)

// GuideFeatures returns the feature vectors of guide at layer, back to back
// (Channels values per position), ready for a models.GuideDot term. When the
// layer has more than maxVectors positions, maxVectors of them are kept,
// spread evenly in row-major order (position floor(i*P/maxVectors) for i =
// 0..maxVectors-1), so the choice is deterministic. maxVectors <= 0 keeps
// every position.
func GuideFeatures(ctx context.Context, net Activator, guide *models.Image, layer string, maxVectors int) ([]float32, error) {
	if err := checkImage("guide", guide); err != nil {
		return nil, err
	}
	acts, err := net.Activations(ctx, guide, []string{layer})
	if err != nil {
		return nil, fmt.Errorf("dream: guide features at %s: %w", layer, err)
	}
	var a *models.Activation
	for i := range acts {
		if acts[i].Layer == layer {
			a = &acts[i]
		}
	}
	if a == nil {
		return nil, fmt.Errorf("dream: guide features: network returned no layer %q", layer)
	}
	c := a.Channels
	pos := a.Height * a.Width
	if c <= 0 || pos <= 0 || len(a.Data) != pos*c {
		return nil, fmt.Errorf("dream: guide features: layer %q has shape %dx%dx%d with %d values",
			layer, a.Height, a.Width, c, len(a.Data))
	}
	if maxVectors <= 0 || maxVectors >= pos {
		return append([]float32(nil), a.Data...), nil
	}
	out := make([]float32, 0, maxVectors*c)
	for i := 0; i < maxVectors; i++ {
		p := int(int64(i) * int64(pos) / int64(maxVectors))
		out = append(out, a.Data[p*c:(p+1)*c]...)
	}
	return out, nil
}

// GuideObjective returns the objective that pulls layer towards the guide
// features (as returned by GuideFeatures).
func GuideObjective(layer string, features []float32) models.Objective {
	return models.Objective{Terms: []models.Term{{Kind: models.GuideDot, Layer: layer, Weight: 1, Guide: features}}}
}
