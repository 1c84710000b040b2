package native

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/deepdream-go/deepdream/models"
	"github.com/deepdream-go/deepdream/models/graphdef"
	"github.com/deepdream-go/deepdream/models/native/gemm"
)

func TestBuiltinMinimumSize(t *testing.T) {
	e := builtinExecutor(t)
	if w, h := e.MinSize(); w != 43 || h != 43 {
		t.Fatalf("MinSize = %dx%d, want 43x43 (the model's documented minimum)", w, h)
	}
	grad := make([]float32, 42*42*3)
	_, err := e.Gradient(context.Background(), testImage(42, 42, 1), models.MeanSquareOf("mixed3"), grad)
	if err == nil || !strings.Contains(err.Error(), "too small") {
		t.Fatalf("42x42 input: err = %v, want a 'too small' error", err)
	}
	if _, err := e.Gradient(context.Background(), testImage(43, 43, 1), models.MeanSquareOf("mixed7"), make([]float32, 43*43*3)); err != nil {
		t.Fatalf("43x43 input: %v", err)
	}
}

func TestDeterministicAcrossRunsAndWorkers(t *testing.T) {
	g := builtinExecutor(t).graph
	spec := models.Spec{InputNode: "input", PixelScale: 1 / 127.5, PixelOffset: -1}
	img := testImage(131, 77, 5)
	obj := models.Objective{Terms: []models.Term{{Kind: models.MeanSquare, Layer: "mixed3", Weight: 1}, {Kind: models.MeanChannel, Layer: "mixed5", Channel: 11, Weight: 0.5}}}
	var ref []float32
	var refV float64
	for _, workers := range []int{1, 2, 3, 5, 2} {
		e, err := New(g, spec, Options{Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		grad := make([]float32, len(img.Pix))
		v, err := e.Gradient(context.Background(), img, obj, grad)
		if err != nil {
			t.Fatal(err)
		}
		if ref == nil {
			ref, refV = grad, v
			continue
		}
		if v != refV {
			t.Fatalf("workers=%d: objective %v differs from %v", workers, v, refV)
		}
		for i := range grad {
			if grad[i] != ref[i] {
				t.Fatalf("workers=%d: gradient differs at %d: %v vs %v", workers, i, grad[i], ref[i])
			}
		}
	}
}

func TestCancelStopsPromptly(t *testing.T) {
	e := builtinExecutor(t)
	img := testImage(640, 360, 1)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		time.Sleep(30 * time.Millisecond)
		cancel()
	}()
	start := time.Now()
	_, err := e.Gradient(ctx, img, models.MeanSquareOf("mixed5"), make([]float32, len(img.Pix)))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("cancel took %v", d)
	}
}

