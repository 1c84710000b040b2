package native

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/deepdream-go/deepdream/models"
	"github.com/deepdream-go/deepdream/models/builtin"
	"github.com/deepdream-go/deepdream/models/graphdef"
	"github.com/deepdream-go/deepdream/models/native/gemm"
)

func builtinExecutor(tb testing.TB) *Executor {
	tb.Helper()
	g, err := graphdef.Decode(builtin.InceptionV3())
	if err != nil {
		tb.Fatal(err)
	}
	e, err := New(g, models.Spec{InputNode: "input", PixelScale: 1 / 127.5, PixelOffset: -1}, Options{})
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

// convFLOPs counts the multiply-adds (×2) of the convolutions of the plan
// for one forward pass at the given size.
func convFLOPs(tb testing.TB, e *Executor, layer string, w, h int) float64 {
	p, err := e.plan([]string{layer})
	if err != nil {
		tb.Fatal(err)
	}
	shapes, err := p.inferShapes(h, w)
	if err != nil {
		tb.Fatal(err)
	}
	total := 0.0
	for _, s := range p.steps {
		if c, ok := s.op.(*conv2d); ok {
			o := shapes[s.out]
			total += 2 * float64(o[1]*o[2]) * float64(c.kh*c.kw*c.cin) * float64(c.cout)
		}
	}
	return total
}

// cpuTime is the user+system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSSMiB reads the process's peak resident set size (Linux only).
func peakRSSMiB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			f := strings.Fields(line)
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

// BenchmarkMixed5Gradient measures forward + backward (input gradient of
// mean(mixed5²)) of the built-in model with every GEMM kernel this CPU
// runs, sizes and kernels interleaved in one run. GFLOP/s counts the
// convolutions of both passes. Run one size alone to read its peak RSS.
func BenchmarkMixed5Gradient(b *testing.B) {
	g := builtinExecutor(b).graph
	spec := models.Spec{InputNode: "input", PixelScale: 1 / 127.5, PixelOffset: -1}
	ctx := context.Background()
	for _, size := range [][2]int{{224, 224}, {512, 288}, {1280, 720}} {
		for _, k := range gemm.Available() {
			if k.Name() == "generic" && size[0] > 224 {
				continue // minutes per step, and says nothing new
			}
			e, err := New(g, spec, Options{Kernel: k.Name()})
			if err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("%dx%d/%s", size[0], size[1], k.Name()), func(b *testing.B) {
				img := testImage(size[0], size[1], 1)
				grad := make([]float32, len(img.Pix))
				obj := models.MeanSquareOf("mixed5")
				flops := 2 * convFLOPs(b, e, "mixed5", size[0], size[1])
				b.ResetTimer()
				cpu0 := cpuTime()
				for i := 0; i < b.N; i++ {
					if _, err := e.Gradient(ctx, img, obj, grad); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				sec := b.Elapsed().Seconds() / float64(b.N)
				b.ReportMetric(sec*1000, "ms/op")
				b.ReportMetric(flops/sec/1e9, "GFLOP/s")
				b.ReportMetric(peakRSSMiB(), "peakRSS-MiB")
				// CPU time of this process: on a shared machine it shows the
				// work done when wall time also counts waiting for a core.
				b.ReportMetric((cpuTime()-cpu0).Seconds()*1000/float64(b.N), "cpu-ms/op")
			})
		}
	}
}

// BenchmarkPrecisionGradient compares the input gradient of mean(mixed5²)
// with fp32 (the fastest float32 kernel) and bf16 precision, both running
// in every iteration (in alternating order) so that both see the same
// machine load.
// It reports each one's median wall time per gradient and the median of
// the per-iteration speed-ups, "x-bf16".
func BenchmarkPrecisionGradient(b *testing.B) {
	if _, err := gemm.BF16(); err != nil {
		b.Skip(err)
	}
	g := builtinExecutor(b).graph
	spec := models.Spec{InputNode: "input", PixelScale: 1 / 127.5, PixelOffset: -1}
	ctx := context.Background()
	for _, size := range [][2]int{{640, 360}, {1280, 720}} {
		b.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(b *testing.B) {
			var exes [2]*Executor
			for i, prec := range []string{PrecisionFP32, PrecisionBF16} {
				e, err := New(g, spec, Options{Precision: prec})
				if err != nil {
					b.Fatal(err)
				}
				exes[i] = e
			}
			img := testImage(size[0], size[1], 1)
			grad := make([]float32, len(img.Pix))
			obj := models.MeanSquareOf("mixed5")
			var times [2][]float64
			var ratio []float64
			for i := 0; i < b.N; i++ {
				var t [2]float64
				for r := range exes {
					j := r ^ i&1 // alternate which one runs first
					e := exes[j]
					t0 := time.Now()
					if _, err := e.Gradient(ctx, img, obj, grad); err != nil {
						b.Fatal(err)
					}
					t[j] = time.Since(t0).Seconds() * 1000
					times[j] = append(times[j], t[j])
				}
				ratio = append(ratio, t[0]/t[1])
			}
			med := func(v []float64) float64 { sort.Float64s(v); return v[len(v)/2] }
			b.ReportMetric(med(times[0]), "fp32-ms")
			b.ReportMetric(med(times[1]), "bf16-ms")
			b.ReportMetric(med(ratio), "x-bf16")
		})
	}
}
