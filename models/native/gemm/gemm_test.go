package gemm

import (
	"fmt"
	"math"
	"math/rand"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"unsafe"
)

// implsUnderTest returns every micro-kernel that can run on this machine,
// so that the assembly kernels and the portable path are tested in one run.
func implsUnderTest(t testing.TB) map[string]kernelImpl {
	impls := map[string]kernelImpl{}
	for _, impl := range supportedImpls() {
		impls[impl.name] = impl
	}
	for _, name := range []string{"avx512", "avx2"} {
		if _, ok := impls[name]; !ok {
			t.Logf("%s micro-kernel not available on this CPU/build; not tested", name)
		}
	}
	return impls
}

// guard is the value stored in every element of C outside the m×n region.
const guard = float32(-12345.5)

// problem is one test case with its operands laid out in exactly-sized
// slices.
type problem struct {
	m, n, k, lda, ldb, ldc int
	a, b, c0               []float32
}

func newProblem(rng *rand.Rand, m, n, k, padA, padB, padC int) *problem {
	p := &problem{m: m, n: n, k: k, lda: k + padA, ldb: n + padB, ldc: n + padC}
	size := func(rows, cols, ld int) int {
		if rows == 0 || cols == 0 {
			return 0
		}
		return (rows-1)*ld + cols
	}
	p.a = make([]float32, size(m, k, p.lda))
	p.b = make([]float32, size(k, n, p.ldb))
	p.c0 = make([]float32, size(m, n, p.ldc))
	for i := range p.a {
		p.a[i] = float32(rng.NormFloat64())
	}
	for i := range p.b {
		p.b[i] = float32(rng.NormFloat64())
	}
	for i := range p.c0 {
		p.c0[i] = guard
	}
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			p.c0[i*p.ldc+j] = float32(rng.NormFloat64())
		}
	}
	return p
}

// check runs impl on p and compares the result with a float64 reference.
func (p *problem) check(t *testing.T, ws *Workspace, impl kernelImpl, accumulate bool) []float32 {
	t.Helper()
	c := append([]float32(nil), p.c0...)
	a0 := append([]float32(nil), p.a...)
	b0 := append([]float32(nil), p.b...)
	ws.sgemm(impl, p.m, p.n, p.k, p.a, p.lda, p.b, p.ldb, c, p.ldc, accumulate)
	for i := range a0 {
		if math.Float32bits(a0[i]) != math.Float32bits(p.a[i]) {
			t.Fatalf("m=%d n=%d k=%d: A[%d] modified", p.m, p.n, p.k, i)
		}
	}
	for i := range b0 {
		if math.Float32bits(b0[i]) != math.Float32bits(p.b[i]) {
			t.Fatalf("m=%d n=%d k=%d: B[%d] modified", p.m, p.n, p.k, i)
		}
	}
	// Error bound for a float32 dot product of length k: about k·u·Σ|a||b|
	// in the worst case; allow 2k·u plus rounding of the final addition.
	const u = 1.0 / (1 << 24)
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
			got := float64(c[i*p.ldc+j])
			tol := float64(2*p.k+4)*u*abs + 1e-30
			if d := math.Abs(got - sum); d > tol || math.IsNaN(got) {
				t.Fatalf("m=%d n=%d k=%d acc=%v: C[%d,%d]=%g want %g (|diff| %g > tol %g)",
					p.m, p.n, p.k, accumulate, i, j, got, sum, d, tol)
			}
		}
		for j := p.n; j < p.ldc && i*p.ldc+j < len(c); j++ {
			if c[i*p.ldc+j] != guard {
				t.Fatalf("m=%d n=%d k=%d: padding C[%d,%d] overwritten", p.m, p.n, p.k, i, j)
			}
		}
	}
	return c
}

func TestSgemmShapes(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	type shape struct{ m, n, k int }
	var shapes []shape
	small := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 15, 16, 17, 23, 31, 32, 33}
	for _, m := range small {
		for _, n := range small {
			for _, k := range []int{1, 2, 3, 5, 8, 27} {
				shapes = append(shapes, shape{m, n, k})
			}
		}
	}
	shapes = append(shapes,
		shape{0, 5, 5}, shape{5, 0, 5}, shape{5, 5, 0}, shape{0, 0, 0},
		shape{1, 27, 3}, shape{1, 1, 1}, shape{7, 27, 64},
		shape{50, 32, 27}, shape{145, 48, 32}, shape{150, 64, 64},
		shape{289, 96, 80}, shape{200, 160, 192}, shape{97, 128, 288},
		shape{64, 192, 257}, shape{300, 27, 64}, shape{61, 448, 513},
		shape{13, 320, 768}, shape{20, 384, 1728}, shape{9, 33, 2000},
		shape{7, 4100, 9}, shape{151, 17, 300},
	)
	ws := new(Workspace)
	for name, impl := range implsUnderTest(t) {
		t.Run(name, func(t *testing.T) {
			for _, s := range shapes {
				for _, pads := range [][3]int{{0, 0, 0}, {3, 5, 7}} {
					p := newProblem(rng, s.m, s.n, s.k, pads[0], pads[1], pads[2])
					p.check(t, ws, impl, false)
					p.check(t, ws, impl, true)
				}
			}
		})
	}
}

