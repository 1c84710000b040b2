package gemm

// tileGeneric4x4 is the portable micro-kernel. It computes the 4×4 product
// of four rows of A (row stride lda) and the packed B panel b (kc groups of
// 4 column values) in sixteen scalar accumulators and stores the first cols
// columns into c (row stride ldc), adding to c when accumulate is true.
func tileGeneric4x4(kc int, a []float32, lda int, b, c []float32, ldc, cols int, accumulate bool) {
	var (
		c00, c01, c02, c03 float32
		c10, c11, c12, c13 float32
		c20, c21, c22, c23 float32
		c30, c31, c32, c33 float32
	)
	a0 := a[:kc]
	a1 := a[lda : lda+kc]
	a2 := a[2*lda : 2*lda+kc]
	a3 := a[3*lda : 3*lda+kc]
	b = b[:4*kc]
	for p := range a0 {
		bb := b[4*p : 4*p+4 : 4*p+4]
		b0, b1, b2, b3 := bb[0], bb[1], bb[2], bb[3]
		x := a0[p]
		c00 += x * b0
		c01 += x * b1
		c02 += x * b2
		c03 += x * b3
		x = a1[p]
		c10 += x * b0
		c11 += x * b1
		c12 += x * b2
		c13 += x * b3
		x = a2[p]
		c20 += x * b0
		c21 += x * b1
		c22 += x * b2
		c23 += x * b3
		x = a3[p]
		c30 += x * b0
		c31 += x * b1
		c32 += x * b2
		c33 += x * b3
	}
	t := [4][4]float32{
		{c00, c01, c02, c03},
		{c10, c11, c12, c13},
		{c20, c21, c22, c23},
		{c30, c31, c32, c33},
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
