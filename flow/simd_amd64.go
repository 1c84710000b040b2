//go:build amd64 && !purego

package flow

import "golang.org/x/sys/cpu"

// hasAVX2 reports whether the CPU and operating system support AVX2 (x/sys/cpu
// checks that the OS saves the ymm state). It is set once at initialisation
// and never modified (except by a test, to compare with the Go loops).
var hasAVX2 = cpu.X86.HasAVX2

// hasAVX512 reports whether the CPU and operating system support AVX-512
// (foundation). Kernels that have a 512-bit version use it where both
// hasAVX2 and hasAVX512 are set; it is set once at initialisation and
// never modified (except by a test, to compare with the AVX2 kernels).
var hasAVX512 = cpu.X86.HasAVX512F

// sorRowSIMD runs sorRowGo's updates on the first multiple of 8 of the n
// entries with AVX2, if the CPU has it, and returns how many it did. Each
// lane does the same float32 operations in the same order as sorRowGo
// (no fused multiply-add), so the results are identical.
func sorRowSIMD(cur, oth, coef []float32, k0, n, q, hw, plane int, omega float32) int {
	m := n &^ 7
	if !hasAVX2 || m == 0 {
		return 0
	}
	// Check every range the kernel touches (see sorRowGo).
	_ = cur[plane+k0+m-1]
	_ = oth[k0-hw]
	_ = oth[plane+k0+hw+m-1]
	_ = coef[8*plane+k0+m-1]
	sorAVX2(&cur[k0], &oth[k0], &coef[k0], m, q, hw, plane, omega)
	return m
}

// sorAVX2 is sorRowGo for n entries, n a positive multiple of 8, with cur,
// oth and coef pointing at entry k0 of their arrays.
//
//go:noescape
func sorAVX2(cur, oth, coef *float32, n, q, hw, plane int, omega float32)

// dataRowSIMD runs dataRowGo on the first multiple of 8 of the n entries
// with AVX2, if the CPU has it, and returns how many it did. Each lane does
// the same float32 operations in the same order as dataRowGo (no fused
// multiply-add; VSQRTPS and VDIVPS round like SQRTSS and DIVSS), so the
// results are identical.
func dataRowSIMD(duv, dat, coef, cw []float32, k0, n, plane int) int {
	m := n &^ 7
	K := len(cw)
	if !hasAVX2 || m == 0 || K == 0 {
		return 0
	}
	// Check every range the kernel touches (see dataRowGo).
	_ = duv[plane+k0+m-1]
	_ = dat[(3*K-1)*plane+k0+m-1]
	_ = coef[4*plane+k0+m-1]
	dataAVX2(&duv[k0], &dat[k0], &coef[k0], &cw[0], m, K, plane, varEps2)
	return m
}

// dataAVX2 is dataRowGo for n entries, n a positive multiple of 8, and
// K >= 1 channels, with duv, dat and coef pointing at entry k0 of their
// arrays; eps is varEps2.
//
//go:noescape
func dataAVX2(duv, dat, coef, cw *float32, n, K, plane int, eps float32)

// edgesSIMD computes with AVX2, if the CPU has it, the edge weights and
// the constant parts of the equations (see refine's edge pass) of the
// pixels of colour c on padded row Y that are not on the frame's border,
// for entries Y*hw+1 on, as many as a multiple of 8 allows; it returns
// how many entries it did. Row Y must have rows of pixels above and below.
// cur and oth are the aux arrays (u, v, psi) of colour c and of the other
// colour, coef the coefficient arrays of colour c, q = (c+Y)&1. Each lane
// does the same float32 operations in the same order as the Go loop, so
// the results are identical.
func edgesSIMD(cur, oth, coef []float32, Y, q, w, hw, plane int) int {
	m := ((w - 1 - q) >> 1) &^ 7
	if !hasAVX2 || m <= 0 {
		return 0
	}
	j0 := Y*hw + 1
	// Check every range the kernel touches.
	_ = cur[2*plane+j0+m-1]
	_ = oth[j0-hw]
	_ = oth[j0-1+q]
	_ = oth[2*plane+j0+hw+m-1]
	_ = oth[2*plane+j0+m-1+q]
	_ = coef[8*plane+j0+m-1]
	edgesAVX2(&cur[j0], &oth[j0], &coef[j0], m, q, hw, plane, 1e-20)
	return m
}