// TestAssemblyKernelsAgree checks the documented promise that the AVX-512
// and AVX2 kernels give bit-identical results, so that the kernel choice
// never changes a dream.
func TestAssemblyKernelsAgree(t *testing.T) {
	impls := implsUnderTest(t)
	ref, ok := impls["avx2"]
	if !ok {
		t.Skip("AVX2 kernel not available on this CPU/build")
	}
	rng := rand.New(rand.NewSource(9))
	if impl, ok := impls["avx512"]; ok {
		for _, s := range [][3]int{{301, 77, 600}, {14, 32, 5}, {29, 97, 1000}, {64, 448, 300}, {5, 3, 1}, {150, 4100, 20}} {
			for _, acc := range []bool{false, true} {
				p := newProblem(rng, s[0], s[1], s[2], 1, 2, 3)
				want := append([]float32(nil), p.c0...)
				new(Workspace).sgemm(ref, p.m, p.n, p.k, p.a, p.lda, p.b, p.ldb, want, p.ldc, acc)
				got := append([]float32(nil), p.c0...)
				new(Workspace).sgemm(impl, p.m, p.n, p.k, p.a, p.lda, p.b, p.ldb, got, p.ldc, acc)
				for i := range want {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("avx512 %v acc=%v: element %d = %g, avx2 gives %g", s, acc, i, got[i], want[i])
					}
				}
			}
		}
	}
}

// TestLookup checks kernel selection by name.
func TestLookup(t *testing.T) {
	avail := Available()
	if len(avail) == 0 || avail[len(avail)-1].Name() != "generic" {
		t.Fatalf("Available() = %v, want generic last", avail)
	}
	if Best().Name() != avail[0].Name() {
		t.Fatalf("Best() = %s, want %s", Best().Name(), avail[0].Name())
	}
	for _, k := range avail {
		got, err := Lookup(k.Name())
		if err != nil || got.Name() != k.Name() {
			t.Fatalf("Lookup(%q) = %v, %v", k.Name(), got.Name(), err)
		}
		mr, nr := got.Tile()
		p := newProblem(rand.New(rand.NewSource(10)), 2*mr+1, nr+3, 17, 0, 0, 0)
		want := p.check(t, new(Workspace), got.impl, false)
		c := append([]float32(nil), p.c0...)
		new(Workspace).SgemmPacked(p.m, p.a, p.lda, got.NewPackedB(p.k, p.n, p.b, p.ldb), c, p.ldc, false)
		for i := range want {
			if c[i] != want[i] {
				t.Fatalf("%s: packed product element %d = %g, want %g", k.Name(), i, c[i], want[i])
			}
		}
	}
	if _, err := Lookup("sse9"); err == nil || !strings.Contains(err.Error(), "unknown kernel") {
		t.Fatalf("Lookup(sse9) error = %v, want unknown kernel", err)
	}
	for _, name := range []string{"avx512", "avx2"} {
		if _, err := Lookup(name); err != nil && !strings.Contains(err.Error(), "cannot run") {
			t.Fatalf("Lookup(%s) error = %v", name, err)
		}
	}
}

// TestSgemmPublic exercises the exported entry points.
func TestSgemmPublic(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	p := newProblem(rng, 37, 45, 70, 1, 2, 3)
	want := p.check(t, new(Workspace), bestImpl(), true)
	c := append([]float32(nil), p.c0...)
	Sgemm(p.m, p.n, p.k, p.a, p.lda, p.b, p.ldb, c, p.ldc, true)
	c2 := append([]float32(nil), p.c0...)
	NewWorkspace().Sgemm(p.m, p.n, p.k, p.a, p.lda, p.b, p.ldb, c2, p.ldc, true)
	for i := range want {
		if c[i] != want[i] || c2[i] != want[i] {
			t.Fatalf("element %d: Sgemm %g, Workspace.Sgemm %g, want %g", i, c[i], c2[i], want[i])
		}
	}
}

