// Package native executes TensorFlow GraphDef image networks in pure Go:
// forward to any set of nodes, and the gradient of an objective with respect
// to the input image. It runs only the subgraph between the input
// placeholder and the requested nodes, for any input size the graph accepts,
// on all cores, with results that do not depend on the number of workers.
package native

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/deepdream-go/deepdream/models"
	"github.com/deepdream-go/deepdream/models/graphdef"
	"github.com/deepdream-go/deepdream/models/native/gemm"
)

// KernelEnv is the environment variable that forces a GEMM micro-kernel
// ("avx512", "avx2" or "generic") when Options.Kernel is empty, for
// comparing them. It is read once, by New.
const KernelEnv = "DEEPDREAM_KERNEL"

// Options tune an Executor.
type Options struct {
	// Workers is the number of goroutines used per operation; 0 means GOMAXPROCS.
	Workers int
	// Kernel names the GEMM micro-kernel: "avx512", "avx2" or "generic"
	// (see gemm.Lookup). Empty means the value of $DEEPDREAM_KERNEL, or the
	// fastest kernel this CPU runs when that is unset. The AVX-512 and AVX2
	// kernels give bit-identical results; the generic one differs in the
	// last bits.
	Kernel string
	// Conv3x3 selects the algorithm of the 3×3 stride-1 convolutions:
	// "winograd" (Winograd F(2×2,3×3): fewer multiplications, results
	// that differ from im2col in the last bits), "im2col" (im2col and
	// GEMM, like every other convolution) or "auto" (Winograd where it is
	// measured to be faster on this kernel). Empty means the value of
	// $DEEPDREAM_CONV3X3, or "auto" when that is unset.
	Conv3x3 string
}

// Executor runs one GraphDef. It implements models.Executor. It is safe for
// use by one goroutine at a time (concurrent runs are serialised).
type Executor struct {
	graph  *graphdef.Graph
	nodes  map[string]*graphdef.Node
	spec   models.Spec
	kernel gemm.Kernel
	// conv3x3 is how 3×3 stride-1 convolutions are computed.
	conv3x3 conv3x3Mode
	pool    *pool
	consts  map[string]*graphdef.Tensor

	mu      sync.Mutex
	plans   map[string]*plan
	minSize [2]int

	// runMu serialises runs, which share arena.
	runMu sync.Mutex
	// arena holds the tensors of a run, reused across calls so that the
	// large activation and gradient buffers are neither reallocated nor
	// zeroed (only gradients, which accumulate, are cleared) on every
	// call. It grows to the largest run so far; Close releases it.
	arena []float32
	// indices holds the runs' argmax records, reused like arena.
	indices indexSlab
}

var _ models.Executor = (*Executor)(nil)

// New prepares an executor for graph g whose image input is spec.InputNode.
func New(g *graphdef.Graph, spec models.Spec, opt Options) (*Executor, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	kernel, err := chooseKernel(opt.Kernel)
	if err != nil {
		return nil, err
	}
	conv3x3 := opt.Conv3x3
	if conv3x3 == "" {
		conv3x3 = os.Getenv(Conv3x3Env)
	}
	mode, err := parseConv3x3(conv3x3)
	if err != nil {
		return nil, fmt.Errorf("native executor: %w", err)
	}
	e := &Executor{
		conv3x3: mode,
		graph:   g,
		nodes:   make(map[string]*graphdef.Node, len(g.Nodes)),
		spec:    spec,
		kernel:  kernel,
		pool:    newPool(opt.Workers),
		consts:  map[string]*graphdef.Tensor{},
		plans:   map[string]*plan{},
	}
	for _, n := range g.Nodes {
		if _, dup := e.nodes[n.Name]; dup {
			return nil, fmt.Errorf("graph: node %q is defined twice", n.Name)
		}
		e.nodes[n.Name] = n
	}
	in, ok := e.nodes[spec.InputNode]
	if !ok {
		return nil, fmt.Errorf("graph has no input node %q", spec.InputNode)
	}
	if in.Op != "Placeholder" {
		return nil, fmt.Errorf("input node %q is a %s, not a Placeholder", spec.InputNode, in.Op)
	}
	return e, nil
}

