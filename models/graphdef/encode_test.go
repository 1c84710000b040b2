package graphdef

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
)

// syntheticGraph is a small graph using every attribute kind and every
// supported dtype, in the style other packages' tests build.
func syntheticGraph() *Graph {
	kernel := make([]float32, 3*3*2*4)
	for i := range kernel {
		kernel[i] = float32(i)*0.25 - 4
	}
	return &Graph{Producer: 27, Nodes: []*Node{
		{Name: "input", Op: "Placeholder", Attrs: map[string]*AttrValue{
			"dtype": {Kind: AttrType, Type: DTFloat},
			"shape": {Kind: AttrShape, Shape: &Shape{Dims: []int64{-1, -1, -1, 2}}},
		}},
		{Name: "conv/kernel", Op: "Const", Device: "/cpu:0", Attrs: map[string]*AttrValue{
			"dtype": {Kind: AttrType, Type: DTFloat},
			"value": {Kind: AttrTensor, Tensor: &Tensor{DType: DTFloat, Shape: []int64{3, 3, 2, 4}, Float: kernel}},
		}},
		{Name: "conv", Op: "Conv2D", Inputs: []string{"input:0", "conv/kernel"}, Attrs: map[string]*AttrValue{
			"T":                {Kind: AttrType, Type: DTFloat},
			"strides":          {Kind: AttrList, List: &AttrListValue{I: []int64{1, 2, 2, 1}}},
			"padding":          {Kind: AttrString, S: []byte("SAME")},
			"use_cudnn_on_gpu": {Kind: AttrBool, B: true},
		}},
		{Name: "lrn", Op: "LRN", Inputs: []string{"conv"}, Attrs: map[string]*AttrValue{
			"depth_radius": {Kind: AttrInt, I: 2},
			"alpha":        {Kind: AttrFloat, F: 0.05},
			"beta":         {Kind: AttrFloat, F: 0.75},
			"neg":          {Kind: AttrInt, I: -3},
		}},
		{Name: "consts", Op: "NoOp", Inputs: []string{"^lrn"}, Attrs: map[string]*AttrValue{
			"double":  {Kind: AttrTensor, Tensor: &Tensor{DType: DTDouble, Shape: []int64{2}, Float: []float32{1.5, -2}}},
			"half":    {Kind: AttrTensor, Tensor: &Tensor{DType: DTHalf, Shape: []int64{3}, Float: []float32{1, -0.5, 65504}}},
			"int32":   {Kind: AttrTensor, Tensor: &Tensor{DType: DTInt32, Shape: []int64{}, Int: []int64{-7}}},
			"int64":   {Kind: AttrTensor, Tensor: &Tensor{DType: DTInt64, Shape: []int64{2}, Int: []int64{math.MinInt64, math.MaxInt64}}},
			"int16":   {Kind: AttrTensor, Tensor: &Tensor{DType: DTInt16, Shape: []int64{2}, Int: []int64{-32768, 32767}}},
			"int8":    {Kind: AttrTensor, Tensor: &Tensor{DType: DTInt8, Shape: []int64{2}, Int: []int64{-128, 127}}},
			"uint8":   {Kind: AttrTensor, Tensor: &Tensor{DType: DTUint8, Shape: []int64{2}, Int: []int64{0, 255}}},
			"bool":    {Kind: AttrTensor, Tensor: &Tensor{DType: DTBool, Shape: []int64{3}, Int: []int64{1, 0, 1}}},
			"string":  {Kind: AttrTensor, Tensor: &Tensor{DType: DTString, Shape: []int64{2}, Strings: [][]byte{[]byte("x"), {}}}},
			"empty":   {Kind: AttrTensor, Tensor: &Tensor{DType: DTFloat, Shape: []int64{0, 3}, Float: []float32{}}},
			"unknown": {Kind: AttrShape, Shape: &Shape{UnknownRank: true}},
			"scalar":  {Kind: AttrShape, Shape: &Shape{}},
			"list": {Kind: AttrList, List: &AttrListValue{
				S:     [][]byte{[]byte("a"), []byte("")},
				I:     []int64{-1, 0, 1 << 40},
				F:     []float32{0.5, float32(math.Inf(-1))},
				B:     []bool{true, false},
				Type:  []DataType{DTFloat, DTInt32},
				Shape: []*Shape{{Dims: []int64{1, -1}}, {UnknownRank: true}},
				Tensor: []*Tensor{
					{DType: DTInt32, Shape: []int64{2}, Int: []int64{1, 2}},
					{DType: DTFloat, Shape: []int64{1}, Float: []float32{9}},
				},
			}},
			"emptylist":   {Kind: AttrList, List: &AttrListValue{}},
			"placeholder": {Kind: AttrPlaceholder, S: []byte("T")},
			"func":        {Kind: AttrFunc, S: []byte("body_fn")},
			"unset":       {Kind: AttrNone},
			"false":       {Kind: AttrBool},
			"zero":        {Kind: AttrInt},
			"emptystr":    {Kind: AttrString},
			"invalidtype": {Kind: AttrType},
		}},
		{Name: "out", Op: "Identity", Inputs: []string{"lrn", "^consts"}},
	}}
}

