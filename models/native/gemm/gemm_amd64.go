//go:build amd64 && !purego

package gemm

import "golang.org/x/sys/cpu"

// hasAVX2FMA reports whether the CPU and operating system support AVX2 and
// FMA, which the assembly micro-kernel requires. It is set once during
// package initialisation and never modified afterwards.
var hasAVX2FMA = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// avx2Impl is the AVX2/FMA assembly micro-kernel (6×16 tiles).
var avx2Impl = kernelImpl{mr: 6, nr: 16, tile: tileAVX2}

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

// tileAVX2 checks the bounds of the 6×16 tile and calls kernel6x16.
func tileAVX2(kc int, a, b, c []float32, ldc int, accumulate bool) {
	_ = a[6*kc-1]
	_ = b[16*kc-1]
	_ = c[5*ldc+15]
	kernel6x16(kc, &a[0], &b[0], &c[0], ldc, accumulate)
}

// kernel6x16 computes the 6×16 product of the packed panels at a (kc groups
// of 6 row values) and b (kc groups of 16 column values) and stores it into
// the tile at c with row stride ldc (in elements), adding to the existing
// values when accumulate is true. kc must be at least 1. Implemented in
// gemm_amd64.s; requires AVX2 and FMA.
//
//go:noescape
func kernel6x16(kc int, a, b, c *float32, ldc int, accumulate bool)
