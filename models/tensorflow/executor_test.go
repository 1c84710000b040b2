//go:build tensorflow

package tensorflow

// These tests link libtensorflow: without it installed the test binary does
// not build, so they run only where the library is (see the package doc).

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tf "github.com/galeone/tensorflow/tensorflow/go"

	"github.com/deepdream-go/deepdream/models"
	"github.com/deepdream-go/deepdream/models/graphdef"
	"github.com/deepdream-go/deepdream/models/native"
	"github.com/deepdream-go/deepdream/models/zoo"
)

func TestMain(m *testing.M) {
	fmt.Fprintf(os.Stderr, "libtensorflow %s\n", tf.Version())
	os.Exit(m.Run())
}

// graphBuilder assembles small GraphDefs for tests.
type graphBuilder struct {
	g   *graphdef.Graph
	rng *rand.Rand
	n   int
}

func newGraphBuilder(seed uint64) *graphBuilder {
	b := &graphBuilder{g: &graphdef.Graph{Producer: 27}, rng: rand.New(rand.NewPCG(seed, 7))}
	b.node("input", "Placeholder", nil, map[string]*graphdef.AttrValue{
		"dtype": {Kind: graphdef.AttrType, Type: graphdef.DTFloat},
		"shape": {Kind: graphdef.AttrShape, Shape: &graphdef.Shape{Dims: []int64{-1, -1, -1, 3}}},
	})
	return b
}

func (b *graphBuilder) name(prefix string) string {
	b.n++
	return fmt.Sprintf("%s_%d", prefix, b.n)
}

// node adds a node pinned to /cpu:0, as Inception5h pins every node.
func (b *graphBuilder) node(name, op string, inputs []string, attrs map[string]*graphdef.AttrValue) string {
	if attrs == nil {
		attrs = map[string]*graphdef.AttrValue{}
	}
	if _, ok := attrs["T"]; !ok && op != "Placeholder" && op != "Const" {
		attrs["T"] = &graphdef.AttrValue{Kind: graphdef.AttrType, Type: graphdef.DTFloat}
	}
	b.g.Nodes = append(b.g.Nodes, &graphdef.Node{Name: name, Op: op, Inputs: inputs, Device: "/cpu:0", Attrs: attrs})
	return name
}

func (b *graphBuilder) constF(shape []int64, scale float32) string {
	t := &graphdef.Tensor{DType: graphdef.DTFloat, Shape: shape}
	t.Float = make([]float32, t.NumElements())
	for i := range t.Float {
		t.Float[i] = (b.rng.Float32()*2 - 1) * scale
	}
	return b.node(b.name("const"), "Const", nil, map[string]*graphdef.AttrValue{
		"dtype": {Kind: graphdef.AttrType, Type: graphdef.DTFloat},
		"value": {Kind: graphdef.AttrTensor, Tensor: t},
	})
}

func (b *graphBuilder) constI(v int64) string {
	return b.node(b.name("axis"), "Const", nil, map[string]*graphdef.AttrValue{
		"dtype": {Kind: graphdef.AttrType, Type: graphdef.DTInt32},
		"value": {Kind: graphdef.AttrTensor, Tensor: &graphdef.Tensor{DType: graphdef.DTInt32, Int: []int64{v}}},
	})
}

func ints(v ...int64) *graphdef.AttrValue {
	return &graphdef.AttrValue{Kind: graphdef.AttrList, List: &graphdef.AttrListValue{I: v}}
}

func str(s string) *graphdef.AttrValue {
	return &graphdef.AttrValue{Kind: graphdef.AttrString, S: []byte(s)}
}

func (b *graphBuilder) conv(name, in string, k, cin, cout, stride int, pad string) string {
	w := b.constF([]int64{int64(k), int64(k), int64(cin), int64(cout)}, 0.5)
	return b.node(name, "Conv2D", []string{in, w}, map[string]*graphdef.AttrValue{
		"strides": ints(1, int64(stride), int64(stride), 1), "padding": str(pad),
		"data_format": str("NHWC"), "dilations": ints(1, 1, 1, 1),
	})
}

func (b *graphBuilder) convRelu(name, in string, k, cin, cout, stride int, pad string) string {
	c := b.conv(b.name("conv"), in, k, cin, cout, stride, pad)
	bias := b.node(b.name("bias"), "BiasAdd", []string{c, b.constF([]int64{int64(cout)}, 0.3)}, nil)
	return b.node(name, "Relu", []string{bias}, nil)
}

