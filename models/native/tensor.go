package native

import (
	"fmt"
)

// tensor is a dense float32 array in row-major order.
type tensor struct {
	shape []int
	data  []float32
}

// maxElements bounds any tensor the executor allocates (4 GiB of float32),
// so a hostile graph or input size fails with an error instead of an
// out-of-memory crash.
const maxElements = 1 << 30

func numElements(shape []int) (int, error) {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("negative dimension in shape %v", shape)
		}
		if d != 0 && n > maxElements/d {
			return 0, fmt.Errorf("shape %v has more than %d elements", shape, maxElements)
		}
		n *= d
	}
	return n, nil
}

// nhwc returns the spatial layout of a rank-4 tensor with batch 1.
func nhwc(shape []int) (h, w, c int, err error) {
	if len(shape) != 4 {
		return 0, 0, 0, fmt.Errorf("want a rank-4 NHWC tensor, got shape %v", shape)
	}
	if shape[0] != 1 {
		return 0, 0, 0, fmt.Errorf("batch size %d is not supported (only 1)", shape[0])
	}
	return shape[1], shape[2], shape[3], nil
}

// windowGeometry computes TensorFlow's output size and leading padding for
// one spatial dimension.
func windowGeometry(in, k, stride int, same bool) (out, padBefore int, err error) {
	if k <= 0 || stride <= 0 {
		return 0, 0, fmt.Errorf("bad window %d stride %d", k, stride)
	}
	if same {
		out = (in + stride - 1) / stride
		total := (out-1)*stride + k - in
		if total < 0 {
			total = 0
		}
		return out, total / 2, nil
	}
	if in < k {
		return 0, 0, fmt.Errorf("input size %d is smaller than the window %d", in, k)
	}
	return (in-k)/stride + 1, 0, nil
}
