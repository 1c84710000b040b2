package graphdef

import (
	"encoding/binary"
	"math"
	"slices"
	"sort"

	"google.golang.org/protobuf/encoding/protowire"
)

// Encode writes g as a GraphDef in the protobuf wire format, for tests and
// tools that build graphs; Decode(Encode(g)) gives back an equal graph when
// g is valid. The output is deterministic (attributes sorted by name).
//
// A tensor whose value slice (Float, Int or Strings, as its DType wants)
// holds one value per element is written in full: float types as
// little-endian tensor_content, integer types in int_val or int64_val, bool
// in bool_val, strings in string_val. A shorter slice is written to the
// typed *_val field as is, so Decode repeats its last value (or zero) to fill
// the shape: Tensor{DType: DTFloat, Shape: []int64{3, 3}} encodes nine zeros
// in a few bytes. Encode does not validate g; nil nodes are skipped and nil
// attribute values are written as unset.
func Encode(g *Graph) []byte {
	if g == nil {
		return nil
	}
	b := make([]byte, 0, sizeHint(g))
	for _, n := range g.Nodes {
		if n != nil {
			b = appendMessage(b, 1, func(b []byte) []byte { return appendNode(b, n) })
		}
	}
	if g.Producer != 0 {
		b = appendMessage(b, 4, func(b []byte) []byte {
			return appendVarintField(b, 1, uint64(int64(g.Producer)))
		})
	}
	return b
}

// lenReserve is the room left for a message length before its body is
// written; 5 varint bytes cover messages below 32 GiB.
const lenReserve = 5

// appendMessage appends field num holding the message that body appends.
// The body is written in place after room for its length, then moved down
// over the room the length does not need.
func appendMessage(b []byte, num protowire.Number, body func([]byte) []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	start := len(b)
	b = append(b, make([]byte, lenReserve)...)
	b = body(b)
	size := len(b) - start - lenReserve
	k := protowire.SizeVarint(uint64(size))
	if k > lenReserve {
		// Longer than any GraphDef can be; move the body up instead.
		body := slices.Clone(b[start+lenReserve:])
		return append(protowire.AppendVarint(b[:start], uint64(size)), body...)
	}
	protowire.AppendVarint(b[start:start], uint64(size))
	copy(b[start+k:], b[start+lenReserve:])
	return b[:len(b)-(lenReserve-k)]
}

func appendVarintField(b []byte, num protowire.Number, v uint64) []byte {
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

func appendBytesField(b []byte, num protowire.Number, v []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}

func appendStringField(b []byte, num protowire.Number, v string) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, v)
}