// chooseKernel resolves Options.Kernel, falling back to $DEEPDREAM_KERNEL
// and then to the fastest kernel.
func chooseKernel(name string) (gemm.Kernel, error) {
	if name != "" {
		k, err := gemm.Lookup(name)
		if err != nil {
			return gemm.Kernel{}, fmt.Errorf("native executor: %w", err)
		}
		return k, nil
	}
	name = os.Getenv(KernelEnv)
	if name == "" {
		return gemm.Best(), nil
	}
	k, err := gemm.Lookup(name)
	if err != nil {
		return gemm.Kernel{}, fmt.Errorf("%s=%s: %w; unset it to use the fastest kernel", KernelEnv, name, err)
	}
	return k, nil
}

// Kernel returns the name of the GEMM micro-kernel the executor uses.
func (e *Executor) Kernel() string { return e.kernel.Name() }

// Close releases the compiled plans and the memory kept for reuse between
// calls.
func (e *Executor) Close() error {
	e.mu.Lock()
	e.plans = map[string]*plan{}
	e.mu.Unlock()
	e.runMu.Lock()
	e.arena = nil
	e.indices = indexSlab{}
	e.runMu.Unlock()
	return nil
}

// Channels returns the channel count (last dimension) of a node for an
// input of the given size.
func (e *Executor) Channels(node string, width, height int) (int, error) {
	p, err := e.plan([]string{node})
	if err != nil {
		return 0, err
	}
	shapes, err := p.inferShapes(height, width)
	if err != nil {
		return 0, err
	}
	s := shapes[p.outputs[0]]
	if len(s) == 0 {
		return 1, nil
	}
	return s[len(s)-1], nil
}

// OutputShape returns the shape of a node for an input of the given size.
func (e *Executor) OutputShape(node string, width, height int) ([]int, error) {
	p, err := e.plan([]string{node})
	if err != nil {
		return nil, err
	}
	shapes, err := p.inferShapes(height, width)
	if err != nil {
		return nil, err
	}
	return append([]int(nil), shapes[p.outputs[0]]...), nil
}

// MinSize returns the smallest square input for which every node that
// depends on the input has a non-empty output.
func (e *Executor) MinSize() (int, int) {
	e.mu.Lock()
	cached := e.minSize
	e.mu.Unlock()
	if cached[0] > 0 {
		return cached[0], cached[1]
	}
	var sinks []string
	for _, n := range e.graph.Nodes {
		sinks = append(sinks, n.Name)
	}
	p, err := e.planReachable(sinks)
	if err != nil || len(p.outputs) == 0 {
		return 1, 1
	}
	fits := func(s int) bool {
		_, err := p.inferShapes(s, s)
		return err == nil
	}
	lo, hi := 1, 4096
	if !fits(hi) {
		return 1, 1 // broken at every size: let the run report why
	}
	for lo < hi {
		mid := (lo + hi) / 2
		if fits(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	e.mu.Lock()
	e.minSize = [2]int{lo, lo}
	e.mu.Unlock()
	return lo, lo
}

// Activations runs the network on img and returns the named nodes.
func (e *Executor) Activations(ctx context.Context, img *models.Image, layers []string) ([]models.Activation, error) {
	if len(layers) == 0 {
		return nil, errors.New("no layers requested")
	}
	p, err := e.plan(layers)
	if err != nil {
		return nil, err
	}
	e.runMu.Lock()
	defer e.runMu.Unlock()
	r, err := e.forward(ctx, p, img, false)
	if err != nil {
		return nil, err
	}
	out := make([]models.Activation, len(layers))
	for i, name := range layers {
		t := r.values[p.outputs[i]]
		a, err := activation(name, t)
		if err != nil {
			return nil, err
		}
		a.Data = append([]float32(nil), t.data...)
		out[i] = a
	}
	return out, nil
}

func activation(name string, t *tensor) (models.Activation, error) {
	a := models.Activation{Layer: name, Height: 1, Width: 1, Channels: 1, Data: t.data}
	switch len(t.shape) {
	case 4:
		if t.shape[0] != 1 {
			return a, fmt.Errorf("node %q: batch %d", name, t.shape[0])
		}
		a.Height, a.Width, a.Channels = t.shape[1], t.shape[2], t.shape[3]
	case 2:
		a.Height, a.Channels = t.shape[0], t.shape[1]
	case 1:
		a.Channels = t.shape[0]
	case 0:
	default:
		return a, fmt.Errorf("node %q has rank %d, want at most 4", name, len(t.shape))
	}
	return a, nil
}

// forward runs a plan on img, explaining size errors with the model's
// minimum. The caller holds runMu; the run's tensors live in e.arena.
func (e *Executor) forward(ctx context.Context, p *plan, img *models.Image, keep bool) (*run, error) {
	if err := checkImage(img); err != nil {
		return nil, err
	}
	shapes, err := p.inferShapes(img.Height, img.Width)
	if err != nil {
		if w, h := e.MinSize(); w > 1 && (img.Width < w || img.Height < h) {
			return nil, fmt.Errorf("image %dx%d is too small for this model (at least %dx%d)", img.Width, img.Height, w, h)
		}
		return nil, err
	}
	m := p.memPlan(shapes, keep)
	if len(e.arena) < m.size {
		e.arena = nil // let the old arena go before allocating the new one
		e.arena = make([]float32, m.size)
	}
	r := p.newRun(shapes, m, e.arena, &e.indices)
	e.input(img, r.values[0])
	if err := p.forward(ctx, r, keep); err != nil {
		return nil, err
	}
	return r, nil
}

// input converts pixels into the network's input tensor t.
func (e *Executor) input(img *models.Image, t *tensor) {
	s, o := e.spec.PixelScale, e.spec.PixelOffset
	e.pool.forRange(len(img.Pix), 1<<16, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			t.data[i] = img.Pix[i]*s + o
		}
	})
}

