package native_test

import (
	"context"
	"fmt"

	"github.com/deepdream-go/deepdream/models"
	"github.com/deepdream-go/deepdream/models/native"
	"github.com/deepdream-go/deepdream/models/testnet"
)

// Run a small GraphDef forward, then take the gradient of the classic
// DeepDream objective with respect to the pixels.
func ExampleNew() {
	exec, err := native.New(testnet.Graph(), testnet.Spec, native.Options{})
	if err != nil {
		panic(err)
	}
	img := models.NewImage(32, 24)
	for i := range img.Pix {
		img.Pix[i] = float32(i % 256)
	}
	acts, err := exec.Activations(context.Background(), img, []string{testnet.Layer})
	if err != nil {
		panic(err)
	}
	a := acts[0]
	fmt.Printf("%s: %dx%d, %d channels\n", a.Layer, a.Width, a.Height, a.Channels)

	grad := make([]float32, len(img.Pix))
	value, err := exec.Gradient(context.Background(), img, models.MeanSquareOf(testnet.Layer), grad)
	if err != nil {
		panic(err)
	}
	nonzero := 0
	for _, g := range grad {
		if g != 0 {
			nonzero++
		}
	}
	fmt.Printf("objective > 0: %v, gradient set on %d of %d pixels\n", value > 0, nonzero, len(grad))
	// Output:
	// conv2/relu: 16x12, 12 channels
	// objective > 0: true, gradient set on 2304 of 2304 pixels
}
