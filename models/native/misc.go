package native

import (
	"fmt"
	"math"
)

// lrn is TensorFlow's local response normalisation across channels:
// y_c = x_c / (bias + alpha * sum_{|c'-c|<=r} x_c'^2)^beta.
type lrn struct {
	radius            int
	bias, alpha, beta float32
}

func (l *lrn) keep() (bool, bool) { return true, false }

func (l *lrn) outShape(in [][]int) ([]int, error) {
	if len(in[0]) != 4 {
		return nil, fmt.Errorf("LRN wants a rank-4 input, got %v", in[0])
	}
	return in[0], nil
}

// norms writes bias + alpha*window sum of squares for one pixel into n.
func (l *lrn) norms(x, n []float32) {
	c := len(x)
	for ch := 0; ch < c; ch++ {
		lo, hi := max(ch-l.radius, 0), min(ch+l.radius, c-1)
		s := float32(0)
		for j := lo; j <= hi; j++ {
			s += x[j] * x[j]
		}
		n[ch] = l.bias + l.alpha*s
	}
}

func (l *lrn) forward(p *pool, in []*tensor, out *tensor) (any, error) {
	shape := in[0].shape
	c := shape[3]
	x, y := in[0].data, out.data
	pixels := len(x) / c
	p.forRange(pixels, 256, func(lo, hi int) {
		n := make([]float32, c)
		for px := lo; px < hi; px++ {
			xs, ys := x[px*c:(px+1)*c], y[px*c:(px+1)*c]
			l.norms(xs, n)
			for ch, v := range xs {
				ys[ch] = v * float32(math.Pow(float64(n[ch]), -float64(l.beta)))
			}
		}
	})
	return nil, nil
}

// backward: dx_i = dy_i N_i^-β − 2αβ x_i Σ_{j: |i−j|<=r} dy_j x_j N_j^(−β−1).
func (l *lrn) backward(p *pool, in []*tensor, _ *tensor, _ any, dOut *tensor, dIn []*tensor) error {
	c := in[0].shape[3]
	x, dy, dx := in[0].data, dOut.data, dIn[0].data
	pixels := len(x) / c
	p.forRange(pixels, 256, func(lo, hi int) {
		n := make([]float32, c)
		t := make([]float32, c)
		for px := lo; px < hi; px++ {
			xs, dys, dxs := x[px*c:(px+1)*c], dy[px*c:(px+1)*c], dx[px*c:(px+1)*c]
			l.norms(xs, n)
			for j := range xs {
				t[j] = dys[j] * xs[j] * float32(math.Pow(float64(n[j]), -float64(l.beta)-1))
			}
			k := 2 * l.alpha * l.beta
			for i, xi := range xs {
				lo, hi := max(i-l.radius, 0), min(i+l.radius, c-1)
				s := float32(0)
				for j := lo; j <= hi; j++ {
					s += t[j]
				}
				dxs[i] += dys[i]*float32(math.Pow(float64(n[i]), -float64(l.beta))) - k*xi*s
			}
		}
	})
	return nil
}

// concat joins tensors along an axis; some parts may be constants.
type concat struct {
	axis    int
	dynamic []bool
	consts  []*tensor
}

func (c *concat) keep() (bool, bool) { return false, false }

func (c *concat) partShapes(in [][]int) [][]int {
	out := make([][]int, len(c.dynamic))
	k := 0
	for i, d := range c.dynamic {
		if d {
			out[i] = in[k]
			k++
		} else {
			out[i] = c.consts[i].shape
		}
	}
	return out
}

func (c *concat) normAxis(rank int) (int, error) {
	a := c.axis
	if a < 0 {
		a += rank
	}
	if a < 0 || a >= rank {
		return 0, fmt.Errorf("concat axis %d out of range for rank %d", c.axis, rank)
	}
	return a, nil
}

func (c *concat) outShape(in [][]int) ([]int, error) {
	parts := c.partShapes(in)
	rank := len(parts[0])
	axis, err := c.normAxis(rank)
	if err != nil {
		return nil, err
	}
	out := append([]int(nil), parts[0]...)
	out[axis] = 0
	for _, s := range parts {
		if len(s) != rank {
			return nil, fmt.Errorf("concat of shapes with ranks %d and %d", rank, len(s))
		}
		for i := range s {
			if i != axis && s[i] != out[i] {
				return nil, fmt.Errorf("concat of shapes %v and %v along axis %d", parts[0], s, axis)
			}
		}
		out[axis] += s[axis]
	}
	return out, nil
}

// layout returns the number of outer blocks and each part's inner size.
func (c *concat) layout(parts [][]int) (outer int, inner []int) {
	axis, _ := c.normAxis(len(parts[0]))
	outer = 1
	for _, d := range parts[0][:axis] {
		outer *= d
	}
	for _, s := range parts {
		n := 1
		for _, d := range s[axis:] {
			n *= d
		}
		inner = append(inner, n)
	}
	return outer, inner
}

