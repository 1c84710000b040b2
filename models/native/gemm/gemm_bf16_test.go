package gemm

import (
	"fmt"
	"math"
	"math/rand"
	"runtime"
	"sort"
	"testing"
)

// bf16Kernels returns the bf16 kernels under test: the assembly kernel
// where the CPU runs it, and always bf16GenericImpl, the portable reference
// tile, so that the driver and the packing are tested on every machine.
func bf16Kernels(t testing.TB) map[string]kernelImpl {
	impls := map[string]kernelImpl{"bf16-generic": bf16GenericImpl}
	if impl, ok := bf16Supported(); ok {
		impls[impl.name] = impl
	} else {
		t.Logf("AVX512_BF16 kernel not available on this CPU/build; not tested")
	}
	return impls
}

// bf16GenericImpl runs the driver with tileBF16Go; it exists for tests
// only (the executor refuses bf16 on CPUs without AVX512_BF16).
var bf16GenericImpl = kernelImpl{name: "bf16-generic", mr: 14, nr: 32, bf16: &bf16Funcs{tile: tileBF16Go, cvt: cvtBF16Go}}

// ftz flushes a denormal result to zero, as VDPBF16PS does.
func ftz(x float32) float32 {
	if b := math.Float32bits(x); b&0x7f800000 == 0 {
		return math.Float32frombits(b & 0x80000000)
	}
	return x
}

// dotBF16 is the documented semantics of VDPBF16PS for one element and one
// pair: the odd product is added first, then the even one, each addition
// rounded to float32 (the products of two bf16 values are exact), with
// denormal inputs and outputs flushed to zero.
func dotBF16(acc float32, a, b uint32) float32 {
	acc = ftz(acc + fromBF16(uint16(a>>16))*fromBF16(uint16(b>>16)))
	return ftz(acc + fromBF16(uint16(a))*fromBF16(uint16(b)))
}

// tileBF16Go is the portable bf16 micro-kernel with the operation order of
// kernel14x32bf16.
func tileBF16Go(kc2 int, a []uint32, lda int, b []uint32, c []float32, ldc, cols int, accumulate bool) {
	const mr, nr = 14, 32
	for i := 0; i < mr; i++ {
		for j := 0; j < cols; j++ {
			var s float32
			for p := 0; p < kc2; p++ {
				s = dotBF16(s, a[i*lda+p], b[p*nr+j])
			}
			if accumulate {
				c[i*ldc+j] += s
			} else {
				c[i*ldc+j] = s
			}
		}
	}
}

// refBF16 computes the bf16 product element by element from the
// definition (round A and B, VDPBF16PS order within each K block, one
// float32 addition into C per K block), independently of the packing.
func refBF16(p *problem, accumulate bool) []float32 {
	c := append([]float32(nil), p.c0...)
	kcMax := 1
	if p.k > 0 {
		kcMax = splitK(p.k)
	}
	for i := 0; i < p.m; i++ {
		for j := 0; j < p.n; j++ {
			dst := &c[i*p.ldc+j]
			if p.k == 0 && !accumulate {
				*dst = 0
			}
			for pc := 0; pc < p.k; pc += kcMax {
				kc := min(kcMax, p.k-pc)
				var s float32
				for q := 0; q < kc; q += 2 {
					a0, b0 := p.a[i*p.lda+pc+q], p.b[(pc+q)*p.ldb+j]
					var a1, b1 float32
					if q+1 < kc {
						a1, b1 = p.a[i*p.lda+pc+q+1], p.b[(pc+q+1)*p.ldb+j]
					}
					s = dotBF16(s, uint32(toBF16(a0))|uint32(toBF16(a1))<<16, uint32(toBF16(b0))|uint32(toBF16(b1))<<16)
				}
				if pc == 0 && !accumulate {
					*dst = s
				} else {
					*dst += s
				}
			}
		}
	}
	return c
}

