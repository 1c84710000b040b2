package native

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/deepdream-go/deepdream/models"
	"github.com/deepdream-go/deepdream/models/native/gemm"
)

type winoCase struct {
	h, w, cin, cout  int
	same, bias, relu bool
}

func (s winoCase) String() string {
	pad := "valid"
	if s.same {
		pad = "same"
	}
	return fmt.Sprintf("%dx%dx%d-%d-%s-bias%v-relu%v", s.h, s.w, s.cin, s.cout, pad, s.bias, s.relu)
}

var winoCases = []winoCase{
	{h: 1, w: 1, cin: 3, cout: 5, same: true},
	{h: 1, w: 9, cin: 16, cout: 16, same: true, bias: true},
	{h: 3, w: 3, cin: 7, cout: 9},
	{h: 3, w: 8, cin: 16, cout: 32, bias: true, relu: true},
	{h: 5, w: 7, cin: 17, cout: 33, same: true, bias: true, relu: true},
	{h: 8, w: 8, cin: 32, cout: 32, same: true},
	{h: 9, w: 13, cin: 35, cout: 20, bias: true},
	{h: 12, w: 11, cin: 48, cout: 64, same: true, bias: true, relu: true},
	{h: 10, w: 17, cin: 80, cout: 192, bias: true, relu: true},
	{h: 7, w: 9, cin: 96, cout: 96, same: true, bias: true, relu: true},
	// Wide enough for several chunks per tile row.
	{h: 5, w: 1100, cin: 16, cout: 16, same: true, bias: true},
	{h: 4, w: 1099, cin: 19, cout: 13},
}

// winoConvPair builds the same random convolution as im2col and as
// Winograd.
func winoConvPair(t *testing.T, k gemm.Kernel, s winoCase, rng *rand.Rand) (im, wi *conv2d, f []float32) {
	t.Helper()
	f = make([]float32, 9*s.cin*s.cout)
	for i := range f {
		f[i] = rng.Float32()*2 - 1
	}
	ft := &tensor{shape: []int{3, 3, s.cin, s.cout}, data: f}
	im = newConv2D(k, conv3x3Im2col, ft, 1, 1, s.same)
	wi = newConv2D(k, conv3x3Winograd, ft, 1, 1, s.same)
	if im.wino != nil || wi.wino == nil {
		t.Fatal("Conv3x3 mode not honoured")
	}
	if s.bias {
		b := make([]float32, s.cout)
		for i := range b {
			b[i] = rng.Float32() - 0.5
		}
		im.bias, wi.bias = b, b
	}
	im.relu, wi.relu = s.relu, s.relu
	return im, wi, f
}

func randTensor(rng *rand.Rand, shape ...int) *tensor {
	n := 1
	for _, d := range shape {
		n *= d
	}
	d := make([]float32, n)
	for i := range d {
		d[i] = rng.Float32()*2 - 1
	}
	return &tensor{shape: shape, data: d}
}

// directConv computes the convolution and, for the error bound, the same
// sum over absolute values, in float64.
func directConv(s winoCase, g convGeom, x, f, bias []float32) (y, scale []float64) {
	y = make([]float64, g.ho*g.wo*s.cout)
	scale = make([]float64, len(y))
	for oy := 0; oy < g.ho; oy++ {
		for ox := 0; ox < g.wo; ox++ {
			for o := 0; o < s.cout; o++ {
				sum, abs := 0.0, 0.0
				if bias != nil {
					sum, abs = float64(bias[o]), math.Abs(float64(bias[o]))
				}
				for ky := 0; ky < 3; ky++ {
					iy := oy - g.pt + ky
					if iy < 0 || iy >= g.h {
						continue
					}
					for kx := 0; kx < 3; kx++ {
						ix := ox - g.pl + kx
						if ix < 0 || ix >= g.w {
							continue
						}
						for c := 0; c < s.cin; c++ {
							p := float64(x[(iy*g.w+ix)*s.cin+c]) * float64(f[((ky*3+kx)*s.cin+c)*s.cout+o])
							sum += p
							abs += math.Abs(p)
						}
					}
				}
				y[(oy*g.wo+ox)*s.cout+o], scale[(oy*g.wo+ox)*s.cout+o] = sum, abs
			}
		}
	}
	return y, scale
}

// directGrad is the input gradient of the convolution for the output
// gradient dy, and the matching sum of absolute values, in float64.
func directGrad(s winoCase, g convGeom, dy, f []float32) (dx, scale []float64) {
	dx = make([]float64, g.h*g.w*s.cin)
	scale = make([]float64, len(dx))
	for oy := 0; oy < g.ho; oy++ {
		for ox := 0; ox < g.wo; ox++ {
			for ky := 0; ky < 3; ky++ {
				iy := oy - g.pt + ky
				if iy < 0 || iy >= g.h {
					continue
				}
				for kx := 0; kx < 3; kx++ {
					ix := ox - g.pl + kx
					if ix < 0 || ix >= g.w {
						continue
					}
					for c := 0; c < s.cin; c++ {
						for o := 0; o < s.cout; o++ {
							p := float64(dy[(oy*g.wo+ox)*s.cout+o]) * float64(f[((ky*3+kx)*s.cin+c)*s.cout+o])
							dx[(iy*g.w+ix)*s.cin+c] += p
							scale[(iy*g.w+ix)*s.cin+c] += math.Abs(p)
						}
					}
				}
			}
		}
	}
	return dx, scale
}

