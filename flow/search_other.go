//go:build !amd64 || purego

package flow

// residuals8SIMD does nothing without SIMD kernels; see search_amd64.go.
func residuals8SIMD(img []float32, base, s int, w00, w01, w10, w11 float32, tpl, gxs, gys, res []float32, out *[4]float32) bool {
	return false
}

// densify8SIMD does nothing without SIMD kernels; see search_amd64.go.
func densify8SIMD(su, sv, sw, wts []float32, w, rows int, du, dv float32) bool {
	return false
}

// center8SIMD does nothing without SIMD kernels; see search_amd64.go.
func center8SIMD(img, gx, gy []float32, o, w int, tpl, gxs, gys []float32, out *[3]float32) bool {
	return false
}

// gradientRowSIMD does nothing without SIMD kernels; see search_amd64.go.
func gradientRowSIMD(ox, oy, row, up, dn []float32) (ny, nx int) { return 0, 0 }

// grayRowSIMD does nothing without SIMD kernels; see search_amd64.go.
func grayRowSIMD(dst, rgb []float32) int { return 0 }

// downsampleRowSIMD does nothing without SIMD kernels; see search_amd64.go.
func downsampleRowSIMD(out, row []float32) int { return 0 }

// downsampleColsSIMD does nothing without SIMD kernels; see search_amd64.go.
func downsampleColsSIMD(out, r0, r1, r2, r3, r4 []float32) int { return 0 }

// boundaryRowSIMD does nothing without SIMD kernels; see search_amd64.go.
func boundaryRowSIMD(flags []uint8, fu, fv, uu, vu, ud, vd []float32) int { return 0 }

// upsampleRowSIMD does nothing without SIMD kernels; see search_amd64.go.
func upsampleRowSIMD(dst, r0, r1 []float32) int { return 0 }

// warpRowSIMD does nothing without SIMD kernels; see search_amd64.go.
func warpRowSIMD(out []float32, src *plane, u, v []float32, y int) int { return 0 }

// trustedRowSIMD does nothing without SIMD kernels; see search_amd64.go.
func trustedRowSIMD(row []uint8) int { return 0 }

// binomialRowSIMD does nothing without SIMD kernels; see search_amd64.go.
func binomialRowSIMD(out, row []uint8) int { return 0 }

// blurColsSIMD does nothing without SIMD kernels; see search_amd64.go.
func blurColsSIMD(out []float32, r0, r1, r2, r3, r4 []uint8) int { return 0 }
