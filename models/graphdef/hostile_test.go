package graphdef

import (
	"errors"
	"runtime"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

// hostile lists inputs Decode must refuse, what the error must wrap, and
// text the message must contain (the node, and what is wrong).
var hostile = []struct {
	name string
	data []byte
	is   error
	msg  []string
}{
	{"tensor claims 10^12 elements over 36 bytes",
		wConst("conv1/kernel", vf(1, 1), bf(2, wShape(1000000, 1000000)), bf(4, make([]byte, 36))),
		ErrInvalid, []string{`graphdef: node "conv1/kernel": attr "value": tensor: `, "tensor shape [1000000 1000000] claims 1000000000000 elements but holds 36 bytes"}},
	{"one float_val filling 10^12 elements",
		wConst("k", vf(1, 1), bf(2, wShape(1000000, 1000000)), f32(5, 1)),
		ErrLimit, []string{`node "k"`, "claims 1000000000000 elements but holds 1 float_val values"}},
	{"empty float_val filling past the fill limit",
		wConst("k", vf(1, 1), bf(2, wShape(MaxFillElements+1))),
		ErrLimit, []string{`node "k"`, "filled by repetition"}},
	{"fill limit is per graph",
		cat(wConst("a", vf(1, 1), bf(2, wShape(MaxFillElements/2+1))), wConst("b", vf(1, 3), bf(2, wShape(MaxFillElements/2)))),
		ErrLimit, []string{`node "b"`}},
	{"string fill counts three times",
		wConst("s", vf(1, 7), bf(2, wShape(MaxFillElements/2)), sf(8, "x")),
		ErrLimit, []string{`node "s"`, "filled by repetition"}},
	{"product overflow",
		wConst("k", vf(1, 1), bf(2, wShape(1<<40, 1<<40)), f32(5, 1)),
		ErrInvalid, []string{`node "k"`, "overflows"}},
	{"product overflow with three dims",
		wConst("k", vf(1, 1), bf(2, wShape(1<<62, 4, 4))),
		ErrInvalid, []string{`node "k"`, "overflows"}},
	{"negative tensor dim",
		wConst("k", vf(1, 1), bf(2, wShape(-1, 3)), f32(5, 1)),
		ErrInvalid, []string{`node "k"`, "negative dimension -1"}},
	{"unknown-rank tensor",
		wConst("k", vf(1, 1), bf(2, vf(3, 1))),
		ErrInvalid, []string{`node "k"`, "unknown rank"}},
	{"shape attr dim below -1",
		wNode("p", "Placeholder", wAttr("shape", bf(7, wShape(-2, 3)))),
		ErrInvalid, []string{`node "p"`, `attr "shape"`, "dimension -2"}},
	{"rank over the limit",
		wNode("p", "Placeholder", wAttr("shape", bf(7, wShape(make([]int64, MaxRank+1)...)))),
		ErrLimit, []string{`node "p"`, "dimensions"}},
	{"content length mismatch",
		wConst("w", vf(1, 1), bf(2, wShape(2, 2)), bf(4, make([]byte, 12))),
		ErrInvalid, []string{`node "w"`, "tensor shape [2 2] claims 4 elements but holds 12 bytes"}},
	{"content not a multiple of the element size",
		wConst("w", vf(1, 3), bf(2, wShape(1)), bf(4, make([]byte, 5))),
		ErrInvalid, []string{`node "w"`, "holds 5 bytes"}},
	{"typed field of another dtype",
		wConst("w", vf(1, 1), bf(2, wShape(1)), vf(7, 3)),
		ErrInvalid, []string{`node "w"`, "DT_FLOAT tensor holds 1 int_val values"}},
	{"unsupported dtype",
		wConst("w", vf(1, 8), bf(2, wShape(1))),
		ErrInvalid, []string{`node "w"`, "unsupported tensor dtype DT_8"}},
	{"missing dtype",
		wConst("w", bf(2, wShape(1)), f32(5, 1)),
		ErrInvalid, []string{`node "w"`, "DT_INVALID"}},
	{"string tensor with content",
		wConst("w", vf(1, 7), bf(2, wShape(1)), sf(4, "abcd")),
		ErrInvalid, []string{`node "w"`, "tensor_content"}},
	{"both content and typed values",
		wConst("w", vf(1, 1), bf(2, wShape(1)), sf(4, "abcd"), f32(5, 1)),
		ErrInvalid, []string{`node "w"`, "both"}},
	{"more values than elements",
		wConst("w", vf(1, 1), bf(2, wShape(2)), packedF32(5, 1, 2, 3)),
		ErrInvalid, []string{`node "w"`, "3 float_val values, more than the 2 elements"}},
	{"packed floats not a multiple of 4",
		wConst("w", vf(1, 1), bf(2, wShape(2)), bf(5, make([]byte, 7))),
		ErrMalformed, []string{`node "w"`, "7 bytes"}},
	{"packed varints truncated",
		wConst("w", vf(1, 3), bf(2, wShape(2)), bf(7, []byte{1, 0x80})),
		ErrMalformed, []string{`node "w"`, "int_val"}},
	{"name with wrong wire type",
		bf(1, vf(1, 5), sf(2, "Const")),
		ErrMalformed, []string{"node #0", "name (field 1) has varint encoding"}},
	{"float attr as varint",
		wNode("lrn", "LRN", wAttr("alpha", vf(4, 1))),
		ErrMalformed, []string{`node "lrn"`, `attr "alpha"`, "f (field 4) has varint encoding, want fixed32"}},
	{"tensor as varint",
		wNode("c", "Const", wAttr("value", vf(8, 1))),
		ErrMalformed, []string{`node "c"`, "tensor (field 8)"}},
	{"node as varint",
		vf(1, 1),
		ErrMalformed, []string{"node (field 1) has varint encoding"}},
	{"end group at top level",
		protowire.AppendTag(nil, 7, protowire.EndGroupType),
		ErrMalformed, []string{"GraphDef at byte 0"}},
	{"reserved wire type 6",
		[]byte{0x0e, 0},
		ErrMalformed, []string{"GraphDef at byte 0"}},
	{"field number 0",
		[]byte{0x00, 0},
		ErrMalformed, []string{"GraphDef at byte 0"}},
	{"varint of 11 bytes",
		cat([]byte{0x18}, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}),
		ErrMalformed, []string{"GraphDef at byte 0"}},
	{"length claims a terabyte",
		cat(protowire.AppendTag(nil, 1, protowire.BytesType), protowire.AppendVarint(nil, 1<<40), []byte("x")),
		ErrMalformed, []string{"GraphDef at byte 0"}},
	{"truncated inside a node",
		wNode("conv", "Conv2D", sf(3, "x"))[:12],
		ErrMalformed, []string{"GraphDef at byte 0"}},
	{"truncated inside an attr (node name known)",
		bf(1, sf(1, "conv"), []byte{0x2a, 0x05, 0x0a}),
		ErrMalformed, []string{`node "conv"`}},
	{"unterminated group in an unknown field",
		cat(protowire.AppendTag(nil, 9, protowire.StartGroupType), vf(1, 1)),
		ErrMalformed, []string{"GraphDef at byte 0"}},
	{"duplicate names",
		cat(wNode("a", "Placeholder"), wNode("b", "Relu", sf(3, "a")), wNode("a", "Relu")),
		ErrInvalid, []string{`node "a"`, "duplicate", "#0 and #2"}},
	{"dangling input",
		cat(wNode("a", "Placeholder"), wNode("b", "Relu", sf(3, "nope:0"))),
		ErrInvalid, []string{`node "b"`, `input "nope:0" refers to missing node "nope"`}},
	{"dangling control input",
		cat(wNode("a", "Placeholder"), wNode("b", "Relu", sf(3, "a"), sf(3, "^gone"))),
		ErrInvalid, []string{`node "b"`, `missing node "gone"`}},
	{"cycle",
		cat(wNode("in", "Placeholder"), wNode("a", "Add", sf(3, "in"), sf(3, "c")), wNode("b", "Relu", sf(3, "a")), wNode("c", "Relu", sf(3, "b"))),
		ErrInvalid, []string{"cycle", `"a" feeds "b" feeds "c" feeds "a"`}},
	{"self loop",
		wNode("a", "Relu", sf(3, "a:0")),
		ErrInvalid, []string{`node "a"`, "cycle"}},
	{"data input after control input",
		cat(wNode("a", "Placeholder"), wNode("b", "Relu", sf(3, "^a"), sf(3, "a"))),
		ErrInvalid, []string{`node "b"`, "after a control input"}},
	{"bad input reference",
		cat(wNode("a", "Placeholder"), wNode("b", "Relu", sf(3, "a:x"))),
		ErrInvalid, []string{`node "b"`, `"a:x"`}},
	{"node without name",
		wNode("", "Relu"),
		ErrInvalid, []string{"node #0", "no name"}},
	{"name with colon",
		wNode("a:1", "Relu"),
		ErrInvalid, []string{`node "a:1"`}},
}

