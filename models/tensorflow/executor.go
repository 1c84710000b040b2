//go:build tensorflow

package tensorflow

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"unsafe"

	tf "github.com/galeone/tensorflow/tensorflow/go"
	"github.com/galeone/tensorflow/tensorflow/go/op"
	tg "github.com/galeone/tfgo"

	"github.com/deepdream-go/deepdream/models"
	"github.com/deepdream-go/deepdream/models/graphdef"
	"github.com/deepdream-go/deepdream/models/native"
)

// modelPrefix is the name scope of the imported network inside the
// executor's graph; the executor's own operations live outside it.
const modelPrefix = "model"

// Options tune an Executor.
type Options struct {
	// SessionConfig is a serialized tensorflow.ConfigProto for the session
	// (thread pools, GPU memory growth, ...); nil keeps TensorFlow's defaults.
	SessionConfig []byte
}

// Executor runs one frozen GraphDef on TensorFlow. It implements
// models.Executor and is safe for use by one goroutine at a time (calls
// from several goroutines are serialised where they would race).
type Executor struct {
	spec   models.Spec
	source *graphdef.Graph // as given, for MinSize
	deps   map[string]bool // nodes that depend on the input

	mu     sync.Mutex
	graph  *tf.Graph
	sess   *tf.Session
	pixels tf.Output // placeholder [1, H, W, 3] in pixel units
	input  tf.Output // the network input it is mapped to
	objs   map[string]*objective
	failed int // objective builds that failed, for unique name scopes
	// concatNote, if set, says why gradients through concatenations fail.
	concatNote error
	// minSize caches the native executor's answer.
	minSize [2]int
}

var _ models.Executor = (*Executor)(nil)

// New imports graph g into a new TensorFlow graph and opens a session on
// it. spec.InputNode must be a float Placeholder taking NHWC images with a
// batch of 1; pixels map to it as pixel*spec.PixelScale + spec.PixelOffset.
// g is not modified.
func New(g *graphdef.Graph, spec models.Spec, opt Options) (*Executor, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	if g == nil {
		return nil, errors.New("tensorflow executor: no graph")
	}
	in := g.Node(spec.InputNode)
	if in == nil {
		return nil, fmt.Errorf("graph has no input node %q", spec.InputNode)
	}
	if in.Op != "Placeholder" {
		return nil, fmt.Errorf("input node %q is a %s, not a Placeholder", spec.InputNode, in.Op)
	}
	prepared, err := prepare(g)
	if err != nil {
		return nil, fmt.Errorf("preparing the graph for TensorFlow: %w", err)
	}
	// concatNote explains later gradient failures when the concatenations
	// had to but could not be rewritten; the forward pass works regardless.
	var concatNote error
	if hasOp(prepared, "ConcatV2") {
		ok, err := concatGradientSupported()
		if err != nil {
			return nil, err
		}
		if !ok {
			// On error prepared is left as it was.
			if err := concatsToPadAddN(prepared, probeConcatShapes(prepared, spec)); err != nil {
				concatNote = fmt.Errorf("this libtensorflow has no ConcatV2 gradient and the graph's concatenations could not be rewritten: %w", err)
			}
		}
	}
	graph, pixels, input, err := importGraph(prepared, spec)
	if err != nil {
		return nil, err
	}
	sess, err := tf.NewSession(graph, &tf.SessionOptions{Config: opt.SessionConfig})
	if err != nil {
		return nil, fmt.Errorf("tensorflow session: %w", err)
	}
	return &Executor{
		spec:   spec,
		source: g,
		deps:   dependsOn(prepared, spec.InputNode),
		graph:  graph,
		sess:   sess,
		pixels: pixels,
		input:  input,
		objs:   map[string]*objective{},

		concatNote: concatNote,
	}, nil
}

func hasOp(g *graphdef.Graph, opType string) bool {
	for _, n := range g.Nodes {
		if n.Op == opType {
			return true
		}
	}
	return false
}

