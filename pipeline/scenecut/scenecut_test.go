package scenecut

import (
	"math"
	"math/rand/v2"
	"testing"
)

// texture returns a w×h frame of smooth random blobs, seeded.
func texture(w, h int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 1))
	type blob struct{ x, y, r, cr, cg, cb float64 }
	blobs := make([]blob, 12)
	for i := range blobs {
		blobs[i] = blob{rng.Float64() * float64(w), rng.Float64() * float64(h), 5 + rng.Float64()*float64(w)/5,
			rng.Float64() * 255, rng.Float64() * 255, rng.Float64() * 255}
	}
	rgb := make([]byte, w*h*3)
	for y := range h {
		for x := range w {
			r, g, b := 60.0, 60.0, 60.0
			for _, bl := range blobs {
				dx, dy := float64(x)-bl.x, float64(y)-bl.y
				k := math.Exp(-(dx*dx + dy*dy) / (2 * bl.r * bl.r))
				r += k * (bl.cr - r)
				g += k * (bl.cg - g)
				b += k * (bl.cb - b)
			}
			i := 3 * (y*w + x)
			rgb[i], rgb[i+1], rgb[i+2] = byte(r), byte(g), byte(b)
		}
	}
	return rgb
}

// scaled multiplies every byte by f (a change of exposure), saturating.
func scaled(rgb []byte, f float64) []byte {
	out := make([]byte, len(rgb))
	for i, v := range rgb {
		out[i] = byte(math.Min(255, math.Round(float64(v)*f)))
	}
	return out
}

// shifted moves the picture dx pixels to the right, repeating the left edge.
func shifted(rgb []byte, w, h, dx int) []byte {
	out := make([]byte, len(rgb))
	for y := range h {
		for x := range w {
			sx := max(0, x-dx)
			copy(out[3*(y*w+x):3*(y*w+x)+3], rgb[3*(y*w+sx):3*(y*w+sx)+3])
		}
	}
	return out
}

func TestDetectorSynthetic(t *testing.T) {
	const w, h = 160, 90
	a, b := texture(w, h, 1), texture(w, h, 2)
	black := make([]byte, w*h*3)
	dim := scaled(a, 0.05)
	for _, tc := range []struct {
		name   string
		frames [][]byte
		want   []bool
	}{
		{"still", [][]byte{a, a, a}, []bool{false, false, false}},
		{"hard cut", [][]byte{a, a, b, b}, []bool{false, false, true, false}},
		{"exposure step", [][]byte{a, scaled(a, 1.4), scaled(a, 0.7)}, []bool{false, false, false}},
		{"pan", [][]byte{a, shifted(a, w, h, 3), shifted(a, w, h, 6)}, []bool{false, false, false}},
		{"fade from black", [][]byte{black, black, dim, scaled(a, 0.5), a}, []bool{false, false, false, true, false}},
		{"fade to black and in", [][]byte{a, scaled(a, 0.5), dim, black, dim, scaled(b, 0.5), b}, []bool{false, false, false, false, false, true, false}},
		{"noise within black", [][]byte{a, black, scaled(b, 0.05), dim}, []bool{false, true, false, false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDetector(Options{})
			for i, f := range tc.frames {
				cut, score := d.Next(f, w, h)
				if cut != tc.want[i] {
					t.Errorf("frame %d: cut %v (score %.2f), want %v", i, cut, score, tc.want[i])
				}
			}
		})
	}
}

func TestDetectorFirstFrameAndReset(t *testing.T) {
	const w, h = 64, 36
	a, b := texture(w, h, 3), texture(w, h, 4)
	d := NewDetector(DefaultOptions())
	if cut, score := d.Next(a, w, h); cut || score != 0 {
		t.Fatalf("first frame: cut %v score %v, want false 0", cut, score)
	}
	if cut, _ := d.Next(b, w, h); !cut {
		t.Fatal("a different picture is not a cut")
	}
	d.Reset()
	if cut, _ := d.Next(a, w, h); cut {
		t.Fatal("the first frame after Reset is a cut")
	}
	if cut, score := d.Next(texture(w/2, h/2, 3), w/2, h/2); !cut || !math.IsInf(score, 1) {
		t.Fatalf("a change of size: cut %v score %v, want true +Inf", cut, score)
	}
}

func TestDetectorOptions(t *testing.T) {
	if got, want := (Options{}).withDefaults(), DefaultOptions(); got != want {
		t.Fatalf("zero Options = %+v, want the defaults %+v", got, want)
	}
	const w, h = 64, 36
	a, b := texture(w, h, 5), texture(w, h, 6)
	_, score := NewDetector(Options{}).scoreOf(a, b, w, h)
	if cut, _ := NewDetector(Options{Threshold: score + 1}).scoreOf(a, b, w, h); cut {
		t.Errorf("a threshold above the score %.2f still cuts", score)
	}
	black := make([]byte, w*h*3)
	if cut, _ := NewDetector(Options{BlackLevel: -1, Threshold: 1e9}).scoreOf(black, a, w, h); cut {
		t.Error("a negative BlackLevel still detects the end of black")
	}
}

// scoreOf feeds two frames and returns the decision on the second.
func (d *Detector) scoreOf(first, second []byte, w, h int) (bool, float64) {
	d.Next(first, w, h)
	return d.Next(second, w, h)
}

func TestDetectorSmallFrames(t *testing.T) {
	d := NewDetector(Options{})
	for _, sz := range [][2]int{{1, 1}, {3, 200}, {200, 3}, {47, 5}} {
		d.Reset()
		f := texture(sz[0], sz[1], 7)
		d.Next(f, sz[0], sz[1])
		if cut, score := d.Next(f, sz[0], sz[1]); cut || math.IsNaN(score) {
			t.Errorf("%dx%d: the same frame twice gives cut %v score %v", sz[0], sz[1], cut, score)
		}
	}
}

func BenchmarkNext320x180(b *testing.B) {
	const w, h = 320, 180
	frames := [][]byte{texture(w, h, 1), texture(w, h, 2)}
	d := NewDetector(Options{})
	b.SetBytes(w * h * 3)
	for i := 0; b.Loop(); i++ {
		d.Next(frames[i%2], w, h)
	}
}
