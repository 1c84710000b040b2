//go:build !amd64 || purego

package flow

// hasAVX2 is false: there are no SIMD kernels in this build.
var hasAVX2 = false

// hasAVX512 is false: there are no SIMD kernels in this build.
var hasAVX512 = false

// sorRowSIMD updates nothing without SIMD kernels; see simd_amd64.go.
func sorRowSIMD(cur, oth, coef []float32, k0, n, q, hw, plane int, omega float32) int {
	return 0
}

// dataRowSIMD computes nothing without SIMD kernels; see simd_amd64.go.
func dataRowSIMD(duv, dat, coef, cw []float32, k0, n, plane int) int {
	return 0
}

// edgesSIMD computes nothing without SIMD kernels; see simd_amd64.go.
func edgesSIMD(cur, oth, coef []float32, Y, q, w, hw, plane int) int {
	return 0
}

// psiSIMD computes nothing without SIMD kernels; see simd_amd64.go.
func psiSIMD(duvC, duvO, auxC, auxO []float32, Y, q, w, hw, plane int) int {
	return 0
}

// weightsSIMD computes nothing without SIMD kernels; see simd_amd64.go.
func weightsSIMD(out, res []float32, m, conf float32) int {
	return 0
}

// constancyRowSIMD computes nothing without SIMD kernels; see simd_amd64.go.
func constancyRowSIMD(dA, dB, gx0, gx1, gy0, gy1, diff []float32, inside []bool, plane int) int {
	return 0
}

// insideRowSIMD sets no flags without SIMD kernels; see simd_amd64.go.
func insideRowSIMD(inside []bool, u, v []float32, y, h int) int {
	return 0
}

// splitRowSIMD copies nothing without SIMD kernels; see simd_amd64.go.
func splitRowSIMD(dA, dB, src []float32) int {
	return 0
}

// addMergedRowSIMD adds nothing without SIMD kernels; see simd_amd64.go.
func addMergedRowSIMD(dst, dA, dB []float32) int {
	return 0
}

// matchRowSIMD does no pixels without SIMD kernels; see simd_amd64.go.
func matchRowSIMD(flags []uint8, fu, fv, pa, pb []float32, x, w, h, c int, fy, limit float32) int {
	return 0
}
