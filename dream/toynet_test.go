package dream

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"

	"github.com/deepdream-go/deepdream/models"
)

// toyNet is a small differentiable network for tests: input x = pix/127.5-1,
// layer "conv" = ReLU(3×3 conv of x, zero padding, C channels, with bias),
// layer "pool" = 2×2 average pooling of "conv" (stride 2, odd edge dropped).
// Gradient is analytic. It refuses inputs below its minimum size, as a real
// executor would, and records the sizes it was asked to run on.
type toyNet struct {
	c          int
	w          []float32 // [(dy*3+dx)*3+ci]*c + co
	b          []float32
	minW, minH int

	mu    sync.Mutex
	sizes [][2]int
}

func newToyNet(seed uint64, channels, minSize int) *toyNet {
	r := rand.New(rand.NewPCG(seed, 1))
	n := &toyNet{c: channels, minW: minSize, minH: minSize}
	n.w = make([]float32, 27*channels)
	for i := range n.w {
		n.w[i] = float32(r.NormFloat64() * 0.3)
	}
	n.b = make([]float32, channels)
	for i := range n.b {
		n.b[i] = float32(r.NormFloat64() * 0.1)
	}
	return n
}

func (n *toyNet) layers() []LayerInfo {
	return []LayerInfo{{"conv", n.c}, {"pool", n.c}}
}

func (n *toyNet) MinSize() (int, int) { return n.minW, n.minH }

func (n *toyNet) Close() error { return nil }

func (n *toyNet) record(w, h int) {
	n.mu.Lock()
	n.sizes = append(n.sizes, [2]int{w, h})
	n.mu.Unlock()
}

// forward returns pre-activation z and activation a (H*W*C), and pooled p
// (H/2*W/2*C).
func (n *toyNet) forward(img *models.Image) (z, a, p []float32) {
	W, H, C := img.Width, img.Height, n.c
	z = make([]float32, W*H*C)
	a = make([]float32, W*H*C)
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			out := z[(y*W+x)*C : (y*W+x+1)*C]
			copy(out, n.b)
			for dy := 0; dy < 3; dy++ {
				yy := y + dy - 1
				if yy < 0 || yy >= H {
					continue
				}
				for dx := 0; dx < 3; dx++ {
					xx := x + dx - 1
					if xx < 0 || xx >= W {
						continue
					}
					for ci := 0; ci < 3; ci++ {
						v := img.Pix[(yy*W+xx)*3+ci]/127.5 - 1
						wk := n.w[((dy*3+dx)*3+ci)*C:]
						for co := 0; co < C; co++ {
							out[co] += v * wk[co]
						}
					}
				}
			}
			for co := range out {
				if out[co] > 0 {
					a[(y*W+x)*C+co] = out[co]
				}
			}
		}
	}
	PW, PH := W/2, H/2
	p = make([]float32, PW*PH*C)
	for y := 0; y < PH; y++ {
		for x := 0; x < PW; x++ {
			for co := 0; co < C; co++ {
				s := a[((2*y)*W+2*x)*C+co] + a[((2*y)*W+2*x+1)*C+co] +
					a[((2*y+1)*W+2*x)*C+co] + a[((2*y+1)*W+2*x+1)*C+co]
				p[(y*PW+x)*C+co] = s / 4
			}
		}
	}
	return z, a, p
}

func (n *toyNet) check(ctx context.Context, img *models.Image) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if img.Width < n.minW || img.Height < n.minH {
		return fmt.Errorf("toy net: input %dx%d below minimum %dx%d", img.Width, img.Height, n.minW, n.minH)
	}
	n.record(img.Width, img.Height)
	return nil
}

func (n *toyNet) Activations(ctx context.Context, img *models.Image, layers []string) ([]models.Activation, error) {
	if err := n.check(ctx, img); err != nil {
		return nil, err
	}
	_, a, p := n.forward(img)
	var out []models.Activation
	for _, l := range layers {
		switch l {
		case "conv":
			out = append(out, models.Activation{Layer: l, Height: img.Height, Width: img.Width, Channels: n.c, Data: a})
		case "pool":
			out = append(out, models.Activation{Layer: l, Height: img.Height / 2, Width: img.Width / 2, Channels: n.c, Data: p})
		default:
			return nil, fmt.Errorf("toy net: no layer %q", l)
		}
	}
	return out, nil
}

