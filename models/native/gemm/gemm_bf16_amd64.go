//go:build amd64 && !purego

package gemm

import "golang.org/x/sys/cpu"

// hasAVX512BF16 reports VDPBF16PS and VCVTNE2PS2BF16 (AVX512_BF16) with the
// AVX-512 state saved by the operating system (HasAVX512F checks XCR0),
// read once during package initialisation.
var hasAVX512BF16 = hasAVX512 && cpu.X86.HasAVX512BF16

// bf16Impl is the AVX512_BF16 kernel: the 14×32 tiles of avx512Impl, with
// one VDPBF16PS (two K values) where avx512Impl has one VFMADD231PS.
var bf16Impl = kernelImpl{name: "avx512bf16", mr: 14, nr: 32, bf16: &bf16Funcs{tile: tileBF16, cvt: cvtBF16Row}}

// bf16Supported returns the bf16 kernel if this CPU can run it.
func bf16Supported() (kernelImpl, bool) { return bf16Impl, hasAVX512BF16 }

// tileBF16 checks the bounds of the 14×32 bf16 tile and calls
// kernel14x32bf16; a partial tile goes through a local buffer.
func tileBF16(kc2 int, a []uint32, lda int, b []uint32, c []float32, ldc, cols int, accumulate bool) {
	if kc2 < 1 || cols < 1 || cols > 32 {
		panic("gemm: invalid tile")
	}
	_ = a[13*lda+kc2-1]
	_ = b[32*kc2-1]
	_ = c[13*ldc+cols-1]
	if cols == 32 {
		kernel14x32bf16(kc2, &a[0], lda, &b[0], &c[0], ldc, accumulate)
		return
	}
	var t [14 * 32]float32
	kernel14x32bf16(kc2, &a[0], lda, &b[0], &t[0], 32, false)
	storePartial(t[:], 14, 32, c, ldc, cols, accumulate)
}

// cvtBF16Row checks the bounds and calls cvtBF16.
func cvtBF16Row(dst []uint32, src []float32) {
	if len(src) == 0 {
		return
	}
	_ = dst[(len(src)+1)/2-1]
	cvtBF16(len(src), &src[0], &dst[0])
}

// kernel14x32bf16 is kernel14x32 for bf16 pairs: a holds 14 rows of kc2
// pairs (row stride lda words), b kc2 groups of 32 pairs. Requires
// kc2 >= 1 and AVX512_BF16. Implemented in gemm_bf16_amd64.s.
//
//go:noescape
func kernel14x32bf16(kc2 int, a *uint32, lda int, b *uint32, c *float32, ldc int, accumulate bool)

// cvtBF16 rounds the n float32 values at src to bf16 and stores them in
// order at dst ((n+1)/2 words, an odd n padded with a zero). Requires
// n >= 1 and AVX512_BF16. Implemented in gemm_bf16_amd64.s.
//
//go:noescape
func cvtBF16(n int, src *float32, dst *uint32)
