//go:build amd64 && !purego

package gemm

import "golang.org/x/sys/cpu"

// CPU features, read once during package initialisation and never modified
// afterwards. cpu.X86.HasAVX2 and HasAVX512F are only set when the operating
// system saves the ymm (and, for AVX-512, the zmm and opmask) state: x/sys/cpu
// checks OSXSAVE and the XCR0 bits before setting them.
var (
	hasAVX2FMA    = cpu.X86.HasAVX2 && cpu.X86.HasFMA
	hasAVX512     = cpu.X86.HasAVX512F
	hasAVX512BF16 = hasAVX512 && cpu.X86.HasAVX512BF16 // only for BenchmarkFMAPeak
)

// avx512Impl is the AVX-512 assembly micro-kernel (14×32 tiles: 28 zmm
// accumulators, two for the B row and two for broadcasts of A). A 6×64 tile
// (24 accumulators, four B registers) measured the same on the large conv
// shapes within this machine's noise and wastes more of the last panel on
// InceptionV3's channel counts (32, 48, 80, 96, 160, 288 are not multiples
// of 64), so it was dropped.
var avx512Impl = kernelImpl{name: "avx512", mr: 14, nr: 32, tile: tileAVX512, packB: packPanel32}

// avx2Impl is the AVX2/FMA assembly micro-kernel (6×16 tiles).
var avx2Impl = kernelImpl{name: "avx2", mr: 6, nr: 16, tile: tileAVX2, packB: packPanelAVX}

// supportedImpls returns the micro-kernels this CPU can run, fastest first.
func supportedImpls() []kernelImpl {
	var impls []kernelImpl
	if hasAVX512 {
		impls = append(impls, avx512Impl)
	}
	if hasAVX2FMA {
		impls = append(impls, avx2Impl)
	}
	return append(impls, genericImpl)
}

// bestImpl returns the fastest micro-kernel supported by this CPU.
func bestImpl() kernelImpl {
	switch {
	case hasAVX512:
		return avx512Impl
	case hasAVX2FMA:
		return avx2Impl
	}
	return genericImpl
}

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
	storePartial(t[:], 6, 16, c, ldc, cols, accumulate)
}

// tileAVX512 checks the bounds of the 14×32 tile and calls kernel14x32; a
// partial tile goes through a local buffer as in tileAVX2.
func tileAVX512(kc int, a []float32, lda int, b, c []float32, ldc, cols int, accumulate bool) {
	if kc < 1 || cols < 1 || cols > 32 {
		panic("gemm: invalid tile")
	}
	_ = a[13*lda+kc-1]
	_ = b[32*kc-1]
	_ = c[13*ldc+cols-1]
	if cols == 32 {
		kernel14x32(kc, &a[0], lda, &b[0], &c[0], ldc, accumulate)
		return
	}
	var t [14 * 32]float32
	kernel14x32(kc, &a[0], lda, &b[0], &t[0], 32, false)
	storePartial(t[:], 14, 32, c, ldc, cols, accumulate)
}

// storePartial copies (or adds) the first cols columns of the rows×nr tile
// t into C.
func storePartial(t []float32, rows, nr int, c []float32, ldc, cols int, accumulate bool) {
	for i := 0; i < rows; i++ {
		dst := c[i*ldc : i*ldc+cols]
		src := t[i*nr : i*nr+cols]
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

// kernel14x32 is kernel6x16 for a 14×32 tile (packed B rows of 32 values).
// Requires kc >= 1 and AVX-512F. Implemented in gemm_avx512_amd64.s.
//
//go:noescape
func kernel14x32(kc int, a *float32, lda int, b, c *float32, ldc int, accumulate bool)

// packPanelAVX checks the bounds of the kc×16 panel and calls packB16.
func packPanelAVX(kc int, b []float32, ldb int, dst []float32) {
	if kc < 1 {
		return
	}
	_ = b[(kc-1)*ldb+15]
	_ = dst[16*kc-1]
	packB16(kc, &b[0], ldb, &dst[0])
}

// packPanel32 checks the bounds of the kc×32 panel and calls packB32.
func packPanel32(kc int, b []float32, ldb int, dst []float32) {
	if kc < 1 {
		return
	}
	_ = b[(kc-1)*ldb+31]
	_ = dst[32*kc-1]
	packB32(kc, &b[0], ldb, &dst[0])
}

// packB16 copies kc rows of 16 values from b (row stride ldb elements) to
// dst, which receives them contiguously. Requires kc >= 1 and AVX.
// Implemented in gemm_amd64.s.
//
//go:noescape
func packB16(kc int, b *float32, ldb int, dst *float32)

// packB32 is packB16 for rows of 32 values. Requires kc >= 1 and AVX-512F.
//
//go:noescape
func packB32(kc int, b *float32, ldb int, dst *float32)

// fmaLoopAVX512 runs n iterations of 24 independent zmm fused
// multiply-adds (768 floating-point operations each); it measures the
// AVX-512 FMA peak for the benchmarks. Requires AVX-512F.
func fmaLoopAVX512(n int)

// dpbf16LoopAVX512 runs n iterations of 24 independent zmm VDPBF16PS
// (1536 floating-point operations each); it measures the AVX512_BF16 peak
// for BenchmarkFMAPeak (see the package doc). Requires AVX512_BF16.
func dpbf16LoopAVX512(n int)

// fmaLoopAVX2 runs n iterations of 12 independent ymm fused multiply-adds
// (192 floating-point operations each). Requires AVX2 and FMA.
func fmaLoopAVX2(n int)
