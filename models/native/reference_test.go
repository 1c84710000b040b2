package native

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/deepdream-go/deepdream/models"
	"github.com/deepdream-go/deepdream/models/graphdef"
	"github.com/deepdream-go/deepdream/models/internal/npy"
)

const sharedModels = "../../../shared/models"

func sharedFile(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(sharedModels, name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("reference data %s is not available (clone with ../shared beside the repo to run parity tests): %v", p, err)
	}
	return p
}

func loadGraph(t testing.TB, name string) *graphdef.Graph {
	t.Helper()
	b, err := os.ReadFile(sharedFile(t, name))
	if err != nil {
		t.Fatal(err)
	}
	g, err := graphdef.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// identitySpec feeds already-preprocessed values (the references' inputs).
var identitySpec = models.Spec{InputNode: "input", PixelScale: 1}

// detInput reproduces the references' deterministic splitmix64 input.
func detInput(w, h int, seed uint64) *models.Image {
	img := models.NewImage(w, h)
	for i := range img.Pix {
		z := seed*0x9E3779B97F4A7C15 + uint64(i) + 0x9E3779B97F4A7C15
		z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
		z = (z ^ (z >> 27)) * 0x94D049BB133111EB
		z ^= z >> 31
		img.Pix[i] = float32(float64(z>>40)/(1<<24)*2 - 1)
	}
	return img
}

// relErr is max|got-want| / max|want|.
func relErr(got, want []float32) float64 {
	var e, m float64
	for i := range want {
		e = math.Max(e, math.Abs(float64(got[i])-float64(want[i])))
		m = math.Max(m, math.Abs(float64(want[i])))
	}
	return e / m
}

func TestParityFullTensors160x96(t *testing.T) {
	g := loadGraph(t, "inception_v3_mixed7.pb")
	e, err := New(g, identitySpec, Options{})
	if err != nil {
		t.Fatal(err)
	}
	in, err := npy.Read(sharedFile(t, "reference/inception_v3_160x96_input.npy"))
	if err != nil {
		t.Fatal(err)
	}
	img := &models.Image{Width: 160, Height: 96, Pix: in.Data}
	if det := detInput(160, 96, 0); relErr(det.Pix, in.Data) != 0 {
		t.Fatal("deterministic input recipe does not reproduce the reference input")
	}
	nodes := map[string]string{
		"activation_1/Relu": "activation_1__Relu", "max_pooling2d_1/MaxPool": "max_pooling2d_1__MaxPool",
		"average_pooling2d_1/AvgPool": "average_pooling2d_1__AvgPool",
	}
	for i := 0; i <= 7; i++ {
		nodes[fmt.Sprintf("mixed%d", i)] = fmt.Sprintf("mixed%d", i)
	}
	ctx := context.Background()
	for node, file := range nodes {
		want, err := npy.Read(sharedFile(t, "reference/inception_v3_160x96_"+file+".npy"))
		if err != nil {
			t.Fatal(err)
		}
		acts, err := e.Activations(ctx, img, []string{node})
		if err != nil {
			t.Fatal(err)
		}
		a := acts[0]
		if got := []int{1, a.Height, a.Width, a.Channels}; fmt.Sprint(got) != fmt.Sprint(want.Shape) {
			t.Fatalf("%s: shape %v, want %v", node, got, want.Shape)
		}
		if r := relErr(a.Data, want.Data); r > 1e-4 {
			t.Errorf("%s: relative error %.3g > 1e-4", node, r)
		} else {
			t.Logf("%s: relative error %.2g", node, r)
		}
	}
	grads := map[string]models.Objective{
		"grad_mixed3_mean_sq":        models.MeanSquareOf("mixed3"),
		"grad_mixed5_mean_sq":        models.MeanSquareOf("mixed5"),
		"grad_mixed5_mean_channel_7": {Terms: []models.Term{{Kind: models.MeanChannel, Layer: "mixed5", Channel: 7, Weight: 1}}},
	}
	for file, obj := range grads {
		want, err := npy.Read(sharedFile(t, "reference/inception_v3_160x96_"+file+".npy"))
		if err != nil {
			t.Fatal(err)
		}
		grad := make([]float32, len(img.Pix))
		if _, err := e.Gradient(ctx, img, obj, grad); err != nil {
			t.Fatal(err)
		}
		if r := relErr(grad, want.Data); r > 1e-3 {
			t.Errorf("%s: relative error %.3g > 1e-3", file, r)
		} else {
			t.Logf("%s: relative error %.2g", file, r)
		}
	}
}

type refStats struct {
	Shape   []int              `json:"shape"`
	Mean    float64            `json:"mean"`
	MeanSq  float64            `json:"mean_sq"`
	Max     float64            `json:"max"`
	DotRamp float64            `json:"dot_ramp"`
	Samples map[string]float64 `json:"samples"`
}

type refGrad struct {
	Objective   float64            `json:"objective"`
	GradMeanAbs float64            `json:"grad_mean_abs"`
	GradDotRamp float64            `json:"grad_dot_ramp"`
	GradSamples map[string]float64 `json:"grad_samples"`
}

type refCase struct {
	Size      string              `json:"size"`
	Seed      uint64              `json:"seed"`
	Layers    map[string]refStats `json:"layers"`
	Gradients map[string]refGrad  `json:"gradients"`
}

func dotRamp(v []float32) float64 {
	s := 0.0
	for i, x := range v {
		s += float64(x) * float64(i%97) / 97
	}
	return s
}

func closeRel(got, want, scale, tol float64) bool {
	return math.Abs(got-want) <= tol*math.Max(math.Abs(scale), 1e-30)
}

func TestParityReferenceStats(t *testing.T) {
	g := loadGraph(t, "inception_v3_mixed7.pb")
	raw, err := os.ReadFile(sharedFile(t, "inception_v3_mixed7.reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Cases []refCase `json:"cases"`
	}
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	e, err := New(g, identitySpec, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, c := range ref.Cases {
		if testing.Short() && c.Size == "224x224" {
			continue
		}
		t.Run(c.Size, func(t *testing.T) {
			wh := strings.Split(c.Size, "x")
			w, _ := strconv.Atoi(wh[0])
			h, _ := strconv.Atoi(wh[1])
			img := detInput(w, h, c.Seed)
			var layers []string
			for name := range c.Layers {
				layers = append(layers, name)
			}
			acts, err := e.Activations(ctx, img, layers)
			if err != nil {
				t.Fatal(err)
			}
			for i, name := range layers {
				want, a := c.Layers[name], acts[i]
				if fmt.Sprint([]int{1, a.Height, a.Width, a.Channels}) != fmt.Sprint(want.Shape) {
					t.Fatalf("%s: shape mismatch", name)
				}
				var sum, sq, mx float64
				mx = math.Inf(-1)
				for _, v := range a.Data {
					sum += float64(v)
					sq += float64(v) * float64(v)
					mx = math.Max(mx, float64(v))
				}
				n := float64(len(a.Data))
				ok := closeRel(sum/n, want.Mean, want.Max, 1e-4) && closeRel(sq/n, want.MeanSq, want.MeanSq, 1e-4) &&
					closeRel(mx, want.Max, want.Max, 1e-4) && closeRel(dotRamp(a.Data), want.DotRamp, want.DotRamp, 1e-4)
				for k, v := range want.Samples {
					idx, _ := strconv.Atoi(k)
					ok = ok && closeRel(float64(a.Data[idx]), v, want.Max, 1e-4)
				}
				if !ok {
					t.Errorf("%s: statistics differ from the reference", name)
				}
			}
			for key, want := range c.Gradients {
				parts := strings.SplitN(key, "/", 2)
				obj := models.MeanSquareOf(parts[0])
				if strings.HasPrefix(parts[1], "mean_channel_") {
					ch, _ := strconv.Atoi(strings.TrimPrefix(parts[1], "mean_channel_"))
					obj = models.Objective{Terms: []models.Term{{Kind: models.MeanChannel, Layer: parts[0], Channel: ch, Weight: 1}}}
				}
				grad := make([]float32, len(img.Pix))
				v, err := e.Gradient(ctx, img, obj, grad)
				if err != nil {
					t.Fatal(err)
				}
				var mabs, gmax float64
				for _, x := range grad {
					mabs += math.Abs(float64(x))
					gmax = math.Max(gmax, math.Abs(float64(x)))
				}
				mabs /= float64(len(grad))
				if !closeRel(v, want.Objective, want.Objective, 1e-4) {
					t.Errorf("%s: objective %.8g, want %.8g", key, v, want.Objective)
				}
				if !closeRel(mabs, want.GradMeanAbs, want.GradMeanAbs, 1e-3) {
					t.Errorf("%s: mean |grad| %.8g, want %.8g", key, mabs, want.GradMeanAbs)
				}
				if !closeRel(dotRamp(grad), want.GradDotRamp, gmax*float64(len(grad))/97, 1e-3) {
					t.Errorf("%s: gradient checksum %.8g, want %.8g", key, dotRamp(grad), want.GradDotRamp)
				}
				for k, s := range want.GradSamples {
					idx, _ := strconv.Atoi(k)
					if !closeRel(float64(grad[idx]), s, gmax, 1e-3) {
						t.Errorf("%s: grad[%d] = %.8g, want %.8g", key, idx, grad[idx], s)
					}
				}
			}
		})
	}
}

func TestParityInception5hOps(t *testing.T) {
	g := loadGraph(t, "testgraph_inception5h_ops.pb")
	e, err := New(g, identitySpec, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	nodes := map[string]string{"conv0/relu": "conv0__relu", "pool0": "pool0", "lrn0": "lrn0", "mix_pool": "mix_pool", "mix": "mix", "pool1": "pool1", "output": "output"}
	for _, size := range [][2]int{{64, 48}, {37, 29}} {
		img := detInput(size[0], size[1], 0)
		for node, file := range nodes {
			want, err := npy.Read(sharedFile(t, fmt.Sprintf("reference/testgraph_%dx%d_%s.npy", size[0], size[1], file)))
			if err != nil {
				t.Fatal(err)
			}
			acts, err := e.Activations(ctx, img, []string{node})
			if err != nil {
				t.Fatal(err)
			}
			a := acts[0]
			if fmt.Sprint([]int{1, a.Height, a.Width, a.Channels}) != fmt.Sprint(want.Shape) {
				t.Fatalf("%dx%d %s: shape %v, want %v", size[0], size[1], node, []int{1, a.Height, a.Width, a.Channels}, want.Shape)
			}
			if r := relErr(a.Data, want.Data); r > 1e-4 {
				t.Errorf("%dx%d %s: relative error %.3g > 1e-4", size[0], size[1], node, r)
			}
		}
	}
	// The same graph's input gradient against finite differences: LRN,
	// legacy Concat, asymmetric SAME padding and strided pools together.
	checkGradient(t, g, models.MeanSquareOf("output"), 37, 29)
	checkGradient(t, g, models.Objective{Terms: []models.Term{{Kind: models.MeanChannel, Layer: "mix", Channel: 3, Weight: 1}}}, 64, 48)
}
