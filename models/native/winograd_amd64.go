//go:build amd64 && !purego

package native

// The assembly tile transforms process nch channels of n >= 1 tiles, nch a
// positive multiple of 16 (AVX-512) or 8 (AVX2); the arguments are those of
// winoTransforms, with strides in float32 values. relu is 0 or 1; bias
// holds nch values; y is nil or laid out like src.

//go:noescape
func winoInAVX512(src *float32, row, c int, dst *float32, xi, n, nch int)

//go:noescape
func winoOutAVX512(src *float32, xi, c int, dst *float32, row int, bias *float32, relu, n, nch int)

//go:noescape
func winoDyAVX512(src *float32, row, c int, dst *float32, xi, n, nch int, y *float32)

//go:noescape
func winoDxAVX512(src *float32, xi, c int, dst *float32, row, n, nch int)

//go:noescape
func winoInAVX2(src *float32, row, c int, dst *float32, xi, n, nch int)

//go:noescape
func winoOutAVX2(src *float32, xi, c int, dst *float32, row int, bias *float32, relu, n, nch int)

//go:noescape
func winoDyAVX2(src *float32, row, c int, dst *float32, xi, n, nch int, y *float32)

//go:noescape
func winoDxAVX2(src *float32, xi, c int, dst *float32, row, n, nch int)

// winoTransformsFor returns the tile transforms that go with a GEMM
// kernel: the assembly of the same instruction set (gemm.Lookup only
// returns the AVX-512 and AVX2 kernels where the CPU and OS support them),
// Go for the generic kernel.
func winoTransformsFor(kernel string) winoTransforms {
	switch kernel {
	case "avx512":
		return asmTransforms(kernel, 16, winoInAVX512, winoOutAVX512, winoDyAVX512, winoDxAVX512)
	case "avx2":
		return asmTransforms(kernel, 8, winoInAVX2, winoOutAVX2, winoDyAVX2, winoDxAVX2)
	}
	return genericTransforms
}

// lastImage is the index past the last value that a transform touches on
// the image side: n tiles two pixels apart, rows×cols pixels each.
func lastImage(row, c, n, rows, cols int) int {
	return 2*(n-1)*c + (rows-1)*row + (cols-1)*c + c
}

// lastTiles is the index past the last value a transform touches on the
// transformed side.
func lastTiles(xi, c, n int) int { return 15*xi + (n-1)*c + c }

// asmTransforms wraps assembly transforms that handle multiples of width
// channels: they check the slice bounds, then run the assembly on the
// leading channels and the Go code on the rest.
func asmTransforms(name string, width int,
	in func(src *float32, row, c int, dst *float32, xi, n, nch int),
	out func(src *float32, xi, c int, dst *float32, row int, bias *float32, relu, n, nch int),
	dy func(src *float32, row, c int, dst *float32, xi, n, nch int, y *float32),
	dx func(src *float32, xi, c int, dst *float32, row, n, nch int),
) winoTransforms {
	return winoTransforms{
		name: name,
		in: func(src []float32, row, c int, dst []float32, xi, n int) {
			_, _ = src[lastImage(row, c, n, 4, 4)-1], dst[lastTiles(xi, c, n)-1]
			nch := c - c%width
			if nch > 0 {
				in(&src[0], row, c, &dst[0], xi, n, nch)
			}
			winoInGo(src, row, c, dst, xi, n, nch, c)
		},
		out: func(src []float32, xi, c int, dst []float32, row int, bias []float32, relu bool, n int) {
			_, _, _ = src[lastTiles(xi, c, n)-1], dst[lastImage(row, c, n, 2, 2)-1], bias[c-1]
			nch := c - c%width
			if nch > 0 {
				r := 0
				if relu {
					r = 1
				}
				out(&src[0], xi, c, &dst[0], row, &bias[0], r, n, nch)
			}
			winoOutGo(src, xi, c, dst, row, bias, relu, n, nch, c)
		},
		dy: func(src, y []float32, row, c int, dst []float32, xi, n int) {
			_, _ = src[lastImage(row, c, n, 2, 2)-1], dst[lastTiles(xi, c, n)-1]
			nch := c - c%width
			if nch > 0 {
				var yp *float32
				if y != nil {
					_ = y[lastImage(row, c, n, 2, 2)-1]
					yp = &y[0]
				}
				dy(&src[0], row, c, &dst[0], xi, n, nch, yp)
			}
			winoDyGo(src, y, row, c, dst, xi, n, nch, c)
		},
		dx: func(src []float32, xi, c int, dst []float32, row int, n int) {
			_, _ = src[lastTiles(xi, c, n)-1], dst[lastImage(row, c, n, 4, 4)-1]
			nch := c - c%width
			if nch > 0 {
				dx(&src[0], xi, c, &dst[0], row, n, nch)
			}
			winoDxGo(src, xi, c, dst, row, n, nch, c)
		},
	}
}