func TestEncodeRoundTrip(t *testing.T) {
	g := syntheticGraph()
	data := Encode(g)
	h, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if d := diffGraph(g, h); d != "" {
		t.Fatal(d)
	}
	if again := Encode(h); !bytes.Equal(again, data) {
		t.Error("Encode is not stable across a round trip")
	}
	if h.Node("conv").Inputs[0] != "input:0" || h.Node("out") == nil {
		t.Error("lookup after decode")
	}
}

// Short value slices encode compactly and decode by repeat-last filling.
func TestEncodeShortValues(t *testing.T) {
	g := &Graph{Nodes: []*Node{
		{Name: "zeros", Op: "Const", Attrs: map[string]*AttrValue{"value": {Kind: AttrTensor,
			Tensor: &Tensor{DType: DTFloat, Shape: []int64{64, 64, 3, 3}}}}},
		{Name: "ones", Op: "Const", Attrs: map[string]*AttrValue{"value": {Kind: AttrTensor,
			Tensor: &Tensor{DType: DTInt32, Shape: []int64{5}, Int: []int64{1}}}}},
		{Name: "halves", Op: "Const", Attrs: map[string]*AttrValue{"value": {Kind: AttrTensor,
			Tensor: &Tensor{DType: DTHalf, Shape: []int64{4}, Float: []float32{0.5}}}}},
		{Name: "doubles", Op: "Const", Attrs: map[string]*AttrValue{"value": {Kind: AttrTensor,
			Tensor: &Tensor{DType: DTDouble, Shape: []int64{4}, Float: []float32{0.5, 2}}}}},
	}}
	data := Encode(g)
	if len(data) > 200 {
		t.Errorf("%d bytes for fill-encoded tensors", len(data))
	}
	h, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	z, _ := h.Node("zeros").AttrTensor("value")
	o, _ := h.Node("ones").AttrTensor("value")
	hv, _ := h.Node("halves").AttrTensor("value")
	dv, _ := h.Node("doubles").AttrTensor("value")
	if len(z.Float) != 64*64*9 || z.Float[100] != 0 || !equalI64(o.Int, []int64{1, 1, 1, 1, 1}) ||
		!equalF32(hv.Float, []float32{0.5, 0.5, 0.5, 0.5}) || !equalF32(dv.Float, []float32{0.5, 2, 2, 2}) {
		t.Errorf("filled tensors %d %v %v %v", len(z.Float), o.Int, hv.Float, dv.Float)
	}
}

func TestEncodeNil(t *testing.T) {
	if Encode(nil) != nil {
		t.Error("Encode(nil)")
	}
	g := &Graph{Nodes: []*Node{nil, {Name: "a", Op: "X", Attrs: map[string]*AttrValue{"n": nil}}}}
	h, err := Decode(Encode(g))
	if err != nil || len(h.Nodes) != 1 || h.Node("a").Attrs["n"].Kind != AttrNone {
		t.Errorf("%+v, %v", h, err)
	}
}

func TestGraphNode(t *testing.T) {
	g := syntheticGraph()
	if g.Node("lrn") != g.Nodes[3] || g.Node("nope") != nil {
		t.Error("lookup in a hand-built graph")
	}
	h, err := Decode(Encode(g))
	if err != nil {
		t.Fatal(err)
	}
	if h.Node("lrn") != h.Nodes[3] {
		t.Error("indexed lookup")
	}
	h.Nodes = append(h.Nodes, &Node{Name: "added"})
	if h.Node("added") == nil || h.Node("lrn") != h.Nodes[3] {
		t.Error("lookup after editing Nodes")
	}
	var nilGraph *Graph
	if nilGraph.Node("x") != nil {
		t.Error("nil graph")
	}
}

