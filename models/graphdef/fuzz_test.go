package graphdef

import (
	"bytes"
	"testing"
)

// FuzzDecode checks that Decode never panics and that whatever it accepts
// survives Encode and a second Decode unchanged, with a stable encoding.
// The seed corpus (below and in testdata/fuzz/FuzzDecode) runs in go test.
func FuzzDecode(f *testing.F) {
	f.Add([]byte{})
	f.Add(Encode(syntheticGraph()))
	f.Add(Encode(&Graph{Nodes: []*Node{
		{Name: "x", Op: "Placeholder", Attrs: map[string]*AttrValue{"shape": {Kind: AttrShape, Shape: &Shape{Dims: []int64{-1, 3}}}}},
		{Name: "w", Op: "Const", Attrs: map[string]*AttrValue{"value": {Kind: AttrTensor,
			Tensor: &Tensor{DType: DTInt64, Shape: []int64{2, 2}, Int: []int64{-1}}}}},
		{Name: "y", Op: "MatMul", Inputs: []string{"x:0", "w", "^x"}},
	}}))
	for _, c := range hostile {
		f.Add(c.data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := Decode(data)
		if err != nil || tensorElements(g) > 1<<20 {
			return // big fills round-trip like small ones, only slower
		}
		enc := Encode(g)
		h, err := Decode(enc)
		if err != nil {
			t.Fatalf("re-decoding an accepted graph: %v", err)
		}
		if d := diffGraph(g, h); d != "" {
			t.Fatalf("round trip changed the graph: %s", d)
		}
		if !bytes.Equal(Encode(h), enc) {
			t.Fatal("encoding is not stable")
		}
	})
}

// tensorElements counts the tensor values held by g's attributes.
func tensorElements(g *Graph) int {
	n := 0
	count := func(t *Tensor) { n += len(t.Float) + len(t.Int) + len(t.Strings) }
	for _, node := range g.Nodes {
		for _, v := range node.Attrs {
			if v.Tensor != nil {
				count(v.Tensor)
			}
			if v.List != nil {
				for _, t := range v.List.Tensor {
					count(t)
				}
			}
		}
	}
	return n
}