// TestSgemmDeterministic checks that repeated calls, with fresh or reused
// workspaces, give bit-identical results.
func TestSgemmDeterministic(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for name, impl := range implsUnderTest(t) {
		t.Run(name, func(t *testing.T) {
			for _, s := range [][3]int{{301, 77, 600}, {64, 448, 300}, {5, 3, 1}} {
				p := newProblem(rng, s[0], s[1], s[2], 0, 0, 0)
				ws := new(Workspace)
				var first []float32
				for rep := 0; rep < 3; rep++ {
					c := append([]float32(nil), p.c0...)
					if rep == 2 {
						ws = new(Workspace)
					}
					ws.sgemm(impl, p.m, p.n, p.k, p.a, p.lda, p.b, p.ldb, c, p.ldc, true)
					if first == nil {
						first = c
						continue
					}
					for i := range c {
						if math.Float32bits(c[i]) != math.Float32bits(first[i]) {
							t.Fatalf("shape %v rep %d: element %d differs", s, rep, i)
						}
					}
				}
			}
		})
	}
}

// TestSgemmPacked checks that SgemmPacked matches Sgemm bit for bit, for
// both kernels, including shapes with several K and N blocks, and that a
// PackedB can be shared by concurrent goroutines.
func TestSgemmPacked(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	shapes := [][3]int{{1, 1, 1}, {5, 27, 3}, {13, 35, 77}, {50, 192, 800}, {7, 4100, 9}, {3, 5, 0}, {0, 5, 3}, {4, 0, 3}}
	for name, impl := range implsUnderTest(t) {
		for _, s := range shapes {
			p := newProblem(rng, s[0], s[1], s[2], 2, 3, 1)
			want := append([]float32(nil), p.c0...)
			new(Workspace).sgemm(impl, p.m, p.n, p.k, p.a, p.lda, p.b, p.ldb, want, p.ldc, true)
			pb := newPackedB(impl, p.k, p.n, p.b, p.ldb)
			if pb.K() != p.k || pb.N() != p.n {
				t.Fatalf("PackedB dims %dx%d, want %dx%d", pb.K(), pb.N(), p.k, p.n)
			}
			var wg sync.WaitGroup
			results := make([][]float32, 3)
			for g := range results {
				wg.Add(1)
				go func(g int) {
					defer wg.Done()
					c := append([]float32(nil), p.c0...)
					new(Workspace).SgemmPacked(p.m, p.a, p.lda, pb, c, p.ldc, true)
					results[g] = c
				}(g)
			}
			wg.Wait()
			for _, got := range results {
				for i := range want {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%s %v: element %d = %g, want %g", name, s, i, got[i], want[i])
					}
				}
			}
		}
	}
	// The exported constructor must agree with the best kernel.
	p := newProblem(rng, 20, 40, 30, 0, 0, 0)
	want := p.check(t, new(Workspace), bestImpl(), false)
	c := append([]float32(nil), p.c0...)
	new(Workspace).SgemmPacked(p.m, p.a, p.lda, NewPackedB(p.k, p.n, p.b, p.ldb), c, p.ldc, false)
	for i := range want {
		if c[i] != want[i] {
			t.Fatalf("NewPackedB: element %d = %g, want %g", i, c[i], want[i])
		}
	}
}

// TestSgemmRowSplit checks that computing C in row chunks of any size gives
// bit-identical results to a single call, as the package documents.
func TestSgemmRowSplit(t *testing.T) {
	rng := rand.New(rand.NewSource(8))
	for name, impl := range implsUnderTest(t) {
		for _, s := range [][3]int{{37, 27, 64}, {50, 35, 800}, {23, 16, 3}} {
			p := newProblem(rng, s[0], s[1], s[2], 1, 2, 3)
			want := append([]float32(nil), p.c0...)
			new(Workspace).sgemm(impl, p.m, p.n, p.k, p.a, p.lda, p.b, p.ldb, want, p.ldc, true)
			for _, chunk := range []int{1, 2, 5, 7, 13} {
				got := append([]float32(nil), p.c0...)
				ws := new(Workspace)
				for r := 0; r < p.m; r += chunk {
					rows := min(chunk, p.m-r)
					ws.sgemm(impl, rows, p.n, p.k, p.a[r*p.lda:], p.lda, p.b, p.ldb, got[r*p.ldc:], p.ldc, true)
				}
				for i := range want {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%s %v chunk %d: element %d = %g, want %g", name, s, chunk, i, got[i], want[i])
					}
				}
			}
		}
	}
}

