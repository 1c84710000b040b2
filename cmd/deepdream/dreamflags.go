package main

import (
	"context"
	"flag"
	"fmt"
	"sort"
	"strings"

	"github.com/deepdream-go/deepdream/dream"
	"github.com/deepdream-go/deepdream/models"
	"github.com/deepdream-go/deepdream/models/native"
	"github.com/deepdream-go/deepdream/models/zoo"
	"github.com/deepdream-go/deepdream/pipeline/imageio"
)

// preset is a named recipe: values for the dream flags the user did not set.
type preset struct {
	summary string
	values  map[string]string
}

func presets() map[string]preset {
	return map[string]preset{
		"classic": {"the 2015 look: mixed3, 4 octaves of 10 steps", map[string]string{}},
		"gentle":  {"soft swirls that keep the picture readable", map[string]string{"layer": "mixed2", "octaves": "3", "steps": "8", "step-size": "1"}},
		"eyes":    {"dense eye-like orbs and specks", map[string]string{"layer": "mixed4", "steps": "14", "octaves": "5"}},
		"deep":    {"large structures from deeper features", map[string]string{"layer": "mixed5", "octaves": "5", "steps": "15", "octave-scale": "1.5"}},
		"trippy":  {"two layers mixed, Laplacian-normalised, very colourful", map[string]string{"layer": "mixed3=1,mixed5=0.6", "norm": "laplacian", "octaves": "5", "steps": "12"}},
	}
}

