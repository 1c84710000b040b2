package native

import (
	"fmt"
	"math/rand/v2"

	"github.com/deepdream-go/deepdream/models/graphdef"
)

// graphBuilder assembles small GraphDefs for tests.
type graphBuilder struct {
	g   *graphdef.Graph
	rng *rand.Rand
	n   int
}

func newGraphBuilder(seed uint64) *graphBuilder {
	b := &graphBuilder{g: &graphdef.Graph{Producer: 27}, rng: rand.New(rand.NewPCG(seed, 1))}
	b.node("input", "Placeholder", nil, map[string]*graphdef.AttrValue{"dtype": {Kind: graphdef.AttrType, Type: graphdef.DTFloat}})
	return b
}

func (b *graphBuilder) name(prefix string) string {
	b.n++
	return fmt.Sprintf("%s_%d", prefix, b.n)
}

func (b *graphBuilder) node(name, op string, inputs []string, attrs map[string]*graphdef.AttrValue) string {
	if attrs == nil {
		attrs = map[string]*graphdef.AttrValue{}
	}
	if _, ok := attrs["T"]; !ok && op != "Placeholder" && op != "Const" {
		attrs["T"] = &graphdef.AttrValue{Kind: graphdef.AttrType, Type: graphdef.DTFloat}
	}
	b.g.Nodes = append(b.g.Nodes, &graphdef.Node{Name: name, Op: op, Inputs: inputs, Attrs: attrs})
	return name
}

func (b *graphBuilder) constF(shape []int64, scale float32) string {
	t := &graphdef.Tensor{DType: graphdef.DTFloat, Shape: shape}
	t.Float = make([]float32, t.NumElements())
	for i := range t.Float {
		t.Float[i] = (b.rng.Float32()*2 - 1) * scale
	}
	return b.node(b.name("const"), "Const", nil, map[string]*graphdef.AttrValue{
		"dtype": {Kind: graphdef.AttrType, Type: graphdef.DTFloat},
		"value": {Kind: graphdef.AttrTensor, Tensor: t},
	})
}

func (b *graphBuilder) constI(vals ...int64) string {
	t := &graphdef.Tensor{DType: graphdef.DTInt32, Int: vals}
	if len(vals) != 1 {
		t.Shape = []int64{int64(len(vals))}
	}
	return b.node(b.name("ints"), "Const", nil, map[string]*graphdef.AttrValue{
		"dtype": {Kind: graphdef.AttrType, Type: graphdef.DTInt32},
		"value": {Kind: graphdef.AttrTensor, Tensor: t},
	})
}

func ints(v ...int64) *graphdef.AttrValue {
	return &graphdef.AttrValue{Kind: graphdef.AttrList, List: &graphdef.AttrListValue{I: v}}
}

func str(s string) *graphdef.AttrValue {
	return &graphdef.AttrValue{Kind: graphdef.AttrString, S: []byte(s)}
}

func (b *graphBuilder) conv(in string, kh, kw, cin, cout, stride int, pad string) string {
	w := b.constF([]int64{int64(kh), int64(kw), int64(cin), int64(cout)}, 0.5)
	return b.node(b.name("conv"), "Conv2D", []string{in, w}, map[string]*graphdef.AttrValue{
		"strides": ints(1, int64(stride), int64(stride), 1), "padding": str(pad),
		"data_format": str("NHWC"), "dilations": ints(1, 1, 1, 1),
	})
}

func (b *graphBuilder) bias(in string, c int) string {
	return b.node(b.name("bias"), "BiasAdd", []string{in, b.constF([]int64{int64(c)}, 0.3)}, nil)
}

func (b *graphBuilder) unary(op, in string) string {
	return b.node(b.name(op), op, []string{in}, nil)
}

func (b *graphBuilder) pool(op, in string, k, s int, pad string) string {
	return b.node(b.name(op), op, []string{in}, map[string]*graphdef.AttrValue{
		"ksize": ints(1, int64(k), int64(k), 1), "strides": ints(1, int64(s), int64(s), 1), "padding": str(pad),
	})
}
