package graphdef

import (
	"bytes"
	"math"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

func TestDecodeInceptionV3(t *testing.T) {
	data := readShared(t, inceptionPath)
	g, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Nodes) != 377 {
		t.Errorf("%d nodes, want 377", len(g.Nodes))
	}
	if g.Producer != 27 {
		t.Errorf("producer %d, want 27", g.Producer)
	}
	ops := map[string]int{}
	var floatParams int64
	seen := map[string]bool{}
	for _, n := range g.Nodes {
		ops[n.Op]++
		if n.Device != "" {
			t.Errorf("node %q has device %q", n.Name, n.Device)
		}
		// Stored in topological order, inputs are plain names.
		for _, in := range n.Inputs {
			src, port, control, err := ParseInput(in)
			if err != nil || port != 0 || control || src != in || !seen[src] {
				t.Errorf("node %q: input %q (%q %d %v %v) not a plain earlier node", n.Name, in, src, port, control, err)
			}
		}
		seen[n.Name] = true
		if n.Op != "Const" {
			continue
		}
		v, err := n.AttrTensor("value")
		if err != nil {
			t.Fatal(err)
		}
		if typ, err := n.AttrType("dtype"); err != nil || typ != v.DType {
			t.Errorf("node %q: dtype attr %v (%v), tensor %v", n.Name, typ, err, v.DType)
		}
		if int64(len(v.Float)+len(v.Int)) != v.NumElements() {
			t.Errorf("node %q: %d+%d values for shape %v", n.Name, len(v.Float), len(v.Int), v.Shape)
		}
		if v.DType == DTFloat {
			floatParams += int64(len(v.Float))
		}
	}
	for op, want := range map[string]int{"Conv2D": 70, "Const": 148, "BiasAdd": 70, "Relu": 70,
		"MaxPool": 3, "AvgPool": 7, "ConcatV2": 8, "Placeholder": 1} {
		if ops[op] != want {
			t.Errorf("%d %s nodes, want %d", ops[op], op, want)
		}
	}
	if floatParams != 8956448 {
		t.Errorf("%d float parameters, want 8956448", floatParams)
	}

	in := g.Node("input")
	if in == nil || in.Op != "Placeholder" {
		t.Fatalf("input node: %+v", in)
	}
	if typ, err := in.AttrType("dtype"); err != nil || typ != DTFloat {
		t.Errorf("input dtype %v, %v", typ, err)
	}
	s, err := in.AttrShape("shape")
	if err != nil || s.UnknownRank || len(s.Dims) != 4 || s.Dims[0] != -1 || s.Dims[1] != -1 || s.Dims[2] != -1 || s.Dims[3] != 3 {
		t.Errorf("input shape %+v, %v; want [-1 -1 -1 3]", s, err)
	}

	// Spot checks of attrs and tensors the executor will read.
	conv := g.Node("conv2d_1/Conv2D")
	if st, err := conv.AttrInts("strides"); err != nil || len(st) != 4 || st[1] != 2 || st[2] != 2 {
		t.Errorf("conv2d_1 strides %v, %v", st, err)
	}
	if p, err := conv.AttrString("padding"); err != nil || p != "VALID" {
		t.Errorf("conv2d_1 padding %q, %v", p, err)
	}
	k, err := g.Node("conv2d_1/kernel").AttrTensor("value")
	if err != nil || k.DType != DTFloat || len(k.Shape) != 4 || k.Shape[0] != 3 || k.Shape[1] != 3 || k.Shape[2] != 3 {
		t.Errorf("conv2d_1 kernel %v %v, %v", k.DType, k.Shape, err)
	}
	axis, err := g.Node("mixed0/axis").AttrTensor("value")
	if err != nil || axis.DType != DTInt32 || len(axis.Shape) != 0 || len(axis.Int) != 1 || axis.Int[0] != 3 {
		t.Errorf("mixed0/axis %+v, %v; want int32 scalar 3", axis, err)
	}
	if n, err := g.Node("mixed0").AttrInt("N"); err != nil || n != 4 {
		t.Errorf("mixed0 N = %d, %v", n, err)
	}

	// The file was written canonically, so re-encoding reproduces it.
	if !bytes.Equal(Encode(g), data) {
		t.Error("Encode(Decode(file)) differs from the file")
	}
}

