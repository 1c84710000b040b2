package flow_test

import (
	"context"
	"fmt"
	"math"

	"github.com/deepdream-go/deepdream/flow"
)

func ExampleCompute() {
	// Two RGB frames (interleaved float32, 0..255, as the video decoder
	// hands them over): a smooth pattern that moves 3 px right, 1 px down.
	const w, h = 64, 48
	pattern := func(x, y float64) float32 {
		return float32(128 + 60*math.Sin(0.3*x+0.2*y) + 40*math.Cos(0.25*y-0.1*x) + 20*math.Sin(0.7*x-0.5*y))
	}
	pa := make([]float32, w*h*3)
	pb := make([]float32, w*h*3)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			for c := 0; c < 3; c++ {
				pa[(y*w+x)*3+c] = pattern(float64(x), float64(y))
				pb[(y*w+x)*3+c] = pattern(float64(x)-3, float64(y)-1)
			}
		}
	}
	a, _ := flow.FromRGB(pa, w, h)
	b, _ := flow.FromRGB(pb, w, h)

	f, err := flow.Compute(context.Background(), a, b, flow.Medium())
	if err != nil {
		fmt.Println(err)
		return
	}
	i := (h/2)*w + w/2
	fmt.Printf("flow at the centre: (%.1f, %.1f)\n", f.U[i], f.V[i])
	// Output: flow at the centre: (3.0, 1.0)
}
