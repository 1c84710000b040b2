//go:build amd64 && !purego

package vec

import "golang.org/x/sys/cpu"

// simd is the widest instruction set this CPU and operating system support
// (x/sys/cpu checks that the OS saves the ymm/zmm state). It is set once at
// initialisation and never modified.
var simd = func() simdLevel {
	switch {
	case cpu.X86.HasAVX512F:
		return withAVX512
	case cpu.X86.HasAVX2:
		return withAVX2
	}
	return scalarOnly
}()

// The AVX2 kernels process n elements, n a positive multiple of 8; the
// AVX-512 ones n a positive multiple of 16.

//go:noescape
func addAVX2(dst, src *float32, n int)

//go:noescape
func biasReLUAVX2(row, bias *float32, n int)

//go:noescape
func maskAVX2(dy, y *float32, n int)

//go:noescape
func addScaledAVX2(dst, src *float32, n int, a float32)

//go:noescape
func maxArgAVX2(dst *float32, arg *int32, src *float32, n int, base int32)

//go:noescape
func addAVX512(dst, src *float32, n int)

//go:noescape
func biasReLUAVX512(row, bias *float32, n int)

//go:noescape
func maskAVX512(dy, y *float32, n int)