func TestDecodeInception5hOps(t *testing.T) {
	data := readShared(t, testgraphPath)
	g, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	ops := map[string]int{}
	colon := 0
	for _, n := range g.Nodes {
		ops[n.Op]++
		if n.Device != "/cpu:0" {
			t.Errorf("node %q: device %q, want /cpu:0", n.Name, n.Device)
		}
		for _, in := range n.Inputs {
			src, port, _, err := ParseInput(in)
			if err != nil || g.Node(src) == nil {
				t.Errorf("node %q: input %q: %v", n.Name, in, err)
			}
			if in == src+":0" && port == 0 {
				colon++
			}
		}
	}
	if colon == 0 {
		t.Error(`no "name:0" input found`)
	}
	if ops["Concat"] != 1 || ops["LRN"] != 1 {
		t.Errorf("ops %v: want one Concat and one LRN", ops)
	}
	for _, n := range g.Nodes {
		switch n.Op {
		case "LRN":
			r, err1 := n.AttrInt("depth_radius")
			bias, err2 := n.AttrFloat("bias")
			alpha, err3 := n.AttrFloat("alpha")
			beta, err4 := n.AttrFloat("beta")
			if r != 2 || bias != 2 || alpha != 0.05 || beta != 0.75 || err1 != nil || err2 != nil || err3 != nil || err4 != nil {
				t.Errorf("LRN attrs %d %v %v %v (%v %v %v %v)", r, bias, alpha, beta, err1, err2, err3, err4)
			}
		case "Concat":
			// Legacy Concat: the axis comes first.
			axis, err := g.Node(n.Inputs[0]).AttrTensor("value")
			if err != nil || axis.DType != DTInt32 || len(axis.Int) != 1 {
				t.Errorf("Concat axis %+v, %v", axis, err)
			}
		}
	}
	if !bytes.Equal(Encode(g), data) {
		t.Error("Encode(Decode(file)) differs from the file")
	}
}

func BenchmarkDecodeInceptionV3(b *testing.B) {
	data := readShared(b, inceptionPath)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeInceptionV3(b *testing.B) {
	g, err := Decode(readShared(b, inceptionPath))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.SetBytes(int64(len(Encode(g))))
	}
}

// Every repeated scalar field accepts packed and unpacked runs, mixed.
func TestPackedAndUnpacked(t *testing.T) {
	t.Run("float_val", func(t *testing.T) {
		v := decodeTensor(t, vf(1, 1), bf(2, wShape(4)), f32(5, 1.5), packedF32(5, 2.5, 3.5), f32(5, 4.5))
		want := []float32{1.5, 2.5, 3.5, 4.5}
		if !equalF32(v.Float, want) {
			t.Errorf("got %v want %v", v.Float, want)
		}
	})
	t.Run("double_val", func(t *testing.T) {
		packed := bf(6, protowire.AppendFixed64(protowire.AppendFixed64(nil, math.Float64bits(2)), math.Float64bits(-3)))
		v := decodeTensor(t, vf(1, 2), bf(2, wShape(3)), f64(6, 0.25), packed)
		if !equalF32(v.Float, []float32{0.25, 2, -3}) {
			t.Errorf("got %v", v.Float)
		}
	})
	t.Run("int_val", func(t *testing.T) {
		v := decodeTensor(t, vf(1, 3), bf(2, wShape(4)), packedVarints(7, 1, 300), vf(7, 5), packedVarints(7, 70000))
		if !equalI64(v.Int, []int64{1, 300, 5, 70000}) {
			t.Errorf("got %v", v.Int)
		}
	})
	t.Run("int64_val", func(t *testing.T) {
		v := decodeTensor(t, vf(1, 9), bf(2, wShape(3)), vf(10, 1<<40), packedVarints(10, 7, 8))
		if !equalI64(v.Int, []int64{1 << 40, 7, 8}) {
			t.Errorf("got %v", v.Int)
		}
	})
	t.Run("bool_val", func(t *testing.T) {
		v := decodeTensor(t, vf(1, 10), bf(2, wShape(3)), packedVarints(11, 1, 0), vf(11, 1))
		if !equalI64(v.Int, []int64{1, 0, 1}) {
			t.Errorf("got %v", v.Int)
		}
	})
	t.Run("half_val", func(t *testing.T) {
		v := decodeTensor(t, vf(1, 19), bf(2, wShape(2)), vf(13, 0x3c00), packedVarints(13, 0xc000))
		if !equalF32(v.Float, []float32{1, -2}) {
			t.Errorf("got %v", v.Float)
		}
	})
	t.Run("list", func(t *testing.T) {
		list := bf(1,
			vf(3, 1), packedVarints(3, 2, 3), // i
			f32(4, 0.5), packedF32(4, 1.5), // f
			packedVarints(5, 1), vf(5, 0), // b
			vf(6, 1), packedVarints(6, 3, 9), // type
		)
		g, err := Decode(wNode("n", "X", wAttr("l", list)))
		if err != nil {
			t.Fatal(err)
		}
		l := g.Node("n").Attrs["l"].List
		if !equalI64(l.I, []int64{1, 2, 3}) || !equalF32(l.F, []float32{0.5, 1.5}) ||
			len(l.B) != 2 || !l.B[0] || l.B[1] || len(l.Type) != 3 || l.Type[2] != DTInt64 {
			t.Errorf("list %+v", *l)
		}
	})
}