// edgesAVX2 is the edge computation of edgesSIMD for n entries, n a
// positive multiple of 8, with cur, oth and coef pointing at the first
// entry; tiny is the smallest diagonal that is inverted (1e-20).
//
//go:noescape
func edgesAVX2(cur, oth, coef *float32, n, q, hw, plane int, tiny float32)

// psiSIMD computes with AVX2, if the CPU has it, the robust smoothness
// weights psi (see refine's data pass) of the pixels of colour c on padded
// row Y that have a right neighbour, for entries Y*hw+1-q on, as many as a
// multiple of 8 allows; it returns how many entries it did. Row Y must
// have a row of pixels below. duvC and duvO are the increments of colour
// c and of the other colour, auxC and auxO their aux arrays (u, v, psi,
// alpha), q = (c+Y)&1. Each lane does the same float32 operations in the
// same order as the Go loop, so the results are identical.
func psiSIMD(duvC, duvO, auxC, auxO []float32, Y, q, w, hw, plane int) int {
	m := (((w - 1 - q) >> 1) + q) &^ 7
	if !hasAVX2 || m == 0 {
		return 0
	}
	k0 := Y*hw + 1 - q
	// Check every range the kernel touches.
	_ = duvC[plane+k0+m-1]
	_ = duvO[plane+k0+hw+m-1]
	_ = duvO[plane+k0+q+m-1]
	_ = auxC[3*plane+k0+m-1]
	_ = auxO[plane+k0+hw+m-1]
	_ = auxO[plane+k0+q+m-1]
	psiAVX2(&duvC[k0], &duvO[k0], &auxC[k0], &auxO[k0], m, q, hw, plane, varEps2)
	return m
}

// psiAVX2 is the computation of psiSIMD for n entries, n a positive
// multiple of 8, with the pointers at the first entry; eps is varEps2.
//
//go:noescape
func psiAVX2(duvC, duvO, auxC, auxO *float32, n, q, hw, plane int, eps float32)

// weightsSIMD sets out[k] = conf / max(|res[k]-m|, 1) with AVX2, if the CPU
// has it, for the first multiple of 8 of the len(res) values and returns
// how many it did; out must be as long as res. The lanes do the Go loop's
// float32 operations (a NaN difference gives NaN, as Go's max does), so
// the results are identical.
func weightsSIMD(out, res []float32, m, conf float32) int {
	n := len(res) &^ 7
	if !hasAVX2 || n == 0 {
		return 0
	}
	_ = out[len(res)-1]
	weightsAVX2(&out[0], &res[0], n, m, conf)
	return n
}

// weightsAVX2 is weightsSIMD's computation for n values, n a positive
// multiple of 8.
//
//go:noescape
func weightsAVX2(out, res *float32, n int, m, conf float32)

// constancyRowSIMD computes constancyRow's terms with AVX2, if the CPU has
// it, for the row's first pixels, as many as a multiple of 16 allows, and
// returns how many pixels it did; with AVX-512 it does 32 pixels a step
// and the last 16, if any, with AVX2. Each lane does the same operations
// in the same order as constancyRowGo (float32 sums and products without
// fused multiply-add; the square root and the reciprocal in float64,
// rounded to float32 at the end, as the Go code does), so the results are
// identical.
func constancyRowSIMD(dA, dB, gx0, gx1, gy0, gy1, diff []float32, inside []bool, plane int) int {
	m := len(inside) &^ 15
	if !hasAVX2 || m == 0 {
		return 0
	}
	// Check every range the kernels touch: pixels [0, m) of the inputs,
	// entries [0, m/2) of dA and [1, m/2] of dB and of their arrays plane
	// and 2*plane entries on.
	_ = gx0[m-1]
	_ = gx1[m-1]
	_ = gy0[m-1]
	_ = gy1[m-1]
	_ = diff[m-1]
	_ = dA[2*plane+m/2-1]
	_ = dB[2*plane+m/2]
	k := 0
	if hasAVX512 {
		if k = m &^ 31; k > 0 {
			constancyAVX512(&dA[0], &dB[1], &gx0[0], &gx1[0], &gy0[0], &gy1[0], &diff[0], &inside[0], k, plane, varZeta2)
		}
	}
	if k < m {
		constancyAVX2(&dA[k/2], &dB[k/2+1], &gx0[k], &gx1[k], &gy0[k], &gy1[k], &diff[k], &inside[k], m-k, plane, varZeta2)
	}
	return m
}

