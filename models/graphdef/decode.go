package graphdef

import (
	"fmt"
	"math"
	"strconv"

	"google.golang.org/protobuf/encoding/protowire"
)

// Limits that protect Decode from hostile files. Apart from the elements
// MaxFillElements allows, every value Decode creates is backed by bytes of
// the file, so its memory is a small multiple of the file's size: float32
// tensor_content costs its own size, integer types widen to int64, and the
// worst cases (empty nodes or strings, one-byte varints) cost a few dozen
// bytes per byte of input.
const (
	// MaxElements is the most elements Decode accepts in one tensor
	// (2^28: 1 GiB of float32).
	MaxElements = 1 << 28
	// MaxFillElements is the most tensor elements, summed over a whole graph,
	// that Decode creates by repeating the last value of a typed *_val field
	// (or zero-filling an empty one) to fill a tensor's shape: 2^24, that is
	// 64 MiB of float32 or 128 MiB of int64. Such elements are not backed by
	// bytes in the file, so without this bound a few bytes could claim
	// gigabytes. Elements stored in the file do not count; DT_STRING
	// elements count three times (each is a 24-byte slice header).
	MaxFillElements = 1 << 24
	// MaxRank is the most dimensions a shape may have (TensorFlow's limit).
	MaxRank = 254
)

// decoder holds the state of one Decode call.
type decoder struct {
	fillLeft int64 // elements that repeat-last filling may still create
}

// Decode decodes a frozen TensorFlow GraphDef from the protobuf wire format
// and validates it (see Graph.Validate). It keeps the nodes (name, op,
// inputs, device, attributes with their tensors) and versions.producer;
// the function library and unknown fields are skipped.
//
// Tensors are expanded to their full element count and converted as
// described on Tensor. Decode never panics; malformed, inconsistent or
// oversized input yields an error that wraps ErrMalformed, ErrInvalid or
// ErrLimit and names the offending node and attribute. Decode does not keep
// references to data.
func Decode(data []byte) (*Graph, error) {
	d := &decoder{fillLeft: MaxFillElements}
	g := &Graph{}
	for off := 0; off < len(data); {
		f, n, err := readField(data[off:])
		if err != nil {
			return nil, fmt.Errorf("graphdef: GraphDef at byte %d: %w", off, err)
		}
		switch f.num {
		case 1: // node
			b, err := f.bytes("node")
			if err != nil {
				return nil, fmt.Errorf("graphdef: GraphDef at byte %d: %w", off, err)
			}
			node, err := d.node(b)
			if err != nil {
				return nil, fmt.Errorf("graphdef: node %s: %w", nodeLabel(b, len(g.Nodes), off), err)
			}
			g.Nodes = append(g.Nodes, node)
		case 4: // versions
			b, err := f.bytes("versions")
			if err == nil {
				err = eachField(b, func(f field) error {
					if f.num != 1 { // producer
						return nil
					}
					v, err := f.varint("producer")
					g.Producer = int32(v)
					return err
				})
			}
			if err != nil {
				return nil, fmt.Errorf("graphdef: versions: %w", err)
			}
		}
		off += n
	}
	index := make(map[string]*Node, len(g.Nodes))
	if err := g.validate(index); err != nil {
		return nil, err
	}
	g.index = index
	return g, nil
}

// nodeLabel names a node for an error message: its quoted name when the
// NodeDef b holds one that can be read, else its position.
func nodeLabel(b []byte, i, off int) string {
	name, found := "", false
	_ = eachField(b, func(f field) error {
		if f.num == 1 && f.typ == protowire.BytesType {
			name, found = string(f.b), true
		}
		return nil
	})
	if found {
		return strconv.Quote(name)
	}
	return fmt.Sprintf("#%d (at byte %d)", i, off)
}

// node decodes one NodeDef.
func (d *decoder) node(b []byte) (*Node, error) {
	n := &Node{}
	err := eachField(b, func(f field) error {
		switch f.num {
		case 1, 2, 3, 4:
			names := [...]string{1: "name", 2: "op", 3: "input", 4: "device"}
			v, err := f.bytes(names[f.num])
			if err != nil {
				return err
			}
			switch f.num {
			case 1:
				n.Name = string(v)
			case 2:
				n.Op = string(v)
			case 3:
				n.Inputs = append(n.Inputs, string(v))
			case 4:
				n.Device = string(v)
			}
		case 5:
			entry, err := f.bytes("attr")
			if err != nil {
				return err
			}
			return d.attrEntry(entry, n)
		}
		return nil
	})
	return n, err
}