// Negative int32 and int64 values travel as 10-byte varints.
func TestNegativeVarints(t *testing.T) {
	neg := vf(7, uint64(math.MaxUint64)) // int_val -1, sign-extended
	if len(neg) != 11 {
		t.Fatalf("test setup: %d bytes", len(neg))
	}
	v := decodeTensor(t, vf(1, 3), bf(2, wShape(3)), neg, packedVarints(7, uint64(1<<64-3), uint64(1<<63)))
	// int_val is int32: the low 32 bits of 1<<63 are 0.
	if !equalI64(v.Int, []int64{-1, -3, 0}) {
		t.Errorf("int_val %v", v.Int)
	}
	min := int64(math.MinInt64)
	v = decodeTensor(t, vf(1, 9), bf(2, wShape(2)), vf(10, uint64(min)), packedVarints(10, uint64(1<<64-42)))
	if !equalI64(v.Int, []int64{math.MinInt64, -42}) {
		t.Errorf("int64_val %v", v.Int)
	}
	attrs := cat(wAttr("i", vf(3, uint64(1<<64-5))), wAttr("l", bf(1, packedVarints(3, uint64(1<<64-1), 4))),
		wAttr("s", bf(7, wShape(-1, 3))), wAttr("t", vf(6, uint64(1<<64-7))))
	g, err := Decode(wNode("n", "X", attrs))
	if err != nil {
		t.Fatal(err)
	}
	n := g.Node("n")
	if i, _ := n.AttrInt("i"); i != -5 {
		t.Errorf("attr i %d", i)
	}
	if l, _ := n.AttrInts("l"); !equalI64(l, []int64{-1, 4}) {
		t.Errorf("attr l %v", l)
	}
	if s, _ := n.AttrShape("s"); !equalI64(s.Dims, []int64{-1, 3}) {
		t.Errorf("attr s %v", s.Dims)
	}
	if typ, _ := n.AttrType("t"); typ != -7 {
		t.Errorf("attr t %v", typ)
	}
}

// Typed fields shorter than the shape repeat their last value; empty ones mean zeros.
func TestRepeatLastFill(t *testing.T) {
	v := decodeTensor(t, vf(1, 1), bf(2, wShape(2, 3)), packedF32(5, 1, 2))
	if !equalF32(v.Float, []float32{1, 2, 2, 2, 2, 2}) {
		t.Errorf("float %v", v.Float)
	}
	v = decodeTensor(t, vf(1, 1), bf(2, wShape(2, 2)))
	if !equalF32(v.Float, []float32{0, 0, 0, 0}) {
		t.Errorf("empty float %v", v.Float)
	}
	v = decodeTensor(t, vf(1, 3), bf(2, wShape(3)), vf(7, 7))
	if !equalI64(v.Int, []int64{7, 7, 7}) {
		t.Errorf("int %v", v.Int)
	}
	v = decodeTensor(t, vf(1, 10), bf(2, wShape(3)), vf(11, 1))
	if !equalI64(v.Int, []int64{1, 1, 1}) {
		t.Errorf("bool %v", v.Int)
	}
	v = decodeTensor(t, vf(1, 7), bf(2, wShape(3)), sf(8, "a"), sf(8, "bc"))
	if len(v.Strings) != 3 || string(v.Strings[0]) != "a" || string(v.Strings[2]) != "bc" {
		t.Errorf("string %q", v.Strings)
	}
	v = decodeTensor(t, vf(1, 1), bf(2, wShape(0, 5)))
	if v.NumElements() != 0 || len(v.Float) != 0 {
		t.Errorf("empty tensor %+v", v)
	}
}