func (c *concat) forward(p *pool, in []*tensor, out *tensor) (any, error) {
	shapes := make([][]int, 0, len(in))
	for _, t := range in {
		shapes = append(shapes, t.shape)
	}
	parts := c.partShapes(shapes)
	outer, inner := c.layout(parts)
	total := 0
	for _, n := range inner {
		total += n
	}
	data := make([][]float32, len(parts))
	k := 0
	for i, d := range c.dynamic {
		if d {
			data[i] = in[k].data
			k++
		} else {
			data[i] = c.consts[i].data
		}
	}
	p.forRange(outer, 64, func(lo, hi int) {
		for o := lo; o < hi; o++ {
			off := o * total
			for i, n := range inner {
				copy(out.data[off:off+n], data[i][o*n:(o+1)*n])
				off += n
			}
		}
	})
	return nil, nil
}

func (c *concat) backward(p *pool, _ []*tensor, _ *tensor, _ any, dOut *tensor, dIn []*tensor) error {
	shapes := make([][]int, 0, len(dIn))
	for _, t := range dIn {
		shapes = append(shapes, t.shape)
	}
	parts := c.partShapes(shapes)
	outer, inner := c.layout(parts)
	total := 0
	for _, n := range inner {
		total += n
	}
	p.forRange(outer, 64, func(lo, hi int) {
		for o := lo; o < hi; o++ {
			off := o * total
			k := 0
			for i, n := range inner {
				if c.dynamic[i] {
					dst := dIn[k].data[o*n : (o+1)*n]
					k++
					for j, v := range dOut.data[off : off+n] {
						dst[j] += v
					}
				}
				off += n
			}
		}
	})
	return nil
}

// reshape covers Reshape, Squeeze and ExpandDims: same data, new shape.
type reshape struct {
	kind   string
	target []int64
}

func (r *reshape) keep() (bool, bool) { return false, false }

func (r *reshape) outShape(in [][]int) ([]int, error) {
	s := in[0]
	n, err := numElements(s)
	if err != nil {
		return nil, err
	}
	switch r.kind {
	case "Reshape":
		out := make([]int, len(r.target))
		infer := -1
		known := 1
		for i, d := range r.target {
			switch {
			case d == -1 && infer < 0:
				infer = i
			case d < 0:
				return nil, fmt.Errorf("bad reshape target %v", r.target)
			default:
				if d > maxElements {
					return nil, fmt.Errorf("bad reshape target %v", r.target)
				}
				out[i] = int(d)
				known *= int(d)
				if known > maxElements {
					return nil, fmt.Errorf("bad reshape target %v", r.target)
				}
			}
		}
		if infer >= 0 {
			if known == 0 || n%known != 0 {
				return nil, fmt.Errorf("cannot reshape %v into %v", s, r.target)
			}
			out[infer] = n / known
		} else if known != n {
			return nil, fmt.Errorf("cannot reshape %v (%d elements) into %v", s, n, r.target)
		}
		return out, nil
	case "Squeeze":
		drop := map[int]bool{}
		for _, d := range r.target {
			a := int(d)
			if a < 0 {
				a += len(s)
			}
			if a < 0 || a >= len(s) || s[a] != 1 {
				return nil, fmt.Errorf("cannot squeeze dimension %d of %v", d, s)
			}
			drop[a] = true
		}
		var out []int
		for i, d := range s {
			if (len(drop) == 0 && d == 1) || drop[i] {
				continue
			}
			out = append(out, d)
		}
		return out, nil
	default: // ExpandDims
		a := int(r.target[0])
		if a < 0 {
			a += len(s) + 1
		}
		if a < 0 || a > len(s) {
			return nil, fmt.Errorf("ExpandDims axis %d out of range for %v", r.target[0], s)
		}
		out := append(append(append([]int(nil), s[:a]...), 1), s[a:]...)
		return out, nil
	}
}

func (r *reshape) forward(_ *pool, in []*tensor, out *tensor) (any, error) {
	copy(out.data, in[0].data)
	return nil, nil
}

func (r *reshape) backward(_ *pool, _ []*tensor, _ *tensor, _ any, dOut *tensor, dIn []*tensor) error {
	for i, v := range dOut.data {
		dIn[0].data[i] += v
	}
	return nil
}

// mean averages over a set of axes.
type mean struct {
	axes     []int64
	keepDims bool
}

func (m *mean) keep() (bool, bool) { return false, false }

func (m *mean) reduced(rank int) ([]bool, error) {
	red := make([]bool, rank)
	for _, a := range m.axes {
		i := int(a)
		if i < 0 {
			i += rank
		}
		if i < 0 || i >= rank {
			return nil, fmt.Errorf("Mean axis %d out of range for rank %d", a, rank)
		}
		red[i] = true
	}
	return red, nil
}

func (m *mean) outShape(in [][]int) ([]int, error) {
	s := in[0]
	if len(s) > 4 {
		return nil, fmt.Errorf("rank %d is not supported", len(s))
	}
	red, err := m.reduced(len(s))
	if err != nil {
		return nil, err
	}
	var out []int
	for i, d := range s {
		if red[i] {
			if m.keepDims {
				out = append(out, 1)
			}
			continue
		}
		out = append(out, d)
	}
	return out, nil
}

