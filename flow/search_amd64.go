//go:build amd64 && !purego

package flow

// residuals8SIMD runs residuals8 with AVX2, if the CPU has it, writing
// bx, by, sr and sr2 to out, and reports whether it did. A lane holds a
// column of the patch and the lanes are added at the end as reduce8 adds
// them; every lane does residuals8Go's float32 operations in the same
// order (no fused multiply-add), so the results are identical.
func residuals8SIMD(img []float32, base, s int, w00, w01, w10, w11 float32, tpl, gxs, gys, res []float32, out *[4]float32) bool {
	if !hasAVX2 {
		return false
	}
	// Check every range the kernel touches: rows base+r*s, r = 0..8, 9
	// values each.
	_ = img[base]
	_ = img[base+8*s+8]
	_ = tpl[63]
	_ = gxs[63]
	_ = gys[63]
	_ = res[63]
	residuals8AVX2(&img[base], s, w00, w01, w10, w11, &tpl[0], &gxs[0], &gys[0], &res[0], out)
	return true
}

// residuals8AVX2 is residuals8SIMD's computation, with img pointing at the
// patch's top-left sample.
//
//go:noescape
func residuals8AVX2(img *float32, s int, w00, w01, w10, w11 float32, tpl, gxs, gys, res *float32, out *[4]float32)

// densify8SIMD runs densify for a patch 8 pixels wide with AVX2, if the
// CPU has it, and reports whether it did. Each lane does the Go loop's
// float32 operations, so the results are identical.
func densify8SIMD(su, sv, sw, wts []float32, w, rows int, du, dv float32) bool {
	if !hasAVX2 || rows <= 0 {
		return false
	}
	// Check every range the kernel touches.
	last := (rows-1)*w + 7
	_ = su[last]
	_ = sv[last]
	_ = sw[last]
	_ = wts[8*rows-1]
	densify8AVX2(&su[0], &sv[0], &sw[0], &wts[0], rows, w, du, dv)
	return true
}

// densify8AVX2 is densify8SIMD's computation for rows > 0 rows.
//
//go:noescape
func densify8AVX2(su, sv, sw, wts *float32, rows, w int, du, dv float32)

// center8SIMD runs center8Go with AVX2, if the CPU has it, writing hxx,
// hxy and hyy to out, and reports whether it did. A lane holds a column of
// the patch; the lanes are added as reduce8 adds them and every lane does
// center8Go's float32 operations in the same order, so the results are
// identical.
func center8SIMD(img, gx, gy []float32, o, w int, tpl, gxs, gys []float32, out *[3]float32) bool {
	if !hasAVX2 {
		return false
	}
	// Check every range the kernel touches: rows o+r*w, r = 0..7, 8
	// values each.
	last := o + 7*w + 7
	_ = img[o]
	_ = img[last]
	_ = gx[o]
	_ = gx[last]
	_ = gy[o]
	_ = gy[last]
	_ = tpl[63]
	_ = gxs[63]
	_ = gys[63]
	center8AVX2(&img[o], &gx[o], &gy[o], w, &tpl[0], &gxs[0], &gys[0], out)
	return true
}

// center8AVX2 is center8SIMD's computation with img, gx and gy pointing at
// the patch's top-left value.
//
//go:noescape
func center8AVX2(img, gx, gy *float32, w int, tpl, gxs, gys *float32, out *[3]float32)

// gradientRowSIMD computes with AVX2, if the CPU has it, what gradients
// computes on one row: oy[x] = 0.5*(dn[x]-up[x]) for the first multiple
// of 8 of the w = len(row) pixels, and ox[x] = 0.5*(row[x+1]-row[x-1])
// for x = 1 on, as many as a multiple of 8 of the w-2 inner pixels
// allows. It returns how many of each it did (0, 0 without AVX2). The
// lanes do gradients' float32 operations, so the results are identical.
func gradientRowSIMD(ox, oy, row, up, dn []float32) (ny, nx int) {
	w := len(row)
	ny, nx = w&^7, max(w-2, 0)&^7
	if !hasAVX2 || ny == 0 {
		return 0, 0
	}
	_ = oy[ny-1]
	_ = up[ny-1]
	_ = dn[ny-1]
	if nx > 0 {
		_ = ox[nx]
		_ = row[nx+1]
	}
	gradientRowAVX2(&ox[0], &oy[0], &row[0], &up[0], &dn[0], ny, nx)
	return ny, nx
}

