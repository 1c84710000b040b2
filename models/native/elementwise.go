package native

import (
	"fmt"
)

// relu is Relu (limit 0) or Relu6 (limit 6).
type relu struct{ limit float32 }

func (r *relu) keep() (bool, bool)                 { return false, true }
func (r *relu) outShape(in [][]int) ([]int, error) { return in[0], nil }
func (r *relu) forward(p *pool, in []*tensor, out *tensor) (any, error) {
	x, y := in[0].data, out.data
	p.forRange(len(x), 1<<15, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			v := x[i]
			if v < 0 {
				v = 0
			}
			if r.limit > 0 && v > r.limit {
				v = r.limit
			}
			y[i] = v
		}
	})
	return nil, nil
}

func (r *relu) backward(p *pool, _ []*tensor, out *tensor, _ any, dOut *tensor, dIn []*tensor) error {
	y, dy, dx := out.data, dOut.data, dIn[0].data
	p.forRange(len(y), 1<<15, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			if y[i] > 0 && (r.limit == 0 || y[i] < r.limit) {
				dx[i] += dy[i]
			}
		}
	})
	return nil
}

// affine is y = x*scale + shift per channel (last dimension): BiasAdd and
// inference-mode batch normalisation. A nil scale means 1.
type affine struct {
	scale, shift []float32
}

func (a *affine) keep() (bool, bool) { return false, false }

func (a *affine) channels() int {
	if a.scale != nil {
		return len(a.scale)
	}
	return len(a.shift)
}

func (a *affine) outShape(in [][]int) ([]int, error) {
	s := in[0]
	if len(s) == 0 || s[len(s)-1] != a.channels() {
		return nil, fmt.Errorf("input shape %v does not end in %d channels", s, a.channels())
	}
	return s, nil
}

func (a *affine) forward(p *pool, in []*tensor, out *tensor) (any, error) {
	x, y := in[0].data, out.data
	c := a.channels()
	rows := len(x) / c
	p.forRange(rows, 1<<12, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			xs, ys := x[r*c:(r+1)*c], y[r*c:(r+1)*c]
			for j, v := range xs {
				if a.scale != nil {
					v *= a.scale[j]
				}
				ys[j] = v + a.shift[j]
			}
		}
	})
	return nil, nil
}

func (a *affine) backward(p *pool, _ []*tensor, _ *tensor, _ any, dOut *tensor, dIn []*tensor) error {
	dy, dx := dOut.data, dIn[0].data
	c := a.channels()
	rows := len(dy) / c
	p.forRange(rows, 1<<12, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			ds, dd := dy[r*c:(r+1)*c], dx[r*c:(r+1)*c]
			for j, v := range ds {
				if a.scale != nil {
					v *= a.scale[j]
				}
				dd[j] += v
			}
		}
	})
	return nil
}

// binary is an elementwise op with NumPy broadcasting over up to 4
// dimensions. Either operand may be a constant captured at build time.
type binary struct {
	kind   string
	consts [2]*tensor
}

func (b *binary) keep() (bool, bool) {
	switch b.kind {
	case "Mul", "RealDiv", "Maximum", "Minimum":
		return true, false
	}
	return false, false
}

// operandShapes pairs dynamic input shapes with constant ones.
func (b *binary) operandShapes(in [][]int) ([2][]int, error) {
	var s [2][]int
	k := 0
	for i := 0; i < 2; i++ {
		if b.consts[i] != nil {
			s[i] = b.consts[i].shape
			continue
		}
		if k >= len(in) {
			return s, fmt.Errorf("missing operand")
		}
		s[i] = in[k]
		k++
	}
	return s, nil
}

func (b *binary) operands(in []*tensor) [2]*tensor {
	var t [2]*tensor
	k := 0
	for i := 0; i < 2; i++ {
		if b.consts[i] != nil {
			t[i] = b.consts[i]
		} else {
			t[i] = in[k]
			k++
		}
	}
	return t
}

// broadcastShape returns the broadcast result shape of a and b.
func broadcastShape(a, b []int) ([]int, error) {
	n := max(len(a), len(b))
	if n > 4 {
		return nil, fmt.Errorf("rank %d is not supported (at most 4)", n)
	}
	out := make([]int, n)
	for i := 0; i < n; i++ {
		da, db := 1, 1
		if j := len(a) - n + i; j >= 0 {
			da = a[j]
		}
		if j := len(b) - n + i; j >= 0 {
			db = b[j]
		}
		switch {
		case da == db:
			out[i] = da
		case da == 1:
			out[i] = db
		case db == 1:
			out[i] = da
		default:
			return nil, fmt.Errorf("shapes %v and %v cannot be broadcast", a, b)
		}
	}
	return out, nil
}