func TestHostile(t *testing.T) {
	for _, c := range hostile {
		t.Run(c.name, func(t *testing.T) {
			g, err := Decode(c.data)
			if err == nil {
				t.Fatalf("Decode succeeded: %+v", g)
			}
			if !errors.Is(err, c.is) {
				t.Errorf("error %q does not wrap %v", err, c.is)
			}
			if !strings.HasPrefix(err.Error(), "graphdef: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
			for _, m := range c.msg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not contain %q", err, m)
				}
			}
		})
	}
}

// Refusing an oversized claim must not allocate in proportion to the claim.
func TestHostileDoesNotAllocate(t *testing.T) {
	inputs := [][]byte{
		wConst("k", vf(1, 1), bf(2, wShape(1000000, 1000000)), f32(5, 1)),
		wConst("k", vf(1, 9), bf(2, wShape(MaxFillElements+1))),
		wConst("k", vf(1, 1), bf(2, wShape(1000000, 1000000)), bf(4, make([]byte, 36))),
		cat(protowire.AppendTag(nil, 1, protowire.BytesType), protowire.AppendVarint(nil, 1<<40)),
	}
	for i, data := range inputs {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		if _, err := Decode(data); err == nil {
			t.Fatalf("input %d decoded", i)
		}
		runtime.ReadMemStats(&after)
		if d := after.TotalAlloc - before.TotalAlloc; d > 1<<20 {
			t.Errorf("input %d: refusing it allocated %d bytes", i, d)
		}
	}
}