// kept returns the input shape with reduced axes set to 1.
func (m *mean) kept(s []int) []int {
	red, _ := m.reduced(len(s))
	k := append([]int(nil), s...)
	for i := range k {
		if red[i] {
			k[i] = 1
		}
	}
	return k
}

func (m *mean) forward(_ *pool, in []*tensor, out *tensor) (any, error) {
	s := in[0].shape
	dims, st := strides4(m.kept(s), s)
	count := len(in[0].data) / max(len(out.data), 1)
	acc := make([]float64, len(out.data))
	o := 0
	for i := 0; i < dims[0]; i++ {
		for j := 0; j < dims[1]; j++ {
			for k := 0; k < dims[2]; k++ {
				for l := 0; l < dims[3]; l++ {
					acc[i*st[0]+j*st[1]+k*st[2]+l*st[3]] += float64(in[0].data[o])
					o++
				}
			}
		}
	}
	for i, v := range acc {
		out.data[i] = float32(v / float64(count))
	}
	return nil, nil
}

func (m *mean) backward(_ *pool, _ []*tensor, _ *tensor, _ any, dOut *tensor, dIn []*tensor) error {
	s := dIn[0].shape
	dims, st := strides4(m.kept(s), s)
	inv := float32(len(dOut.data)) / float32(len(dIn[0].data))
	o := 0
	for i := 0; i < dims[0]; i++ {
		for j := 0; j < dims[1]; j++ {
			for k := 0; k < dims[2]; k++ {
				for l := 0; l < dims[3]; l++ {
					dIn[0].data[o] += dOut.data[i*st[0]+j*st[1]+k*st[2]+l*st[3]] * inv
					o++
				}
			}
		}
	}
	return nil
}

// matMul is x·W with a constant W.
type matMul struct {
	k, n int
	w    []float32 // k×n
	wt   []float32 // n×k
}

func newMatMul(name string, w *tensor, transposed bool) (*matMul, string, error) {
	if len(w.shape) != 2 {
		return nil, "", fmt.Errorf("node %q: MatMul weights must be a matrix, got %v", name, w.shape)
	}
	r, c := w.shape[0], w.shape[1]
	t := make([]float32, r*c)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			t[j*r+i] = w.data[i*c+j]
		}
	}
	if transposed {
		return &matMul{k: c, n: r, w: t, wt: w.data}, name, nil
	}
	return &matMul{k: r, n: c, w: w.data, wt: t}, name, nil
}

func (m *matMul) keep() (bool, bool) { return false, false }

func (m *matMul) outShape(in [][]int) ([]int, error) {
	s := in[0]
	if len(s) != 2 || s[1] != m.k {
		return nil, fmt.Errorf("MatMul input %v does not match weights with %d rows", s, m.k)
	}
	return []int{s[0], m.n}, nil
}

func (m *matMul) forward(p *pool, in []*tensor, out *tensor) (any, error) {
	p.ws[0].Sgemm(in[0].shape[0], m.n, m.k, in[0].data, m.k, m.w, m.n, out.data, m.n, false)
	return nil, nil
}

func (m *matMul) backward(p *pool, _ []*tensor, _ *tensor, _ any, dOut *tensor, dIn []*tensor) error {
	p.ws[0].Sgemm(dOut.shape[0], m.k, m.n, dOut.data, m.n, m.wt, m.k, dIn[0].data, m.k, true)
	return nil
}

// softmax over the last dimension.
type softmax struct{}

func (softmax) keep() (bool, bool) { return false, true }

func (softmax) outShape(in [][]int) ([]int, error) {
	if len(in[0]) == 0 {
		return nil, fmt.Errorf("Softmax of a scalar")
	}
	return in[0], nil
}

func (softmax) forward(_ *pool, in []*tensor, out *tensor) (any, error) {
	c := in[0].shape[len(in[0].shape)-1]
	for r := 0; r < len(in[0].data); r += c {
		x, y := in[0].data[r:r+c], out.data[r:r+c]
		mx := x[0]
		for _, v := range x {
			mx = max(mx, v)
		}
		s := 0.0
		for i, v := range x {
			e := math.Exp(float64(v - mx))
			y[i] = float32(e)
			s += e
		}
		for i := range y {
			y[i] = float32(float64(y[i]) / s)
		}
	}
	return nil, nil
}

func (softmax) backward(_ *pool, _ []*tensor, out *tensor, _ any, dOut *tensor, dIn []*tensor) error {
	c := out.shape[len(out.shape)-1]
	for r := 0; r < len(out.data); r += c {
		y, dy, dx := out.data[r:r+c], dOut.data[r:r+c], dIn[0].data[r:r+c]
		dot := float32(0)
		for i := range y {
			dot += y[i] * dy[i]
		}
		for i := range y {
			dx[i] += y[i] * (dy[i] - dot)
		}
	}
	return nil
}
