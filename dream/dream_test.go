package dream

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/deepdream-go/deepdream/models"
)

// noiseImage returns a reproducible image of smooth-ish random colours.
func noiseImage(w, h int, seed uint64) *models.Image {
	r := rand.New(rand.NewPCG(seed, 2))
	img := models.NewImage(w, h)
	for i := range img.Pix {
		img.Pix[i] = float32(r.IntN(256))
	}
	return Blur(img, 1)
}

func testParams(obj models.Objective) Params {
	p := DefaultParams()
	p.Objective = obj
	return p
}

func TestToyNetGradientMatchesFiniteDifferences(t *testing.T) {
	net := newToyNet(7, 4, 4)
	img := noiseImage(9, 8, 1)
	objs := []models.Objective{
		models.MeanSquareOf("conv"),
		models.MeanSquareOf("pool"),
		{Terms: []models.Term{{Kind: models.MeanChannel, Layer: "pool", Channel: 2, Weight: 2}, {Kind: models.MeanSquare, Layer: "conv", Weight: -0.5}}},
		{Terms: []models.Term{{Kind: models.GuideDot, Layer: "conv", Guide: []float32{1, 0.5, -1, 0.2, 0.3, 1, 0, -0.4}}}},
	}
	ctx := context.Background()
	for oi, obj := range objs {
		g := make([]float32, len(img.Pix))
		if _, err := net.Gradient(ctx, img, obj, g); err != nil {
			t.Fatal(err)
		}
		for _, i := range []int{0, 5, 40, 77, 100, len(img.Pix) - 1} {
			const h = 0.05
			a := &models.Image{Width: img.Width, Height: img.Height, Pix: append([]float32(nil), img.Pix...)}
			b := &models.Image{Width: img.Width, Height: img.Height, Pix: append([]float32(nil), img.Pix...)}
			a.Pix[i] += h
			b.Pix[i] -= h
			va, _ := net.Gradient(ctx, a, obj, make([]float32, len(img.Pix)))
			vb, _ := net.Gradient(ctx, b, obj, make([]float32, len(img.Pix)))
			fd := (va - vb) / (2 * h)
			if d := math.Abs(fd - float64(g[i])); d > 1e-4+0.02*math.Abs(fd) {
				t.Errorf("objective %d pixel %d: analytic %g, finite difference %g", oi, i, g[i], fd)
			}
		}
	}
}

func TestDegenerateCaseIsOneNormalisedStep(t *testing.T) {
	net := newToyNet(3, 6, 8)
	img := noiseImage(40, 30, 2)
	for _, s := range []float64{1.5, 40} {
		p := testParams(models.MeanSquareOf("pool"))
		p.Octaves, p.Steps, p.Jitter, p.StepSize, p.Tile = 1, 1, 0, s, 64
		got, err := Dream(context.Background(), net, img, p, nil)
		if err != nil {
			t.Fatal(err)
		}
		g := make([]float32, len(img.Pix))
		if _, err := net.Gradient(context.Background(), img, p.Objective, g); err != nil {
			t.Fatal(err)
		}
		var sum float64
		for _, v := range g {
			sum += math.Abs(float64(v))
		}
		scale := s / (sum/float64(len(g)) + gradEpsilon)
		clipped := 0
		for i := range img.Pix {
			want := img.Pix[i] + float32(scale*float64(g[i]))
			if want < 0 || want > 255 {
				clipped++
			}
			want = min(max(want, 0), 255)
			if got.Pix[i] != want {
				t.Fatalf("step %g: pixel %d = %v, want exactly %v", s, i, got.Pix[i], want)
			}
		}
		if s == 40 && clipped == 0 {
			t.Errorf("step 40 clipped nothing; the test does not exercise clipping")
		}
	}
}