func TestToBF16(t *testing.T) {
	cases := []struct {
		in   uint32
		want uint16
	}{
		{0x3f800000, 0x3f80}, // 1
		{0x3f808000, 0x3f80}, // halfway, even: down
		{0x3f818000, 0x3f82}, // halfway, odd: up
		{0x3f808001, 0x3f81}, // above halfway
		{0x3f807fff, 0x3f80}, // below halfway
		{0x7f7fffff, 0x7f80}, // largest float32 rounds to +Inf
		{0x7f800000, 0x7f80}, // +Inf
		{0xff800000, 0xff80}, // -Inf
		{0x7f800001, 0x7fc0}, // signalling NaN made quiet
		{0x00000001, 0x0000}, // denormal to zero
		{0x807fffff, 0x8000}, // negative denormal to -0
		{0x80000000, 0x8000}, // -0
	}
	for _, tc := range cases {
		if got := toBF16(math.Float32frombits(tc.in)); got != tc.want {
			t.Errorf("toBF16(%#08x) = %#04x, want %#04x", tc.in, got, tc.want)
		}
	}
}

// TestCvtBF16 checks that every conversion of rows of A agrees bit for bit
// with toBF16, on random bit patterns (all classes of values) and lengths.
func TestCvtBF16(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	for name, impl := range bf16Kernels(t) {
		for _, n := range []int{1, 2, 15, 16, 17, 31, 32, 33, 47, 48, 64, 77, 200} {
			src := make([]float32, n)
			for i := range src {
				switch i % 4 {
				case 0:
					src[i] = math.Float32frombits(rng.Uint32())
				case 1:
					src[i] = math.Float32frombits(rng.Uint32() & 0x807fffff) // denormal
				case 2:
					src[i] = math.Float32frombits(rng.Uint32()&0xffff0000 | 0x8000) // halfway
				default:
					src[i] = float32(rng.NormFloat64())
				}
			}
			dst := make([]uint32, (n+1)/2+1)
			dst[len(dst)-1] = 0xdeadbeef
			impl.bf16.cvt(dst[:(n+1)/2], src)
			if dst[len(dst)-1] != 0xdeadbeef {
				t.Fatalf("%s n=%d: wrote past the end", name, n)
			}
			for i, x := range src {
				got := uint16(dst[i/2] >> (16 * (i % 2)))
				if want := toBF16(x); got != want {
					t.Fatalf("%s n=%d: value %d (%#08x) = %#04x, want %#04x", name, n, i, math.Float32bits(x), got, want)
				}
			}
			if n%2 == 1 && dst[n/2]>>16 != 0 {
				t.Fatalf("%s n=%d: odd length not padded with zero", name, n)
			}
		}
	}
}

// TestSgemmBF16 checks every bf16 kernel bit for bit against refBF16 (the
// assembly kernel must reproduce the documented VDPBF16PS rounding exactly)
// and, loosely, against the exact float64 product (bf16 operands carry a
// relative error of up to 2^-8 each).
func TestSgemmBF16(t *testing.T) {
	rng := rand.New(rand.NewSource(12))
	shapes := [][3]int{{1, 1, 1}, {1, 1, 2}, {14, 32, 1}, {14, 32, 8}, {15, 33, 9}, {3, 5, 7}, {29, 97, 1000},
		{140, 64, 27}, {145, 48, 32}, {289, 96, 80}, {97, 128, 288}, {61, 448, 513}, {20, 384, 1728}, {7, 4100, 9},
		{0, 5, 3}, {4, 0, 3}, {3, 5, 0}}
	for name, impl := range bf16Kernels(t) {
		t.Run(name, func(t *testing.T) {
			for _, s := range shapes {
				if name == "bf16-generic" && s[0]*s[1]*s[2] > 5e6 {
					continue
				}
				for _, acc := range []bool{false, true} {
					p := newProblem(rng, s[0], s[1], s[2], 1, 2, 3)
					want := refBF16(p, acc)
					got := append([]float32(nil), p.c0...)
					pb := newPackedB(impl, p.k, p.n, p.b, p.ldb)
					new(Workspace).SgemmPacked(p.m, p.a, p.lda, pb, got, p.ldc, acc)
					for i := range want {
						if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
							t.Fatalf("%v acc=%v: element %d = %g, reference %g", s, acc, i, got[i], want[i])
						}
					}
					checkBF16Accuracy(t, p, got, acc)
				}
			}
		})
	}
}

