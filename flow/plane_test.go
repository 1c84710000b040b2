package flow

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestUpsampleRow checks upsampleRow against the per-pixel formula it
// replaced, bit for bit, for every fine width up to 80 (with the SIMD
// kernel, where the CPU has one, from a fine width of 17).
func TestUpsampleRow(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for w := 1; w <= 80; w++ {
		cw := halfSize(w)
		r0, r1 := make([]float32, cw), make([]float32, cw)
		for i := range r0 {
			r0[i] = float32(rng.NormFloat64() * 7)
			r1[i] = float32(rng.NormFloat64() * 7)
		}
		dst := make([]float32, w)
		upsampleRow(dst, r0, r1)
		for x := range dst {
			x0 := x >> 1
			x1 := min(x0+x&1, cw-1)
			want := 0.5 * (r0[x0] + r0[x1] + r1[x0] + r1[x1])
			if math.Float32bits(dst[x]) != math.Float32bits(want) {
				t.Fatalf("width %d, x %d: %v, want %v", w, x, dst[x], want)
			}
		}
	}
}
