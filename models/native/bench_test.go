package native

import (
	"context"
	"fmt"
	"os"
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

// BenchmarkGradientWorkers measures the gradient of mean(layer²) with
// Options.Workers = 1 and 2 on the same input, alternating which runs first
// in each iteration so both see the same machine load, and reports both
// times and their ratio (speedup above 1 means two workers are faster),
// and the CPU time of each.
func BenchmarkGradientWorkers(b *testing.B) {
	g := builtinExecutor(b).graph
	spec := models.Spec{InputNode: "input", PixelScale: 1 / 127.5, PixelOffset: -1}
	ctx := context.Background()
	var execs [2]*Executor
	for i := range execs {
		e, err := New(g, spec, Options{Workers: i + 1})
		if err != nil {
			b.Fatal(err)
		}
		execs[i] = e
	}
	for _, size := range [][2]int{{640, 360}, {1280, 720}} {
		for _, layer := range []string{"mixed3", "mixed5"} {
			b.Run(fmt.Sprintf("%dx%d/%s", size[0], size[1], layer), func(b *testing.B) {
				img := testImage(size[0], size[1], 1)
				grad := make([]float32, len(img.Pix))
				obj := models.MeanSquareOf(layer)
				var spent, cpu [2]time.Duration
				for i := 0; i < b.N; i++ {
					for j := range 2 {
						w := (i + j) % 2
						t0, c0 := time.Now(), cpuTime()
						if _, err := execs[w].Gradient(ctx, img, obj, grad); err != nil {
							b.Fatal(err)
						}
						spent[w] += time.Since(t0)
						cpu[w] += cpuTime() - c0
					}
				}
				per := func(d time.Duration) float64 { return d.Seconds() * 1000 / float64(b.N) }
				b.ReportMetric(per(spent[0]), "w1-ms/op")
				b.ReportMetric(per(spent[1]), "w2-ms/op")
				b.ReportMetric(per(spent[0])/per(spent[1]), "speedup")
				// CPU time shows the work done when, on a shared machine,
				// wall time also counts waiting for a core.
				b.ReportMetric(per(cpu[0]), "w1-cpu-ms/op")
				b.ReportMetric(per(cpu[1]), "w2-cpu-ms/op")
			})
		}
	}
}