func (b *graphBuilder) pool(name, op, in string, k, s int, pad string) string {
	return b.node(name, op, []string{in}, map[string]*graphdef.AttrValue{
		"ksize": ints(1, int64(k), int64(k), 1), "strides": ints(1, int64(s), int64(s), 1), "padding": str(pad),
	})
}

// randomGraph is a small inception-like network with the op set of the
// real models: conv, bias, relu, pools, LRN, a legacy Concat (axis first)
// and a ConcatV2 with a negative axis. Layers: stem, mix, lrn, mix2, top.
func randomGraph(seed uint64) *graphdef.Graph {
	b := newGraphBuilder(seed)
	stem := b.convRelu("stem", "input", 3, 3, 8, 1, "SAME")
	b1 := b.convRelu(b.name("b1"), stem, 1, 8, 4, 1, "SAME")
	p := b.pool(b.name("pool"), "MaxPool", stem, 3, 1, "SAME")
	b2 := b.convRelu(b.name("b2"), p, 1, 8, 5, 1, "SAME")
	mix := b.node("mix", "Concat", []string{b.constI(3), b1, b2}, map[string]*graphdef.AttrValue{
		"N": {Kind: graphdef.AttrInt, I: 2},
	})
	lrn := b.node("lrn", "LRN", []string{mix}, map[string]*graphdef.AttrValue{
		"depth_radius": {Kind: graphdef.AttrInt, I: 2},
		"bias":         {Kind: graphdef.AttrFloat, F: 1},
		"alpha":        {Kind: graphdef.AttrFloat, F: 0.1},
		"beta":         {Kind: graphdef.AttrFloat, F: 0.75},
	})
	mix2 := b.node("mix2", "ConcatV2", []string{lrn, stem, b.constI(-1)}, map[string]*graphdef.AttrValue{
		"N":    {Kind: graphdef.AttrInt, I: 2},
		"Tidx": {Kind: graphdef.AttrType, Type: graphdef.DTInt32},
	})
	down := b.pool(b.name("avg"), "AvgPool", mix2, 2, 2, "VALID")
	b.convRelu("top", down, 3, 17, 6, 2, "SAME")
	return b.g
}

func randomImage(rng *rand.Rand, w, h int) *models.Image {
	img := models.NewImage(w, h)
	for i := range img.Pix {
		img.Pix[i] = rng.Float32() * 255
	}
	return img
}

func randomGuide(rng *rand.Rand, count, channels int) []float32 {
	g := make([]float32, count*channels)
	for i := range g {
		g[i] = rng.Float32()*2 - 1
	}
	return g
}

// relErr is |a-b| / |b| in the Euclidean norm.
func relErr(a, b []float32) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	var num, den float64
	for i := range a {
		d := float64(a[i]) - float64(b[i])
		num += d * d
		den += float64(b[i]) * float64(b[i])
	}
	if den == 0 {
		return math.Sqrt(num)
	}
	return math.Sqrt(num / den)
}