// importGraph builds a graph holding the pixel placeholder and the
// pixel-to-input mapping, and imports g under modelPrefix with its input
// placeholder replaced by the mapped pixels (returned as input).
func importGraph(g *graphdef.Graph, spec models.Spec) (graph *tf.Graph, pixels, input tf.Output, err error) {
	graph = tf.NewGraph()
	root := op.NewScopeWithGraph(graph)
	s := root.SubScope("pixels")
	pixels = op.Placeholder(s, tf.Float, op.PlaceholderShape(tf.MakeShape(1, -1, -1, 3)))
	input = op.Add(s,
		op.Mul(s, pixels, op.Const(s.SubScope("scale"), spec.PixelScale)),
		op.Const(s.SubScope("offset"), spec.PixelOffset))
	if err := root.Err(); err != nil {
		return nil, tf.Output{}, tf.Output{}, fmt.Errorf("building the pixel input: %w", err)
	}
	opts := tf.GraphImportOptions{Prefix: modelPrefix}
	opts.AddInputMapping(spec.InputNode, 0, input)
	if err := graph.ImportWithOptions(graphdef.Encode(g), opts); err != nil {
		return nil, tf.Output{}, tf.Output{}, fmt.Errorf("importing the graph into TensorFlow: %w", err)
	}
	return graph, pixels, input, nil
}

// concatGradientSupported asks the linked libtensorflow whether its graph
// gradient registry knows ConcatV2, by differentiating a tiny concatenation.
func concatGradientSupported() (bool, error) {
	s := tg.NewRoot()
	x := op.Placeholder(s, tf.Float, op.PlaceholderShape(tf.MakeShape(2)))
	y := op.ConcatV2(s, []tf.Output{x, x}, op.Const(s.SubScope("axis"), int32(0)))
	graph, err := s.Finalize()
	if err != nil {
		return false, fmt.Errorf("probing the ConcatV2 gradient: %w", err)
	}
	_, err = graph.AddGradients("probe", []tf.Output{y}, []tf.Output{x}, nil)
	return err == nil, nil
}

// probeConcatShapes imports g into a scratch graph and answers
// concatsToPadAddN's questions from TensorFlow's shape inference.
func probeConcatShapes(g *graphdef.Graph, spec models.Spec) concatShapes {
	var (
		graph     *tf.Graph
		importErr error
	)
	return func(n *graphdef.Node, values []string, axis int64) (int, []int64, error) {
		if graph == nil && importErr == nil {
			graph, _, _, importErr = importGraph(g, spec)
		}
		if importErr != nil {
			return 0, nil, importErr
		}
		out, err := output(graph, n.Name)
		if err != nil {
			return 0, nil, err
		}
		rank := out.Shape().NumDimensions()
		if rank <= 0 {
			return 0, nil, fmt.Errorf("node %q: rank of the output is not known", n.Name)
		}
		ax := int(axis)
		if ax < 0 {
			ax += rank
		}
		if ax < 0 || ax >= rank {
			return 0, nil, fmt.Errorf("node %q: axis %d out of range for rank %d", n.Name, axis, rank)
		}
		sizes := make([]int64, len(values))
		for i, v := range values {
			o, err := output(graph, v)
			if err != nil {
				return 0, nil, err
			}
			sh := o.Shape()
			if sh.NumDimensions() != rank {
				return 0, nil, fmt.Errorf("node %q: input %q has rank %d, want %d", n.Name, v, sh.NumDimensions(), rank)
			}
			sizes[i] = sh.Size(ax)
		}
		return rank, sizes, nil
	}
}

// output finds the imported tensor "name" or "name:k" of the network.
func output(graph *tf.Graph, ref string) (tf.Output, error) {
	name, k, control, err := graphdef.ParseInput(ref)
	if err != nil {
		return tf.Output{}, err
	}
	if control {
		return tf.Output{}, fmt.Errorf("%q names a control dependency, not a tensor", ref)
	}
	o := graph.Operation(modelPrefix + "/" + name)
	if o == nil {
		return tf.Output{}, fmt.Errorf("graph has no node %q", name)
	}
	if k >= o.NumOutputs() {
		return tf.Output{}, fmt.Errorf("node %q has %d outputs, not %d", name, o.NumOutputs(), k+1)
	}
	return o.Output(k), nil
}