// checkBF16Accuracy checks c against the float64 product with a bound for
// bf16 operands: |error| <= (2·2^-8 + 2^-16 + (k+4)·2^-24)·Σ|a·b| plus the
// accumulated C.
func checkBF16Accuracy(t *testing.T, p *problem, c []float32, accumulate bool) {
	t.Helper()
	for i := 0; i < p.m; i++ {
		for j := 0; j < p.n; j++ {
			var sum, abs float64
			for q := 0; q < p.k; q++ {
				x := float64(p.a[i*p.lda+q]) * float64(p.b[q*p.ldb+j])
				sum += x
				abs += math.Abs(x)
			}
			if accumulate {
				c0 := float64(p.c0[i*p.ldc+j])
				sum += c0
				abs += math.Abs(c0)
			}
			tol := (2.0/256+1.0/(1<<16)+float64(p.k+4)/(1<<24))*abs + 1e-30
			if d := math.Abs(float64(c[i*p.ldc+j]) - sum); d > tol {
				t.Fatalf("m=%d n=%d k=%d: C[%d,%d]=%g, exact %g (|diff| %g > %g)", p.m, p.n, p.k, i, j, c[i*p.ldc+j], sum, d, tol)
			}
		}
		for j := p.n; j < p.ldc && i*p.ldc+j < len(c); j++ {
			if c[i*p.ldc+j] != guard {
				t.Fatalf("padding C[%d,%d] overwritten", i, j)
			}
		}
	}
}

// BenchmarkBF16 compares the float32 AVX-512 kernel and the bf16 kernel
// on the convolution shapes of BenchmarkSgemm (pre-packed B, the way the
// executor multiplies), alternating the two on the same thread in every
// iteration so that both see the same machine state. It reports each
// kernel's median throughput (thread CPU time) and the median of the
// per-iteration speed-ups, "x-bf16".
func BenchmarkBF16(b *testing.B) {
	bf, ok := bf16Supported()
	if !ok || !hasAVX512 {
		b.Skip("AVX512_BF16 kernel not available on this CPU/build")
	}
	shapes := []struct{ m, n, k int }{
		{4096, 64, 288},
		{4096, 192, 768},
		{1024, 384, 1728},
		{289, 192, 768},
		{4096, 27, 64},
		{4096, 1728, 64},
		{1024, 32, 27},
		{50, 192, 768},
		{64, 384, 1280},
	}
	for _, s := range shapes {
		b.Run(fmt.Sprintf("%dx%dx%d", s.m, s.n, s.k), func(b *testing.B) {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			p := newProblem(rand.New(rand.NewSource(5)), s.m, s.n, s.k, 0, 0, 0)
			pf := newPackedB(avx512Impl, p.k, p.n, p.b, p.ldb)
			pb := newPackedB(bf, p.k, p.n, p.b, p.ldb)
			ws := new(Workspace)
			flops := 2 * float64(s.m) * float64(s.n) * float64(s.k)
			var f32, b16, ratio []float64
			for i := 0; i < b.N; i++ {
				t0, ok := threadCPUTime()
				ws.SgemmPacked(p.m, p.a, p.lda, pf, p.c0, p.ldc, false)
				t1, _ := threadCPUTime()
				ws.SgemmPacked(p.m, p.a, p.lda, pb, p.c0, p.ldc, false)
				t2, _ := threadCPUTime()
				if !ok || t1 <= t0 || t2 <= t1 {
					b.Skip("thread CPU time not available")
				}
				f32 = append(f32, flops/(t1-t0)/1e9)
				b16 = append(b16, flops/(t2-t1)/1e9)
				ratio = append(ratio, (t1-t0)/(t2-t1))
			}
			med := func(v []float64) float64 { sort.Float64s(v); return v[len(v)/2] }
			b.ReportMetric(med(f32), "fp32-GFLOP/s")
			b.ReportMetric(med(b16), "bf16-GFLOP/s")
			b.ReportMetric(med(ratio), "x-bf16")
		})
	}
}
