package pipeline_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/deepdream-go/deepdream/dream"
	"github.com/deepdream-go/deepdream/models"
	"github.com/deepdream-go/deepdream/models/native"
	"github.com/deepdream-go/deepdream/models/testnet"
	"github.com/deepdream-go/deepdream/pipeline"
	"github.com/deepdream-go/deepdream/pipeline/media"
)

// Dream over the first two seconds of a clip at 320 px wide, with the
// dream carried along the optical flow, and resume if a previous run of the
// same job was interrupted. (The tiny test network stands in for a real
// model; see models/zoo for the built-in InceptionV3.)
func ExampleRunVideo() {
	exec, err := native.New(testnet.Graph(), testnet.Spec, native.Options{})
	if err != nil {
		panic(err)
	}
	p := dream.DefaultParams()
	p.Objective = models.MeanSquareOf(testnet.Layer)
	res, err := pipeline.RunVideo(context.Background(), exec, pipeline.VideoOptions{
		Input: "clip.mp4", Output: "dream.mp4", Resume: true,
		Decode:            media.DecodeOptions{Width: 320, Duration: 2e9},
		Dream:             p,
		FrameDreamOptions: pipeline.FrameDreamOptions{FrameSteps: 2},
		CoherenceOptions:  pipeline.CoherenceOptions{Coherence: pipeline.CoherenceFlow, Blend: 0.98, Keep: 0.8, Refresh: 0.05},
	})
	var stopped *pipeline.InterruptedError
	switch {
	case errors.As(err, &stopped):
		fmt.Println("stopped after", stopped.Done, "frames; run again to resume")
	case err != nil:
		fmt.Println(err)
	default:
		fmt.Println("wrote", res.Frames, "frames to", res.Output)
	}
}
