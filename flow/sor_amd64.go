//go:build amd64 && !purego

package flow

import "golang.org/x/sys/cpu"

// hasAVX2 reports whether the CPU and operating system support AVX2 (x/sys/cpu
// checks that the OS saves the ymm state). It is set once at initialisation
// and never modified.
var hasAVX2 = cpu.X86.HasAVX2

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
