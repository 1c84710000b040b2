package graphdef

import (
	"encoding/binary"
	"fmt"
	"math"
)

// rawTensor is a TensorProto as read from the wire, before its values are
// checked against dtype and shape. Slices of bytes alias the input.
type rawTensor struct {
	dtype     DataType
	shape     Shape
	content   []byte
	floatVal  []float32
	doubleVal []float64
	intVal    []int32
	int64Val  []int64
	halfVal   []uint16
	boolVal   []bool
	stringVal [][]byte
}

// tensor decodes a TensorProto and expands its values (see Tensor).
func (d *decoder) tensor(b []byte) (*Tensor, error) {
	var r rawTensor
	err := eachField(b, func(f field) error {
		var err error
		switch f.num {
		case 1:
			var u uint64
			u, err = f.varint("tensor dtype")
			r.dtype = DataType(int32(u))
		case 2:
			var m []byte
			if m, err = f.bytes("tensor_shape"); err == nil {
				err = d.shape(m, &r.shape)
			}
		case 4:
			r.content, err = f.bytes("tensor_content")
		case 5:
			r.floatVal, err = appendFixed32s(r.floatVal, f, "float_val", math.Float32frombits)
		case 6:
			r.doubleVal, err = appendFixed64s(r.doubleVal, f, "double_val", math.Float64frombits)
		case 7:
			r.intVal, err = appendVarints(r.intVal, f, "int_val", func(u uint64) int32 { return int32(u) })
		case 8:
			var s []byte
			if s, err = f.bytes("string_val"); err == nil {
				r.stringVal = append(r.stringVal, s)
			}
		case 10:
			r.int64Val, err = appendVarints(r.int64Val, f, "int64_val", func(u uint64) int64 { return int64(u) })
		case 11:
			r.boolVal, err = appendVarints(r.boolVal, f, "bool_val", func(u uint64) bool { return u != 0 })
		case 13:
			r.halfVal, err = appendVarints(r.halfVal, f, "half_val", func(u uint64) uint16 { return uint16(u) })
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("tensor: %w", err)
	}
	t, err := d.finish(&r)
	if err != nil {
		return nil, fmt.Errorf("tensor: %w", err)
	}
	return t, nil
}

// elemSize is the size in bytes of one tensor_content element of t, or 0 if
// Decode does not support t.
func elemSize(t DataType) int64 {
	switch t {
	case DTFloat, DTInt32:
		return 4
	case DTDouble, DTInt64:
		return 8
	case DTHalf, DTInt16:
		return 2
	case DTInt8, DTUint8, DTBool:
		return 1
	case DTString:
		return -1 // strings live in string_val only
	}
	return 0
}

// typedCounts lists how many values each typed *_val field of r holds, by
// field name, in field-number order.
func (r *rawTensor) typedCounts() [7]struct {
	name string
	n    int
} {
	return [7]struct {
		name string
		n    int
	}{
		{"float_val", len(r.floatVal)},
		{"double_val", len(r.doubleVal)},
		{"int_val", len(r.intVal)},
		{"string_val", len(r.stringVal)},
		{"int64_val", len(r.int64Val)},
		{"bool_val", len(r.boolVal)},
		{"half_val", len(r.halfVal)},
	}
}

// valField names the typed field that holds values of type t.
func valField(t DataType) string {
	switch t {
	case DTFloat:
		return "float_val"
	case DTDouble:
		return "double_val"
	case DTInt32, DTInt16, DTInt8, DTUint8:
		return "int_val"
	case DTString:
		return "string_val"
	case DTInt64:
		return "int64_val"
	case DTBool:
		return "bool_val"
	case DTHalf:
		return "half_val"
	}
	return ""
}

// numElements multiplies the dimensions of a tensor shape, refusing
// negative dimensions and overflow.
func numElements(dims []int64) (int64, error) {
	n := int64(1)
	for _, d := range dims {
		if d < 0 {
			return 0, fmt.Errorf("%w: tensor shape %v has negative dimension %d", ErrInvalid, dims, d)
		}
	}
	for _, d := range dims {
		if d == 0 {
			return 0, nil
		}
	}
	for _, d := range dims {
		if n > math.MaxInt64/d {
			return 0, fmt.Errorf("%w: tensor shape %v: element count overflows int64", ErrInvalid, dims)
		}
		n *= d
	}
	return n, nil
}

// finish checks r's values against its dtype and shape and expands them.
func (d *decoder) finish(r *rawTensor) (*Tensor, error) {
	dims := r.shape.Dims
	if dims == nil {
		dims = []int64{}
	}
	if r.shape.UnknownRank {
		return nil, fmt.Errorf("%w: tensor shape has unknown rank", ErrInvalid)
	}
	n, err := numElements(dims)
	if err != nil {
		return nil, err
	}
	size := elemSize(r.dtype)
	if size == 0 {
		return nil, fmt.Errorf("%w: unsupported tensor dtype %v", ErrInvalid, r.dtype)
	}
	want := valField(r.dtype)
	count := 0
	for _, c := range r.typedCounts() {
		if c.name == want {
			count = c.n
		} else if c.n > 0 {
			return nil, fmt.Errorf("%w: %v tensor holds %d %s values (want %s)", ErrInvalid, r.dtype, c.n, c.name, want)
		}
	}
	t := &Tensor{DType: r.dtype, Shape: dims}

	if len(r.content) > 0 {
		if count > 0 {
			return nil, fmt.Errorf("%w: tensor has both tensor_content and %s", ErrInvalid, want)
		}
		if size < 0 {
			return nil, fmt.Errorf("%w: %v tensor has tensor_content", ErrInvalid, r.dtype)
		}
		have := int64(len(r.content))
		if have%size != 0 || have/size != n {
			return nil, fmt.Errorf("%w: tensor shape %v claims %d elements but holds %d bytes of tensor_content (%d bytes per %v element)",
				ErrInvalid, dims, n, have, size, r.dtype)
		}
		if n > MaxElements {
			return nil, fmt.Errorf("%w: tensor shape %v has %d elements, more than %d", ErrLimit, dims, n, MaxElements)
		}
		decodeContent(t, r.content, int(n))
		return t, nil
	}

	if int64(count) > n {
		return nil, fmt.Errorf("%w: tensor holds %d %s values, more than the %d elements of shape %v", ErrInvalid, count, want, n, dims)
	}
	if n > MaxElements {
		return nil, fmt.Errorf("%w: tensor shape %v claims %d elements but holds %d %s values; more than %d elements per tensor is refused",
			ErrLimit, dims, n, count, want, MaxElements)
	}
	fill := n - int64(count)
	if r.dtype == DTString {
		fill *= 3 // a []byte header costs as much as three int64s
	}
	if fill > d.fillLeft {
		return nil, fmt.Errorf("%w: tensor shape %v claims %d elements but holds %d %s values; filling the rest would pass the limit of %d elements filled by repetition per graph",
			ErrLimit, dims, n, count, want, MaxFillElements)
	}
	d.fillLeft -= fill
	switch r.dtype {
	case DTFloat:
		t.Float = expand(r.floatVal, int(n), func(v float32) float32 { return v })
	case DTDouble:
		t.Float = expand(r.doubleVal, int(n), func(v float64) float32 { return float32(v) })
	case DTHalf:
		t.Float = expand(r.halfVal, int(n), halfToFloat32)
	case DTInt32:
		t.Int = expand(r.intVal, int(n), func(v int32) int64 { return int64(v) })
	case DTInt16:
		t.Int = expand(r.intVal, int(n), func(v int32) int64 { return int64(int16(v)) })
	case DTInt8:
		t.Int = expand(r.intVal, int(n), func(v int32) int64 { return int64(int8(v)) })
	case DTUint8:
		t.Int = expand(r.intVal, int(n), func(v int32) int64 { return int64(uint8(v)) })
	case DTInt64:
		t.Int = expand(r.int64Val, int(n), func(v int64) int64 { return v })
	case DTBool:
		t.Int = expand(r.boolVal, int(n), func(v bool) int64 {
			if v {
				return 1
			}
			return 0
		})
	case DTString:
		t.Strings = expand(r.stringVal, int(n), func(v []byte) []byte { return append([]byte{}, v...) })
	}
	return t, nil
}

// expand converts vals into a slice of n elements, repeating the last value
// when vals is shorter (zero values when it is empty). len(vals) <= n.
func expand[S, T any](vals []S, n int, conv func(S) T) []T {
	out := make([]T, n)
	for i, v := range vals {
		out[i] = conv(v)
	}
	if k := len(vals); k > 0 {
		last := out[k-1]
		for i := k; i < n; i++ {
			out[i] = last
		}
	}
	return out
}

// decodeContent fills t's values from n little-endian elements in b, whose
// length has been checked to be n times the element size.
func decodeContent(t *Tensor, b []byte, n int) {
	le := binary.LittleEndian
	switch t.DType {
	case DTFloat:
		t.Float = make([]float32, n)
		for i := range t.Float {
			t.Float[i] = math.Float32frombits(le.Uint32(b[4*i:]))
		}
	case DTDouble:
		t.Float = make([]float32, n)
		for i := range t.Float {
			t.Float[i] = float32(math.Float64frombits(le.Uint64(b[8*i:])))
		}
	case DTHalf:
		t.Float = make([]float32, n)
		for i := range t.Float {
			t.Float[i] = halfToFloat32(le.Uint16(b[2*i:]))
		}
	default:
		t.Int = make([]int64, n)
		for i := range t.Int {
			switch t.DType {
			case DTInt32:
				t.Int[i] = int64(int32(le.Uint32(b[4*i:])))
			case DTInt64:
				t.Int[i] = int64(le.Uint64(b[8*i:]))
			case DTInt16:
				t.Int[i] = int64(int16(le.Uint16(b[2*i:])))
			case DTInt8:
				t.Int[i] = int64(int8(b[i]))
			case DTUint8:
				t.Int[i] = int64(b[i])
			case DTBool:
				if b[i] != 0 {
					t.Int[i] = 1
				}
			}
		}
	}
}

// halfToFloat32 converts IEEE 754 binary16 bits to float32 (exactly).
func halfToFloat32(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h & 0x3ff)
	switch {
	case exp == 0x1f: // infinity or NaN
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	case exp != 0: // normal
		return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
	}
	// zero or subnormal: mant * 2^-24
	f := float32(mant) / (1 << 24)
	if sign != 0 {
		f = -f
	}
	return f
}

// float32ToHalf converts f to IEEE 754 binary16 bits, rounding to nearest
// even; values beyond the range of half become infinities, NaNs stay NaNs.
func float32ToHalf(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int32(b>>23) & 0xff
	mant := b & 0x7fffff
	if exp == 0xff {
		if mant == 0 {
			return sign | 0x7c00
		}
		m := uint16(mant >> 13)
		if m == 0 {
			m = 0x200 // keep it a NaN
		}
		return sign | 0x7c00 | m
	}
	e := exp - 127 + 15
	if e >= 0x1f {
		return sign | 0x7c00
	}
	if e <= 0 {
		// Subnormal half (or zero): the half unit is 2^-24.
		if exp == 0 {
			return sign // float32 subnormals are far below half's range
		}
		m := mant | 0x800000
		shift := uint32(14 - e)
		if shift > 24 {
			return sign
		}
		h := m >> shift
		rem := m & (1<<shift - 1)
		halfway := uint32(1) << (shift - 1)
		if rem > halfway || (rem == halfway && h&1 == 1) {
			h++
		}
		return sign | uint16(h)
	}
	h := uint32(e)<<10 | mant>>13
	rem := mant & 0x1fff
	if rem > 0x1000 || (rem == 0x1000 && h&1 == 1) {
		h++ // may carry into the exponent, up to infinity: both correct
	}
	return sign | uint16(h)
}