// worstError is the largest |got-want| relative to the sum of the absolute
// values of the terms, the natural scale of fp32 rounding error of a sum.
func worstError(got []float32, want, scale []float64) float64 {
	worst := 0.0
	for i, v := range got {
		worst = math.Max(worst, math.Abs(float64(v)-want[i])/math.Max(scale[i], 1e-30))
	}
	return worst
}

// winoTolerance bounds the error of Winograd relative to the sum of the
// absolute values of the terms (the natural scale of the rounding error of
// a float32 sum). The transforms add up to 4 values, then 4 of those, with
// coefficients ±1 and ±½, so the transformed products are larger than the
// direct terms and Winograd's error is a small multiple of im2col's. On
// these cases both measure 0.2–3e-7 (ε = 6e-8); 2e-6 leaves headroom for
// other kernels and seeds, while any indexing or transform mistake gives
// errors of order 1e-2 to 1.
const winoTolerance = 2e-6

func TestWinogradMatchesDirectConvolution(t *testing.T) {
	for _, k := range gemm.Available() {
		for _, s := range winoCases {
			t.Run(k.Name()+"/"+s.String(), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(uint64(s.h*1000+s.w), uint64(s.cin*100+s.cout)))
				im, wi, f := winoConvPair(t, k, s, rng)
				p := newPool(2)
				x := randTensor(rng, 1, s.h, s.w, s.cin)
				shape, err := wi.outShape([][]int{x.shape})
				if err != nil {
					t.Fatal(err)
				}
				g, _ := wi.geom(x.shape)
				want, scale := directConv(s, g, x.data, f, wi.bias)
				if s.relu {
					for i := range want {
						want[i] = math.Max(want[i], 0)
					}
				}
				var outs [2]*tensor
				var errs [2]float64
				for i, c := range []*conv2d{im, wi} {
					outs[i] = randTensor(rng, shape...) // must be overwritten
					if _, err := c.forward(p, []*tensor{x}, outs[i]); err != nil {
						t.Fatal(err)
					}
					errs[i] = worstError(outs[i].data, want, scale)
				}
				t.Logf("forward error: im2col %.2g, winograd %.2g", errs[0], errs[1])
				if errs[1] > winoTolerance {
					t.Errorf("winograd forward error %.3g > %g (im2col %.3g)", errs[1], winoTolerance, errs[0])
				}

				// Backward through the same ReLU mask (the im2col output)
				// for both, so only the convolution differs.
				dy := randTensor(rng, shape...)
				masked := append([]float32(nil), dy.data...)
				if s.relu {
					for i, v := range outs[0].data {
						if !(v > 0) {
							masked[i] = 0
						}
					}
				}
				wantDx, scaleDx := directGrad(s, g, masked, f)
				for i, c := range []*conv2d{im, wi} {
					d := &tensor{shape: dy.shape, data: append([]float32(nil), dy.data...)}
					dx := &tensor{shape: x.shape, data: make([]float32, len(x.data))}
					if err := c.backward(p, []*tensor{x}, outs[0], nil, d, []*tensor{dx}); err != nil {
						t.Fatal(err)
					}
					errs[i] = worstError(dx.data, wantDx, scaleDx)
				}
				t.Logf("backward error: im2col %.2g, winograd %.2g", errs[0], errs[1])
				if errs[1] > winoTolerance {
					t.Errorf("winograd backward error %.3g > %g (im2col %.3g)", errs[1], winoTolerance, errs[0])
				}
			})
		}
	}
}

func floatBytes(v []float32) []byte {
	b := make([]byte, 0, 4*len(v))
	for _, f := range v {
		u := math.Float32bits(f)
		b = append(b, byte(u), byte(u>>8), byte(u>>16), byte(u>>24))
	}
	return b
}

// TestWinogradDeterministic checks that forward and backward give
// byte-identical results for one and for three workers.
func TestWinogradDeterministic(t *testing.T) {
	s := winoCase{h: 9, w: 1100, cin: 16, cout: 24, same: true, bias: true, relu: true}
	for _, k := range gemm.Available() {
		rng := rand.New(rand.NewPCG(1, 2))
		_, wi, _ := winoConvPair(t, k, s, rng)
		x := randTensor(rng, 1, s.h, s.w, s.cin)
		dy0 := randTensor(rng, 1, s.h, s.w, s.cout)
		var ys, dxs [][]byte
		for _, workers := range []int{1, 3} {
			p := newPool(workers)
			y := &tensor{shape: dy0.shape, data: make([]float32, len(dy0.data))}
			if _, err := wi.forward(p, []*tensor{x}, y); err != nil {
				t.Fatal(err)
			}
			dy := &tensor{shape: dy0.shape, data: append([]float32(nil), dy0.data...)}
			dx := &tensor{shape: x.shape, data: make([]float32, len(x.data))}
			if err := wi.backward(p, []*tensor{x}, y, nil, dy, []*tensor{dx}); err != nil {
				t.Fatal(err)
			}
			ys, dxs = append(ys, floatBytes(y.data)), append(dxs, floatBytes(dx.data))
		}
		if !bytes.Equal(ys[0], ys[1]) || !bytes.Equal(dxs[0], dxs[1]) {
			t.Errorf("%s: results depend on the number of workers", k.Name())
		}
	}
}