// TestSgemmNoAllocs checks that a warmed-up Workspace does not allocate.
func TestSgemmNoAllocs(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	p := newProblem(rng, 100, 70, 300, 0, 0, 0)
	ws := new(Workspace)
	c := append([]float32(nil), p.c0...)
	ws.Sgemm(p.m, p.n, p.k, p.a, p.lda, p.b, p.ldb, c, p.ldc, false)
	allocs := testing.AllocsPerRun(5, func() {
		ws.Sgemm(p.m, p.n, p.k, p.a, p.lda, p.b, p.ldb, c, p.ldc, false)
	})
	if allocs != 0 {
		t.Fatalf("Workspace.Sgemm allocated %v times per call", allocs)
	}
	pb := NewPackedB(p.k, p.n, p.b, p.ldb)
	allocs = testing.AllocsPerRun(5, func() {
		ws.SgemmPacked(p.m, p.a, p.lda, pb, c, p.ldc, false)
	})
	if allocs != 0 {
		t.Fatalf("Workspace.SgemmPacked allocated %v times per call", allocs)
	}
}

func TestAlignedFloats(t *testing.T) {
	for n := 1; n < 100; n += 7 {
		s := alignedFloats(n)
		if len(s) != n || cap(s) != n || uintptr(unsafe.Pointer(&s[0]))%cacheLine != 0 {
			t.Fatalf("alignedFloats(%d): len %d cap %d addr %p", n, len(s), cap(s), &s[0])
		}
	}
}

// TestSgemmInvalid checks that invalid arguments panic with a message.
func TestSgemmInvalid(t *testing.T) {
	buf := make([]float32, 100)
	cases := []struct {
		name string
		f    func()
		want string
	}{
		{"negative m", func() { Sgemm(-1, 2, 2, buf, 2, buf, 2, buf, 2, false) }, "negative"},
		{"short a", func() { Sgemm(10, 2, 11, buf, 11, buf, 2, buf, 2, false) }, "len(a)"},
		{"short b", func() { Sgemm(2, 11, 10, buf, 10, buf, 11, buf, 11, false) }, "len(b)"},
		{"short c", func() { Sgemm(11, 10, 1, buf, 1, buf, 10, buf, 10, false) }, "len(c)"},
		{"small lda", func() { Sgemm(2, 2, 3, buf, 2, buf, 2, buf, 2, false) }, "lda"},
		{"small ldb", func() { Sgemm(2, 3, 2, buf, 2, buf, 2, buf, 3, false) }, "ldb"},
		{"small ldc", func() { Sgemm(2, 3, 2, buf, 2, buf, 3, buf, 2, false) }, "ldc"},
		{"packed negative", func() { NewPackedB(-1, 2, buf, 2) }, "negative"},
		{"packed short b", func() { NewPackedB(11, 10, buf, 10) }, "len(b)"},
		{"packed nil", func() { new(Workspace).SgemmPacked(1, buf, 1, nil, buf, 1, false) }, "nil"},
		{"packed short a", func() { new(Workspace).SgemmPacked(11, buf, 10, NewPackedB(10, 2, buf, 2), buf, 2, false) }, "len(a)"},
		{"packed negative m", func() { new(Workspace).SgemmPacked(-1, buf, 10, NewPackedB(10, 2, buf, 2), buf, 2, false) }, "negative"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				r := recover()
				if r == nil || !strings.Contains(fmt.Sprint(r), tc.want) {
					t.Fatalf("got panic %v, want one mentioning %q", r, tc.want)
				}
			}()
			tc.f()
		})
	}
}

func BenchmarkSgemm(b *testing.B) {
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
	impls := implsUnderTest(b)
	for _, s := range shapes {
		for _, name := range []string{"avx512", "avx2"} {
			impl, ok := impls[name]
			if !ok {
				continue
			}
			b.Run(fmt.Sprintf("%dx%dx%d/%s-prepacked", s.m, s.n, s.k, name), func(b *testing.B) {
				rng := rand.New(rand.NewSource(5))
				p := newProblem(rng, s.m, s.n, s.k, 0, 0, 0)
				pb := newPackedB(impl, p.k, p.n, p.b, p.ldb)
				ws := new(Workspace)
				benchGFLOPS(b, 2*float64(s.m)*float64(s.n)*float64(s.k), func() {
					ws.SgemmPacked(p.m, p.a, p.lda, pb, p.c0, p.ldc, false)
				})
			})
		}
		for _, name := range []string{"avx512", "avx2", "generic"} {
			impl, ok := impls[name]
			if !ok {
				continue
			}
			b.Run(fmt.Sprintf("%dx%dx%d/%s", s.m, s.n, s.k, name), func(b *testing.B) {
				rng := rand.New(rand.NewSource(5))
				p := newProblem(rng, s.m, s.n, s.k, 0, 0, 0)
				ws := new(Workspace)
				benchGFLOPS(b, 2*float64(s.m)*float64(s.n)*float64(s.k), func() {
					ws.sgemm(impl, p.m, p.n, p.k, p.a, p.lda, p.b, p.ldb, p.c0, p.ldc, false)
				})
			})
		}
	}
}