func TestAttrGetters(t *testing.T) {
	g := syntheticGraph()
	lrn, conv, consts := g.Node("lrn"), g.Node("conv"), g.Node("consts")
	check := func(what string, got, want any, err error) {
		t.Helper()
		if err != nil || got != want {
			t.Errorf("%s = %v, %v; want %v", what, got, err, want)
		}
	}
	i, err := lrn.AttrInt("depth_radius")
	check("depth_radius", i, int64(2), err)
	i, err = lrn.AttrIntOr("missing", 5)
	check("AttrIntOr default", i, int64(5), err)
	f, err := lrn.AttrFloat("alpha")
	check("alpha", f, float32(0.05), err)
	f, err = lrn.AttrFloatOr("bias", 1)
	check("AttrFloatOr default", f, float32(1), err)
	s, err := conv.AttrString("padding")
	check("padding", s, "SAME", err)
	s, err = conv.AttrStringOr("data_format", "NHWC")
	check("data_format default", s, "NHWC", err)
	b, err := conv.AttrBool("use_cudnn_on_gpu")
	check("use_cudnn_on_gpu", b, true, err)
	b, err = conv.AttrBoolOr("missing", true)
	check("AttrBoolOr default", b, true, err)
	typ, err := conv.AttrType("T")
	check("T", typ, DTFloat, err)
	typ, err = conv.AttrTypeOr("Tidx", DTInt32)
	check("AttrTypeOr default", typ, DTInt32, err)
	st, err := conv.AttrInts("strides")
	if err != nil || !equalI64(st, []int64{1, 2, 2, 1}) {
		t.Errorf("strides %v, %v", st, err)
	}
	dl, err := conv.AttrIntsOr("dilations", []int64{1, 1, 1, 1})
	if err != nil || !equalI64(dl, []int64{1, 1, 1, 1}) {
		t.Errorf("dilations %v, %v", dl, err)
	}
	if l, err := consts.AttrInts("emptylist"); err != nil || len(l) != 0 {
		t.Errorf("empty list %v, %v", l, err)
	}
	if sh, err := consts.AttrShape("unknown"); err != nil || !sh.UnknownRank {
		t.Errorf("shape %v, %v", sh, err)
	}
	if tv, err := consts.AttrTensor("int64"); err != nil || tv.Int[0] != math.MinInt64 {
		t.Errorf("tensor %v, %v", tv, err)
	}

	// Errors name node and attr and say what is wrong.
	_, err = lrn.AttrInt("alpha")
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), `node "lrn" (LRN): attr "alpha"`) || !strings.Contains(err.Error(), "is float, want int") {
		t.Errorf("wrong kind: %v", err)
	}
	_, err = lrn.AttrFloatOr("depth_radius", 1) // present but of another kind: not defaulted
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("wrong kind with default: %v", err)
	}
	_, err = conv.AttrString("nope")
	if !errors.Is(err, ErrNoAttr) || !strings.Contains(err.Error(), `node "conv" (Conv2D): attr "nope"`) {
		t.Errorf("missing: %v", err)
	}
	_, err = consts.AttrInts("list") // has strings first: a list of string, not int
	if err != nil {
		t.Errorf("list with ints among other kinds: %v", err)
	}
	consts.Attrs["floats"] = &AttrValue{Kind: AttrList, List: &AttrListValue{F: []float32{1}}}
	if _, err = consts.AttrInts("floats"); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "list of float") {
		t.Errorf("list of float as ints: %v", err)
	}
	for _, get := range []func() error{
		func() error { _, err := lrn.AttrShape("alpha"); return err },
		func() error { _, err := lrn.AttrTensor("alpha"); return err },
		func() error { _, err := lrn.AttrBool("alpha"); return err },
		func() error { _, err := lrn.AttrType("alpha"); return err },
		func() error { _, err := lrn.AttrString("alpha"); return err },
		func() error { _, err := lrn.AttrFloat("depth_radius"); return err },
	} {
		if err := get(); !errors.Is(err, ErrInvalid) {
			t.Errorf("wrong kind accepted: %v", err)
		}
	}
}

func TestKindAndTypeNames(t *testing.T) {
	if AttrList.String() != "list" || AttrKind(99).String() != "AttrKind(99)" || AttrNone.String() != "unset" {
		t.Error("AttrKind names")
	}
	if DTHalf.String() != "DT_HALF" || DataType(8).String() != "DT_8" {
		t.Error("DataType names")
	}
}