// attrEntry decodes one entry of the NodeDef.attr map into n.Attrs. As in
// any protobuf map, a later entry with the same key replaces an earlier one.
func (d *decoder) attrEntry(b []byte, n *Node) error {
	var key string
	var val []byte
	err := eachField(b, func(f field) error {
		var err error
		switch f.num {
		case 1:
			var k []byte
			k, err = f.bytes("attr key")
			key = string(k)
		case 2:
			val, err = f.bytes("attr value")
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("attr entry: %w", err)
	}
	v, err := d.attrValue(val)
	if err != nil {
		return fmt.Errorf("attr %q: %w", key, err)
	}
	if n.Attrs == nil {
		n.Attrs = make(map[string]*AttrValue)
	}
	n.Attrs[key] = v
	return nil
}

// attrValue decodes an AttrValue. Its fields form a oneof: the last one
// wins, except that repeated list or shape fields merge as protobuf
// messages do.
func (d *decoder) attrValue(b []byte) (*AttrValue, error) {
	v := &AttrValue{}
	err := eachField(b, func(f field) error {
		switch f.num {
		case 1: // list
			m, err := f.bytes("list")
			if err != nil {
				return err
			}
			if v.Kind != AttrList {
				*v = AttrValue{Kind: AttrList, List: &AttrListValue{}}
			}
			return d.listValue(m, v.List)
		case 2, 9: // s, placeholder
			s, err := f.bytes("s")
			if err != nil {
				return err
			}
			kind := AttrString
			if f.num == 9 {
				kind = AttrPlaceholder
			}
			*v = AttrValue{Kind: kind, S: append([]byte{}, s...)}
		case 3: // i
			i, err := f.varint("i")
			if err != nil {
				return err
			}
			*v = AttrValue{Kind: AttrInt, I: int64(i)}
		case 4: // f
			x, err := f.fixed32("f")
			if err != nil {
				return err
			}
			*v = AttrValue{Kind: AttrFloat, F: math.Float32frombits(x)}
		case 5: // b
			x, err := f.varint("b")
			if err != nil {
				return err
			}
			*v = AttrValue{Kind: AttrBool, B: x != 0}
		case 6: // type
			x, err := f.varint("type")
			if err != nil {
				return err
			}
			*v = AttrValue{Kind: AttrType, Type: DataType(int32(x))}
		case 7: // shape
			m, err := f.bytes("shape")
			if err != nil {
				return err
			}
			if v.Kind != AttrShape {
				*v = AttrValue{Kind: AttrShape, Shape: &Shape{}}
			}
			return d.shapeAttr(m, v.Shape)
		case 8: // tensor
			m, err := f.bytes("tensor")
			if err != nil {
				return err
			}
			t, err := d.tensor(m)
			if err != nil {
				return err
			}
			*v = AttrValue{Kind: AttrTensor, Tensor: t}
		case 10: // func: NameAttrList; only its name (field 1) is kept
			m, err := f.bytes("func")
			if err != nil {
				return err
			}
			name := []byte{}
			err = eachField(m, func(f field) error {
				if f.num != 1 {
					return nil
				}
				s, err := f.bytes("func name")
				name = append(name[:0], s...)
				return err
			})
			if err != nil {
				return fmt.Errorf("func: %w", err)
			}
			*v = AttrValue{Kind: AttrFunc, S: name}
		}
		return nil
	})
	return v, err
}

// listValue decodes an AttrValue.ListValue, appending to l.
func (d *decoder) listValue(b []byte, l *AttrListValue) error {
	err := eachField(b, func(f field) error {
		var err error
		switch f.num {
		case 2:
			var s []byte
			if s, err = f.bytes("list s"); err == nil {
				l.S = append(l.S, append([]byte{}, s...))
			}
		case 3:
			l.I, err = appendVarints(l.I, f, "list i", func(u uint64) int64 { return int64(u) })
		case 4:
			l.F, err = appendFixed32s(l.F, f, "list f", math.Float32frombits)
		case 5:
			l.B, err = appendVarints(l.B, f, "list b", func(u uint64) bool { return u != 0 })
		case 6:
			l.Type, err = appendVarints(l.Type, f, "list type", func(u uint64) DataType { return DataType(int32(u)) })
		case 7:
			var m []byte
			if m, err = f.bytes("list shape"); err == nil {
				s := &Shape{}
				if err = d.shapeAttr(m, s); err == nil {
					l.Shape = append(l.Shape, s)
				}
			}
		case 8:
			var m []byte
			if m, err = f.bytes("list tensor"); err == nil {
				var t *Tensor
				if t, err = d.tensor(m); err == nil {
					l.Tensor = append(l.Tensor, t)
				} else {
					err = fmt.Errorf("list tensor %d: %w", len(l.Tensor), err)
				}
			}
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("list: %w", err)
	}
	return nil
}

// shape decodes a TensorShapeProto, appending its dimensions to s.
func (d *decoder) shape(b []byte, s *Shape) error {
	return eachField(b, func(f field) error {
		switch f.num {
		case 2: // dim
			m, err := f.bytes("shape dim")
			if err != nil {
				return err
			}
			if len(s.Dims) >= MaxRank {
				return fmt.Errorf("%w: shape has more than %d dimensions", ErrLimit, MaxRank)
			}
			var size int64
			err = eachField(m, func(f field) error {
				if f.num != 1 {
					return nil // the dimension's name
				}
				u, err := f.varint("dim size")
				size = int64(u)
				return err
			})
			if err != nil {
				return err
			}
			s.Dims = append(s.Dims, size)
		case 3: // unknown_rank
			u, err := f.varint("unknown_rank")
			if err != nil {
				return err
			}
			s.UnknownRank = u != 0
		}
		return nil
	})
}

// shapeAttr decodes the shape of a shape attribute, where -1 marks an
// unknown dimension.
func (d *decoder) shapeAttr(b []byte, s *Shape) error {
	if err := d.shape(b, s); err != nil {
		return fmt.Errorf("shape: %w", err)
	}
	for _, n := range s.Dims {
		if n < -1 {
			return fmt.Errorf("%w: shape %v has dimension %d (only -1, unknown, may be negative)", ErrInvalid, s.Dims, n)
		}
	}
	if s.UnknownRank && len(s.Dims) > 0 {
		return fmt.Errorf("%w: shape of unknown rank has dimensions %v", ErrInvalid, s.Dims)
	}
	return nil
}