func checkImage(img *models.Image) error {
	if img == nil || img.Width <= 0 || img.Height <= 0 {
		return errors.New("empty image")
	}
	if len(img.Pix) != img.Width*img.Height*3 {
		return fmt.Errorf("image %dx%d has %d values, want %d", img.Width, img.Height, len(img.Pix), img.Width*img.Height*3)
	}
	return nil
}

// Gradient returns the value of obj for img and writes d obj / d pixel into grad.
func (e *Executor) Gradient(ctx context.Context, img *models.Image, obj models.Objective, grad []float32) (float64, error) {
	if err := checkImage(img); err != nil {
		return 0, err
	}
	if len(grad) != len(img.Pix) {
		return 0, fmt.Errorf("gradient buffer has %d values, want %d", len(grad), len(img.Pix))
	}
	if len(obj.Terms) == 0 {
		return 0, errors.New("objective has no terms")
	}
	layers := obj.Layers()
	p, err := e.plan(layers)
	if err != nil {
		return 0, err
	}
	e.runMu.Lock()
	defer e.runMu.Unlock()
	r, err := e.forward(ctx, p, img, true)
	if err != nil {
		return 0, err
	}
	value, err := r.seedObjective(obj, layers)
	if err != nil {
		return 0, err
	}
	if err := r.backward(ctx); err != nil {
		return 0, err
	}
	g := r.grads[p.input]
	if g == nil {
		// The objective does not depend on the input.
		for i := range grad {
			grad[i] = 0
		}
		return value, nil
	}
	s := e.spec.PixelScale
	e.pool.forRange(len(grad), 1<<16, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			grad[i] = g.data[i] * s
		}
	})
	return value, nil
}

func planKey(outputs []string) string {
	return strings.Join(outputs, "\x00")
}

func (e *Executor) plan(outputs []string) (*plan, error) {
	key := planKey(outputs)
	e.mu.Lock()
	p := e.plans[key]
	e.mu.Unlock()
	if p != nil {
		return p, nil
	}
	p, err := e.compile(outputs, false)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	e.plans[key] = p
	e.mu.Unlock()
	return p, nil
}

// planReachable compiles the part of the graph that depends on the input,
// skipping candidates that do not (used to find the minimum input size).
func (e *Executor) planReachable(candidates []string) (*plan, error) {
	return e.compile(candidates, true)
}

// Layers lists nodes that depend on the input and have rank-4 outputs, in
// graph order, with their channel counts at the given input size.
func (e *Executor) Layers(ops []string, width, height int) ([]models.Activation, error) {
	want := map[string]bool{}
	for _, o := range ops {
		want[o] = true
	}
	var names []string
	for _, n := range e.graph.Nodes {
		if want[n.Op] {
			names = append(names, n.Name)
		}
	}
	p, err := e.planReachable(names)
	if err != nil {
		return nil, err
	}
	shapes, err := p.inferShapes(height, width)
	if err != nil {
		return nil, err
	}
	var out []models.Activation
	for i, name := range p.outputNames {
		s := shapes[p.outputs[i]]
		if len(s) != 4 {
			continue
		}
		out = append(out, models.Activation{Layer: name, Height: s[1], Width: s[2], Channels: s[3]})
	}
	return out, nil
}
