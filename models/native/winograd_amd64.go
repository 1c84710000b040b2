//go:build amd64 && !purego

package native

// The AVX-512 tile transforms process nch channels, nch a positive multiple
// of 16, of n >= 1 tiles; the arguments are those of winoTransforms, with
// strides in float32 values. relu is 0 or 1; bias holds nch values.

//go:noescape
func winoInAVX512(src *float32, row, c int, dst *float32, xi, n, nch int)

//go:noescape
func winoOutAVX512(src *float32, xi, c int, dst *float32, row int, bias *float32, relu, n, nch int)

//go:noescape
func winoDyAVX512(src *float32, row, c int, dst *float32, xi, n, nch int)

//go:noescape
func winoDxAVX512(src *float32, xi, c int, dst *float32, row, n, nch int)

// winoTransformsFor returns the tile transforms that go with a GEMM
// kernel: AVX-512 assembly with the AVX-512 kernel (gemm.Lookup only
// returns it when the CPU and OS support AVX-512), Go otherwise.
func winoTransformsFor(kernel string) winoTransforms {
	if kernel == "avx512" {
		return avx512Transforms
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

var avx512Transforms = winoTransforms{
	name: "avx512",
	in: func(src []float32, row, c int, dst []float32, xi, n int) {
		_, _ = src[lastImage(row, c, n, 4, 4)-1], dst[lastTiles(xi, c, n)-1]
		nch := c &^ 15
		if nch > 0 {
			winoInAVX512(&src[0], row, c, &dst[0], xi, n, nch)
		}
		winoInGo(src, row, c, dst, xi, n, nch, c)
	},
	out: func(src []float32, xi, c int, dst []float32, row int, bias []float32, relu bool, n int) {
		_, _ = src[lastTiles(xi, c, n)-1], dst[lastImage(row, c, n, 2, 2)-1]
		nch := c &^ 15
		if nch > 0 {
			_ = bias[nch-1]
			r := 0
			if relu {
				r = 1
			}
			winoOutAVX512(&src[0], xi, c, &dst[0], row, &bias[0], r, n, nch)
		}
		winoOutGo(src, xi, c, dst, row, bias, relu, n, nch, c)
	},
	dy: func(src []float32, row, c int, dst []float32, xi, n int) {
		_, _ = src[lastImage(row, c, n, 2, 2)-1], dst[lastTiles(xi, c, n)-1]
		nch := c &^ 15
		if nch > 0 {
			winoDyAVX512(&src[0], row, c, &dst[0], xi, n, nch)
		}
		winoDyGo(src, row, c, dst, xi, n, nch, c)
	},
	dx: func(src []float32, xi, c int, dst []float32, row int, n int) {
		_, _ = src[lastTiles(xi, c, n)-1], dst[lastImage(row, c, n, 4, 4)-1]
		nch := c &^ 15
		if nch > 0 {
			winoDxAVX512(&src[0], xi, c, &dst[0], row, n, nch)
		}
		winoDxGo(src, xi, c, dst, row, n, nch, c)
	},
}
