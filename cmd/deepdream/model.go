package main

import (
	"flag"
	"fmt"
	"math"

	"github.com/deepdream-go/deepdream/models"
	"github.com/deepdream-go/deepdream/models/native"
	"github.com/deepdream-go/deepdream/models/zoo"
)

// modelFlags are the flags every command that runs a network shares.
type modelFlags struct {
	model       string
	inputNode   string
	pixelScale  float64
	pixelOffset string
	engine      string
}

func addModelFlags(fs *flag.FlagSet) *modelFlags {
	m := &modelFlags{}
	fs.StringVar(&m.model, "model", zoo.DefaultModel, "model: a registry name (see: deepdream models list) or a frozen GraphDef file (.pb)")
	fs.StringVar(&m.inputNode, "input-node", "", "input placeholder of a GraphDef file (default \"input\")")
	floatVar(fs, &m.pixelScale, "pixel-scale", 0, -1e6, 1e6, "network input = pixel*scale + offset, pixels in 0..255 (default: the model's own, 1 for files)")
	fs.StringVar(&m.pixelOffset, "pixel-offset", "", "see --pixel-scale (default: the model's own, 0 for files)")
	fs.StringVar(&m.engine, "engine", "native", "executor: native (pure Go, default) or tensorflow (needs a binary built with -tags tensorflow)")
	return m
}

func (m *modelFlags) source() (zoo.Source, error) {
	src := zoo.Source{Name: m.model, InputNode: m.inputNode, PixelScale: float32(m.pixelScale)}
	if m.pixelOffset != "" {
		v, err := parseFinite(m.pixelOffset)
		if err != nil || math.Abs(v) > 1e6 {
			return src, usageErrorf("--pixel-offset %q is not a number in -1e6..1e6", m.pixelOffset)
		}
		f := float32(v)
		src.PixelOffset = &f
	}
	return src, nil
}

// open loads the model and builds the chosen executor.
func (m *modelFlags) open() (*zoo.Model, models.Executor, error) {
	src, err := m.source()
	if err != nil {
		return nil, nil, err
	}
	model, err := zoo.Open(src)
	if err != nil {
		return nil, nil, err
	}
	var exec models.Executor
	switch m.engine {
	case "native":
		exec, err = native.New(model.Graph, model.Spec, native.Options{})
	case "tensorflow":
		exec, err = newTensorFlowExecutor(model)
	default:
		return nil, nil, fmt.Errorf("--engine %q is not known; use native or tensorflow", m.engine)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("model %s: %w", model.Name, err)
	}
	return model, exec, nil
}
