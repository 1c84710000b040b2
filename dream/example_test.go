package dream_test

import (
	"context"
	"fmt"
	"slices"

	"github.com/deepdream-go/deepdream/dream"
	"github.com/deepdream-go/deepdream/models"
)

// redNet is a one-layer "network" for the example: its layer "red" is the
// red channel of the image, so dreaming on it makes the image redder. A real
// caller passes a models.Executor instead.
type redNet struct{}

func (redNet) MinSize() (int, int) { return 8, 8 }

func (redNet) Gradient(_ context.Context, img *models.Image, obj models.Objective, grad []float32) (float64, error) {
	// Objective mean(red²)/255² over positions, gradient 2*red/(255²*N).
	n := float64(img.Width * img.Height)
	var v float64
	for i := range grad {
		grad[i] = 0
		if i%3 == 0 {
			r := float64(img.Pix[i])
			v += r * r / (255 * 255 * n)
			grad[i] = float32(2 * r / (255 * 255 * n))
		}
	}
	return v, nil
}

func ExampleDream() {
	img := models.NewImage(64, 48)
	for i := range img.Pix {
		img.Pix[i] = 100 // flat grey
	}
	p := dream.DefaultParams()
	p.Objective = models.MeanSquareOf("red")
	p.Steps = 5
	p.Seed = 1

	steps := 0
	out, err := dream.Dream(context.Background(), redNet{}, img, p, func(pr dream.Progress) {
		steps = pr.Done // a CLI would draw pr.Done/pr.Total here
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	c := out.Pix[(24*64+32)*3:]
	fmt.Printf("%d steps, centre pixel RGB %.0f %.0f %.0f\n", steps, c[0], c[1], c[2])
	// Output:
	// 20 steps, centre pixel RGB 190 100 100
}

func ExampleParseObjective() {
	layers := []dream.LayerInfo{{Name: "mixed3", Channels: 768}, {Name: "mixed4", Channels: 768}}
	obj, err := dream.ParseObjective("mixed3=1,mixed4:97=0.5", layers)
	fmt.Println(len(obj.Terms), obj.Terms[1].Layer, obj.Terms[1].Channel, obj.Terms[1].Weight, err)
	_, err = dream.ParseObjective("mixed4:800", layers)
	fmt.Println(err)
	// Output:
	// 2 mixed4 97 0.5 <nil>
	// objective term "mixed4:800": channel 800 out of range, layer mixed4 has channels 0..767
}

// A video loop dreams frame t from the frame plus the hallucination carried
// over from frame t-1 (warped by optical flow in the real pipeline), with
// the frame itself as the base of the octave pyramid.
func ExampleDreamFrom() {
	ctx := context.Background()
	p := dream.DefaultParams()
	p.Objective = models.MeanSquareOf("red")
	p.Steps = 4

	frame0 := models.NewImage(64, 48)
	for i := range frame0.Pix {
		frame0.Pix[i] = 100
	}
	dream0, _ := dream.Dream(ctx, redNet{}, frame0, p, nil)

	frame1 := frame0 // a still shot, for the example
	const blend = 0.5
	init := models.NewImage(64, 48)
	for i := range init.Pix {
		carried := dream0.Pix[i] - frame0.Pix[i] // warp this by the flow
		init.Pix[i] = frame1.Pix[i] + blend*carried
	}
	p.Steps = 2 // later frames need fewer steps
	dream1, err := dream.DreamFrom(ctx, redNet{}, frame1, init, p, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	c0, c1 := dream0.Pix[(24*64+32)*3], dream1.Pix[(24*64+32)*3]
	fmt.Printf("red at centre: frame 0 %.0f, frame 1 %.0f\n", c0, c1)
	// Output:
	// red at centre: frame 0 172, frame 1 172
}

// A loop that dreams many pictures of one size (a video's frames) keeps one
// Workspace, so that after the first picture it reuses the octave and step
// buffers instead of allocating them again. The results are the same as
// without it.
func ExampleWorkspace() {
	ctx := context.Background()
	p := dream.DefaultParams()
	p.Objective = models.MeanSquareOf("red")
	p.Steps = 3
	var ws dream.Workspace
	for grey := float32(60); grey <= 180; grey += 60 {
		frame := models.NewImage(64, 48)
		for i := range frame.Pix {
			frame.Pix[i] = grey
		}
		out, err := ws.DreamFrom(ctx, redNet{}, frame, frame, p, nil)
		if err != nil {
			fmt.Println(err)
			return
		}
		alone, _ := dream.Dream(ctx, redNet{}, frame, p, nil)
		fmt.Printf("grey %.0f: centre red %.0f, same as without a workspace: %v\n",
			grey, out.Pix[(24*64+32)*3], slices.Equal(out.Pix, alone.Pix))
	}
	// Output:
	// grey 60: centre red 114, same as without a workspace: true
	// grey 120: centre red 174, same as without a workspace: true
	// grey 180: centre red 234, same as without a workspace: true
}