func TestBadGraphsGiveClearErrors(t *testing.T) {
	spec := models.Spec{InputNode: "input", PixelScale: 1}
	ctx := context.Background()
	img := testImage(8, 8, 1)
	cases := []struct {
		name  string
		build func(b *graphBuilder) string
		want  string
	}{
		{"unsupported op", func(b *graphBuilder) string { return b.unary("Tanh", "input") }, `node "Tanh_1": op Tanh is not supported`},
		{"dangling input", func(b *graphBuilder) string { return b.node("x", "Relu", []string{"missing"}, nil) }, `no node "missing"`},
		{"cycle", func(b *graphBuilder) string {
			b.node("a", "AddV2", []string{"input", "b"}, nil)
			return b.node("b", "Relu", []string{"a"}, nil)
		}, "cycle"},
		{"wrong dtype", func(b *graphBuilder) string {
			return b.node("r", "Relu", []string{"input"}, map[string]*graphdef.AttrValue{"T": {Kind: graphdef.AttrType, Type: graphdef.DTInt32}})
		}, "element type DT_INT32"},
		{"channel mismatch", func(b *graphBuilder) string { return b.conv("input", 3, 3, 4, 2, 1, "SAME") }, "3 channels, filter wants 4"},
		{"second placeholder", func(b *graphBuilder) string {
			b.node("other", "Placeholder", nil, nil)
			return b.node("s", "AddV2", []string{"input", "other"}, nil)
		}, "second input placeholder"},
		{"training batch norm", func(b *graphBuilder) string {
			c := b.constF([]int64{3}, 1)
			return b.node("bn", "FusedBatchNorm", []string{"input", c, c, c, c}, nil)
		}, "training mode"},
		{"output 1", func(b *graphBuilder) string { return b.node("r", "Relu", []string{"input:1"}, nil) }, "output 1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := newGraphBuilder(1)
			out := tc.build(b)
			e, err := New(b.g, spec, Options{})
			if err == nil {
				_, err = e.Gradient(ctx, img, models.MeanSquareOf(out), make([]float32, len(img.Pix)))
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestUnknownLayerAndChannel(t *testing.T) {
	e := builtinExecutor(t)
	img := testImage(64, 64, 1)
	grad := make([]float32, len(img.Pix))
	if _, err := e.Gradient(context.Background(), img, models.MeanSquareOf("mixed9"), grad); err == nil || !strings.Contains(err.Error(), `"mixed9"`) {
		t.Fatalf("unknown layer: err = %v", err)
	}
	obj := models.Objective{Terms: []models.Term{{Kind: models.MeanChannel, Layer: "mixed3", Channel: 768}}}
	if _, err := e.Gradient(context.Background(), img, obj, grad); err == nil || !strings.Contains(err.Error(), "out of range 0..767") {
		t.Fatalf("channel out of range: err = %v", err)
	}
}

// TestKernelsAgree runs the built-in model's gradient with every GEMM
// kernel this CPU supports: the assembly kernels must agree bit for bit
// (so the kernel choice never changes a dream) and the portable one to
// float32 rounding.
func TestKernelsAgree(t *testing.T) {
	g := builtinExecutor(t).graph
	spec := models.Spec{InputNode: "input", PixelScale: 1 / 127.5, PixelOffset: -1}
	img := testImage(97, 75, 3)
	obj := models.MeanSquareOf("mixed4")
	grads := map[string][]float32{}
	for _, k := range gemm.Available() {
		e, err := New(g, spec, Options{Kernel: k.Name()})
		if err != nil {
			t.Fatal(err)
		}
		if e.Kernel() != k.Name() {
			t.Fatalf("Options{Kernel: %q} gave kernel %q", k.Name(), e.Kernel())
		}
		grad := make([]float32, len(img.Pix))
		if _, err := e.Gradient(context.Background(), img, obj, grad); err != nil {
			t.Fatal(err)
		}
		grads[k.Name()] = grad
	}
	if a, b := grads["avx512"], grads["avx2"]; a != nil && b != nil {
		for i := range a {
			if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
				t.Fatalf("avx512 and avx2 gradients differ at %d: %g vs %g", i, a[i], b[i])
			}
		}
	}
	ref := grads["generic"]
	for name, grad := range grads {
		if e := relErr(grad, ref); e > 1e-4 {
			t.Errorf("%s gradient differs from the generic kernel's by %.3g (relative)", name, e)
		}
	}
}

// TestKernelEnv checks that $DEEPDREAM_KERNEL forces a kernel and that a
// bad value is a clear error, not a silent fallback.
func TestKernelEnv(t *testing.T) {
	g := builtinExecutor(t).graph
	spec := models.Spec{InputNode: "input", PixelScale: 1 / 127.5, PixelOffset: -1}
	t.Setenv(KernelEnv, "generic")
	e, err := New(g, spec, Options{})
	if err != nil || e.Kernel() != "generic" {
		t.Fatalf("%s=generic: kernel %v, err %v", KernelEnv, e, err)
	}
	if e, err := New(g, spec, Options{Kernel: gemm.Best().Name()}); err != nil || e.Kernel() != gemm.Best().Name() {
		t.Fatalf("Options.Kernel must take precedence over %s: %v %v", KernelEnv, e, err)
	}
	t.Setenv(KernelEnv, "avx1024")
	_, err = New(g, spec, Options{})
	if err == nil || !strings.Contains(err.Error(), KernelEnv+"=avx1024") || !strings.Contains(err.Error(), "unknown kernel") {
		t.Fatalf("bad %s: error %v", KernelEnv, err)
	}
}
