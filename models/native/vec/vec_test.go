package vec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func data(n int, rng *rand.Rand) []float32 {
	v := make([]float32, n)
	for i := range v {
		switch rng.IntN(10) {
		case 0:
			v[i] = 0
		case 1:
			v[i] = float32(math.Copysign(0, -1))
		default:
			v[i] = rng.Float32()*4 - 2
		}
	}
	return v
}

func same(a, b []float32) bool {
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// TestMatchesScalar compares the vector paths with plain loops, bit for
// bit, for every length that exercises the 16- and 8-wide bodies and the
// tail; the loops that have several vector paths are run at every level
// this CPU supports.
func TestMatchesScalar(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	if simd < withAVX512 {
		t.Logf("AVX-512 not available on this CPU/build (level %d): its loops are not tested", simd)
	}
	for n := 0; n <= 57; n++ {
		a, b := data(n, rng), data(n+3, rng)
		want := append([]float32(nil), a...)
		for lvl := scalarOnly; lvl <= simd; lvl++ {
			got := append([]float32(nil), a...)
			add(got, b, lvl)
			for i := range want {
				want[i] = a[i] + b[i]
			}
			if !same(got, want) {
				t.Fatalf("Add level %d n=%d: %v, want %v", lvl, n, got, want)
			}

			got = append([]float32(nil), a...)
			biasReLU(got, b, lvl)
			for i := range want {
				v := a[i] + b[i]
				if !(v > 0) {
					v = 0
				}
				want[i] = v
			}
			if !same(got, want) {
				t.Fatalf("BiasReLU level %d n=%d: %v, want %v", lvl, n, got, want)
			}

			got = append([]float32(nil), a...)
			maskNonPositive(got, b, lvl)
			for i := range want {
				want[i] = a[i]
				if !(b[i] > 0) {
					want[i] = 0
				}
			}
			if !same(got, want) {
				t.Fatalf("MaskNonPositive level %d n=%d: %v, want %v", lvl, n, got, want)
			}
		}

		var got []float32

		got = append([]float32(nil), a...)
		AddScaled(got, b, 0.37)
		for i := range want {
			want[i] = a[i] + float32(0.37*b[i])
		}
		if !same(got, want) {
			t.Fatalf("AddScaled n=%d: %v, want %v", n, got, want)
		}

		got = append([]float32(nil), a...)
		gotArg := make([]int32, n)
		MaxArg(got, gotArg, b, 100)
		wantArg := make([]int32, n)
		for i := range want {
			want[i] = a[i]
			if b[i] > a[i] {
				want[i], wantArg[i] = b[i], 100+int32(i)
			}
		}
		if !same(got, want) || fmt.Sprint(gotArg) != fmt.Sprint(wantArg) {
			t.Fatalf("MaxArg n=%d: %v %v, want %v %v", n, got, gotArg, want, wantArg)
		}
	}
}

func BenchmarkBiasReLU(b *testing.B) {
	row, bias := make([]float32, 4096*64), make([]float32, 4096*64)
	b.SetBytes(int64(8 * len(row)))
	for i := 0; i < b.N; i++ {
		BiasReLU(row, bias)
	}
}

// BenchmarkLevels compares the vector paths of Add (the col2im
// accumulation, on rows of 3·64 values as in a 3×3 convolution's backward
// pass) and MaskNonPositive at every level this CPU supports.
func BenchmarkLevels(b *testing.B) {
	dst, src := make([]float32, 192*256), make([]float32, 192*256)
	for lvl := scalarOnly; lvl <= simd; lvl++ {
		b.Run(fmt.Sprintf("add192/level%d", lvl), func(b *testing.B) {
			b.SetBytes(int64(8 * len(dst)))
			for i := 0; i < b.N; i++ {
				for r := 0; r < len(dst); r += 192 {
					add(dst[r:r+192], src[r:r+192], lvl)
				}
			}
		})
		b.Run(fmt.Sprintf("mask/level%d", lvl), func(b *testing.B) {
			b.SetBytes(int64(8 * len(dst)))
			for i := 0; i < b.N; i++ {
				maskNonPositive(dst, src, lvl)
			}
		})
	}
}
