package native

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
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
// runs and both algorithms for the 3×3 stride-1 convolutions (im2col and
// Winograd, see Options.Conv3x3), sizes, kernels and algorithms
// interleaved in one run. GFLOP/s counts the convolutions of both passes
// as direct convolutions, so Winograd shows the effective rate. Run one
// size alone to read its peak RSS.
func BenchmarkMixed5Gradient(b *testing.B) {
	g := builtinExecutor(b).graph
	for _, size := range [][2]int{{224, 224}, {512, 288}, {1280, 720}} {
		for _, k := range gemm.Available() {
			if k.Name() == "generic" && size[0] > 224 {
				continue // minutes per step, and says nothing new
			}
			for _, conv := range []string{"im2col", "winograd"} {
				benchGradient(b, g, fmt.Sprintf("%dx%d/%s/%s", size[0], size[1], k.Name(), conv), "mixed5", size, Options{Kernel: k.Name(), Conv3x3: conv})
			}
		}
	}
}

// BenchmarkGradientConv3x3 compares im2col and Winograd for the 3×3
// stride-1 convolutions on the gradient of mixed3 and mixed5 at 640×360
// and 1280×720 with the fastest kernel, interleaved.
func BenchmarkGradientConv3x3(b *testing.B) {
	g := builtinExecutor(b).graph
	for _, layer := range []string{"mixed3", "mixed5"} {
		for _, size := range [][2]int{{640, 360}, {1280, 720}} {
			for _, conv := range []string{"im2col", "winograd"} {
				benchGradient(b, g, fmt.Sprintf("%s/%dx%d/%s", layer, size[0], size[1], conv), layer, size, Options{Conv3x3: conv})
			}
		}
	}
}

// benchGradient runs the input gradient of mean(layer²) at the given size
// as sub-benchmark name.
func benchGradient(b *testing.B, g *graphdef.Graph, name, layer string, size [2]int, opt Options) {
	spec := models.Spec{InputNode: "input", PixelScale: 1 / 127.5, PixelOffset: -1}
	ctx := context.Background()
	b.Run(name, func(b *testing.B) {
		e, err := New(g, spec, opt)
		if err != nil {
			b.Fatal(err)
		}
		defer e.Close()
		img := testImage(size[0], size[1], 1)
		grad := make([]float32, len(img.Pix))
		obj := models.MeanSquareOf(layer)
		flops := 2 * convFLOPs(b, e, layer, size[0], size[1])
		// Warm up: the first call compiles the plan and allocates buffers.
		if _, err := e.Gradient(ctx, img, obj, grad); err != nil {
			b.Fatal(err)
		}
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

// BenchmarkConv3x3 compares im2col and Winograd on the 3×3 stride-1
// convolutions of InceptionV3 at 1280×720 (input sizes; the outputs are
// those of the model), forward and input gradient, for every kernel
// (generic only on the small maps), the two algorithms one after the
// other. The backward pass includes the ReLU mask and clearing the input
// gradient.
func BenchmarkConv3x3(b *testing.B) {
	shapes := []winoCase{
		{h: 359, w: 639, cin: 32, cout: 32, bias: true, relu: true},             // conv2, VALID
		{h: 357, w: 637, cin: 32, cout: 64, same: true, bias: true, relu: true}, // conv3
		{h: 178, w: 318, cin: 80, cout: 192, bias: true, relu: true},            // conv5, VALID
		{h: 87, w: 157, cin: 64, cout: 96, same: true, bias: true, relu: true},  // mixed
		{h: 87, w: 157, cin: 96, cout: 96, same: true, bias: true, relu: true},  // mixed
	}
	for _, k := range gemm.Available() {
		for _, s := range shapes {
			if k.Name() == "generic" && s.h > 100 {
				continue // seconds per step
			}
			for _, mode := range []conv3x3Mode{conv3x3Im2col, conv3x3Winograd} {
				name := fmt.Sprintf("%s/%dx%d/%d-%d/%s", k.Name(), s.h, s.w, s.cin, s.cout, [...]string{"", "im2col", "winograd"}[mode])
				for _, pass := range []string{"fwd", "bwd"} {
					b.Run(name+"/"+pass, func(b *testing.B) {
						// The same data for both algorithms.
						rng := rand.New(rand.NewPCG(1, 1))
						f := randTensor(rng, 3, 3, s.cin, s.cout)
						x := randTensor(rng, 1, s.h, s.w, s.cin)
						c := newConv2D(k, mode, f, 1, 1, s.same)
						c.bias, c.relu = randTensor(rng, s.cout).data, s.relu
						shape, err := c.outShape([][]int{x.shape})
						if err != nil {
							b.Fatal(err)
						}
						y := randTensor(rng, shape...)
						dy := randTensor(rng, shape...)
						dx := &tensor{shape: x.shape, data: make([]float32, len(x.data))}
						p := newPool(0)
						run := func() error {
							if pass == "fwd" {
								_, err := c.forward(p, []*tensor{x}, y)
								return err
							}
							clear(dx.data)
							return c.backward(p, []*tensor{x}, y, nil, dy, []*tensor{dx})
						}
						if err := run(); err != nil { // warm up the buffers
							b.Fatal(err)
						}
						b.ResetTimer()
						cpu0 := cpuTime()
						for i := 0; i < b.N; i++ {
							if err := run(); err != nil {
								b.Fatal(err)
							}
						}
						b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/op")
						b.ReportMetric((cpuTime()-cpu0).Seconds()*1000/float64(b.N), "cpu-ms/op")
					})
				}
			}
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