func presetNames() string {
	var names []string
	for n := range presets() {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// dreamFlags are the knobs of the DeepDream algorithm shared by image,
// video and zoom.
type dreamFlags struct {
	fs          *flag.FlagSet
	layer       string
	octaves     int
	octaveScale float64
	steps       int
	stepSize    float64
	jitter      int
	tile        int
	norm        string
	smooth      float64
	guide       string
	seed        uint64
	preset      string
}

func addDreamFlags(fs *flag.FlagSet) *dreamFlags {
	d := dream.DefaultParams()
	f := &dreamFlags{fs: fs}
	fs.StringVar(&f.layer, "layer", "", "what to amplify: a layer (mixed3), a channel (mixed4:97) or weighted layers (mixed3=1,mixed5=0.5); default: the model's default layer; see deepdream layers")
	fs.IntVar(&f.octaves, "octaves", d.Octaves, "number of scales dreamed, smallest first")
	floatVar(fs, &f.octaveScale, "octave-scale", d.OctaveScale, 1, 8, "size ratio between octaves")
	fs.IntVar(&f.steps, "steps", d.Steps, "gradient-ascent steps per octave")
	floatVar(fs, &f.stepSize, "step-size", d.StepSize, 0, 255, "step length in 0..255 pixel units (per step, on average)")
	fs.IntVar(&f.jitter, "jitter", d.Jitter, "largest random shift in pixels before each step (0: none)")
	fs.IntVar(&f.tile, "tile", d.Tile, "tile size for the gradient of large images; bounds memory (0: no tiling)")
	fs.StringVar(&f.norm, "norm", d.Norm, "gradient normalisation: mean-abs or laplacian")
	floatVar(fs, &f.smooth, "smooth", 0, 0, 100, "blur the gradient with this sigma in pixels (0: off)")
	fs.StringVar(&f.guide, "guide", "", "an image whose features to grow instead of the layer's own (guided dream)")
	fs.Uint64Var(&f.seed, "seed", 1, "random seed; the same input, flags and seed give the same output")
	fs.StringVar(&f.preset, "preset", "", "a named recipe ("+presetNames()+"); explicit flags win")
	return f
}

// applyPreset sets the preset's values for flags the user did not give.
func (f *dreamFlags) applyPreset() error {
	if f.preset == "" {
		return nil
	}
	p, ok := presets()[f.preset]
	if !ok {
		return usageErrorf("unknown --preset %q (known: %s)", f.preset, presetNames())
	}
	given := map[string]bool{}
	f.fs.Visit(func(fl *flag.Flag) { given[fl.Name] = true })
	for name, v := range p.values {
		if given[name] {
			continue
		}
		if err := f.fs.Set(name, v); err != nil {
			return fmt.Errorf("preset %s: %w", f.preset, err)
		}
	}
	return nil
}

// allLayerOps are the operations whose outputs --layer may name: what
// deepdream layers --all lists.
var allLayerOps = []string{"ConcatV2", "Concat", "Relu", "Relu6", "Conv2D", "BiasAdd", "MaxPool", "AvgPool", "LRN", "Add", "AddV2", "Mul", "FusedBatchNorm", "FusedBatchNormV3", "Identity"}

// layerInfos lists the layers the objective may name, with channel counts:
// the model's usual dream layers first (registry models), then every node
// that deepdream layers --all lists, for the built-in model as for a file.
func layerInfos(m *zoo.Model) ([]dream.LayerInfo, error) {
	ex, err := native.New(m.Graph, m.Spec, native.Options{Workers: 1})
	if err != nil {
		return nil, err
	}
	w, h := ex.MinSize()
	size := max(w, h, 299)
	var out []dream.LayerInfo
	seen := map[string]bool{}
	for _, name := range m.Layers {
		c, err := ex.Channels(name, size, size)
		if err != nil {
			return nil, err
		}
		out = append(out, dream.LayerInfo{Name: name, Channels: c})
		seen[name] = true
	}
	acts, err := ex.Layers(allLayerOps, size, size)
	if err != nil {
		return nil, err
	}
	for _, a := range acts {
		if !seen[a.Layer] {
			out = append(out, dream.LayerInfo{Name: a.Layer, Channels: a.Channels})
		}
	}
	return out, nil
}

// params builds the dream parameters, the objective included.
func (f *dreamFlags) params(ctx context.Context, m *zoo.Model, exec models.Executor) (dream.Params, error) {
	if err := f.applyPreset(); err != nil {
		return dream.Params{}, err
	}
	p := dream.DefaultParams()
	p.Octaves, p.OctaveScale, p.Steps, p.StepSize = f.octaves, f.octaveScale, f.steps, f.stepSize
	p.Jitter, p.Tile, p.Norm, p.Smooth, p.Seed = f.jitter, f.tile, f.norm, f.smooth, f.seed
	layers, err := layerInfos(m)
	if err != nil {
		return p, err
	}
	spec := f.layer
	if spec == "" {
		spec = m.DefaultLayer
		if spec == "" {
			return p, usageErrorf("--layer is required for a GraphDef file; choose one of: %s", layerNames(layers))
		}
	}
	obj, err := dream.ParseObjective(spec, layers)
	if err != nil {
		return p, usageError{fmt.Errorf("--layer: %w", err)}
	}
	if f.guide != "" {
		if len(obj.Terms) != 1 || obj.Terms[0].Kind != models.MeanSquare {
			return p, usageErrorf("--guide needs a single plain layer in --layer, got %q", spec)
		}
		pic, err := imageio.Read(f.guide)
		if err != nil {
			return p, fmt.Errorf("--guide: %w", err)
		}
		g := pic.Image
		// Guide features come from a moderate size, as in Google's notebook.
		if s := max(g.Width, g.Height); s > 512 {
			g = dream.Resize(g, max(1, g.Width*512/s), max(1, g.Height*512/s))
		}
		feats, err := dream.GuideFeatures(ctx, exec, g, obj.Terms[0].Layer, 4096)
		if err != nil {
			return p, fmt.Errorf("--guide: %w", err)
		}
		obj = dream.GuideObjective(obj.Terms[0].Layer, feats)
	}
	p.Objective = obj
	if err := p.Validate(); err != nil {
		return p, usageError{err}
	}
	return p, nil
}

func layerNames(l []dream.LayerInfo) string {
	var names []string
	for _, x := range l {
		names = append(names, x.Name)
	}
	if len(names) > 12 {
		names = append(names[:12], "… (see deepdream layers)")
	}
	return strings.Join(names, ", ")
}

// dreamJob is what every dreaming command sets up first: a context that
// Ctrl-C cancels, the model and its executor, and the dream parameters.
type dreamJob struct {
	ctx    context.Context
	stop   context.CancelFunc
	model  *zoo.Model
	exec   models.Executor
	params dream.Params
}

// startDreamJob opens the model and builds the parameters; call close when done.
func startDreamJob(mf *modelFlags, df *dreamFlags) (*dreamJob, error) {
	ctx, stop := signalContext()
	model, exec, err := mf.open()
	if err != nil {
		stop()
		return nil, err
	}
	p, err := df.params(ctx, model, exec)
	if err != nil {
		exec.Close()
		stop()
		return nil, err
	}
	return &dreamJob{ctx: ctx, stop: stop, model: model, exec: exec, params: p}, nil
}

func (j *dreamJob) close() {
	j.exec.Close()
	j.stop()
}
