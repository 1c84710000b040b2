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

// TestMatchesScalar compares the vector path with plain loops, bit for bit,
// for every length that exercises the 8-wide body and the tail.
func TestMatchesScalar(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 0; n <= 41; n++ {
		a, b := data(n, rng), data(n+3, rng)

		got := append([]float32(nil), a...)
		Add(got, b)
		want := append([]float32(nil), a...)
		for i := range want {
			want[i] += b[i]
		}
		if !same(got, want) {
			t.Fatalf("Add n=%d: %v, want %v", n, got, want)
		}

		got = append([]float32(nil), a...)
		BiasReLU(got, b)
		for i := range want {
			v := a[i] + b[i]
			if !(v > 0) {
				v = 0
			}
			want[i] = v
		}
		if !same(got, want) {
			t.Fatalf("BiasReLU n=%d: %v, want %v", n, got, want)
		}

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

		got = append([]float32(nil), a...)
		MaskNonPositive(got, b)
		for i := range want {
			want[i] = a[i]
			if !(b[i] > 0) {
				want[i] = 0
			}
		}
		if !same(got, want) {
			t.Fatalf("MaskNonPositive n=%d: %v, want %v", n, got, want)
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