// constancyAVX2 is constancyRowSIMD's computation for n pixels, n a
// positive multiple of 16, with dA and dB pointing at the entries of the
// first two pixels and the others at the first pixel; zeta is varZeta2.
//
//go:noescape
func constancyAVX2(dA, dB, gx0, gx1, gy0, gy1, diff *float32, inside *bool, n, plane int, zeta float32)

// constancyAVX512 is constancyAVX2 with AVX-512, for n a positive multiple
// of 32.
//
//go:noescape
func constancyAVX512(dA, dB, gx0, gx1, gy0, gy1, diff *float32, inside *bool, n, plane int, zeta float32)

// insideRowSIMD sets insideRow's flags with AVX2, if the CPU has it, for
// the row's first pixels, as many as a multiple of 16 allows, and returns
// how many pixels it did. The lanes do insideRowGo's float32 additions and
// (ordered, so false for NaN) comparisons, so the flags are identical.
func insideRowSIMD(inside []bool, u, v []float32, y, h int) int {
	m := len(inside) &^ 15
	if !hasAVX2 || m == 0 {
		return 0
	}
	_ = u[m-1]
	_ = v[m-1]
	insideAVX2(&inside[0], &u[0], &v[0], m, float32(y), float32(len(inside)-1), float32(h-1))
	return m
}

// insideAVX2 is insideRowSIMD's computation for n pixels, n a positive
// multiple of 16: inside[x] = x+u[x] and y+v[x] are in [0, xmax] and
// [0, ymax].
//
//go:noescape
func insideAVX2(inside *bool, u, v *float32, n int, y, xmax, ymax float32)

// splitRowSIMD copies splitRow's values with AVX2, if the CPU has it, for
// the row's first pixels, as many as a multiple of 16 allows, and returns
// how many pixels it did.
func splitRowSIMD(dA, dB, src []float32) int {
	m := len(src) &^ 15
	if !hasAVX2 || m == 0 {
		return 0
	}
	_ = dA[m/2-1]
	_ = dB[m/2]
	splitAVX2(&dA[0], &dB[1], &src[0], m)
	return m
}

// splitAVX2 is splitRowSIMD's copy for n pixels, n a positive multiple of
// 16, with dA and dB pointing at the entries of pixels 0 and 1.
//
//go:noescape
func splitAVX2(dA, dB, src *float32, n int)

// addMergedRowSIMD adds addMergedRow's entries with AVX2, if the CPU has
// it, for the row's first pixels, as many as a multiple of 16 allows, and
// returns how many pixels it did. The lanes do the Go loop's float32
// additions, so the results are identical.
func addMergedRowSIMD(dst, dA, dB []float32) int {
	m := len(dst) &^ 15
	if !hasAVX2 || m == 0 {
		return 0
	}
	_ = dA[m/2-1]
	_ = dB[m/2]
	addMergedAVX2(&dst[0], &dA[0], &dB[1], m)
	return m
}

// addMergedAVX2 is addMergedRowSIMD's computation for n pixels, n a
// positive multiple of 16, with dA and dB pointing at the entries of
// pixels 0 and 1.
//
//go:noescape
func addMergedAVX2(dst, dA, dB *float32, n int)
