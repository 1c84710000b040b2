package gemm

// tileGeneric2x4 is the portable micro-kernel. It computes the 2×4 product
// of two rows of A (row stride lda) and the packed B panel b (kc groups of 4
// column values) in eight scalar accumulators and stores the first cols
// columns into c (row stride ldc), adding to c when accumulate is true.
//
// The tile is 2×4 rather than 4×4 because the Go compiler has only 15
// floating-point registers available on amd64: sixteen accumulators plus the
// operands spill to the stack, which measured 30–50% slower than this
// kernel. The loop is unrolled twice and advances by reslicing so that the
// compiler can drop the bounds checks.
func tileGeneric2x4(kc int, a []float32, lda int, b, c []float32, ldc, cols int, accumulate bool) {
	var (
		c00, c01, c02, c03 float32
		c10, c11, c12, c13 float32
	)
	a0 := a[:kc]
	a1 := a[lda : lda+kc]
	b = b[:4*kc]
	for len(a0) >= 2 && len(a1) >= 2 && len(b) >= 8 {
		x, y := a0[0], a1[0]
		b0, b1, b2, b3 := b[0], b[1], b[2], b[3]
		c00 += x * b0
		c01 += x * b1
		c02 += x * b2
		c03 += x * b3
		c10 += y * b0
		c11 += y * b1
		c12 += y * b2
		c13 += y * b3
		x, y = a0[1], a1[1]
		b0, b1, b2, b3 = b[4], b[5], b[6], b[7]
		c00 += x * b0
		c01 += x * b1
		c02 += x * b2
		c03 += x * b3
		c10 += y * b0
		c11 += y * b1
		c12 += y * b2
		c13 += y * b3
		a0, a1, b = a0[2:], a1[2:], b[8:]
	}
	if len(a0) >= 1 && len(a1) >= 1 && len(b) >= 4 {
		x, y := a0[0], a1[0]
		b0, b1, b2, b3 := b[0], b[1], b[2], b[3]
		c00 += x * b0
		c01 += x * b1
		c02 += x * b2
		c03 += x * b3
		c10 += y * b0
		c11 += y * b1
		c12 += y * b2
		c13 += y * b3
	}
	t := [2][4]float32{
		{c00, c01, c02, c03},
		{c10, c11, c12, c13},
	}
	for i := range t {
		row := c[i*ldc : i*ldc+cols]
		if accumulate {
			for j := range row {
				row[j] += t[i][j]
			}
		} else {
			copy(row, t[i][:cols])
		}
	}
}
