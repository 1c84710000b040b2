package sheet

import (
	"context"
	"errors"
	"image"
	"image/color"
	"testing"

	"github.com/deepdream-go/deepdream/dream"
	"github.com/deepdream-go/deepdream/models"
	"github.com/deepdream-go/deepdream/models/native"
	"github.com/deepdream-go/deepdream/models/testnet"
	"github.com/deepdream-go/deepdream/models/zoo"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
)

func toyNet(t testing.TB) *native.Executor {
	t.Helper()
	e, err := native.New(testnet.Graph(), testnet.Spec, native.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

// gradient is a smooth test picture, so dreams have something to grow on.
func gradient(w, h int) *models.Image {
	img := models.NewImage(w, h)
	for y := range h {
		for x := range w {
			i := 3 * (y*w + x)
			img.Pix[i], img.Pix[i+1], img.Pix[i+2] = float32(x*255/w), float32(y*255/h), 128
		}
	}
	return img
}

func toyVariant(title string, steps int, seed uint64) Variant {
	p := dream.DefaultParams()
	p.Octaves, p.Steps, p.Tile, p.Seed = 1, steps, 0, seed
	p.Objective = models.MeanSquareOf(testnet.Layer)
	return Variant{Title: title, Hint: "--steps " + title, Params: p}
}

// TestRenderTilesEveryVariant checks the grid: each tile is the variant's
// own dream at the tile's place, in order, with its label drawn beneath.
func TestRenderTilesEveryVariant(t *testing.T) {
	net := toyNet(t)
	img := gradient(64, 48)
	variants := []Variant{toyVariant("1", 1, 1), toyVariant("3", 3, 1), toyVariant("6", 6, 2)}
	var last Progress
	calls := 0
	got, err := Render(context.Background(), net, img, variants, Options{Columns: 2, Gap: 4}, func(p Progress) {
		if p.Done < last.Done {
			t.Errorf("progress went back from %d to %d", last.Done, p.Done)
		}
		last = p
		calls++
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := image.Rect(0, 0, 4+2*(64+4), 4+2*(48+labelHeight+4)); got.Bounds() != want {
		t.Fatalf("sheet is %v, want %v for 3 tiles in 2 columns", got.Bounds(), want)
	}
	if calls == 0 || last.Done != last.Total || last.Total != 10 {
		t.Errorf("last progress %+v after %d calls, want 10 of 10 steps", last, calls)
	}
	origins := []image.Point{{4, 4}, {4 + 68, 4}, {4, 4 + 48 + labelHeight + 4}}
	for i, v := range variants {
		want, err := dream.Dream(context.Background(), net, img, v.Params, nil)
		if err != nil {
			t.Fatal(err)
		}
		o := origins[i]
		for _, pt := range []image.Point{{0, 0}, {31, 17}, {63, 47}} {
			c := got.RGBAAt(o.X+pt.X, o.Y+pt.Y)
			j := 3 * (pt.Y*64 + pt.X)
			if d := int(c.R) - int(clamp8(want.Pix[j])); d < -1 || d > 1 {
				t.Errorf("tile %d at %v: red %d, the variant's dream has %d", i, pt, c.R, clamp8(want.Pix[j]))
			}
		}
		if n := textPixels(got, image.Rect(o.X, o.Y+48, o.X+64, o.Y+48+labelHeight)); n < 10 {
			t.Errorf("tile %d: label band has %d text pixels, want its title and hint drawn", i, n)
		}
	}
	// Tiles differ by their parameters.
	if a, b := got.RGBAAt(4+10, 4+10), got.RGBAAt(72+10, 4+10); a == b {
		t.Errorf("tiles with 1 and 3 steps look the same at (10,10): %v", a)
	}
	if n := textPixels(got, image.Rect(72, 4+48+labelHeight+4, 72+64, got.Bounds().Dy())); n != 0 {
		t.Errorf("the empty fourth cell has %d text pixels", n)
	}
}

func clamp8(v float32) uint8 { return uint8(min(max(v+0.5, 0), 255)) }

// textPixels counts bright pixels (label text) in r.
func textPixels(m *image.RGBA, r image.Rectangle) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if c := m.RGBAAt(x, y); c.R > 100 || c.B > 100 {
				n++
			}
		}
	}
	return n
}

func TestLongLabelsAreShortened(t *testing.T) {
	m := image.NewRGBA(image.Rect(0, 0, 80, 20))
	label(m, faceForTest(), 0, 13, 40, "a very long layer name that does not fit", color.RGBA{255, 255, 255, 255})
	if n := textPixels(m, image.Rect(40, 0, 80, 20)); n != 0 {
		t.Errorf("%d text pixels right of the 40-px limit", n)
	}
	if n := textPixels(m, image.Rect(0, 0, 40, 20)); n == 0 {
		t.Error("nothing drawn inside the limit")
	}
}

func TestRenderStopsOnCancel(t *testing.T) {
	net := toyNet(t)
	ctx, cancel := context.WithCancel(context.Background())
	variants := []Variant{toyVariant("a", 50, 1), toyVariant("b", 50, 1)}
	_, err := Render(ctx, net, gradient(64, 48), variants, Options{}, func(p Progress) {
		if p.Done >= 3 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestRenderRefusesBadParameters(t *testing.T) {
	v := toyVariant("x", 1, 1)
	v.Params.Objective = models.Objective{}
	if _, err := Render(context.Background(), toyNet(t), gradient(64, 48), []Variant{v}, Options{}, nil); err == nil {
		t.Fatal("a variant without an objective was accepted")
	}
	if _, err := Render(context.Background(), toyNet(t), gradient(64, 48), nil, Options{}, nil); err == nil {
		t.Fatal("an empty sheet was accepted")
	}
}

// BenchmarkLayerSheet renders the contact sheet `deepdream layers --preview`
// makes by default: the built-in model's eight layers at 256 px, with the
// default dream parameters.
func BenchmarkLayerSheet(b *testing.B) {
	m, err := zoo.Open(zoo.Source{Name: zoo.DefaultModel})
	if err != nil {
		b.Fatal(err)
	}
	net, err := native.New(m.Graph, m.Spec, native.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer net.Close()
	var variants []Variant
	for _, l := range m.Layers {
		p := dream.DefaultParams()
		p.Objective = models.MeanSquareOf(l)
		variants = append(variants, Variant{Title: l, Hint: "--layer " + l, Params: p})
	}
	img := gradient(256, 170)
	for b.Loop() {
		if _, err := Render(context.Background(), net, img, variants, Options{}, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func faceForTest() font.Face { return basicfont.Face7x13 }
