package dream

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/deepdream-go/deepdream/models"
)

// Gradient normalisations accepted by Params.Norm.
const (
	// NormMeanAbs divides the gradient by its mean absolute value, as in
	// Google's 2015 notebook: img += StepSize * g / mean|g|.
	NormMeanAbs = "mean-abs"
	// NormLaplacian normalises the gradient band by band over a Laplacian
	// pyramid of LaplacianLevels levels (TensorFlow DeepDream tutorial).
	NormLaplacian = "laplacian"
)

// Params controls one dream. The zero value is not usable; start from
// DefaultParams and set Objective.
type Params struct {
	// Octaves is the number of scales, the full image included. Octaves
	// smaller than the network's minimum input are skipped.
	Octaves int
	// OctaveScale is the size ratio between successive octaves (> 1).
	OctaveScale float64
	// Steps is the number of gradient-ascent steps per octave.
	Steps int
	// StepSize is the step length in pixel units (0..255 scale). With
	// NormMeanAbs every step moves pixels by StepSize on average.
	StepSize float64
	// Jitter is the largest random cyclic shift, in pixels along x and y,
	// applied before each step and undone after (0 disables it).
	Jitter int
	// Tile is the largest side of the tiles the gradient is computed on
	// when an octave is larger than a tile, bounding memory; the image is
	// rolled by a random offset first so that tile borders move every step
	// and leave no seams. Each row and column is split into near-equal
	// tiles; tiles that would be narrower than the network's minimum input
	// are merged with their neighbours (so with Tile below twice that
	// minimum some tiles exceed Tile). 0 disables tiling.
	Tile int
	// Norm is the gradient normalisation: NormMeanAbs (also used when empty)
	// or NormLaplacian.
	Norm string
	// LaplacianLevels is the number of pyramid levels for NormLaplacian.
	LaplacianLevels int
	// Smooth, when > 0, blurs the gradient with a Gaussian of this standard
	// deviation in pixels (at the current octave) before normalisation.
	Smooth float64
	// Mirror, when set, shows the network the image mirrored left-right,
	// top-bottom, both or neither, chosen at random before each step (the
	// gradient is mirrored back). The network's own asymmetries then cancel
	// out: without it, InceptionV3 grows its structures in rows along one
	// diagonal, which a long zoom accumulates into a woven pattern.
	Mirror bool
	// Seed drives all randomness (jitter, tile offsets, mirroring). The same image,
	// parameters and seed give a bit-identical result.
	Seed uint64
	// Objective is what the dream maximises. It must be set.
	Objective models.Objective
}

// DefaultParams returns the classic settings: 4 octaves of scale 1.4, 10
// steps of 1.5 per octave, jitter 32, tiles of 512, mean-abs normalisation,
// no smoothing, seed 0. Objective is left empty: set it from the model.
func DefaultParams() Params {
	return Params{
		Octaves:         4,
		OctaveScale:     1.4,
		Steps:           10,
		StepSize:        1.5,
		Jitter:          32,
		Tile:            512,
		Norm:            NormMeanAbs,
		LaplacianLevels: 4,
	}
}

// Validate reports parameters that cannot make a sensible dream, naming the
// field and the accepted range.
func (p Params) Validate() error {
	var errs []string
	bad := func(format string, a ...any) { errs = append(errs, fmt.Sprintf(format, a...)) }
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	if p.Octaves < 1 || p.Octaves > 32 {
		bad("octaves = %d, want 1..32", p.Octaves)
	}
	if !finite(p.OctaveScale) || p.OctaveScale <= 1 || p.OctaveScale > 8 {
		bad("octave scale = %g, want a ratio above 1 and at most 8 (1.4 is classic)", p.OctaveScale)
	}
	if p.Steps < 1 {
		bad("steps = %d, want at least 1", p.Steps)
	}
	if !finite(p.StepSize) || p.StepSize <= 0 || p.StepSize > 255 {
		bad("step size = %g, want a value above 0 and at most 255 pixel units (1.5 is classic)", p.StepSize)
	}
	if p.Jitter < 0 {
		bad("jitter = %d, want 0 (off) or more pixels", p.Jitter)
	}
	if p.Tile < 0 {
		bad("tile = %d, want 0 (no tiling) or a tile side in pixels", p.Tile)
	}
	switch p.Norm {
	case "", NormMeanAbs:
	case NormLaplacian:
		if p.LaplacianLevels < 1 || p.LaplacianLevels > 16 {
			bad("laplacian levels = %d, want 1..16", p.LaplacianLevels)
		}
	default:
		bad("norm = %q, want %q or %q", p.Norm, NormMeanAbs, NormLaplacian)
	}
	if !finite(p.Smooth) || p.Smooth < 0 || p.Smooth > 100 {
		bad("smooth = %g, want 0 (off) up to 100 pixels", p.Smooth)
	}
	if err := validateObjective(p.Objective); err != nil {
		bad("%v", err)
	}
	if len(errs) > 0 {
		return fmt.Errorf("dream parameters: %s", strings.Join(errs, "; "))
	}
	return nil
}

// validateObjective checks the shape of an objective (not the layer names,
// which only the network knows).
func validateObjective(o models.Objective) error {
	if len(o.Terms) == 0 {
		return errors.New(`objective is empty, set one such as models.MeanSquareOf("mixed4")`)
	}
	for i, t := range o.Terms {
		if t.Layer == "" {
			return fmt.Errorf("objective term %d has no layer", i+1)
		}
		if math.IsNaN(t.Weight) || math.IsInf(t.Weight, 0) {
			return fmt.Errorf("objective term %d (%s) has weight %g, want a finite number", i+1, t.Layer, t.Weight)
		}
		switch t.Kind {
		case models.MeanSquare:
		case models.MeanChannel:
			if t.Channel < 0 {
				return fmt.Errorf("objective term %d (%s) has channel %d, want 0 or more", i+1, t.Layer, t.Channel)
			}
		case models.GuideDot:
			if len(t.Guide) == 0 {
				return fmt.Errorf("objective term %d (%s) is guided but has no guide features (see GuideFeatures)", i+1, t.Layer)
			}
		default:
			return fmt.Errorf("objective term %d (%s) has unknown kind %d", i+1, t.Layer, int(t.Kind))
		}
	}
	return nil
}