// pair opens the TensorFlow and the native executor on the same graph.
func pair(t *testing.T, g *graphdef.Graph, spec models.Spec) (*Executor, *native.Executor) {
	t.Helper()
	te, err := New(g, spec, Options{})
	if err != nil {
		t.Fatalf("tensorflow.New: %v", err)
	}
	t.Cleanup(func() {
		if err := te.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	ne, err := native.New(g, spec, native.Options{})
	if err != nil {
		t.Fatalf("native.New: %v", err)
	}
	return te, ne
}

func compareActivations(t *testing.T, te *Executor, ne *native.Executor, img *models.Image, layers []string, tol float64) {
	t.Helper()
	ctx := context.Background()
	got, err := te.Activations(ctx, img, layers)
	if err != nil {
		t.Fatalf("tensorflow activations: %v", err)
	}
	want, err := ne.Activations(ctx, img, layers)
	if err != nil {
		t.Fatalf("native activations: %v", err)
	}
	for i, l := range layers {
		g, w := got[i], want[i]
		if g.Layer != l || g.Height != w.Height || g.Width != w.Width || g.Channels != w.Channels {
			t.Fatalf("%s: %s %dx%dx%d, native %s %dx%dx%d", l, g.Layer, g.Height, g.Width, g.Channels, w.Layer, w.Height, w.Width, w.Channels)
		}
		if r := relErr(g.Data, w.Data); r > tol {
			t.Errorf("%dx%d %s: activations differ from native by %.3g (> %.g)", img.Width, img.Height, l, r, tol)
		}
	}
}

func compareGradient(t *testing.T, te *Executor, ne *native.Executor, img *models.Image, obj models.Objective, tol float64) {
	t.Helper()
	ctx := context.Background()
	got := make([]float32, len(img.Pix))
	want := make([]float32, len(img.Pix))
	gv, err := te.Gradient(ctx, img, obj, got)
	if err != nil {
		t.Fatalf("tensorflow gradient: %v", err)
	}
	wv, err := ne.Gradient(ctx, img, obj, want)
	if err != nil {
		t.Fatalf("native gradient: %v", err)
	}
	if math.Abs(gv-wv) > tol*math.Max(math.Abs(wv), 1e-3) {
		t.Errorf("%dx%d %v: value %g, native %g", img.Width, img.Height, obj.Layers(), gv, wv)
	}
	if r := relErr(got, want); r > tol {
		t.Errorf("%dx%d %v: gradient differs from native by %.3g (> %.g)", img.Width, img.Height, obj.Layers(), r, tol)
	}
}

func TestRandomGraphsMatchNative(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			g := randomGraph(seed)
			spec := models.Spec{InputNode: "input", PixelScale: 1 / 127.5, PixelOffset: -1}
			te, ne := pair(t, g, spec)
			rng := rand.New(rand.NewPCG(seed, 99))
			guide := randomGuide(rng, 3, 17)
			objectives := []models.Objective{
				models.MeanSquareOf("top"),
				{Terms: []models.Term{{Kind: models.MeanChannel, Layer: "mix", Channel: 6, Weight: 1}}},
				{Terms: []models.Term{{Kind: models.GuideDot, Layer: "mix2", Guide: guide}}},
				{Terms: []models.Term{
					{Kind: models.MeanSquare, Layer: "lrn", Weight: 0.5},
					{Kind: models.MeanChannel, Layer: "top", Channel: 2, Weight: 2},
					{Kind: models.GuideDot, Layer: "mix", Guide: randomGuide(rng, 1, 9), Weight: -1},
				}},
			}
			for _, size := range [][2]int{{23, 17}, {40, 31}} {
				img := randomImage(rng, size[0], size[1])
				compareActivations(t, te, ne, img, []string{"input", "stem", "mix", "lrn", "mix2", "top"}, 1e-5)
				for _, obj := range objectives {
					compareGradient(t, te, ne, img, obj, 1e-4)
				}
			}
			// The cached subgraph is fed new guide values and weights.
			for i := range guide {
				guide[i] = -guide[i]
			}
			img := randomImage(rng, 29, 29)
			compareGradient(t, te, ne, img, models.Objective{Terms: []models.Term{{Kind: models.GuideDot, Layer: "mix2", Guide: guide, Weight: 3}}}, 1e-4)
			if n := len(te.objs); n != len(objectives) {
				t.Errorf("%d objective subgraphs cached, want %d (one per objective shape)", n, len(objectives))
			}
			if w, h := te.MinSize(); w < 1 || h < 1 {
				t.Errorf("MinSize %dx%d", w, h)
			}
		})
	}
}