// gradientRowAVX2 is gradientRowSIMD's computation: ny and nx are
// multiples of 8, ny positive.
//
//go:noescape
func gradientRowAVX2(ox, oy, row, up, dn *float32, ny, nx int)

// grayRowSIMD computes with AVX2, if the CPU has it, the luminance
// 0.299*r + 0.587*g + 0.114*b of the first multiple of 8 of the pixels of
// the interleaved RGB values rgb into dst, and returns how many it did.
// The lanes do grayPlane's float32 operations, so the results are
// identical.
func grayRowSIMD(dst, rgb []float32) int {
	n := min(len(dst), len(rgb)/3) &^ 7
	if !hasAVX2 || n == 0 {
		return 0
	}
	_ = dst[n-1]
	_ = rgb[3*n-1]
	grayAVX2(&dst[0], &rgb[0], n)
	return n
}

// grayAVX2 is grayRowSIMD's computation for n pixels, n a positive
// multiple of 8.
//
//go:noescape
func grayAVX2(dst, rgb *float32, n int)

// downsampleRowSIMD computes with AVX2, if the CPU has it, the interior
// outputs of downsample's horizontal pass over one row, out[x] =
// (((row[c-2] + row[c+2]) + 4*(row[c-1]+row[c+1])) + 6*row[c]) / 16 with
// c = 2x, for x = 1 on, 8 at a time while every value read is in row
// (2x+3 < len(row)). It returns how many it did; the lanes do the Go
// loop's float32 operations, so the results are identical.
func downsampleRowSIMD(out, row []float32) int {
	// A group of 8 from output x reads row[2x-2] through row[2x+17]:
	// groups may start at x = 1, 9, ... up to (len(row)-18)/2.
	if !hasAVX2 || len(row) < 20 {
		return 0
	}
	n := 8 * (((len(row)-18)/2-1)/8 + 1)
	_ = out[n]
	_ = row[2*n+3] // row[2(n-7)+17], the last value read
	downsampleRowAVX2(&out[1], &row[0], n)
	return n
}

// downsampleRowAVX2 is downsampleRowSIMD's computation for n outputs, n a
// positive multiple of 8, out pointing at output 1.
//
//go:noescape
func downsampleRowAVX2(out, row *float32, n int)

// downsampleColsSIMD computes with AVX2, if the CPU has it, downsample's
// vertical pass for the first multiple of 8 of the len(out) columns:
// out = (((r0 + r4) + 4*(r1+r3)) + 6*r2) / 16, and returns how many it did.
func downsampleColsSIMD(out, r0, r1, r2, r3, r4 []float32) int {
	n := len(out) &^ 7
	if !hasAVX2 || n == 0 {
		return 0
	}
	_ = r0[n-1]
	_ = r1[n-1]
	_ = r2[n-1]
	_ = r3[n-1]
	_ = r4[n-1]
	downsampleColsAVX2(&out[0], &r0[0], &r1[0], &r2[0], &r3[0], &r4[0], n)
	return n
}

// downsampleColsAVX2 is downsampleColsSIMD's computation for n columns, n
// a positive multiple of 8.
//
//go:noescape
func downsampleColsAVX2(out, r0, r1, r2, r3, r4 *float32, n int)

// boundaryRowSIMD runs boundaryRow's test with AVX2, if the CPU has it, on
// pixels x = 1 on of a row inside the frame (rows above and below it) whose
// flow is known everywhere, as many as a multiple of 8 of the w-2 inner
// pixels allows, and returns how many it did. fu, fv are the row's flow,
// uu, vu the row above, ud, vd the row below. The lanes do boundaryRow's
// float32 operations in the same order, so the flags are identical.
func boundaryRowSIMD(flags []uint8, fu, fv, uu, vu, ud, vd []float32) int {
	n := max(len(flags)-2, 0) &^ 7
	if !hasAVX2 || n == 0 {
		return 0
	}
	_ = flags[n]
	_ = fu[n+1]
	_ = fv[n+1]
	_ = uu[n]
	_ = vu[n]
	_ = ud[n]
	_ = vd[n]
	boundaryAVX2(&flags[1], &fu[1], &fv[1], &uu[1], &vu[1], &ud[1], &vd[1], n)
	return n
}

// boundaryAVX2 is boundaryRowSIMD's computation for n pixels, n a positive
// multiple of 8, every pointer at pixel 1.
//
//go:noescape
func boundaryAVX2(flags *uint8, fu, fv, uu, vu, ud, vd *float32, n int)

