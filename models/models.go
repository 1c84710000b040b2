// Package models holds what every executor and every caller of a network
// agrees on: images in pixel units, objectives over named layers, the
// Executor interface, and the input contract of a model (Spec). Sub-packages
// decode GraphDef files (graphdef) and execute them (native, tensorflow).
package models

import (
	"context"
	"fmt"
)

// Image is an RGB image in pixel units: Pix holds Height*Width*3 float32
// values, row-major, channels interleaved, nominally in 0..255.
type Image struct {
	Width, Height int
	Pix           []float32
}

// NewImage returns a black image of the given size.
func NewImage(width, height int) *Image {
	return &Image{Width: width, Height: height, Pix: make([]float32, width*height*3)}
}

// Activation is the value of one layer for one image: Height*Width*Channels
// float32 values, row-major (NHWC without the batch dimension).
type Activation struct {
	Layer                   string
	Height, Width, Channels int
	Data                    []float32
}

// TermKind selects the objective computed over one layer.
type TermKind int

const (
	// MeanSquare is mean(a²) over every element of the layer.
	MeanSquare TermKind = iota
	// MeanChannel is mean(a[..., Channel]).
	MeanChannel
	// GuideDot is mean over positions p of max_j <a_p, g_j>, where g_j are
	// the guide feature vectors (Google's 2015 guided dream). With a single
	// guide vector it is the mean dot product with that vector.
	GuideDot
)

// Term is one weighted part of an objective.
type Term struct {
	Kind    TermKind
	Layer   string
	Channel int     // MeanChannel only
	Weight  float64 // 0 is treated as 1
	// Guide holds GuideCount vectors of the layer's channel count, back to
	// back (GuideDot only).
	Guide []float32
}

// Objective is a weighted sum of terms, maximised by dreaming.
type Objective struct {
	Terms []Term
}

// MeanSquareOf returns the classic objective: mean of squares of one layer.
func MeanSquareOf(layer string) Objective {
	return Objective{Terms: []Term{{Kind: MeanSquare, Layer: layer, Weight: 1}}}
}

// Layers returns the distinct layers the objective reads, in order of first use.
func (o Objective) Layers() []string {
	var out []string
	seen := map[string]bool{}
	for _, t := range o.Terms {
		if !seen[t.Layer] {
			seen[t.Layer] = true
			out = append(out, t.Layer)
		}
	}
	return out
}

// Executor runs one network. Implementations are safe for use by one
// goroutine at a time and use all cores internally.
type Executor interface {
	// Activations runs the network forward on img and returns the named layers.
	Activations(ctx context.Context, img *Image, layers []string) ([]Activation, error)
	// Gradient returns the objective's value for img and writes its gradient
	// with respect to the pixels of img into grad (len(img.Pix) values).
	Gradient(ctx context.Context, img *Image, obj Objective, grad []float32) (float64, error)
	// MinSize is the smallest width and height the network accepts.
	MinSize() (width, height int)
	// Close releases resources held by the executor.
	Close() error
}

// Spec is the input contract of a model: which placeholder takes the image
// and how pixels 0..255 map to network input (input = pixel*Scale + Offset).
type Spec struct {
	InputNode   string
	PixelScale  float32
	PixelOffset float32
}

// Validate reports a spec that cannot drive a network.
func (s Spec) Validate() error {
	if s.InputNode == "" {
		return fmt.Errorf("model spec: empty input node name")
	}
	if s.PixelScale == 0 {
		return fmt.Errorf("model spec: pixel scale is 0, every image would look the same to the network")
	}
	return nil
}