func TestZeroGradientGivesZeroStep(t *testing.T) {
	net := newToyNet(3, 4, 8)
	img := noiseImage(16, 16, 3)
	p := testParams(models.Objective{Terms: []models.Term{{Kind: models.GuideDot, Layer: "conv", Guide: make([]float32, 4)}}})
	p.Octaves, p.Steps, p.Jitter = 1, 2, 0
	got, err := Dream(context.Background(), net, img, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range img.Pix {
		if got.Pix[i] != img.Pix[i] {
			t.Fatalf("pixel %d changed from %v to %v with a zero gradient", i, img.Pix[i], got.Pix[i])
		}
	}
}

func TestDeterministic(t *testing.T) {
	img := noiseImage(120, 90, 4)
	for _, norm := range []string{NormMeanAbs, NormLaplacian} {
		p := testParams(models.MeanSquareOf("pool"))
		p.Octaves, p.Steps, p.Tile, p.Jitter, p.Norm, p.Smooth, p.Seed = 3, 3, 48, 8, norm, 0.7, 42
		run := func(seed uint64) *models.Image {
			p.Seed = seed
			out, err := Dream(context.Background(), newToyNet(5, 4, 16), img, p, nil)
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		a, b, c := run(42), run(42), run(43)
		same := true
		for i := range a.Pix {
			if math.Float32bits(a.Pix[i]) != math.Float32bits(b.Pix[i]) {
				t.Fatalf("%s: run 2 differs at %d: %v vs %v", norm, i, a.Pix[i], b.Pix[i])
			}
			if a.Pix[i] != c.Pix[i] {
				same = false
			}
		}
		if same {
			t.Errorf("%s: seeds 42 and 43 gave the same image; the seed is not used", norm)
		}
	}
}

func TestTooSmallImageIsAClearError(t *testing.T) {
	net := newToyNet(1, 4, 43)
	_, err := Dream(context.Background(), net, noiseImage(10, 10, 5), testParams(models.MeanSquareOf("conv")), nil)
	if !errors.Is(err, ErrTooSmall) {
		t.Fatalf("err = %v, want ErrTooSmall", err)
	}
	if !strings.Contains(err.Error(), "10x10") || !strings.Contains(err.Error(), "43x43") {
		t.Errorf("error %q should name the image and minimum sizes", err)
	}
}

func TestOctavesBelowMinimumAreSkipped(t *testing.T) {
	net := newToyNet(1, 4, 43)
	p := testParams(models.MeanSquareOf("conv"))
	p.Steps = 2
	var last Progress
	calls := 0
	out, err := Dream(context.Background(), net, noiseImage(60, 60, 6), p, func(pr Progress) { last = pr; calls++ })
	if err != nil {
		t.Fatal(err)
	}
	if out.Width != 60 || out.Height != 60 {
		t.Fatalf("output %dx%d, want 60x60", out.Width, out.Height)
	}
	// 60 -> 43 -> 31: only two octaves fit.
	if last.Octaves != 2 || last.Total != 4 || calls != 4 || last.Done != 4 {
		t.Errorf("progress %+v after %d calls, want 2 octaves and 4 steps", last, calls)
	}
	seen := map[[2]int]bool{}
	for _, s := range net.sizes {
		seen[s] = true
		if s[0] < 43 || s[1] < 43 {
			t.Errorf("network ran on %v, below its minimum", s)
		}
	}
	if !seen[[2]int{43, 43}] || !seen[[2]int{60, 60}] {
		t.Errorf("network sizes %v, want 43x43 and 60x60", seen)
	}
}

func TestTileSpans(t *testing.T) {
	for n := 1; n < 300; n++ {
		for _, tile := range []int{0, 7, 16, 50, 64} {
			for _, minLen := range []int{1, 8, 20, 43} {
				if n < minLen {
					continue
				}
				spans := tileSpans(n, tile, minLen)
				pos := 0
				lo, hi := n, 0
				for _, s := range spans {
					if s[0] != pos || s[1] <= s[0] {
						t.Fatalf("n=%d tile=%d min=%d: spans %v do not cover [0,n) in order", n, tile, minLen, spans)
					}
					l := s[1] - s[0]
					lo, hi = min(lo, l), max(hi, l)
					pos = s[1]
				}
				if pos != n {
					t.Fatalf("n=%d tile=%d min=%d: spans end at %d", n, tile, minLen, pos)
				}
				if lo < minLen || hi-lo > 1 {
					t.Fatalf("n=%d tile=%d min=%d: span lengths %d..%d", n, tile, minLen, lo, hi)
				}
				if tile >= 2*minLen && hi > tile {
					t.Fatalf("n=%d tile=%d min=%d: span of %d exceeds the tile", n, tile, minLen, hi)
				}
			}
		}
	}
}

func TestTilesAreMergedNotSkipped(t *testing.T) {
	// Tile 16 with a network minimum of 20: 70 = 23+23+24 across and
	// 50 = 25+25 down; every pixel gets a gradient.
	net := newToyNet(2, 4, 20)
	img := noiseImage(70, 50, 7)
	g := make([]float32, len(img.Pix))
	if _, err := tiledGradient(context.Background(), net, img, models.MeanSquareOf("conv"), 16, 0, 0, g, nil); err != nil {
		t.Fatal(err)
	}
	for _, s := range net.sizes {
		if s[0] < 20 || s[1] < 20 {
			t.Errorf("tile %v below the minimum", s)
		}
	}
	if len(net.sizes) != 3*2 {
		t.Errorf("%d tiles, want 6 (3 across, 2 down): %v", len(net.sizes), net.sizes)
	}
	zero := 0
	for _, v := range g {
		if v == 0 {
			zero++
		}
	}
	if zero > len(g)/10 {
		t.Errorf("%d of %d gradient values are zero; part of the image was skipped", zero, len(g))
	}
}

func TestTiledGradientMatchesWholeImageAwayFromBorders(t *testing.T) {
	net := newToyNet(9, 5, 8)
	img := noiseImage(64, 48, 8)
	obj := models.Objective{Terms: []models.Term{{Kind: models.MeanSquare, Layer: "pool", Weight: 1}, {Kind: models.MeanChannel, Layer: "conv", Channel: 1, Weight: 0.3}}}
	whole := make([]float32, len(img.Pix))
	tiled := make([]float32, len(img.Pix))
	ctx := context.Background()
	vw, err := tiledGradient(ctx, net, img, obj, 0, 0, 0, whole, nil)
	if err != nil {
		t.Fatal(err)
	}
	vt, err := tiledGradient(ctx, net, img, obj, 16, 0, 0, tiled, nil)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(vw-vt) > 0.1*math.Abs(vw) {
		t.Errorf("tiled objective %g far from whole %g", vt, vw)
	}
	// A tile border changes the toy net's gradient up to 3 pixels away
	// (zero padding alters the conv output next to the border, which feeds
	// the 2×2 pool, whose gradient reaches back through the 3×3 conv):
	// beyond that the tiles must reproduce the whole-image gradient.
	var maxAbs float64
	for _, v := range whole {
		maxAbs = math.Max(maxAbs, math.Abs(float64(v)))
	}
	border := 0
	for y := 0; y < 48; y++ {
		for x := 0; x < 64; x++ {
			dx, dy := x%16, y%16
			near := dx < 3 || dx > 12 || dy < 3 || dy > 12
			for c := 0; c < 3; c++ {
				i := (y*64+x)*3 + c
				d := math.Abs(float64(whole[i] - tiled[i]))
				if near {
					if d > 0 {
						border++
					}
					continue
				}
				if d > 1e-5*maxAbs {
					t.Fatalf("pixel (%d,%d,%d): tiled %g, whole %g", x, y, c, tiled[i], whole[i])
				}
			}
		}
	}
	if border == 0 {
		t.Log("tile borders showed no difference at all")
	}
}

func TestTiledDreamHasNoFixedSeams(t *testing.T) {
	// On a smooth image, zero padding at tile borders disturbs the gradient
	// there. With random tile offsets the disturbance lands somewhere else
	// every step; with fixed tiles it would pile up into seams on the tile
	// grid. Measure the neighbour-difference energy of the dreamed change
	// per column and require the tile-grid columns to look like the others.
	net := newToyNet(11, 6, 8)
	const n = 96
	img := models.NewImage(n, n)
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			for c := 0; c < 3; c++ {
				img.Pix[(y*n+x)*3+c] = float32(128 + 40*math.Sin(float64(x)/9+float64(c))*math.Cos(float64(y)/11))
			}
		}
	}
	p := testParams(models.MeanSquareOf("pool"))
	p.Octaves, p.Steps, p.Tile, p.Jitter, p.StepSize, p.Seed = 1, 30, 32, 0, 0.5, 1
	out, err := Dream(context.Background(), net, img, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	col := make([]float64, n-1)
	for y := 0; y < n; y++ {
		for x := 0; x < n-1; x++ {
			for c := 0; c < 3; c++ {
				i := (y*n+x)*3 + c
				d0 := out.Pix[i] - img.Pix[i]
				d1 := out.Pix[i+3] - img.Pix[i+3]
				col[x] += math.Abs(float64(d1 - d0))
			}
		}
	}
	var mean float64
	for _, v := range col[4 : n-5] {
		mean += v / float64(n-9)
	}
	for _, x := range []int{30, 31, 32, 62, 63, 64} {
		// Fixed tiles give 4-5x here; random offsets about 1.3x.
		if col[x] > 2*mean {
			t.Errorf("column %d|%d: change edge energy %.2f vs mean %.2f (a seam on the tile grid)", x, x+1, col[x], mean)
		}
	}
}

func TestObjectiveRisesOverSteps(t *testing.T) {
	for _, norm := range []string{NormMeanAbs, NormLaplacian} {
		net := newToyNet(4, 6, 8)
		img := noiseImage(48, 48, 10)
		p := testParams(models.MeanSquareOf("pool"))
		p.Octaves, p.Steps, p.Jitter, p.Norm = 1, 10, 0, norm
		var vals []float64
		out, err := Dream(context.Background(), net, img, p, func(pr Progress) { vals = append(vals, pr.Value) })
		if err != nil {
			t.Fatal(err)
		}
		final, _ := net.Gradient(context.Background(), out, p.Objective, make([]float32, len(out.Pix)))
		vals = append(vals, final)
		if !(final > 1.5*vals[0]) {
			t.Errorf("%s: objective went %v, want a clear rise", norm, vals)
		}
		for i := 1; i < len(vals); i++ {
			if vals[i] < vals[i-1]*0.98 {
				t.Errorf("%s: objective fell at step %d: %v", norm, i, vals)
			}
		}
	}
}

func TestCancellation(t *testing.T) {
	net := newToyNet(4, 4, 8)
	img := noiseImage(64, 64, 11)
	p := testParams(models.MeanSquareOf("conv"))
	ctx, cancel := context.WithCancel(context.Background())
	steps := 0
	_, err := Dream(ctx, net, img, p, func(pr Progress) {
		steps++
		if steps == 3 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) || err != context.Canceled {
		t.Fatalf("err = %v, want context.Canceled itself", err)
	}
	if steps != 3 {
		t.Errorf("%d steps ran, want 3 (stop right after cancel)", steps)
	}
	calls := len(net.sizes)
	if _, err := Dream(ctx, net, img, p, nil); err != context.Canceled {
		t.Errorf("already cancelled: err = %v", err)
	}
	if len(net.sizes) != calls {
		t.Errorf("network ran after cancellation")
	}
}

func TestDreamFromWithNoStepKeepsInit(t *testing.T) {
	// A negligible step isolates how DreamFrom builds its starting point:
	// the octave split of init - base must add back up to init.
	net := newToyNet(4, 4, 8)
	base := noiseImage(80, 60, 12)
	init := noiseImage(80, 60, 13)
	for i := range init.Pix {
		init.Pix[i] = min(max(0.5*base.Pix[i]+0.5*init.Pix[i]+10, 0), 255)
	}
	p := testParams(models.MeanSquareOf("conv"))
	p.Octaves, p.Steps, p.StepSize = 4, 1, 1e-9
	out, err := DreamFrom(context.Background(), net, base, init, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range out.Pix {
		if d := math.Abs(float64(out.Pix[i] - init.Pix[i])); d > 1e-3 {
			t.Fatalf("pixel %d = %v, want init %v", i, out.Pix[i], init.Pix[i])
		}
	}
	// And Dream(img) is DreamFrom(img, img).
	p.StepSize = 1.5
	a, _ := Dream(context.Background(), net, base, p, nil)
	copyBase := &models.Image{Width: base.Width, Height: base.Height, Pix: append([]float32(nil), base.Pix...)}
	b, _ := DreamFrom(context.Background(), net, base, copyBase, p, nil)
	var diff float64
	for i := range a.Pix {
		diff = math.Max(diff, math.Abs(float64(a.Pix[i]-b.Pix[i])))
	}
	if diff > 1e-2 {
		t.Errorf("DreamFrom(img, copy of img) differs from Dream(img) by %g", diff)
	}
}

func TestInputsAreNotModified(t *testing.T) {
	net := newToyNet(4, 4, 8)
	img := noiseImage(50, 40, 14)
	keep := append([]float32(nil), img.Pix...)
	if _, err := Dream(context.Background(), net, img, testParams(models.MeanSquareOf("conv")), nil); err != nil {
		t.Fatal(err)
	}
	for i := range keep {
		if keep[i] != img.Pix[i] {
			t.Fatal("Dream modified its input")
		}
	}
}

func TestBadImagesAreErrors(t *testing.T) {
	net := newToyNet(4, 4, 8)
	p := testParams(models.MeanSquareOf("conv"))
	ctx := context.Background()
	if _, err := Dream(ctx, net, &models.Image{Width: 10, Height: 10, Pix: make([]float32, 5)}, p, nil); err == nil {
		t.Error("short Pix accepted")
	}
	if _, err := DreamFrom(ctx, net, noiseImage(20, 20, 1), noiseImage(21, 20, 1), p, nil); err == nil || !strings.Contains(err.Error(), "same size") {
		t.Errorf("size mismatch: err = %v", err)
	}
	if _, err := Dream(ctx, net, noiseImage(20, 20, 1), testParams(models.MeanSquareOf("nope")), nil); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("network error not passed on: %v", err)
	}
}

func TestValidate(t *testing.T) {
	ok := testParams(models.MeanSquareOf("conv"))
	if err := ok.Validate(); err != nil {
		t.Fatalf("defaults with an objective: %v", err)
	}
	cases := []struct {
		name string
		mod  func(*Params)
		want string
	}{
		{"octaves", func(p *Params) { p.Octaves = 0 }, "octaves = 0"},
		{"scale", func(p *Params) { p.OctaveScale = 1 }, "octave scale = 1"},
		{"scale nan", func(p *Params) { p.OctaveScale = math.NaN() }, "octave scale = NaN"},
		{"steps", func(p *Params) { p.Steps = -1 }, "steps = -1"},
		{"step size", func(p *Params) { p.StepSize = 0 }, "step size = 0"},
		{"jitter", func(p *Params) { p.Jitter = -3 }, "jitter = -3"},
		{"tile", func(p *Params) { p.Tile = -1 }, "tile = -1"},
		{"norm", func(p *Params) { p.Norm = "l2" }, `norm = "l2"`},
		{"levels", func(p *Params) { p.Norm, p.LaplacianLevels = NormLaplacian, 0 }, "laplacian levels = 0"},
		{"smooth", func(p *Params) { p.Smooth = -1 }, "smooth = -1"},
		{"objective", func(p *Params) { p.Objective = models.Objective{} }, "objective is empty"},
		{"no layer", func(p *Params) { p.Objective.Terms[0].Layer = "" }, "no layer"},
		{"weight", func(p *Params) { p.Objective.Terms[0].Weight = math.Inf(1) }, "weight +Inf"},
		{"guide", func(p *Params) { p.Objective.Terms[0].Kind = models.GuideDot }, "no guide features"},
		{"channel", func(p *Params) { p.Objective.Terms[0].Kind, p.Objective.Terms[0].Channel = models.MeanChannel, -2 }, "channel -2"},
	}
	for _, c := range cases {
		p := testParams(models.MeanSquareOf("conv"))
		c.mod(&p)
		err := p.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want it to mention %q", c.name, err, c.want)
		}
		if _, derr := Dream(context.Background(), newToyNet(1, 4, 8), noiseImage(16, 16, 1), p, nil); derr == nil {
			t.Errorf("%s: Dream accepted invalid params", c.name)
		}
	}
	p := testParams(models.MeanSquareOf("conv"))
	p.Octaves, p.Steps = 0, 0
	if err := p.Validate(); err == nil || !strings.Contains(err.Error(), "octaves") || !strings.Contains(err.Error(), "steps") {
		t.Errorf("all problems should be listed: %v", err)
	}
}

func TestGuideFeatures(t *testing.T) {
	net := newToyNet(6, 4, 8)
	guide := noiseImage(20, 16, 15)
	all, err := GuideFeatures(context.Background(), net, guide, "pool", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 10*8*4 {
		t.Fatalf("len = %d, want %d", len(all), 10*8*4)
	}
	sub, err := GuideFeatures(context.Background(), net, guide, "pool", 7)
	if err != nil {
		t.Fatal(err)
	}
	if len(sub) != 7*4 {
		t.Fatalf("subsampled len = %d, want 28", len(sub))
	}
	for i := 0; i < 7; i++ {
		p := i * 80 / 7
		for c := 0; c < 4; c++ {
			if sub[i*4+c] != all[p*4+c] {
				t.Fatalf("vector %d is not position %d", i, p)
			}
		}
	}
	if _, err := GuideFeatures(context.Background(), net, guide, "mixed9", 0); err == nil || !strings.Contains(err.Error(), "mixed9") {
		t.Errorf("unknown layer: err = %v", err)
	}
	// A guided dream runs and raises the guide objective.
	p := testParams(GuideObjective("pool", sub))
	p.Octaves, p.Jitter = 2, 4
	img := noiseImage(40, 40, 16)
	v0, _ := net.Gradient(context.Background(), img, p.Objective, make([]float32, len(img.Pix)))
	out, err := Dream(context.Background(), net, img, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	v1, _ := net.Gradient(context.Background(), out, p.Objective, make([]float32, len(img.Pix)))
	if !(v1 > v0) {
		t.Errorf("guided objective %g -> %g, want a rise", v0, v1)
	}
}

func TestProgressCountsEveryStep(t *testing.T) {
	net := newToyNet(6, 4, 8)
	p := testParams(models.MeanSquareOf("conv"))
	p.Octaves, p.Steps = 3, 4
	var got []Progress
	if _, err := Dream(context.Background(), net, noiseImage(64, 48, 17), p, func(pr Progress) { got = append(got, pr) }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 12 {
		t.Fatalf("%d progress calls, want 12", len(got))
	}
	for i, pr := range got {
		if pr.Done != i+1 || pr.Total != 12 || pr.Octave != i/4 || pr.Step != i%4 || pr.Octaves != 3 || pr.Steps != 4 {
			t.Errorf("call %d: %+v", i, pr)
		}
	}
	if got[0].Width != 33 || got[11].Width != 64 {
		t.Errorf("octave widths %d..%d, want 33..64", got[0].Width, got[11].Width)
	}
}

// nanNet returns a NaN gradient.
type nanNet struct{ *toyNet }

func (n nanNet) Gradient(ctx context.Context, img *models.Image, obj models.Objective, grad []float32) (float64, error) {
	v, err := n.toyNet.Gradient(ctx, img, obj, grad)
	grad[5] = float32(math.NaN())
	return v, err
}

func TestNonFiniteGradientIsAnError(t *testing.T) {
	_, err := Dream(context.Background(), nanNet{newToyNet(1, 4, 8)}, noiseImage(16, 16, 1), testParams(models.MeanSquareOf("conv")), nil)
	if err == nil || !strings.Contains(err.Error(), "non-finite gradient") || !strings.Contains(err.Error(), "octave 1/") {
		t.Errorf("err = %v", err)
	}
}

// cancellingNet cancels its context on the n-th Gradient call.
type cancellingNet struct {
	*toyNet
	n, calls int
	cancel   context.CancelFunc
}

func (c *cancellingNet) Gradient(ctx context.Context, img *models.Image, obj models.Objective, grad []float32) (float64, error) {
	c.calls++
	if c.calls == c.n {
		c.cancel()
	}
	return c.toyNet.Gradient(ctx, img, obj, grad)
}

func TestCancellationBetweenTiles(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	net := &cancellingNet{toyNet: newToyNet(1, 4, 8), n: 2, cancel: cancel}
	p := testParams(models.MeanSquareOf("conv"))
	p.Tile = 16 // 64×64 octave: 16 tiles per step
	_, err := Dream(ctx, net, noiseImage(64, 64, 1), p, nil)
	if err != context.Canceled {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if net.calls != 2 {
		t.Errorf("%d gradient calls, want 2 (stop at the next tile)", net.calls)
	}
}

// TestMirrorShowsTheNetworkAMirroredImage checks Params.Mirror: each step
// of a mirrored dream equals the step of a plain dream on the image
// mirrored one of the four ways and mirrored back, and over a few seeds all
// four ways are used.
func TestMirrorShowsTheNetworkAMirroredImage(t *testing.T) {
	net := newToyNet(3, 4, 8)
	img := noiseImage(24, 16, 5)
	p := testParams(models.MeanSquareOf("conv"))
	p.Octaves, p.Steps, p.Jitter = 1, 1, 0
	mirrored := func(m *models.Image, mx, my bool) *models.Image {
		out := &models.Image{Width: m.Width, Height: m.Height, Pix: make([]float32, len(m.Pix))}
		mirrorPlane(out.Pix, m.Pix, m.Width, m.Height, 3, mx, my)
		return out
	}
	var ways [4]*models.Image
	for k := range ways {
		mx, my := k&1 != 0, k&2 != 0
		d, err := Dream(context.Background(), net, mirrored(img, mx, my), p, nil)
		if err != nil {
			t.Fatal(err)
		}
		ways[k] = mirrored(d, mx, my)
	}
	if maxAbsDiff(ways[0].Pix, ways[3].Pix) < 1e-3 {
		t.Fatal("the toy network is symmetric; the test cannot tell the ways apart")
	}
	used := map[int]bool{}
	p.Mirror = true
	for seed := uint64(0); seed < 16; seed++ {
		p.Seed = seed
		got, err := Dream(context.Background(), net, img, p, nil)
		if err != nil {
			t.Fatal(err)
		}
		match := -1
		for k, w := range ways {
			if maxAbsDiff(got.Pix, w.Pix) < 1e-4 {
				match = k
			}
		}
		if match < 0 {
			t.Fatalf("seed %d: the mirrored dream matches none of the four mirrored plain dreams", seed)
		}
		used[match] = true
	}
	if len(used) != 4 {
		t.Errorf("16 seeds used only %d of the 4 ways of mirroring", len(used))
	}
}

func maxAbsDiff(a, b []float32) float64 {
	var m float64
	for i := range a {
		m = max(m, math.Abs(float64(a[i]-b[i])))
	}
	return m
}

// TestWorkspaceReuseGivesIdenticalDreams dreams pictures of several sizes,
// with and without a carried init, tiled and whole, one after another in
// one Workspace (each reusing buffers the earlier ones left, and the
// results handed back with Recycle), and compares every result with a dream
// in a fresh Workspace; it also checks that a result that was not handed
// back does not change when the Workspace dreams again.
func TestWorkspaceReuseGivesIdenticalDreams(t *testing.T) {
	net := newToyNet(3, 4, 8)
	ctx := context.Background()
	var ws Workspace
	var first, firstCopy []float32
	for i, c := range []struct {
		w, h, tile int
		carry      bool
	}{{90, 60, 0, true}, {90, 60, 0, true}, {131, 77, 64, false}, {60, 45, 0, true}, {131, 77, 64, true}, {90, 60, 0, false}} {
		p := testParams(models.MeanSquareOf("conv"))
		p.Steps, p.Octaves, p.Tile, p.Seed = 2, 3, c.tile, uint64(i)
		base := noiseImage(c.w, c.h, uint64(i))
		init := base
		if c.carry {
			init = noiseImage(c.w, c.h, uint64(100+i))
		}
		got, err := ws.DreamFrom(ctx, net, base, init, p, nil)
		if err != nil {
			t.Fatal(err)
		}
		want, err := DreamFrom(ctx, net, base, init, p, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got.Pix, want.Pix) {
			t.Fatalf("dream %d (%dx%d, tile %d, carry %v): reused Workspace differs from a fresh one", i, c.w, c.h, c.tile, c.carry)
		}
		if i == 0 {
			first, firstCopy = got.Pix, slices.Clone(got.Pix)
		} else {
			ws.Recycle(got) // the next dream reuses its memory
		}
	}
	if !slices.Equal(first, firstCopy) {
		t.Fatal("a result changed when the Workspace dreamed again: it shares the Workspace's memory")
	}
}

// TestTiledGradientRollMatchesRollingThePicture checks that cutting the
// tiles from the rolled picture and writing their gradients back unrolled
// gives exactly what rolling the whole picture, taking its tiled gradient
// and rolling the gradient back gives, for shifts that wrap tiles around
// either edge, negative ones and none.
func TestTiledGradientRollMatchesRollingThePicture(t *testing.T) {
	net := newToyNet(9, 5, 8)
	img := noiseImage(70, 45, 8)
	obj := models.MeanSquareOf("pool")
	ctx := context.Background()
	for _, s := range [][2]int{{0, 0}, {13, 0}, {0, 29}, {69, 44}, {-5, 7}, {35, -40}, {141, 91}} {
		rolled := make([]float32, len(img.Pix))
		rollPlane(rolled, img.Pix, img.Width, img.Height, 3, s[0], s[1])
		gr := make([]float32, len(img.Pix))
		want := make([]float32, len(img.Pix))
		vWant, err := tiledGradient(ctx, net, &models.Image{Width: 70, Height: 45, Pix: rolled}, obj, 24, 0, 0, gr, nil)
		if err != nil {
			t.Fatal(err)
		}
		rollPlane(want, gr, img.Width, img.Height, 3, -s[0], -s[1])
		got := make([]float32, len(img.Pix))
		vGot, err := tiledGradient(ctx, net, img, obj, 24, s[0], s[1], got, nil)
		if err != nil {
			t.Fatal(err)
		}
		if vGot != vWant || !slices.Equal(got, want) {
			t.Fatalf("shift %v: rolled tiles give %v, rolling the picture %v (or the gradients differ)", s, vGot, vWant)
		}
	}
}