// upsampleRowSIMD does with AVX2, if the CPU has it, upsampleRow's coarse
// columns j = 1 on, 8 at a time while j+7 < len(r0), each writing fine
// pixels 2j-2 and 2j-1, and returns how many it did. The lanes do
// upsampleRow's float32 operations in the same order, so the results are
// identical.
func upsampleRowSIMD(dst, r0, r1 []float32) int {
	n := max(len(r0)-1, 0) &^ 7
	if !hasAVX2 || n == 0 {
		return 0
	}
	_ = r0[n]
	_ = r1[n]
	_ = dst[2*n-1]
	upsampleRowAVX2(&dst[0], &r0[0], &r1[0], n)
	return n
}

// upsampleRowAVX2 is upsampleRowSIMD's computation for n coarse columns, n
// a positive multiple of 8.
//
//go:noescape
func upsampleRowAVX2(dst, r0, r1 *float32, n int)

// warpRowSIMD samples src with AVX2, if the CPU has it, as warpPlane does
// for the first multiple of 8 of the pixels x of row y: out[x] =
// src.sampleClamp(x+u[x], y+v[x]); it returns how many it did. The lanes
// clamp and interpolate with sampleClamp's float32 operations in the same
// order (gathering the four neighbours), so the results are identical.
func warpRowSIMD(out []float32, src *plane, u, v []float32, y int) int {
	n := len(out) &^ 7
	// Gather indices are 32-bit.
	if !hasAVX2 || n == 0 || src.w*src.h >= 1<<31 || src.w*src.h == 0 {
		return 0
	}
	_ = u[n-1]
	_ = v[n-1]
	// Every index gathered is clamped into src: below w*h.
	_ = src.p[src.w*src.h-1]
	warpAVX2(&out[0], &src.p[0], &u[0], &v[0], n, y, src.w, src.h)
	return n
}

// warpAVX2 is warpRowSIMD's computation for n pixels, n a positive
// multiple of 8, of row y, sampling the w x h plane at src.
//
//go:noescape
func warpAVX2(out, src, u, v *float32, n, y, w, h int)

// trustedRowSIMD turns, with AVX2 if the CPU has it, the first multiple
// of 32 of the flags of a row into trust values in place: 1 where a flag
// is 0, 0 elsewhere (as trustWeights does), and returns how many it did.
func trustedRowSIMD(row []uint8) int {
	n := len(row) &^ 31
	if !hasAVX2 || n == 0 {
		return 0
	}
	trustedAVX2(&row[0], n)
	return n
}

// trustedAVX2 is trustedRowSIMD's computation for n values, n a positive
// multiple of 32.
//
//go:noescape
func trustedAVX2(row *uint8, n int)

// binomialRowSIMD computes with AVX2, if the CPU has it, horizontalBinomial's
// inner outputs x = 2 on, 32 at a time while x+2 < len(row), and returns
// how many it did. Bytes add modulo 256 as Go's uint8 arithmetic does, so
// the results are identical.
func binomialRowSIMD(out, row []uint8) int {
	n := max(len(row)-4, 0) &^ 31
	if !hasAVX2 || n == 0 {
		return 0
	}
	_ = out[n+1]
	_ = row[n+3]
	binomialAVX2(&out[2], &row[0], n)
	return n
}

// binomialAVX2 is binomialRowSIMD's computation for n outputs, n a
// positive multiple of 32, out pointing at output 2.
//
//go:noescape
func binomialAVX2(out, row *uint8, n int)

// blurColsSIMD computes with AVX2, if the CPU has it, trustWeights'
// vertical pass for the first multiple of 8 of the len(out) columns from
// the row sums r0..r4 and returns how many it did. The integer sums are
// exact and their conversion and scaling are Go's, so the weights are
// identical.
func blurColsSIMD(out []float32, r0, r1, r2, r3, r4 []uint8) int {
	n := len(out) &^ 7
	if !hasAVX2 || n == 0 {
		return 0
	}
	_ = r0[n-1]
	_ = r1[n-1]
	_ = r2[n-1]
	_ = r3[n-1]
	_ = r4[n-1]
	blurColsAVX2(&out[0], &r0[0], &r1[0], &r2[0], &r3[0], &r4[0], n)
	return n
}

// blurColsAVX2 is blurColsSIMD's computation for n columns, n a positive
// multiple of 8.
//
//go:noescape
func blurColsAVX2(out *float32, r0, r1, r2, r3, r4 *uint8, n int)
