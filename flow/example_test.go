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

func ExampleEstimator() {
	// A clip of four RGB frames in which a smooth pattern moves 2 px right
	// per frame. Every frame is prepared once and used in two pairs: with
	// the frame before it and with the frame after it.
	const w, h = 64, 48
	pattern := func(x, y float64) float32 {
		return float32(128 + 60*math.Sin(0.3*x+0.2*y) + 40*math.Cos(0.25*y-0.1*x) + 20*math.Sin(0.7*x-0.5*y))
	}
	frame := func(t int) *flow.Image {
		pix := make([]float32, w*h*3)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				for c := 0; c < 3; c++ {
					pix[(y*w+x)*3+c] = pattern(float64(x-2*t), float64(y))
				}
			}
		}
		img, _ := flow.FromRGB(pix, w, h)
		return img
	}

	ctx := context.Background()
	est, err := flow.NewEstimator(flow.Medium())
	if err != nil {
		fmt.Println(err)
		return
	}
	weights := make([]float32, w*h)
	var prev *flow.Frame
	for t := 0; t < 4; t++ {
		cur, err := est.Prepare(ctx, frame(t))
		if err != nil {
			fmt.Println(err)
			return
		}
		if prev != nil {
			// back pulls the previous frame onto this one; fwd is only
			// needed for the consistency check.
			back, fwd, err := est.Bidirectional(ctx, cur, prev)
			if err != nil {
				fmt.Println(err)
				return
			}
			if err := flow.ConsistencyWeights(weights, back, fwd); err != nil {
				fmt.Println(err)
				return
			}
			i := (h/2)*w + w/2
			fmt.Printf("frame %d: flow back at the centre (%.1f, %.1f), weight %.2f\n", t, round1(back.U[i]), round1(back.V[i]), weights[i])
			est.Release(prev) // its memory serves the next frames
		}
		prev = cur
	}
	// Output:
	// frame 1: flow back at the centre (-2.0, 0.0), weight 1.00
	// frame 2: flow back at the centre (-2.0, 0.0), weight 1.00
	// frame 3: flow back at the centre (-2.0, 0.0), weight 1.00
}

// round1 rounds to one decimal, without a minus sign on zero.
func round1(v float32) float64 { return math.Round(float64(v)*10)/10 + 0 }
