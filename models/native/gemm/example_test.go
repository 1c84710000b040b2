package gemm_test

import (
	"fmt"

	"github.com/deepdream-go/deepdream/models/native/gemm"
)

// Multiply a 2×3 matrix by a 3×2 matrix, both row-major.
func ExampleSgemm() {
	a := []float32{1, 2, 3, 4, 5, 6}
	b := []float32{7, 8, 9, 10, 11, 12}
	c := make([]float32, 4)
	gemm.Sgemm(2, 2, 3, a, 3, b, 2, c, 2, false)
	fmt.Println(c)
	// Output: [58 64 139 154]
}
