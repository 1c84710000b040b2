package dream_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/deepdream-go/deepdream/dream"
	"github.com/deepdream-go/deepdream/models"
	"github.com/deepdream-go/deepdream/models/builtin"
	"github.com/deepdream-go/deepdream/models/graphdef"
	"github.com/deepdream-go/deepdream/models/native"
	"github.com/deepdream-go/deepdream/pipeline/imageio"
)

func meanSquare(t *testing.T, ex *native.Executor, img *models.Image, layer string) float64 {
	t.Helper()
	acts, err := ex.Activations(context.Background(), img, []string{layer})
	if err != nil {
		t.Fatal(err)
	}
	s := 0.0
	for _, v := range acts[0].Data {
		s += float64(v) * float64(v)
	}
	return s / float64(len(acts[0].Data))
}

// TestDreamAmplifiesTheLayerOnRealPhotos runs the default recipe with the
// built-in model on the test photos (shrunk to 320 px to keep the suite fast): the
// mean of squares of the dreamed layer must at least double.
func TestDreamAmplifiesTheLayerOnRealPhotos(t *testing.T) {
	paths, _ := filepath.Glob("../../shared/testdata/images/*.png")
	if len(paths) == 0 {
		t.Skip("test photos in ../shared/testdata/images are not available")
	}
	if testing.Short() {
		paths = paths[:1]
	}
	g, err := graphdef.Decode(builtin.InceptionV3())
	if err != nil {
		t.Fatal(err)
	}
	ex, err := native.New(g, models.Spec{InputNode: "input", PixelScale: 1 / 127.5, PixelOffset: -1}, native.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		t.Run(filepath.Base(p), func(t *testing.T) {
			pic, err := imageio.Read(p)
			if err != nil {
				t.Fatal(err)
			}
			img := pic.Image
			s := max(img.Width, img.Height)
			img = dream.Resize(img, img.Width*320/s, img.Height*320/s)
			params := dream.DefaultParams()
			params.Objective = models.MeanSquareOf("mixed3")
			out, err := dream.Dream(context.Background(), ex, img, params, nil)
			if err != nil {
				t.Fatal(err)
			}
			before, after := meanSquare(t, ex, img, "mixed3"), meanSquare(t, ex, out, "mixed3")
			t.Logf("mean(mixed3²): %.3f → %.3f (×%.2f)", before, after, after/before)
			if after < 2*before {
				t.Errorf("mean(mixed3²) rose only ×%.2f, want at least ×2", after/before)
			}
		})
	}
}
