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

// matchRowSIMD runs matchRow's interior path with AVX2, if the CPU has it,
// on the pixels of row y = fy of a from x on, 8 at a time, for as long as
// all 8 pixels of a group have a known flow and a sample that needs no
// clamping (0 <= x+u < w-1, 0 <= y+v < h-1), and returns how many pixels
// it did (a multiple of 8, at most w-x): the caller does the group it
// stopped at and the end of the row. flags, fu, fv and pa are the row's
// (w values, pa w*c), pb all of b (w*h*c values), c is 1 or 3 and limit is
// matchRow's. Each lane does the same float32 operations in the same
// order as matchRow's Go loop (no fused multiply-add), so the flags are
// identical.
//
// The kernel addresses b by int32 indices, so it runs only for frames of
// fewer than 1<<31 values; and only where w and h are below 1<<24, so
// that w-1, h-1 and every pixel coordinate are exact in float32: then
// tx < float32(w-1) means x0 = int(tx) <= w-2, and likewise y0 <= h-2.
func matchRowSIMD(flags []uint8, fu, fv, pa, pb []float32, x, w, h, c int, fy, limit float32) int {
	m := (w - x) &^ 7
	if !hasAVX2 || m <= 0 || c != 1 && c != 3 || w >= 1<<24 || h >= 1<<24 || w*h*c >= 1<<31 {
		return 0
	}
	// Check every range the kernel touches. In b, a pixel it takes reads
	// b[i0 .. i0+2c-1] and b[i1 .. i1+2c-1], with i0 = c*(y0*w+x0) and
	// i1 = i0+c*w; since x0 <= w-2 and y0 <= h-2 the last of these,
	// i1+2c-1 <= c*((h-1)*w+w-2)+2c-1 = c*w*h-1, is inside pb, and all
	// are below 1<<31. It loads them 4 at a time: b[i0 .. i0+3] and
	// b[i0+2 .. i0+5] (grey: b[i0 .. i0+3], below i1 since w >= 8), and
	// the same from i1 (grey: b[i1-2 .. i1+1], i1 >= w).
	_ = flags[x+m-1]
	_ = fu[x+m-1]
	_ = fv[x+m-1]
	_ = pa[c*(x+m)-1]
	_ = pb[c*w*h-1]
	xi, yi := float32(w-1), float32(h-1)
	if c == 3 {
		return matchRGBAVX2(&flags[x], &fu[x], &fv[x], &pa[3*x], &pb[0], m, x, w, fy, xi, yi, limit)
	}
	return matchGreyAVX2(&flags[x], &fu[x], &fv[x], &pa[x], &pb[0], m, x, w, fy, xi, yi, limit)
}

// matchRGBAVX2 is matchRowSIMD's kernel for 3-channel frames: for up to n
// pixels, n a positive multiple of 8, from pixel x of the row, with flags,
// fu, fv and pa pointing at that pixel and pb at b's first value, it sets
// the flags of each group of 8 pixels that are all on the interior path
// and returns at the first group that is not, with the number of pixels
// done; xi and yi are w-1 and h-1.
//
//go:noescape
func matchRGBAVX2(flags *uint8, fu, fv, pa, pb *float32, n, x, w int, fy, xi, yi, limit float32) int

// matchGreyAVX2 is matchRGBAVX2 for 1-channel frames.
//
//go:noescape
func matchGreyAVX2(flags *uint8, fu, fv, pa, pb *float32, n, x, w int, fy, xi, yi, limit float32) int