// layer finds a tensor of the network by name ("name" or "name:k"); the
// input placeholder names the mapped pixels, as the native executor does.
func (e *Executor) layer(ref string) (tf.Output, error) {
	if name, k, control, err := graphdef.ParseInput(ref); err == nil && !control && k == 0 && name == e.spec.InputNode {
		return e.input, nil
	}
	return output(e.graph, ref)
}

// Close closes the session. The executor must not be used afterwards.
func (e *Executor) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.sess == nil {
		return nil
	}
	err := e.sess.Close()
	e.sess = nil
	e.objs = nil
	if err != nil {
		return fmt.Errorf("closing the tensorflow session: %w", err)
	}
	return nil
}

// session returns the open session.
func (e *Executor) session() (*tf.Session, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.sess == nil {
		return nil, errors.New("tensorflow executor is closed")
	}
	return e.sess, nil
}

// MinSize returns the smallest square input for which every node that
// depends on the input has a non-empty output. It is the native executor's
// answer, found by shape inference without running anything.
func (e *Executor) MinSize() (int, int) {
	e.mu.Lock()
	cached := e.minSize
	e.mu.Unlock()
	if cached[0] > 0 {
		return cached[0], cached[1]
	}
	w, h := 1, 1
	if n, err := native.New(e.source, e.spec, native.Options{Workers: 1}); err == nil {
		w, h = n.MinSize()
		_ = n.Close()
	}
	e.mu.Lock()
	e.minSize = [2]int{w, h}
	e.mu.Unlock()
	return w, h
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

// floatBytes views a float32 slice as its bytes in host order, the layout
// of TensorFlow's tensor buffers.
func floatBytes(f []float32) []byte {
	if len(f) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&f[0])), 4*len(f))
}

// newTensor copies f into a new float tensor of the given shape.
func newTensor(f []float32, shape ...int64) (*tf.Tensor, error) {
	t, err := tf.ReadTensor(tf.Float, shape, bytes.NewReader(floatBytes(f)))
	if err != nil {
		return nil, fmt.Errorf("tensor of shape %v from %d values: %w", shape, len(f), err)
	}
	return t, nil
}

// pixelTensor copies the image into the pixel placeholder's tensor.
func pixelTensor(img *models.Image) (*tf.Tensor, error) {
	return newTensor(img.Pix, 1, int64(img.Height), int64(img.Width), 3)
}

// into copies the contents of a float tensor into dst, which must hold
// exactly its number of elements.
type into struct {
	dst []byte
	n   int
}

func (w *into) Write(p []byte) (int, error) {
	if len(p) > len(w.dst)-w.n {
		return 0, fmt.Errorf("tensor holds more than the %d bytes expected", len(w.dst))
	}
	copy(w.dst[w.n:], p)
	w.n += len(p)
	return len(p), nil
}

// readFloats copies a float tensor into dst (len = number of elements).
func readFloats(t *tf.Tensor, dst []float32) error {
	if t.DataType() != tf.Float {
		return fmt.Errorf("tensor is of type %v, want float32", t.DataType())
	}
	w := &into{dst: floatBytes(dst)}
	if _, err := t.WriteContentsTo(w); err != nil {
		return err
	}
	if w.n != len(w.dst) {
		return fmt.Errorf("tensor holds %d bytes, want %d", w.n, len(w.dst))
	}
	return nil
}

func elements(shape []int64) int {
	n := 1
	for _, d := range shape {
		n *= int(d)
	}
	return n
}

