// Package testnet builds a small convolutional network with fixed random
// weights as a real GraphDef. It dreams in milliseconds, so tests and
// examples of the pipeline can run whole jobs without the big model.
package testnet

import (
	"math/rand/v2"

	"github.com/deepdream-go/deepdream/models"
	"github.com/deepdream-go/deepdream/models/graphdef"
)

// Layer is the deepest layer of the network, the one to dream on.
const Layer = "conv2/relu"

// Spec is the network's input contract.
var Spec = models.Spec{InputNode: "input", PixelScale: 1.0 / 255}

// Graph returns the network: input → 3×3 conv (8 channels) → ReLU →
// 3×3 stride-2 conv (12 channels) → ReLU, with weights drawn from a fixed seed.
func Graph() *graphdef.Graph {
	rng := rand.New(rand.NewPCG(42, 1))
	g := &graphdef.Graph{Producer: 27}
	add := func(name, op string, inputs []string, attrs map[string]*graphdef.AttrValue) {
		if attrs == nil {
			attrs = map[string]*graphdef.AttrValue{}
		}
		if op != "Const" && op != "Placeholder" {
			attrs["T"] = &graphdef.AttrValue{Kind: graphdef.AttrType, Type: graphdef.DTFloat}
		}
		g.Nodes = append(g.Nodes, &graphdef.Node{Name: name, Op: op, Inputs: inputs, Attrs: attrs})
	}
	floatType := &graphdef.AttrValue{Kind: graphdef.AttrType, Type: graphdef.DTFloat}
	conv := func(name, in string, cin, cout, stride int64) {
		t := &graphdef.Tensor{DType: graphdef.DTFloat, Shape: []int64{3, 3, cin, cout}}
		t.Float = make([]float32, t.NumElements())
		for i := range t.Float {
			t.Float[i] = rng.Float32()*2 - 1
		}
		add(name+"/w", "Const", nil, map[string]*graphdef.AttrValue{"dtype": floatType, "value": {Kind: graphdef.AttrTensor, Tensor: t}})
		add(name, "Conv2D", []string{in, name + "/w"}, map[string]*graphdef.AttrValue{
			"strides": {Kind: graphdef.AttrList, List: &graphdef.AttrListValue{I: []int64{1, stride, stride, 1}}},
			"padding": {Kind: graphdef.AttrString, S: []byte("SAME")},
		})
		add(name+"/relu", "Relu", []string{name}, nil)
	}
	add("input", "Placeholder", nil, map[string]*graphdef.AttrValue{"dtype": floatType})
	conv("conv1", "input", 3, 8, 1)
	conv("conv2", "conv1/relu", 8, 12, 2)
	return g
}

// Bytes returns the network encoded as a frozen GraphDef (.pb) file.
func Bytes() []byte { return graphdef.Encode(Graph()) }