// termGrad adds weight * d(term)/d(act) into dact and returns the term value.
func termGrad(t models.Term, act []float32, positions, c int, dact []float32) (float64, error) {
	w := t.Weight
	if w == 0 {
		w = 1
	}
	switch t.Kind {
	case models.MeanSquare:
		var s float64
		k := float32(2 * w / float64(len(act)))
		for i, v := range act {
			s += float64(v) * float64(v)
			dact[i] += k * v
		}
		return w * s / float64(len(act)), nil
	case models.MeanChannel:
		if t.Channel >= c {
			return 0, fmt.Errorf("channel %d out of range", t.Channel)
		}
		var s float64
		k := float32(w / float64(positions))
		for p := 0; p < positions; p++ {
			s += float64(act[p*c+t.Channel])
			dact[p*c+t.Channel] += k
		}
		return w * s / float64(positions), nil
	case models.GuideDot:
		ng := len(t.Guide) / c
		var s float64
		k := float32(w / float64(positions))
		for p := 0; p < positions; p++ {
			best, bj := 0.0, 0
			for j := 0; j < ng; j++ {
				var d float64
				for q := 0; q < c; q++ {
					d += float64(act[p*c+q]) * float64(t.Guide[j*c+q])
				}
				if j == 0 || d > best {
					best, bj = d, j
				}
			}
			s += best
			for q := 0; q < c; q++ {
				dact[p*c+q] += k * t.Guide[bj*c+q]
			}
		}
		return w * s / float64(positions), nil
	}
	return 0, fmt.Errorf("unknown term kind %d", t.Kind)
}

func (n *toyNet) Gradient(ctx context.Context, img *models.Image, obj models.Objective, grad []float32) (float64, error) {
	if err := n.check(ctx, img); err != nil {
		return 0, err
	}
	W, H, C := img.Width, img.Height, n.c
	z, a, p := n.forward(img)
	da := make([]float32, len(a))
	dp := make([]float32, len(p))
	var value float64
	for _, t := range obj.Terms {
		var v float64
		var err error
		switch t.Layer {
		case "conv":
			v, err = termGrad(t, a, W*H, C, da)
		case "pool":
			v, err = termGrad(t, p, (W/2)*(H/2), C, dp)
		default:
			err = fmt.Errorf("no layer %q", t.Layer)
		}
		if err != nil {
			return 0, fmt.Errorf("toy net: %w", err)
		}
		value += v
	}
	PW, PH := W/2, H/2
	for y := 0; y < PH; y++ {
		for x := 0; x < PW; x++ {
			for co := 0; co < C; co++ {
				g := dp[(y*PW+x)*C+co] / 4
				da[((2*y)*W+2*x)*C+co] += g
				da[((2*y)*W+2*x+1)*C+co] += g
				da[((2*y+1)*W+2*x)*C+co] += g
				da[((2*y+1)*W+2*x+1)*C+co] += g
			}
		}
	}
	for i := range da {
		if z[i] <= 0 {
			da[i] = 0
		}
	}
	for i := range grad {
		grad[i] = 0
	}
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			dz := da[(y*W+x)*C : (y*W+x+1)*C]
			for dy := 0; dy < 3; dy++ {
				yy := y + dy - 1
				if yy < 0 || yy >= H {
					continue
				}
				for dx := 0; dx < 3; dx++ {
					xx := x + dx - 1
					if xx < 0 || xx >= W {
						continue
					}
					for ci := 0; ci < 3; ci++ {
						wk := n.w[((dy*3+dx)*3+ci)*C:]
						var s float32
						for co := 0; co < C; co++ {
							s += wk[co] * dz[co]
						}
						grad[(yy*W+xx)*3+ci] += s / 127.5
					}
				}
			}
		}
	}
	return value, nil
}