// appendPacked appends vals as one packed field of varints.
func appendPacked[T any](b []byte, num protowire.Number, vals []T, conv func(T) uint64) []byte {
	if len(vals) == 0 {
		return b
	}
	size := 0
	for _, v := range vals {
		size += protowire.SizeVarint(conv(v))
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	b = protowire.AppendVarint(b, uint64(size))
	for _, v := range vals {
		b = protowire.AppendVarint(b, conv(v))
	}
	return b
}

// appendPackedFixed appends vals as one packed field of width-byte
// little-endian values.
func appendPackedFixed[T any](b []byte, num protowire.Number, vals []T, width int, conv func(T) uint64) []byte {
	if len(vals) == 0 {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	b = protowire.AppendVarint(b, uint64(len(vals)*width))
	b = slices.Grow(b, len(vals)*width)
	le := binary.LittleEndian
	switch width {
	case 2:
		for _, v := range vals {
			b = le.AppendUint16(b, uint16(conv(v)))
		}
	case 4:
		for _, v := range vals {
			b = le.AppendUint32(b, uint32(conv(v)))
		}
	default:
		for _, v := range vals {
			b = le.AppendUint64(b, conv(v))
		}
	}
	return b
}

func appendNode(b []byte, n *Node) []byte {
	if n.Name != "" {
		b = appendStringField(b, 1, n.Name)
	}
	if n.Op != "" {
		b = appendStringField(b, 2, n.Op)
	}
	for _, in := range n.Inputs {
		b = appendStringField(b, 3, in)
	}
	if n.Device != "" {
		b = appendStringField(b, 4, n.Device)
	}
	keys := make([]string, 0, len(n.Attrs))
	for k := range n.Attrs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		b = appendMessage(b, 5, func(b []byte) []byte {
			b = appendStringField(b, 1, k)
			return appendMessage(b, 2, func(b []byte) []byte { return appendAttr(b, n.Attrs[k]) })
		})
	}
	return b
}

func appendAttr(b []byte, v *AttrValue) []byte {
	if v == nil {
		return b
	}
	switch v.Kind {
	case AttrList:
		b = appendMessage(b, 1, func(b []byte) []byte { return appendList(b, v.List) })
	case AttrString:
		b = appendBytesField(b, 2, v.S)
	case AttrInt:
		b = appendVarintField(b, 3, uint64(v.I))
	case AttrFloat:
		b = protowire.AppendTag(b, 4, protowire.Fixed32Type)
		b = protowire.AppendFixed32(b, math.Float32bits(v.F))
	case AttrBool:
		b = appendVarintField(b, 5, protowire.EncodeBool(v.B))
	case AttrType:
		b = appendVarintField(b, 6, uint64(int64(v.Type)))
	case AttrShape:
		b = appendMessage(b, 7, func(b []byte) []byte { return appendShape(b, v.Shape) })
	case AttrTensor:
		b = appendMessage(b, 8, func(b []byte) []byte { return appendTensor(b, v.Tensor) })
	case AttrPlaceholder:
		b = appendBytesField(b, 9, v.S)
	case AttrFunc:
		b = appendMessage(b, 10, func(b []byte) []byte { return appendBytesField(b, 1, v.S) })
	}
	return b
}

func appendList(b []byte, l *AttrListValue) []byte {
	if l == nil {
		return b
	}
	for _, s := range l.S {
		b = appendBytesField(b, 2, s)
	}
	b = appendPacked(b, 3, l.I, func(v int64) uint64 { return uint64(v) })
	b = appendPackedFixed(b, 4, l.F, 4, func(v float32) uint64 { return uint64(math.Float32bits(v)) })
	b = appendPacked(b, 5, l.B, protowire.EncodeBool)
	b = appendPacked(b, 6, l.Type, func(v DataType) uint64 { return uint64(int64(v)) })
	for _, s := range l.Shape {
		b = appendMessage(b, 7, func(b []byte) []byte { return appendShape(b, s) })
	}
	for _, t := range l.Tensor {
		b = appendMessage(b, 8, func(b []byte) []byte { return appendTensor(b, t) })
	}
	return b
}

func appendShape(b []byte, s *Shape) []byte {
	if s == nil {
		return b
	}
	b = appendDims(b, s.Dims)
	if s.UnknownRank {
		b = appendVarintField(b, 3, 1)
	}
	return b
}

func appendDims(b []byte, dims []int64) []byte {
	for _, d := range dims {
		b = appendMessage(b, 2, func(b []byte) []byte { return appendVarintField(b, 1, uint64(d)) })
	}
	return b
}

func appendTensor(b []byte, t *Tensor) []byte {
	if t == nil {
		return b
	}
	if t.DType != DTInvalid {
		b = appendVarintField(b, 1, uint64(int64(t.DType)))
	}
	b = appendMessage(b, 2, func(b []byte) []byte { return appendDims(b, t.Shape) })
	full := int64(len(t.Float)) == t.NumElements()
	int32s := func(v int64) uint64 { return uint64(int64(int32(v))) }
	switch t.DType {
	case DTFloat:
		if full {
			return appendContent(b, t.Float, 4, func(f float32) uint64 { return uint64(math.Float32bits(f)) })
		}
		b = appendPackedFixed(b, 5, t.Float, 4, func(f float32) uint64 { return uint64(math.Float32bits(f)) })
	case DTDouble:
		if full {
			return appendContent(b, t.Float, 8, func(f float32) uint64 { return math.Float64bits(float64(f)) })
		}
		b = appendPackedFixed(b, 6, t.Float, 8, func(f float32) uint64 { return math.Float64bits(float64(f)) })
	case DTHalf:
		if full {
			return appendContent(b, t.Float, 2, func(f float32) uint64 { return uint64(float32ToHalf(f)) })
		}
		b = appendPacked(b, 13, t.Float, func(f float32) uint64 { return uint64(float32ToHalf(f)) })
	case DTInt32, DTInt16, DTInt8, DTUint8:
		b = appendPacked(b, 7, t.Int, int32s)
	case DTInt64:
		b = appendPacked(b, 10, t.Int, func(v int64) uint64 { return uint64(v) })
	case DTBool:
		b = appendPacked(b, 11, t.Int, func(v int64) uint64 { return protowire.EncodeBool(v != 0) })
	case DTString:
		for _, s := range t.Strings {
			b = appendBytesField(b, 8, s)
		}
	}
	return b
}

// appendContent appends vals as tensor_content of width-byte elements.
func appendContent(b []byte, vals []float32, width int, conv func(float32) uint64) []byte {
	if len(vals) == 0 {
		return b
	}
	return appendPackedFixed(b, 4, vals, width, conv)
}

// sizeHint estimates the encoded size of g from above, so that Encode
// allocates its output about once.
func sizeHint(g *Graph) int {
	size := 16
	for _, n := range g.Nodes {
		if n == nil {
			continue
		}
		size += 32 + len(n.Name) + len(n.Op) + len(n.Device)
		for _, in := range n.Inputs {
			size += 8 + len(in)
		}
		for k, v := range n.Attrs {
			size += 24 + len(k) + attrHint(v)
		}
	}
	return size
}

func attrHint(v *AttrValue) int {
	if v == nil {
		return 0
	}
	size := 24 + len(v.S) + shapeHint(v.Shape) + tensorHint(v.Tensor)
	if l := v.List; l != nil {
		size += 11*(len(l.I)+len(l.Type)) + 4*len(l.F) + len(l.B)
		for _, s := range l.S {
			size += 8 + len(s)
		}
		for _, s := range l.Shape {
			size += shapeHint(s)
		}
		for _, t := range l.Tensor {
			size += tensorHint(t)
		}
	}
	return size
}

func shapeHint(s *Shape) int {
	if s == nil {
		return 0
	}
	return 16 + 14*len(s.Dims)
}

func tensorHint(t *Tensor) int {
	if t == nil {
		return 0
	}
	width := 4
	if t.DType == DTDouble {
		width = 8
	}
	size := 40 + 14*len(t.Shape) + width*len(t.Float) + 11*len(t.Int)
	for _, s := range t.Strings {
		size += 8 + len(s)
	}
	return size
}