// Activations runs the network on img and returns the named nodes
// ("name" or "name:k").
func (e *Executor) Activations(ctx context.Context, img *models.Image, layers []string) ([]models.Activation, error) {
	if len(layers) == 0 {
		return nil, errors.New("no layers requested")
	}
	if err := checkImage(img); err != nil {
		return nil, err
	}
	fetches := make([]tf.Output, len(layers))
	for i, l := range layers {
		o, err := e.layer(l)
		if err != nil {
			return nil, err
		}
		fetches[i] = o
	}
	px, err := pixelTensor(img)
	if err != nil {
		return nil, err
	}
	res, err := e.run(ctx, map[tf.Output]*tf.Tensor{e.pixels: px}, fetches)
	if err != nil {
		return nil, err
	}
	out := make([]models.Activation, len(layers))
	for i, name := range layers {
		a, err := activation(name, res[i].Shape())
		if err != nil {
			return nil, err
		}
		a.Data = make([]float32, elements(res[i].Shape()))
		if err := readFloats(res[i], a.Data); err != nil {
			return nil, fmt.Errorf("layer %q: %w", name, err)
		}
		out[i] = a
	}
	return out, nil
}

// activation describes a layer of the given shape like models/native does.
func activation(name string, shape []int64) (models.Activation, error) {
	a := models.Activation{Layer: name, Height: 1, Width: 1, Channels: 1}
	switch len(shape) {
	case 4:
		if shape[0] != 1 {
			return a, fmt.Errorf("node %q: batch %d", name, shape[0])
		}
		a.Height, a.Width, a.Channels = int(shape[1]), int(shape[2]), int(shape[3])
	case 2:
		a.Height, a.Channels = int(shape[0]), int(shape[1])
	case 1:
		a.Channels = int(shape[0])
	case 0:
	default:
		return a, fmt.Errorf("node %q has rank %d, want at most 4", name, len(shape))
	}
	return a, nil
}

// run runs the session. TensorFlow cannot cancel a run, so ctx is checked
// before and after it.
func (e *Executor) run(ctx context.Context, feeds map[tf.Output]*tf.Tensor, fetches []tf.Output) ([]*tf.Tensor, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sess, err := e.session()
	if err != nil {
		return nil, err
	}
	res, err := sess.Run(feeds, fetches, nil)
	if err != nil {
		return nil, fmt.Errorf("tensorflow run: %w", cleanError(err))
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return res, nil
}

// cleanError strips the executor's own name scope from TensorFlow's
// messages so that they name the user's nodes.
func cleanError(err error) error {
	msg := err.Error()
	if !strings.Contains(msg, modelPrefix+"/") {
		return err
	}
	return errors.New(strings.ReplaceAll(msg, modelPrefix+"/", ""))
}

// Gradient returns the value of obj for img and writes d obj / d pixel into grad.
func (e *Executor) Gradient(ctx context.Context, img *models.Image, obj models.Objective, grad []float32) (float64, error) {
	if err := checkImage(img); err != nil {
		return 0, err
	}
	if len(grad) != len(img.Pix) {
		return 0, fmt.Errorf("gradient buffer has %d values, want %d", len(grad), len(img.Pix))
	}
	o, feeds, err := e.objective(obj)
	if err != nil {
		return 0, err
	}
	px, err := pixelTensor(img)
	if err != nil {
		return 0, err
	}
	feeds[e.pixels] = px
	fetches := []tf.Output{o.values}
	if o.grad != nil {
		fetches = append(fetches, *o.grad)
	}
	res, err := e.run(ctx, feeds, fetches)
	if err != nil {
		return 0, err
	}
	values := make([]float32, len(obj.Terms))
	if err := readFloats(res[0], values); err != nil {
		return 0, fmt.Errorf("objective values: %w", err)
	}
	total := 0.0
	for i, t := range obj.Terms {
		total += weight(t) * float64(values[i])
	}
	if o.grad == nil {
		for i := range grad {
			grad[i] = 0
		}
	} else if err := readFloats(res[1], grad); err != nil {
		return 0, fmt.Errorf("gradient: %w", err)
	}
	if math.IsNaN(total) || math.IsInf(total, 0) {
		return total, errors.New("objective is not finite (the input holds NaN or huge values)")
	}
	return total, nil
}

func weight(t models.Term) float64 {
	if t.Weight == 0 {
		return 1
	}
	return t.Weight
}
