// Package vec holds the small element-wise loops that run between the
// matrix multiplications of a convolution (bias, ReLU and its gradient
// mask, and accumulation), vectorised with AVX-512 or AVX2 where the CPU
// has them and in plain Go elsewhere. Results are identical on all paths:
// each output element is one float32 addition or a comparison.
package vec

// simdLevel is an instruction set the loops can use; each level includes
// the ones below it.
type simdLevel int

const (
	scalarOnly simdLevel = iota
	withAVX2
	withAVX512
)

// Add sets dst[i] += src[i] for every i < len(dst); src must be at least as long.
func Add(dst, src []float32) { add(dst, src, simd) }

func add(dst, src []float32, s simdLevel) {
	src = src[:len(dst)]
	n := 0
	if s >= withAVX512 {
		n = len(dst) &^ 15
		if n > 0 {
			addAVX512(&dst[0], &src[0], n)
		}
	}
	if s >= withAVX2 {
		if m := (len(dst) - n) &^ 7; m > 0 {
			addAVX2(&dst[n], &src[n], m)
			n += m
		}
	}
	for i := n; i < len(dst); i++ {
		dst[i] += src[i]
	}
}

// BiasReLU sets row[i] = row[i]+bias[i] where that is positive and 0
// elsewhere (NaN and -0 included), for every i < len(row); bias must be at
// least as long.
func BiasReLU(row, bias []float32) { biasReLU(row, bias, simd) }

func biasReLU(row, bias []float32, s simdLevel) {
	bias = bias[:len(row)]
	n := 0
	if s >= withAVX512 {
		n = len(row) &^ 15
		if n > 0 {
			biasReLUAVX512(&row[0], &bias[0], n)
		}
	}
	if s >= withAVX2 {
		if m := (len(row) - n) &^ 7; m > 0 {
			biasReLUAVX2(&row[n], &bias[n], m)
			n += m
		}
	}
	for i := n; i < len(row); i++ {
		v := row[i] + bias[i]
		if !(v > 0) {
			v = 0
		}
		row[i] = v
	}
}

// MaskNonPositive sets dy[i] = 0 wherever y[i] <= 0 (the gradient of a
// ReLU whose output is y); y must be at least as long as dy.
func MaskNonPositive(dy, y []float32) { maskNonPositive(dy, y, simd) }

func maskNonPositive(dy, y []float32, s simdLevel) {
	y = y[:len(dy)]
	n := 0
	if s >= withAVX512 {
		n = len(dy) &^ 15
		if n > 0 {
			maskAVX512(&dy[0], &y[0], n)
		}
	}
	if s >= withAVX2 {
		if m := (len(dy) - n) &^ 7; m > 0 {
			maskAVX2(&dy[n], &y[n], m)
			n += m
		}
	}
	for i := n; i < len(dy); i++ {
		if !(y[i] > 0) {
			dy[i] = 0
		}
	}
}

// AddScaled sets dst[i] += a*src[i] for every i < len(dst), rounding the
// product before the sum (no fused multiply-add, so both paths agree); src
// must be at least as long.
func AddScaled(dst, src []float32, a float32) {
	src = src[:len(dst)]
	n := 0
	if simd >= withAVX2 {
		n = len(dst) &^ 7
		if n > 0 {
			addScaledAVX2(&dst[0], &src[0], n, a)
		}
	}
	for i := n; i < len(dst); i++ {
		dst[i] += float32(a * src[i]) // the conversion forbids a fused multiply-add
	}
}

// MaxArg keeps a running maximum: wherever src[i] > dst[i] (strictly, so
// the first maximum wins ties), it sets dst[i] = src[i] and arg[i] =
// base+i. arg and src must be at least as long as dst.
func MaxArg(dst []float32, arg []int32, src []float32, base int32) {
	src, arg = src[:len(dst)], arg[:len(dst)]
	n := 0
	if simd >= withAVX2 {
		n = len(dst) &^ 7
		if n > 0 {
			maxArgAVX2(&dst[0], &arg[0], &src[0], n, base)
		}
	}
	for i := n; i < len(dst); i++ {
		if src[i] > dst[i] {
			dst[i] = src[i]
			arg[i] = base + int32(i)
		}
	}
}