// TestWinogradTransformsMatchGo runs the tile transforms of every kernel
// against the Go ones: they perform the same operations, so the results
// must be identical, for channel counts with and without a tail.
func TestWinogradTransformsMatchGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, k := range gemm.Available() {
		tr := winoTransformsFor(k.Name())
		for _, c := range []int{1, 15, 16, 35, 64} {
			const n = 5
			row := (2*n + 3) * c // one image row, with room to spare
			xi := n*c + 3        // transformed matrices apart
			img := randTensor(rng, 4*row).data
			tiles := randTensor(rng, 16*xi).data
			bias := randTensor(rng, c).data
			check := func(what string, run func(tr winoTransforms, img, tiles []float32)) {
				t.Helper()
				ia, ta := append([]float32(nil), img...), append([]float32(nil), tiles...)
				ib, tb := append([]float32(nil), img...), append([]float32(nil), tiles...)
				run(tr, ia, ta)
				run(genericTransforms, ib, tb)
				if !bytes.Equal(floatBytes(ia), floatBytes(ib)) || !bytes.Equal(floatBytes(ta), floatBytes(tb)) {
					t.Errorf("%s %s c=%d: differs from the Go transform", k.Name(), what, c)
				}
			}
			check("in", func(tr winoTransforms, img, tiles []float32) { tr.in(img, row, c, tiles, xi, n) })
			check("out", func(tr winoTransforms, img, tiles []float32) { tr.out(tiles, xi, c, img, row, bias, false, n) })
			check("out+relu", func(tr winoTransforms, img, tiles []float32) { tr.out(tiles, xi, c, img, row, bias, true, n) })
			check("dy", func(tr winoTransforms, img, tiles []float32) { tr.dy(img, nil, row, c, tiles, xi, n) })
			y := randTensor(rng, 4*row).data // half of it negative
			check("dy+relu", func(tr winoTransforms, img, tiles []float32) { tr.dy(img, y, row, c, tiles, xi, n) })
			check("dx", func(tr winoTransforms, img, tiles []float32) { tr.dx(tiles, xi, c, img, row, n) })
		}
	}
}

// TestConv3x3Option checks that Options.Conv3x3 and $DEEPDREAM_CONV3X3
// select the algorithm of the model's 3×3 stride-1 convolutions, and that
// a bad value is an error.
func TestConv3x3Option(t *testing.T) {
	g := builtinExecutor(t).graph
	spec := models.Spec{InputNode: "input", PixelScale: 1 / 127.5, PixelOffset: -1}
	count := func(opt Options) (wino, im2col3x3 int) {
		t.Helper()
		e, err := New(g, spec, opt)
		if err != nil {
			t.Fatal(err)
		}
		p, err := e.plan([]string{"mixed5"})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range p.steps {
			if c, ok := s.op.(*conv2d); ok && c.kh == 3 && c.kw == 3 && c.sh == 1 && c.sw == 1 {
				if c.wino != nil {
					wino++
				} else {
					im2col3x3++
				}
			}
		}
		return wino, im2col3x3
	}
	if w, i := count(Options{Conv3x3: "im2col"}); w != 0 || i == 0 {
		t.Errorf("im2col: %d Winograd, %d im2col 3x3 convolutions", w, i)
	}
	// InceptionV3's 3x3 stride-1 convolutions all have >= 32 channels.
	if w, i := count(Options{}); w == 0 || i != 0 {
		t.Errorf("auto: %d Winograd, %d im2col 3x3 convolutions", w, i)
	}
	t.Setenv(Conv3x3Env, "im2col")
	if w, _ := count(Options{}); w != 0 {
		t.Errorf("%s=im2col: %d Winograd convolutions", Conv3x3Env, w)
	}
	if w, _ := count(Options{Conv3x3: "winograd"}); w == 0 {
		t.Errorf("Options.Conv3x3 must take precedence over %s", Conv3x3Env)
	}
	t.Setenv(Conv3x3Env, "fft")
	if _, err := New(g, spec, Options{}); err == nil || !strings.Contains(err.Error(), `"fft"`) {
		t.Errorf("bad %s: error %v", Conv3x3Env, err)
	}
	if !winogradPays(16, 16) || winogradPays(8, 64) || winogradPays(64, 3) {
		t.Error("auto rule changed: update the measurements in winogradPays")
	}
}
