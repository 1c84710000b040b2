//go:build amd64 && !purego

package gemm

import "golang.org/x/sys/cpu"

// hasAVX2FMA reports whether the CPU and operating system support AVX2 and
// FMA, which the assembly micro-kernel requires. It is set once during
// package initialisation and never modified afterwards.
var hasAVX2FMA = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// avx2Impl is the AVX2/FMA assembly micro-kernel (6×16 tiles).
var avx2Impl = kernelImpl{mr: 6, nr: 16, tile: tileAVX2, packB: packPanelAVX}

// bestImpl returns the fastest micro-kernel supported by this CPU.
func bestImpl() kernelImpl {
	if hasAVX2FMA {
		return avx2Impl
	}
	return genericImpl
}

// asmImpl returns the assembly micro-kernel and true if it can run on this
// CPU, for tests and benchmarks.
func asmImpl() (kernelImpl, bool) { return avx2Impl, hasAVX2FMA }

// tileAVX2 checks the bounds of the 6×16 tile and calls kernel6x16. A tile
// narrower than 16 columns is computed into a local buffer and then copied
// (or added) into C column by column: this never touches C beyond column
// cols and, on AMD Zen CPUs, measured faster than masked (VMASKMOVPS)
// stores.
func tileAVX2(kc int, a []float32, lda int, b, c []float32, ldc, cols int, accumulate bool) {
	if kc < 1 || cols < 1 || cols > 16 {
		panic("gemm: invalid tile")
	}
	_ = a[5*lda+kc-1]
	_ = b[16*kc-1]
	_ = c[5*ldc+cols-1]
	if cols == 16 {
		kernel6x16(kc, &a[0], lda, &b[0], &c[0], ldc, accumulate)
		return
	}
	var t [6 * 16]float32
	kernel6x16(kc, &a[0], lda, &b[0], &t[0], 16, false)
	for i := 0; i < 6; i++ {
		dst := c[i*ldc : i*ldc+cols]
		src := t[i*16 : i*16+cols]
		if accumulate {
			for j, v := range src {
				dst[j] += v
			}
		} else {
			copy(dst, src)
		}
	}
}

// kernel6x16 computes the 6×16 product of six rows of A at a (row stride
// lda elements, kc values each) and the packed B panel at b (kc groups of 16
// column values) and stores it into the 6×16 tile of C at c (row stride ldc
// elements), adding to the existing values when accumulate is true.
// Requires kc >= 1, AVX2 and FMA. Implemented in gemm_amd64.s.
//
//go:noescape
func kernel6x16(kc int, a *float32, lda int, b, c *float32, ldc int, accumulate bool)

// packPanelAVX checks the bounds of the kc×16 panel and calls packB16.
func packPanelAVX(kc int, b []float32, ldb int, dst []float32) {
	if kc < 1 {
		return
	}
	_ = b[(kc-1)*ldb+15]
	_ = dst[16*kc-1]
	packB16(kc, &b[0], ldb, &dst[0])
}

// packB16 copies kc rows of 16 values from b (row stride ldb elements) to
// dst, which receives them contiguously. Requires kc >= 1 and AVX.
// Implemented in gemm_amd64.s.
//
//go:noescape
func packB16(kc int, b *float32, ldb int, dst *float32)