func TestScalar(t *testing.T) {
	v := decodeTensor(t, vf(1, 1), bf(2), f32(5, 3.25)) // empty TensorShapeProto
	if len(v.Shape) != 0 || v.NumElements() != 1 || !equalF32(v.Float, []float32{3.25}) {
		t.Errorf("scalar %+v", v)
	}
	v = decodeTensor(t, vf(1, 3), vf(7, 4)) // no tensor_shape at all
	if len(v.Shape) != 0 || !equalI64(v.Int, []int64{4}) {
		t.Errorf("shapeless scalar %+v", v)
	}
	v = decodeTensor(t, vf(1, 1))
	if !equalF32(v.Float, []float32{0}) {
		t.Errorf("empty scalar %+v", v)
	}
	v = decodeTensor(t, vf(1, 1), sf(4, "\x00\x00\x80\x3f"))
	if !equalF32(v.Float, []float32{1}) {
		t.Errorf("content scalar %+v", v)
	}
}

func TestHalf(t *testing.T) {
	bits := []uint64{0x3c00, 0xc000, 0x7bff, 0x0001, 0x8400, 0x7c00, 0xfc00, 0x0000, 0x8000, 0x3555}
	want := []float32{1, -2, 65504, 1.0 / (1 << 24), -1.0 / (1 << 14), float32(math.Inf(1)), float32(math.Inf(-1)), 0, float32(math.Copysign(0, -1)), 0.33325195}
	v := decodeTensor(t, vf(1, 19), bf(2, wShape(int64(len(bits)))), packedVarints(13, bits...))
	if !equalF32(v.Float, want) {
		t.Errorf("half_val %v, want %v", v.Float, want)
	}
	// The same values in tensor_content (little-endian uint16).
	var content []byte
	for _, h := range bits {
		content = append(content, byte(h), byte(h>>8))
	}
	v = decodeTensor(t, vf(1, 19), bf(2, wShape(int64(len(bits)))), bf(4, content))
	if !equalF32(v.Float, want) {
		t.Errorf("half content %v, want %v", v.Float, want)
	}
	nan := decodeTensor(t, vf(1, 19), vf(13, 0x7e00))
	if !math.IsNaN(float64(nan.Float[0])) {
		t.Errorf("half NaN gave %v", nan.Float[0])
	}
}

// Every half value survives float32 and back; rounding is to nearest even.
func TestHalfConversion(t *testing.T) {
	for h := 0; h < 1<<16; h++ {
		if got := float32ToHalf(halfToFloat32(uint16(h))); got != uint16(h) {
			t.Fatalf("half %#04x -> %v -> %#04x", h, halfToFloat32(uint16(h)), got)
		}
	}
	for _, c := range []struct {
		f    float32
		want uint16
	}{
		{1 + 1.0/2048, 0x3c00}, // tie, to even
		{1 + 3.0/2048, 0x3c02}, // tie, to even (up)
		{1 + 1.0/2048 + 1e-7, 0x3c01},
		{65519, 0x7bff},
		{65520, 0x7c00}, // rounds to infinity
		{1e10, 0x7c00},
		{-1e10, 0xfc00},
		{1.0 / (1 << 25), 0}, // tie between 0 and the smallest subnormal
		{1.5 / (1 << 25), 0x0001},
		{3.0 / (1 << 25), 0x0002}, // tie, to even
		{1e-30, 0},
		{float32(math.Float32frombits(1)), 0},
		{0.33333334, 0x3555},
	} {
		if got := float32ToHalf(c.f); got != c.want {
			t.Errorf("float32ToHalf(%v) = %#04x, want %#04x", c.f, got, c.want)
		}
	}
	if h := float32ToHalf(float32(math.NaN())); h&0x7c00 != 0x7c00 || h&0x3ff == 0 {
		t.Errorf("NaN became %#04x", h)
	}
}