// The limits leave room for legitimate fills: a tensor may fill up to
// MaxFillElements by itself.
func TestFillWithinLimit(t *testing.T) {
	v := decodeTensor(t, vf(1, 1), bf(2, wShape(1024, 1024)), f32(5, 0.5))
	if len(v.Float) != 1<<20 || v.Float[1<<20-1] != 0.5 {
		t.Errorf("fill: %d values", len(v.Float))
	}
}

// No prefix of a valid file makes Decode panic, and no prefix that cuts a
// message is accepted.
func TestTruncated(t *testing.T) {
	g := syntheticGraph()
	data := Encode(g)
	ends := map[int]bool{0: true} // offsets where a top-level field ends
	for off := 0; off < len(data); {
		_, n, err := readField(data[off:])
		if err != nil {
			t.Fatal(err)
		}
		off += n
		ends[off] = true
	}
	for i := 0; i <= len(data); i++ {
		_, err := Decode(data[:i])
		if ends[i] && i == len(data) && err != nil {
			t.Fatalf("full data: %v", err)
		}
		if !ends[i] && err == nil {
			t.Errorf("prefix of %d bytes (cuts a node) decoded", i)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "graphdef: ") {
			t.Errorf("prefix %d: error %q", i, err)
		}
	}
}

// Flipping any single byte of a valid file never panics.
func TestCorrupted(t *testing.T) {
	data := Encode(syntheticGraph())
	buf := make([]byte, len(data))
	for i := range data {
		for _, x := range []byte{0x01, 0x80, 0xff} {
			copy(buf, data)
			buf[i] ^= x
			_, _ = Decode(buf)
		}
	}
}

func TestParseInput(t *testing.T) {
	good := []struct {
		in      string
		node    string
		output  int
		control bool
	}{
		{"a", "a", 0, false},
		{"a:0", "a", 0, false},
		{"scope/a_1:2", "scope/a_1", 2, false},
		{"^ctrl", "ctrl", -1, true},
		{"a:10", "a", 10, false},
	}
	for _, c := range good {
		node, out, ctl, err := ParseInput(c.in)
		if err != nil || node != c.node || out != c.output || ctl != c.control {
			t.Errorf("ParseInput(%q) = %q %d %v %v", c.in, node, out, ctl, err)
		}
	}
	for _, in := range []string{"", "^", ":0", "a:", "a:-1", "a:+1", "a: 1", "a:1:2", "^a:0", "^^a",
		"a:99999999999999999999", "a:0x1"} {
		if node, out, ctl, err := ParseInput(in); err == nil || !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseInput(%q) = %q %d %v %v, want an error", in, node, out, ctl, err)
		}
	}
}

// TensorFlow while loops feed NextIteration back into Merge; that cycle is allowed.
func TestValidateWhileLoopBackEdge(t *testing.T) {
	g := &Graph{Nodes: []*Node{
		{Name: "init", Op: "Const"},
		{Name: "merge", Op: "Merge", Inputs: []string{"init", "next"}},
		{Name: "body", Op: "Relu", Inputs: []string{"merge"}},
		{Name: "next", Op: "NextIteration", Inputs: []string{"body"}},
	}}
	if err := g.Validate(); err != nil {
		t.Errorf("while loop: %v", err)
	}
	g.Nodes[3].Op = "Identity"
	if err := g.Validate(); err == nil || !errors.Is(err, ErrInvalid) {
		t.Errorf("plain cycle: %v", err)
	}
	if err := (&Graph{Nodes: []*Node{nil}}).Validate(); err == nil {
		t.Error("nil node accepted")
	}
	// Control edges do not make data cycles.
	g = &Graph{Nodes: []*Node{
		{Name: "a", Op: "NoOp", Inputs: []string{"^b"}},
		{Name: "b", Op: "Relu", Inputs: []string{"a"}},
	}}
	if err := g.Validate(); err != nil {
		t.Errorf("control cycle: %v", err)
	}
}