// benchGFLOPS runs f b.N times and reports its throughput as "GFLOP/s"
// (wall-clock time) and, where the thread's CPU time is available, as
// "cpuGFLOP/s" (CPU time of the benchmark thread), which is less affected
// by other processes sharing the machine.
func benchGFLOPS(b *testing.B, flopsPerOp float64, f func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cpu0, ok := threadCPUTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f()
	}
	b.StopTimer()
	flops := flopsPerOp * float64(b.N)
	b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	if cpu1, ok1 := threadCPUTime(); ok && ok1 && cpu1 > cpu0 {
		b.ReportMetric(flops/(cpu1-cpu0)/1e9, "cpuGFLOP/s")
	}
}

// BenchmarkFMAPeak measures the floating-point peak of one core with loops
// of independent fused multiply-adds on registers, the yardstick for the
// GEMM throughput of BenchmarkSgemm; "avx512bf16" is the VDPBF16PS peak
// that a bf16 kernel could reach (see the package doc).
func BenchmarkFMAPeak(b *testing.B) {
	for _, l := range peakLoops() {
		b.Run(l.name, func(b *testing.B) {
			const iters = 1 << 16
			benchGFLOPS(b, float64(l.flopsPerIter)*iters, func() { l.run(iters) })
		})
	}
}

// BenchmarkSgemmOfPeak reports the single-thread GEMM throughput of the
// fastest kernel as a percentage of the FMA peak of the same instruction
// set, measured in alternation on the same thread (thread CPU time), so
// that both see the same machine state; the median of the pairs is
// reported as "%peak".
func BenchmarkSgemmOfPeak(b *testing.B) {
	impl := bestImpl()
	var peak peakLoop
	for _, l := range peakLoops() {
		if l.name == impl.name {
			peak = l
		}
	}
	if peak.run == nil {
		b.Skipf("no FMA peak loop for the %s kernel", impl.name)
	}
	for _, s := range []struct{ m, n, k int }{{4096, 192, 768}, {1024, 384, 1728}, {4096, 64, 288}, {289, 192, 768}} {
		b.Run(fmt.Sprintf("%dx%dx%d/%s", s.m, s.n, s.k, impl.name), func(b *testing.B) {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			rng := rand.New(rand.NewSource(5))
			p := newProblem(rng, s.m, s.n, s.k, 0, 0, 0)
			pb := newPackedB(impl, p.k, p.n, p.b, p.ldb)
			ws := new(Workspace)
			gemmFlops := 2 * float64(s.m) * float64(s.n) * float64(s.k)
			const iters = 1 << 15
			peakFlops := float64(peak.flopsPerIter) * iters
			var ratios []float64
			for i := 0; i < b.N; i++ {
				t0, ok := threadCPUTime()
				peak.run(iters)
				t1, _ := threadCPUTime()
				ws.SgemmPacked(p.m, p.a, p.lda, pb, p.c0, p.ldc, false)
				t2, _ := threadCPUTime()
				if !ok || t1 <= t0 || t2 <= t1 {
					b.Skip("thread CPU time not available")
				}
				ratios = append(ratios, (gemmFlops/(t2-t1))/(peakFlops/(t1-t0)))
			}
			sort.Float64s(ratios)
			b.ReportMetric(100*ratios[len(ratios)/2], "%peak")
		})
	}
}

// BenchmarkPackB measures packing a 384×192 block of B with the fastest
// kernel's panel width.
func BenchmarkPackB(b *testing.B) {
	const kc, nc = 384, 192
	src := make([]float32, kc*nc)
	dst := make([]float32, kc*nc)
	b.SetBytes(4 * kc * nc)
	impl := bestImpl()
	for i := 0; i < b.N; i++ {
		packPanelsB(dst, src, nc, kc, nc, impl.nr, impl.packB)
	}
}
