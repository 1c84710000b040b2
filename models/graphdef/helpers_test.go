package graphdef

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

// Paths of the shared test models, relative to this package's directory
// (the repository root is ../..; ../shared sits beside it).
var (
	inceptionPath = filepath.Join("..", "..", "..", "shared", "models", "inception_v3_mixed7.pb")
	testgraphPath = filepath.Join("..", "..", "..", "shared", "models", "testgraph_inception5h_ops.pb")
)

// readShared reads a file of ../shared or skips the test when it is absent.
func readShared(tb testing.TB, path string) []byte {
	tb.Helper()
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		tb.Skipf("shared test model %s is absent (it lives in ../shared beside the repository); skipping", path)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// Wire-format builders for hand-made messages. Each returns one encoded
// field; cat joins fields into a message.

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// vf is a varint field.
func vf(num protowire.Number, v uint64) []byte {
	return protowire.AppendVarint(protowire.AppendTag(nil, num, protowire.VarintType), v)
}

// bf is a length-delimited field holding the concatenation of body.
func bf(num protowire.Number, body ...[]byte) []byte {
	return protowire.AppendBytes(protowire.AppendTag(nil, num, protowire.BytesType), cat(body...))
}

// sf is a string field.
func sf(num protowire.Number, s string) []byte { return bf(num, []byte(s)) }

// f32 is a fixed32 field holding a float.
func f32(num protowire.Number, v float32) []byte {
	return protowire.AppendFixed32(protowire.AppendTag(nil, num, protowire.Fixed32Type), math.Float32bits(v))
}

// f64 is a fixed64 field holding a double.
func f64(num protowire.Number, v float64) []byte {
	return protowire.AppendFixed64(protowire.AppendTag(nil, num, protowire.Fixed64Type), math.Float64bits(v))
}

// packedVarints is a packed field of varints.
func packedVarints(num protowire.Number, vals ...uint64) []byte {
	var body []byte
	for _, v := range vals {
		body = protowire.AppendVarint(body, v)
	}
	return bf(num, body)
}

// packedF32 is a packed field of floats.
func packedF32(num protowire.Number, vals ...float32) []byte {
	var body []byte
	for _, v := range vals {
		body = protowire.AppendFixed32(body, math.Float32bits(v))
	}
	return bf(num, body)
}

// wNode is a NodeDef; extra holds further fields (inputs, attrs).
func wNode(name, op string, extra ...[]byte) []byte {
	return bf(1, sf(1, name), sf(2, op), cat(extra...))
}

// wAttr is a NodeDef attr map entry.
func wAttr(key string, value ...[]byte) []byte {
	return bf(5, sf(1, key), bf(2, value...))
}

// wShape is the body of a TensorShapeProto.
func wShape(dims ...int64) []byte {
	var b []byte
	for _, d := range dims {
		b = append(b, bf(2, vf(1, uint64(d)))...)
	}
	return b
}

// wConst is a Const node whose value attr holds the TensorProto body t.
func wConst(name string, t ...[]byte) []byte {
	return wNode(name, "Const", wAttr("value", bf(8, t...)))
}

// decodeTensor decodes a graph with the single Const node "c" holding the
// TensorProto body t and returns its tensor.
func decodeTensor(t *testing.T, body ...[]byte) *Tensor {
	t.Helper()
	g, err := Decode(wConst("c", body...))
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	v, err := g.Node("c").AttrTensor("value")
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// diffGraph returns "" if a and b hold the same graph, or the first
// difference. Nil and empty slices and maps are equal; floats compare by bits.
func diffGraph(a, b *Graph) string {
	if a.Producer != b.Producer {
		return fmt.Sprintf("producer %d vs %d", a.Producer, b.Producer)
	}
	if len(a.Nodes) != len(b.Nodes) {
		return fmt.Sprintf("%d vs %d nodes", len(a.Nodes), len(b.Nodes))
	}
	for i := range a.Nodes {
		x, y := a.Nodes[i], b.Nodes[i]
		if x.Name != y.Name || x.Op != y.Op || x.Device != y.Device || fmt.Sprint(x.Inputs) != fmt.Sprint(y.Inputs) || len(x.Inputs) != len(y.Inputs) {
			return fmt.Sprintf("node #%d: %q %q %q %q vs %q %q %q %q", i, x.Name, x.Op, x.Device, x.Inputs, y.Name, y.Op, y.Device, y.Inputs)
		}
		if len(x.Attrs) != len(y.Attrs) {
			return fmt.Sprintf("node %q: %d vs %d attrs", x.Name, len(x.Attrs), len(y.Attrs))
		}
		for k, v := range x.Attrs {
			w, ok := y.Attrs[k]
			if !ok {
				return fmt.Sprintf("node %q: attr %q missing", x.Name, k)
			}
			if d := diffAttr(v, w); d != "" {
				return fmt.Sprintf("node %q: attr %q: %s", x.Name, k, d)
			}
		}
	}
	return ""
}

func diffAttr(a, b *AttrValue) string {
	if a == nil {
		a = &AttrValue{}
	}
	if b == nil {
		b = &AttrValue{}
	}
	if a.Kind != b.Kind {
		return fmt.Sprintf("kind %v vs %v", a.Kind, b.Kind)
	}
	switch a.Kind {
	case AttrString, AttrPlaceholder, AttrFunc:
		if string(a.S) != string(b.S) {
			return fmt.Sprintf("%q vs %q", a.S, b.S)
		}
	case AttrInt:
		if a.I != b.I {
			return fmt.Sprintf("%d vs %d", a.I, b.I)
		}
	case AttrFloat:
		if math.Float32bits(a.F) != math.Float32bits(b.F) {
			return fmt.Sprintf("%v vs %v", a.F, b.F)
		}
	case AttrBool:
		if a.B != b.B {
			return fmt.Sprintf("%v vs %v", a.B, b.B)
		}
	case AttrType:
		if a.Type != b.Type {
			return fmt.Sprintf("%v vs %v", a.Type, b.Type)
		}
	case AttrShape:
		return diffShape(a.Shape, b.Shape)
	case AttrTensor:
		return diffTensor(a.Tensor, b.Tensor)
	case AttrList:
		x, y := a.List, b.List
		if x == nil {
			x = &AttrListValue{}
		}
		if y == nil {
			y = &AttrListValue{}
		}
		if len(x.S) != len(y.S) || len(x.I) != len(y.I) || len(x.F) != len(y.F) || len(x.B) != len(y.B) ||
			len(x.Type) != len(y.Type) || len(x.Shape) != len(y.Shape) || len(x.Tensor) != len(y.Tensor) {
			return fmt.Sprintf("list lengths differ: %+v vs %+v", *x, *y)
		}
		for i := range x.S {
			if string(x.S[i]) != string(y.S[i]) {
				return fmt.Sprintf("list s[%d] %q vs %q", i, x.S[i], y.S[i])
			}
		}
		for i := range x.I {
			if x.I[i] != y.I[i] {
				return fmt.Sprintf("list i[%d] %d vs %d", i, x.I[i], y.I[i])
			}
		}
		for i := range x.F {
			if math.Float32bits(x.F[i]) != math.Float32bits(y.F[i]) {
				return fmt.Sprintf("list f[%d] %v vs %v", i, x.F[i], y.F[i])
			}
		}
		for i := range x.B {
			if x.B[i] != y.B[i] {
				return fmt.Sprintf("list b[%d]", i)
			}
		}
		for i := range x.Type {
			if x.Type[i] != y.Type[i] {
				return fmt.Sprintf("list type[%d] %v vs %v", i, x.Type[i], y.Type[i])
			}
		}
		for i := range x.Shape {
			if d := diffShape(x.Shape[i], y.Shape[i]); d != "" {
				return fmt.Sprintf("list shape[%d]: %s", i, d)
			}
		}
		for i := range x.Tensor {
			if d := diffTensor(x.Tensor[i], y.Tensor[i]); d != "" {
				return fmt.Sprintf("list tensor[%d]: %s", i, d)
			}
		}
	}
	return ""
}

func diffShape(a, b *Shape) string {
	if a == nil {
		a = &Shape{}
	}
	if b == nil {
		b = &Shape{}
	}
	if a.UnknownRank != b.UnknownRank || fmt.Sprint(a.Dims) != fmt.Sprint(b.Dims) {
		return fmt.Sprintf("shape %+v vs %+v", *a, *b)
	}
	return ""
}

func diffTensor(a, b *Tensor) string {
	if (a == nil) != (b == nil) {
		return "one tensor is nil"
	}
	if a == nil {
		return ""
	}
	if a.DType != b.DType || fmt.Sprint(a.Shape) != fmt.Sprint(b.Shape) {
		return fmt.Sprintf("tensor %v%v vs %v%v", a.DType, a.Shape, b.DType, b.Shape)
	}
	if len(a.Float) != len(b.Float) || len(a.Int) != len(b.Int) || len(a.Strings) != len(b.Strings) {
		return fmt.Sprintf("tensor value counts %d/%d/%d vs %d/%d/%d",
			len(a.Float), len(a.Int), len(a.Strings), len(b.Float), len(b.Int), len(b.Strings))
	}
	for i := range a.Float {
		if math.Float32bits(a.Float[i]) != math.Float32bits(b.Float[i]) {
			return fmt.Sprintf("tensor float[%d] %v vs %v", i, a.Float[i], b.Float[i])
		}
	}
	for i := range a.Int {
		if a.Int[i] != b.Int[i] {
			return fmt.Sprintf("tensor int[%d] %d vs %d", i, a.Int[i], b.Int[i])
		}
	}
	for i := range a.Strings {
		if string(a.Strings[i]) != string(b.Strings[i]) {
			return fmt.Sprintf("tensor string[%d] %q vs %q", i, a.Strings[i], b.Strings[i])
		}
	}
	return ""
}