func TestSourceGraphUntouched(t *testing.T) {
	g := randomGraph(5)
	before := graphdef.Encode(g)
	e, err := New(g, models.Spec{InputNode: "input", PixelScale: 1}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if string(graphdef.Encode(g)) != string(before) {
		t.Fatal("New modified the caller's graph (devices or Concat rewrite must go to a copy)")
	}
}

func TestErrors(t *testing.T) {
	g := randomGraph(6)
	spec := models.Spec{InputNode: "input", PixelScale: 1}
	if _, err := New(g, models.Spec{InputNode: "nope", PixelScale: 1}, Options{}); err == nil {
		t.Error("New accepted a missing input node")
	}
	e, err := New(g, spec, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	img := models.NewImage(20, 20)
	grad := make([]float32, len(img.Pix))
	for name, obj := range map[string]models.Objective{
		"no terms":       {},
		"unknown layer":  models.MeanSquareOf("nope"),
		"bad channel":    {Terms: []models.Term{{Kind: models.MeanChannel, Layer: "mix", Channel: 9}}},
		"empty guide":    {Terms: []models.Term{{Kind: models.GuideDot, Layer: "mix"}}},
		"guide length":   {Terms: []models.Term{{Kind: models.GuideDot, Layer: "mix", Guide: make([]float32, 10)}}},
		"unknown kind":   {Terms: []models.Term{{Kind: models.TermKind(42), Layer: "mix"}}},
		"negative chan.": {Terms: []models.Term{{Kind: models.MeanChannel, Layer: "mix", Channel: -1}}},
	} {
		if _, err := e.Gradient(ctx, img, obj, grad); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := e.Gradient(ctx, img, models.MeanSquareOf("top"), grad[:5]); err == nil {
		t.Error("short gradient buffer accepted")
	}
	if _, err := e.Activations(ctx, img, []string{"nope"}); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("unknown layer: %v", err)
	}
	// A failed objective build leaves the executor usable.
	if _, err := e.Gradient(ctx, img, models.MeanSquareOf("top"), grad); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Gradient(ctx, img, models.MeanSquareOf("top"), grad); err == nil {
		t.Error("Gradient after Close: no error")
	}
}

// TestConcatRewrite runs the Pad+AddN form of the concatenations (used
// when libtensorflow has no ConcatV2 gradient) whatever the library is.
func TestConcatRewrite(t *testing.T) {
	g := randomGraph(7)
	spec := models.Spec{InputNode: "input", PixelScale: 1 / 127.5, PixelOffset: -1}
	p, err := prepare(g)
	if err != nil {
		t.Fatal(err)
	}
	if err := concatsToPadAddN(p, probeConcatShapes(p, spec)); err != nil {
		t.Fatal(err)
	}
	if hasOp(p, "ConcatV2") || !hasOp(p, "AddN") {
		t.Fatal("concatenations were not rewritten")
	}
	// TensorFlow runs the rewritten graph, the native executor (which has
	// no Pad or AddN) the original one.
	te, _ := pair(t, p, spec)
	_, ne := pair(t, g, spec)
	img := randomImage(rand.New(rand.NewPCG(7, 7)), 31, 26)
	compareActivations(t, te, ne, img, []string{"mix", "mix2", "top"}, 1e-5)
	compareGradient(t, te, ne, img, models.MeanSquareOf("top"), 1e-4)
	t.Logf("this libtensorflow has a ConcatV2 gradient: %v", mustBool(concatGradientSupported()))
}

func mustBool(b bool, err error) bool {
	if err != nil {
		panic(err)
	}
	return b
}

const sharedModels = "../../../shared/models"

func TestInception5hOpsMatchNative(t *testing.T) {
	p := filepath.Join(sharedModels, "testgraph_inception5h_ops.pb")
	raw, err := os.ReadFile(p)
	if err != nil {
		t.Skipf("test graph %s is not available (clone with ../shared beside the repo to run it): %v", p, err)
	}
	g, err := graphdef.Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	te, ne := pair(t, g, models.Spec{InputNode: "input", PixelScale: 1})
	rng := rand.New(rand.NewPCG(5, 5))
	for _, size := range [][2]int{{64, 48}, {37, 29}} {
		img := randomImage(rng, size[0], size[1])
		compareActivations(t, te, ne, img, []string{"conv0/relu", "pool0", "lrn0", "mix_pool", "mix", "pool1", "output"}, 1e-4)
		compareGradient(t, te, ne, img, models.MeanSquareOf("output"), 1e-3)
		compareGradient(t, te, ne, img, models.Objective{Terms: []models.Term{{Kind: models.MeanChannel, Layer: "mix", Channel: 3, Weight: 1}}}, 1e-3)
	}
	if tw, th := te.MinSize(); true {
		nw, nh := ne.MinSize()
		if tw != nw || th != nh {
			t.Errorf("MinSize %dx%d, native %dx%d", tw, th, nw, nh)
		}
	}
}

func TestBuiltinMatchesNative(t *testing.T) {
	if testing.Short() {
		t.Skip("InceptionV3 on two executors takes a while; skipped with -short")
	}
	m, err := zoo.Open(zoo.Source{Name: "inception-v3"})
	if err != nil {
		t.Fatal(err)
	}
	te, ne := pair(t, m.Graph, m.Spec)
	tw, th := te.MinSize()
	nw, nh := ne.MinSize()
	if tw != nw || th != nh {
		t.Errorf("MinSize %dx%d, native %dx%d", tw, th, nw, nh)
	}
	rng := rand.New(rand.NewPCG(3, 3))
	img := randomImage(rng, max(nw, 120), max(nh, 90))
	compareActivations(t, te, ne, img, []string{"mixed0", "mixed3"}, 1e-4)
	compareGradient(t, te, ne, img, models.MeanSquareOf("mixed3"), 1e-3)
	compareGradient(t, te, ne, img, models.Objective{Terms: []models.Term{
		{Kind: models.MeanChannel, Layer: "mixed2", Channel: 17, Weight: 1},
		{Kind: models.GuideDot, Layer: "mixed4", Guide: randomGuide(rng, 2, 768), Weight: 0.1},
	}}, 1e-3)
}