// tensor_content is little-endian; every dtype converts as documented.
func TestTensorContent(t *testing.T) {
	cases := []struct {
		dtype   DataType
		content []byte
		float   []float32
		ints    []int64
	}{
		{DTFloat, []byte{0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0}, []float32{1, -2}, nil},
		{DTDouble, []byte{0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0, 0, 0, 0, 0, 0, 0xe0, 0xbf}, []float32{1, -0.5}, nil},
		{DTInt32, []byte{1, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff}, nil, []int64{1, -2}},
		{DTInt64, []byte{0, 0, 0, 0, 0, 0, 0, 0x80, 5, 0, 0, 0, 0, 0, 0, 0}, nil, []int64{math.MinInt64, 5}},
		{DTInt16, []byte{0xff, 0x7f, 0x00, 0x80}, nil, []int64{32767, -32768}},
		{DTInt8, []byte{0x7f, 0x80}, nil, []int64{127, -128}},
		{DTUint8, []byte{0xff, 0x01}, nil, []int64{255, 1}},
		{DTBool, []byte{0, 7}, nil, []int64{0, 1}},
	}
	for _, c := range cases {
		v := decodeTensor(t, vf(1, uint64(c.dtype)), bf(2, wShape(2)), bf(4, c.content))
		if !equalF32(v.Float, c.float) || !equalI64(v.Int, c.ints) {
			t.Errorf("%v: float %v int %v, want %v %v", c.dtype, v.Float, v.Int, c.float, c.ints)
		}
	}
	// int_val of narrow types wraps like TensorFlow's casts.
	v := decodeTensor(t, vf(1, uint64(DTUint8)), bf(2, wShape(2)), packedVarints(7, 255, 256+7))
	if !equalI64(v.Int, []int64{255, 7}) {
		t.Errorf("uint8 int_val %v", v.Int)
	}
}

// Unknown fields, of every wire type and at every level, are skipped.
func TestUnknownFieldsSkipped(t *testing.T) {
	unknown := cat(vf(99, 5), f64(98, 1), f32(97, 1), sf(96, "x"),
		protowire.AppendTag(nil, 95, protowire.StartGroupType), vf(1, 1),
		protowire.AppendTag(nil, 95, protowire.EndGroupType))
	tensor := cat(unknown, vf(1, 1), vf(3, 7), bf(2, unknown, wShape(2), bf(2, vf(1, 1), sf(2, "dimname"))), packedF32(5, 1, 2))
	node := bf(1, unknown, sf(1, "c"), sf(2, "Const"), sf(4, ""), bf(6, sf(1, "debug")),
		bf(5, unknown, sf(1, "value"), bf(2, unknown, bf(8, tensor))),
		wAttr("f", bf(10, sf(1, "fn"), wAttr("inner", vf(3, 1)))),
		wAttr("p", sf(9, "ph")))
	data := cat(unknown, bf(2, sf(1, "library stuff")), vf(3, 12), node, bf(4, unknown, vf(1, 42), vf(2, 1)))
	g, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if g.Producer != 42 || len(g.Nodes) != 1 {
		t.Fatalf("producer %d, %d nodes", g.Producer, len(g.Nodes))
	}
	n := g.Node("c")
	v, err := n.AttrTensor("value")
	if err != nil || !equalI64(v.Shape, []int64{2, 1}) || !equalF32(v.Float, []float32{1, 2}) {
		t.Errorf("tensor %+v, %v", v, err)
	}
	if a := n.Attrs["f"]; a.Kind != AttrFunc || string(a.S) != "fn" {
		t.Errorf("func attr %+v", a)
	}
	if a := n.Attrs["p"]; a.Kind != AttrPlaceholder || string(a.S) != "ph" {
		t.Errorf("placeholder attr %+v", a)
	}
}

// AttrValue is a oneof (the last field wins) and attr is a map (the last
// entry wins); repeated list fields merge.
func TestOneofAndMapSemantics(t *testing.T) {
	g, err := Decode(wNode("n", "X",
		wAttr("a", vf(3, 1), f32(4, 2.5)),
		wAttr("b", vf(3, 1)), wAttr("b", sf(2, "later")),
		wAttr("l", bf(1, packedVarints(3, 1)), bf(1, packedVarints(3, 2))),
		wAttr("none")))
	if err != nil {
		t.Fatal(err)
	}
	n := g.Node("n")
	if f, err := n.AttrFloat("a"); err != nil || f != 2.5 {
		t.Errorf("a = %v, %v", f, err)
	}
	if s, err := n.AttrString("b"); err != nil || s != "later" {
		t.Errorf("b = %q, %v", s, err)
	}
	if l, err := n.AttrInts("l"); err != nil || !equalI64(l, []int64{1, 2}) {
		t.Errorf("l = %v, %v", l, err)
	}
	if n.Attrs["none"].Kind != AttrNone {
		t.Errorf("none = %+v", n.Attrs["none"])
	}
}

func TestEmptyGraph(t *testing.T) {
	g, err := Decode(nil)
	if err != nil || len(g.Nodes) != 0 || g.Node("x") != nil {
		t.Errorf("Decode(nil) = %+v, %v", g, err)
	}
}

func equalF32(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

func equalI64(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
