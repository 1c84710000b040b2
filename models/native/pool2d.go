package native

import (
	"fmt"
	"math"

	"github.com/deepdream-go/deepdream/models/native/vec"
)

// pool2d is MaxPool or AvgPool with TensorFlow's SAME/VALID geometry. With
// SAME padding, windows only cover in-image cells: max ignores the padding
// and the average divides by the number of in-image cells, in the forward
// pass and in the gradient.
type pool2d struct {
	kh, kw, sh, sw int
	same, max      bool
}

func (q *pool2d) keep() (bool, bool) { return false, false }

func (q *pool2d) geom(shape []int) (convGeom, int, error) {
	h, w, c, err := nhwc(shape)
	if err != nil {
		return convGeom{}, 0, err
	}
	ho, pt, err := windowGeometry(h, q.kh, q.sh, q.same)
	if err != nil {
		return convGeom{}, 0, err
	}
	wo, pl, err := windowGeometry(w, q.kw, q.sw, q.same)
	if err != nil {
		return convGeom{}, 0, err
	}
	return convGeom{h: h, w: w, ho: ho, wo: wo, pt: pt, pl: pl}, c, nil
}

func (q *pool2d) outShape(in [][]int) ([]int, error) {
	g, c, err := q.geom(in[0])
	if err != nil {
		return nil, err
	}
	return []int{1, g.ho, g.wo, c}, nil
}

// span returns the in-image range [lo,hi) of window o along one dimension.
func span(o, stride, pad, k, n int) (int, int) {
	lo := o*stride - pad
	hi := lo + k
	if lo < 0 {
		lo = 0
	}
	if hi > n {
		hi = n
	}
	return lo, hi
}

func (q *pool2d) forward(p *pool, in []*tensor, out *tensor) (any, error) {
	var arg []int32
	if q.max {
		arg = make([]int32, len(out.data))
	}
	return q.forwardIndexed(p, in, out, arg)
}

// indexCount: max pooling records the argmax of every output value.
func (q *pool2d) indexCount(out []int) int {
	if !q.max {
		return 0
	}
	return mustElements(out)
}

// forwardIndexed records max pooling's argmax in arg (len(out.data)
// values, unused by average pooling).
func (q *pool2d) forwardIndexed(p *pool, in []*tensor, out *tensor, arg []int32) (any, error) {
	g, c, err := q.geom(in[0].shape)
	if err != nil {
		return nil, err
	}
	x, y := in[0].data, out.data
	if q.max {
		if g.h*g.w*c > math.MaxInt32 {
			return nil, fmt.Errorf("input too large for MaxPool")
		}
		if len(arg) != len(y) {
			return nil, fmt.Errorf("MaxPool: %d argmax slots for %d outputs", len(arg), len(y))
		}
	}
	p.forRange(g.ho, 1, func(lo, hi int) {
		for oy := lo; oy < hi; oy++ {
			y0, y1 := span(oy, q.sh, g.pt, q.kh, g.h)
			for ox := 0; ox < g.wo; ox++ {
				x0, x1 := span(ox, q.sw, g.pl, q.kw, g.w)
				o := (oy*g.wo + ox) * c
				dst := y[o : o+c]
				if q.max {
					a := arg[o : o+c]
					first := true
					for iy := y0; iy < y1; iy++ {
						for ix := x0; ix < x1; ix++ {
							base := (iy*g.w + ix) * c
							src := x[base : base+c]
							if first {
								copy(dst, src)
								for ch := range a {
									a[ch] = int32(base + ch)
								}
								first = false
								continue
							}
							vec.MaxArg(dst, a, src, int32(base))
						}
					}
				} else {
					clear(dst)
					for iy := y0; iy < y1; iy++ {
						for ix := x0; ix < x1; ix++ {
							base := (iy*g.w + ix) * c
							vec.Add(dst, x[base:base+c])
						}
					}
					inv := 1 / float32((y1-y0)*(x1-x0))
					for ch := range dst {
						dst[ch] *= inv
					}
				}
			}
		}
	})
	if q.max {
		return arg, nil
	}
	return nil, nil
}

// outRange returns the outputs [lo,hi) whose windows cover input index i.
func outRange(i, stride, pad, k, nOut int) (int, int) {
	// o*stride - pad <= i  and  o*stride - pad + k - 1 >= i
	lo := i + pad - k + 1
	if lo < 0 {
		lo = 0
	} else {
		lo = (lo + stride - 1) / stride
	}
	hi := (i+pad)/stride + 1
	if hi > nOut {
		hi = nOut
	}
	return lo, hi
}

// backward routes each output gradient to the input cells of its window.
// Max pooling scatters to the recorded argmax; chunks of output rows that
// are at least a window apart run in parallel (even chunks, then odd), so
// no two workers add to the same input row and the order of additions is
// fixed. Average pooling gathers, for every input cell, the windows that
// cover it, so rows of the input gradient are independent work items.
func (q *pool2d) backward(p *pool, _ []*tensor, _ *tensor, aux any, dOut *tensor, dIn []*tensor) error {
	g, c, err := q.geom(dIn[0].shape)
	if err != nil {
		return err
	}
	dy, dx := dOut.data, dIn[0].data
	if q.max {
		arg := aux.([]int32)
		rows := max((q.kh+q.sh-1)/q.sh, (g.ho+15)/16)
		chunks := (g.ho + rows - 1) / rows
		for phase := 0; phase < 2; phase++ {
			p.forChunks((chunks-phase+1)/2, func(j, _ int) {
				r0 := (2*j + phase) * rows
				r1 := min(r0+rows, g.ho)
				for o := r0 * g.wo * c; o < r1*g.wo*c; o++ {
					dx[arg[o]] += dy[o]
				}
			})
		}
		return nil
	}
	p.forRange(g.h, 1, func(lo, hi int) {
		for iy := lo; iy < hi; iy++ {
			oy0, oy1 := outRange(iy, q.sh, g.pt, q.kh, g.ho)
			for ix := 0; ix < g.w; ix++ {
				ox0, ox1 := outRange(ix, q.sw, g.pl, q.kw, g.wo)
				base := (iy*g.w + ix) * c
				dst := dx[base : base+c]
				for oy := oy0; oy < oy1; oy++ {
					a, b := span(oy, q.sh, g.pt, q.kh, g.h)
					ny := b - a
					for ox := ox0; ox < ox1; ox++ {
						o := (oy*g.wo + ox) * c
						a, b := span(ox, q.sw, g.pl, q.kw, g.w)
						vec.AddScaled(dst, dy[o:o+c], 1/float32(ny*(b-a)))
					}
				}
			}
		}
	})
	return nil
}
