package graphdef_test

import (
	"fmt"
	"log"

	"github.com/deepdream-go/deepdream/models/graphdef"
)

// Build a tiny graph, encode it as a GraphDef, decode it back and read the
// attributes an executor needs.
func Example() {
	g := &graphdef.Graph{Producer: 27, Nodes: []*graphdef.Node{
		{Name: "input", Op: "Placeholder", Attrs: map[string]*graphdef.AttrValue{
			"dtype": {Kind: graphdef.AttrType, Type: graphdef.DTFloat},
			"shape": {Kind: graphdef.AttrShape, Shape: &graphdef.Shape{Dims: []int64{-1, -1, -1, 3}}},
		}},
		{Name: "conv/kernel", Op: "Const", Attrs: map[string]*graphdef.AttrValue{
			"dtype": {Kind: graphdef.AttrType, Type: graphdef.DTFloat},
			// A short value slice is repeated to fill the shape: 1x1x3x2 of 0.5.
			"value": {Kind: graphdef.AttrTensor, Tensor: &graphdef.Tensor{
				DType: graphdef.DTFloat, Shape: []int64{1, 1, 3, 2}, Float: []float32{0.5}}},
		}},
		{Name: "conv", Op: "Conv2D", Inputs: []string{"input:0", "conv/kernel"}, Attrs: map[string]*graphdef.AttrValue{
			"T":       {Kind: graphdef.AttrType, Type: graphdef.DTFloat},
			"strides": {Kind: graphdef.AttrList, List: &graphdef.AttrListValue{I: []int64{1, 1, 1, 1}}},
			"padding": {Kind: graphdef.AttrString, S: []byte("SAME")},
		}},
	}}
	data := graphdef.Encode(g)

	g2, err := graphdef.Decode(data)
	if err != nil {
		log.Fatal(err)
	}
	conv := g2.Node("conv")
	strides, _ := conv.AttrInts("strides")
	padding, _ := conv.AttrString("padding")
	format, _ := conv.AttrStringOr("data_format", "NHWC")
	src, out, _, _ := graphdef.ParseInput(conv.Inputs[0])
	kernel, _ := g2.Node(conv.Inputs[1]).AttrTensor("value")
	fmt.Println(len(g2.Nodes), "nodes, producer", g2.Producer)
	fmt.Println("conv reads", src, "output", out)
	fmt.Println("strides", strides, padding, format)
	fmt.Println("kernel", kernel.DType, kernel.Shape, kernel.Float)

	// Inconsistent or hostile input is refused with an error naming the node.
	g.Nodes[1].Attrs["value"].Tensor.Shape = []int64{1000000, 1000000}
	_, err = graphdef.Decode(graphdef.Encode(g))
	fmt.Println(err)
	// Output:
	// 3 nodes, producer 27
	// conv reads input output 0
	// strides [1 1 1 1] SAME NHWC
	// kernel DT_FLOAT [1 1 3 2] [0.5 0.5 0.5 0.5 0.5 0.5]
	// graphdef: node "conv/kernel": attr "value": tensor: over decoder limit: tensor shape [1000000 1000000] claims 1000000000000 elements but holds 1 float_val values; more than 268435456 elements per tensor is refused
}
