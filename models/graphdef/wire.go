package graphdef

import (
	"errors"
	"fmt"
	"slices"

	"google.golang.org/protobuf/encoding/protowire"
)

// Errors that Decode and Validate wrap, for errors.Is. The wrapping error
// says which node, attribute and field are at fault.
var (
	// ErrMalformed marks input that is not a well-formed protobuf of the
	// expected messages: truncated data, bad varints, wrong wire types.
	ErrMalformed = errors.New("malformed protobuf")
	// ErrInvalid marks a well-formed file whose content makes no sense: a
	// tensor whose data does not match its shape and dtype, duplicate or
	// dangling node names, cycles.
	ErrInvalid = errors.New("invalid graph")
	// ErrLimit marks input that claims more than the decoder's limits allow
	// (see MaxElements, MaxFillElements and MaxRank).
	ErrLimit = errors.New("over decoder limit")
	// ErrNoAttr is returned by the Node.Attr* getters for a missing attribute.
	ErrNoAttr = errors.New("no such attribute")
)

// field is one field read from a protobuf message.
type field struct {
	num protowire.Number
	typ protowire.Type
	u   uint64 // value of a varint, fixed32 or fixed64 field
	b   []byte // value of a length-delimited field; aliases the input
}

// parseErr turns a negative protowire length into an error wrapping ErrMalformed.
func parseErr(n int) error {
	return fmt.Errorf("%w: %v", ErrMalformed, protowire.ParseError(n))
}

// readField reads the field at the start of b and returns it with the number
// of bytes it occupies. Groups (a deprecated encoding nothing here uses) are
// validated and skipped as a whole.
func readField(b []byte) (field, int, error) {
	num, typ, n := protowire.ConsumeTag(b)
	if n < 0 {
		return field{}, 0, fmt.Errorf("field tag: %w", parseErr(n))
	}
	f := field{num: num, typ: typ}
	var m int
	switch typ {
	case protowire.VarintType:
		f.u, m = protowire.ConsumeVarint(b[n:])
	case protowire.Fixed32Type:
		var v uint32
		v, m = protowire.ConsumeFixed32(b[n:])
		f.u = uint64(v)
	case protowire.Fixed64Type:
		f.u, m = protowire.ConsumeFixed64(b[n:])
	case protowire.BytesType:
		f.b, m = protowire.ConsumeBytes(b[n:])
	default:
		m = protowire.ConsumeFieldValue(num, typ, b[n:])
	}
	if m < 0 {
		return field{}, 0, fmt.Errorf("field %d: %w", num, parseErr(m))
	}
	return f, n + m, nil
}

// eachField calls fn for every field of the message b, in wire order.
func eachField(b []byte, fn func(f field) error) error {
	for len(b) > 0 {
		f, n, err := readField(b)
		if err != nil {
			return err
		}
		if err := fn(f); err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

// wireTypeName names a wire type for error messages.
func wireTypeName(t protowire.Type) string {
	switch t {
	case protowire.VarintType:
		return "varint"
	case protowire.Fixed32Type:
		return "fixed32"
	case protowire.Fixed64Type:
		return "fixed64"
	case protowire.BytesType:
		return "length-delimited"
	case protowire.StartGroupType:
		return "group"
	}
	return fmt.Sprintf("wire type %d", t)
}

// badType reports a known field that arrived with the wrong wire type.
func (f field) badType(what, want string) error {
	return fmt.Errorf("%w: %s (field %d) has %s encoding, want %s",
		ErrMalformed, what, f.num, wireTypeName(f.typ), want)
}

// bytes returns the value of a length-delimited field.
func (f field) bytes(what string) ([]byte, error) {
	if f.typ != protowire.BytesType {
		return nil, f.badType(what, "length-delimited")
	}
	return f.b, nil
}

// varint returns the value of a varint field.
func (f field) varint(what string) (uint64, error) {
	if f.typ != protowire.VarintType {
		return 0, f.badType(what, "varint")
	}
	return f.u, nil
}

// fixed32 returns the value of a fixed32 field.
func (f field) fixed32(what string) (uint32, error) {
	if f.typ != protowire.Fixed32Type {
		return 0, f.badType(what, "fixed32")
	}
	return uint32(f.u), nil
}

// appendVarints appends the values of one occurrence of a repeated varint
// field, which may be packed (one length-delimited run) or not (one varint).
func appendVarints[T any](dst []T, f field, what string, conv func(uint64) T) ([]T, error) {
	switch f.typ {
	case protowire.VarintType:
		return append(dst, conv(f.u)), nil
	case protowire.BytesType:
		// Every varint ends in exactly one byte below 0x80, so this counts
		// the values without allocating more than the bytes justify.
		n := 0
		for _, c := range f.b {
			if c < 0x80 {
				n++
			}
		}
		dst = slices.Grow(dst, n)
		for b := f.b; len(b) > 0; {
			v, m := protowire.ConsumeVarint(b)
			if m < 0 {
				return dst, fmt.Errorf("packed %s: %w", what, parseErr(m))
			}
			dst = append(dst, conv(v))
			b = b[m:]
		}
		return dst, nil
	}
	return dst, f.badType(what, "varint or packed")
}

// appendFixed32s is appendVarints for fixed32 fields (float).
func appendFixed32s[T any](dst []T, f field, what string, conv func(uint32) T) ([]T, error) {
	switch f.typ {
	case protowire.Fixed32Type:
		return append(dst, conv(uint32(f.u))), nil
	case protowire.BytesType:
		if len(f.b)%4 != 0 {
			return dst, fmt.Errorf("%w: packed %s is %d bytes, not a multiple of 4", ErrMalformed, what, len(f.b))
		}
		dst = slices.Grow(dst, len(f.b)/4)
		for b := f.b; len(b) > 0; b = b[4:] {
			v, _ := protowire.ConsumeFixed32(b)
			dst = append(dst, conv(v))
		}
		return dst, nil
	}
	return dst, f.badType(what, "fixed32 or packed")
}

// appendFixed64s is appendVarints for fixed64 fields (double).
func appendFixed64s[T any](dst []T, f field, what string, conv func(uint64) T) ([]T, error) {
	switch f.typ {
	case protowire.Fixed64Type:
		return append(dst, conv(f.u)), nil
	case protowire.BytesType:
		if len(f.b)%8 != 0 {
			return dst, fmt.Errorf("%w: packed %s is %d bytes, not a multiple of 8", ErrMalformed, what, len(f.b))
		}
		dst = slices.Grow(dst, len(f.b)/8)
		for b := f.b; len(b) > 0; b = b[8:] {
			v, _ := protowire.ConsumeFixed64(b)
			dst = append(dst, conv(v))
		}
		return dst, nil
	}
	return dst, f.badType(what, "fixed64 or packed")
}