// strides4 returns the element strides of shape aligned to the 4-d output
// shape, with 0 for broadcast dimensions.
func strides4(shape, out []int) ([4]int, [4]int) {
	var dims, st [4]int
	off := 4 - len(out)
	for i := 0; i < 4; i++ {
		dims[i] = 1
	}
	for i, d := range out {
		dims[off+i] = d
	}
	stride := 1
	for i := len(shape) - 1; i >= 0; i-- {
		j := off + len(out) - len(shape) + i
		if shape[i] != 1 {
			st[j] = stride
		}
		stride *= shape[i]
	}
	return dims, st
}

func (b *binary) outShape(in [][]int) ([]int, error) {
	s, err := b.operandShapes(in)
	if err != nil {
		return nil, err
	}
	return broadcastShape(s[0], s[1])
}

func apply(kind string, x, y float32) float32 {
	switch kind {
	case "Add", "AddV2":
		return x + y
	case "Sub":
		return x - y
	case "Mul":
		return x * y
	case "RealDiv":
		return x / y
	case "Maximum":
		return max(x, y)
	case "Minimum":
		return min(x, y)
	}
	return 0
}

func (b *binary) forward(p *pool, in []*tensor, out *tensor) (any, error) {
	t := b.operands(in)
	dims, sa := strides4(t[0].shape, out.shape)
	_, sb := strides4(t[1].shape, out.shape)
	xa, xb, y := t[0].data, t[1].data, out.data
	p.forRange(dims[0]*dims[1], 1, func(lo, hi int) {
		for ij := lo; ij < hi; ij++ {
			i, j := ij/dims[1], ij%dims[1]
			oa := i*sa[0] + j*sa[1]
			ob := i*sb[0] + j*sb[1]
			o := ij * dims[2] * dims[3]
			for k := 0; k < dims[2]; k++ {
				for l := 0; l < dims[3]; l++ {
					y[o] = apply(b.kind, xa[oa+k*sa[2]+l*sa[3]], xb[ob+k*sb[2]+l*sb[3]])
					o++
				}
			}
		}
	})
	return nil, nil
}

// partial returns d(x∘y)/dx (which=0) or d/dy (which=1).
func partial(kind string, which int, x, y float32) float32 {
	switch kind {
	case "Add", "AddV2":
		return 1
	case "Sub":
		if which == 0 {
			return 1
		}
		return -1
	case "Mul":
		if which == 0 {
			return y
		}
		return x
	case "RealDiv":
		if which == 0 {
			return 1 / y
		}
		return -x / (y * y)
	case "Maximum":
		if (which == 0) == (x >= y) {
			return 1
		}
		return 0
	case "Minimum":
		if (which == 0) == (x <= y) {
			return 1
		}
		return 0
	}
	return 0
}

// backward sums the broadcast gradient back into each dynamic operand's
// shape, serially per operand so the order of additions is fixed.
func (b *binary) backward(p *pool, in []*tensor, _ *tensor, _ any, dOut *tensor, dIn []*tensor) error {
	var t [2]*tensor
	if ki, _ := b.keep(); ki {
		t = b.operands(in)
	}
	k := 0
	for which := 0; which < 2; which++ {
		if b.consts[which] != nil {
			continue
		}
		dx := dIn[k]
		k++
		dims, sd := strides4(dx.shape, dOut.shape)
		var sa, sb [4]int
		var xa, xb []float32
		if t[0] != nil {
			_, sa = strides4(t[0].shape, dOut.shape)
			_, sb = strides4(t[1].shape, dOut.shape)
			xa, xb = t[0].data, t[1].data
		}
		dy := dOut.data
		// Rows of the output map to distinct rows of dx only when dx is not
		// broadcast over the first two dims; otherwise run serially.
		parallel := sd[0] != 0 || dims[0] == 1
		parallel = parallel && (sd[1] != 0 || dims[1] == 1)
		body := func(lo, hi int) {
			for ij := lo; ij < hi; ij++ {
				i, j := ij/dims[1], ij%dims[1]
				o := ij * dims[2] * dims[3]
				for kk := 0; kk < dims[2]; kk++ {
					for l := 0; l < dims[3]; l++ {
						g := dy[o]
						if xa != nil {
							va := xa[i*sa[0]+j*sa[1]+kk*sa[2]+l*sa[3]]
							vb := xb[i*sb[0]+j*sb[1]+kk*sb[2]+l*sb[3]]
							g *= partial(b.kind, which, va, vb)
						} else {
							g *= partial(b.kind, which, 0, 0)
						}
						dx.data[i*sd[0]+j*sd[1]+kk*sd[2]+l*sd[3]] += g
						o++
					}
				}
			}
		}
		if parallel {
			p.forRange(dims[0]*dims[1], 1, body)
		} else {
			body(0, dims[0]*dims[1])
		}
	}
	return nil
}
