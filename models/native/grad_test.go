package native

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/deepdream-go/deepdream/models"
	"github.com/deepdream-go/deepdream/models/graphdef"
)

func testImage(w, h int, seed uint64) *models.Image {
	rng := rand.New(rand.NewPCG(seed, 7))
	img := models.NewImage(w, h)
	for i := range img.Pix {
		img.Pix[i] = rng.Float32() * 255
	}
	return img
}

// checkGradient compares the executor's input gradient with central finite
// differences at a sample of pixels.
func checkGradient(t *testing.T, g *graphdef.Graph, obj models.Objective, w, h int) {
	t.Helper()
	e, err := New(g, models.Spec{InputNode: "input", PixelScale: 1.0 / 64, PixelOffset: -2}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	img := testImage(w, h, 3)
	grad := make([]float32, len(img.Pix))
	if _, err := e.Gradient(ctx, img, obj, grad); err != nil {
		t.Fatal(err)
	}
	value := func(im *models.Image) float64 {
		v, err := e.Gradient(ctx, im, obj, make([]float32, len(im.Pix)))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	rng := rand.New(rand.NewPCG(9, 9))
	maxG := 0.0
	for _, v := range grad {
		maxG = math.Max(maxG, math.Abs(float64(v)))
	}
	if maxG == 0 {
		t.Fatal("gradient is identically zero")
	}
	const eps = 0.5 // pixels; input = pixel/64 - 2
	worst := 0.0
	for n := 0; n < 40; n++ {
		i := rng.IntN(len(img.Pix))
		orig := img.Pix[i]
		img.Pix[i] = orig + eps
		up := value(img)
		img.Pix[i] = orig - eps
		down := value(img)
		img.Pix[i] = orig
		fd := (up - down) / (2 * eps)
		worst = math.Max(worst, math.Abs(fd-float64(grad[i]))/maxG)
	}
	t.Logf("worst relative error %.3g", worst)
	if worst > 2e-3 {
		t.Errorf("finite differences disagree: worst error %.3g of max |grad| %.3g", worst, maxG)
	}
}

func TestGradientConvSameStride2(t *testing.T) {
	b := newGraphBuilder(1)
	x := b.conv("input", 7, 7, 3, 4, 2, "SAME") // asymmetric SAME padding on even sizes
	out := b.unary("Relu", b.bias(x, 4))
	checkGradient(t, b.g, models.MeanSquareOf(out), 12, 10)
}

func TestGradientConvValidNonSquare(t *testing.T) {
	b := newGraphBuilder(2)
	x := b.unary("Relu", b.conv("input", 1, 3, 3, 5, 1, "VALID"))
	x = b.conv(x, 3, 1, 5, 4, 1, "SAME")
	out := b.unary("Relu6", x)
	checkGradient(t, b.g, models.MeanSquareOf(out), 9, 11)
}

func TestGradientConvStride2Valid(t *testing.T) {
	b := newGraphBuilder(3)
	x := b.unary("Relu", b.bias(b.conv("input", 3, 3, 3, 6, 2, "VALID"), 6))
	x = b.unary("Relu", b.bias(b.conv(x, 1, 1, 6, 4, 1, "SAME"), 4))
	checkGradient(t, b.g, models.Objective{Terms: []models.Term{{Kind: models.MeanChannel, Layer: x, Channel: 2, Weight: 1}}}, 13, 12)
}

func TestGradientPools(t *testing.T) {
	for _, tc := range []struct {
		op, pad string
		k, s    int
	}{{"MaxPool", "VALID", 3, 2}, {"MaxPool", "SAME", 3, 2}, {"AvgPool", "SAME", 3, 1}, {"AvgPool", "SAME", 3, 2}, {"AvgPool", "VALID", 2, 2}} {
		t.Run(tc.op+tc.pad, func(t *testing.T) {
			b := newGraphBuilder(4)
			x := b.conv("input", 3, 3, 3, 4, 1, "SAME")
			out := b.pool(tc.op, x, tc.k, tc.s, tc.pad)
			checkGradient(t, b.g, models.MeanSquareOf(out), 10, 9)
		})
	}
}

func TestGradientLRNConcatBinary(t *testing.T) {
	b := newGraphBuilder(5)
	x := b.conv("input", 3, 3, 3, 6, 1, "SAME")
	l := b.node("lrn", "LRN", []string{x}, map[string]*graphdef.AttrValue{
		"depth_radius": {Kind: graphdef.AttrInt, I: 2}, "bias": {Kind: graphdef.AttrFloat, F: 2},
		"alpha": {Kind: graphdef.AttrFloat, F: 0.05}, "beta": {Kind: graphdef.AttrFloat, F: 0.75},
	})
	y := b.conv("input", 1, 1, 3, 2, 1, "SAME")
	cat := b.node("cat", "Concat", []string{b.constI(3), l, y}, map[string]*graphdef.AttrValue{"N": {Kind: graphdef.AttrInt, I: 2}})
	m := b.node("mul", "Mul", []string{cat, b.constF([]int64{8}, 1)}, nil)
	s := b.node("sub", "Sub", []string{b.constF([]int64{1}, 1), m}, nil)
	d := b.node("div", "RealDiv", []string{s, b.constF([]int64{1, 1, 1, 8}, 1)}, nil)
	sq := b.node("sq", "Mul", []string{d, cat}, nil)
	a := b.node("add", "AddV2", []string{sq, d}, nil)
	checkGradient(t, b.g, models.MeanSquareOf(a), 8, 7)
}

func TestGradientHead(t *testing.T) {
	b := newGraphBuilder(6)
	x := b.unary("Relu", b.conv("input", 3, 3, 3, 5, 2, "SAME"))
	bn := b.node("bn", "FusedBatchNormV3", []string{x, b.constF([]int64{5}, 1), b.constF([]int64{5}, 1), b.constF([]int64{5}, 1), b.node("var", "Const", nil, map[string]*graphdef.AttrValue{
		"dtype": {Kind: graphdef.AttrType, Type: graphdef.DTFloat},
		"value": {Kind: graphdef.AttrTensor, Tensor: &graphdef.Tensor{DType: graphdef.DTFloat, Shape: []int64{5}, Float: []float32{1, 2, 0.5, 3, 1.5}}},
	})}, map[string]*graphdef.AttrValue{"is_training": {Kind: graphdef.AttrBool, B: false}, "epsilon": {Kind: graphdef.AttrFloat, F: 0.001}})
	mean := b.node("mean", "Mean", []string{bn, b.constI(1, 2)}, map[string]*graphdef.AttrValue{"keep_dims": {Kind: graphdef.AttrBool, B: true}})
	sq := b.node("squeeze", "Squeeze", []string{mean}, map[string]*graphdef.AttrValue{"squeeze_dims": ints(1, 2)})
	mm := b.node("mm", "MatMul", []string{sq, b.constF([]int64{5, 4}, 1)}, nil)
	sm := b.unary("Softmax", mm)
	r := b.node("reshape", "Reshape", []string{sm, b.constI(-1, 2)}, nil)
	e := b.node("expand", "ExpandDims", []string{r, b.constI(0)}, nil)
	checkGradient(t, b.g, models.Objective{Terms: []models.Term{{Kind: models.MeanSquare, Layer: e, Weight: 3}, {Kind: models.MeanChannel, Layer: mm, Channel: 1, Weight: 0.5}}}, 9, 8)
}

func TestGradientGuide(t *testing.T) {
	b := newGraphBuilder(7)
	x := b.unary("Relu", b.bias(b.conv("input", 3, 3, 3, 4, 1, "SAME"), 4))
	guide := []float32{1, -0.5, 0.25, 2, -1, 1, 0.5, 0.1, 0.3, 0.3, -0.2, 0.9}
	checkGradient(t, b.g, models.Objective{Terms: []models.Term{{Kind: models.GuideDot, Layer: x, Guide: guide}}}, 7, 6)
}
