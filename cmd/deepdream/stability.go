package main

import (
	"fmt"
	"io"

	"github.com/deepdream-go/deepdream/flow"
	"github.com/deepdream-go/deepdream/pipeline"
	"github.com/deepdream-go/deepdream/pipeline/media"
)

const stabilityUsage = `Usage: deepdream stability SOURCE DREAMED [flags]

Measures how steady and how strong a dreamed clip is.

Steadiness is E_warp, the mean change between consecutive frames after
following the source's motion (optical flow), for the dream and for the
source, and their ratio. 1.0 means the dream moves exactly with the picture;
frames dreamed independently flicker and score far higher.

Strength is the objective gain, mean(layer²) of each dreamed frame over the
same on its source frame, with the model's default layer (or --layer): about
2 for a default dream on mixed3, 1 for no dream. A dream can be steady
because it faded; the two numbers together show the trade-off. Use them to
compare --coherence, --blend and --frame-steps settings.

Give the same --start/--duration/--fps (and --width/--height, if the size
alone does not tell) as the dream was made with; a DREAMED that does not
match SOURCE there (another size, clip or start) is refused. DREAMED may be
a clip or a folder of PNG frames.

Example:
  deepdream video clip.mp4 -o d.mp4 --frames 24 --width 320
  deepdream stability clip.mp4 d.mp4 --frames 24

Flags:
`

func cmdStability(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("stability", stabilityUsage, stdout)
	var start, duration durationFlag
	var fps rateFlag
	fs.Var(&start, "start", "where the dream starts in the source")
	fs.Var(&duration, "duration", "how much of the source the dream covers")
	frames := fs.Int("frames", 0, "compare only this many frames")
	width := fs.Int("width", 0, "the --width the dream was made with (default: found from DREAMED's size)")
	height := fs.Int("height", 0, "the --height the dream was made with")
	fs.Var(&fps, "fps", "the frame rate the dream was made at (default: the source's)")
	strength := fs.Bool("strength", true, "also measure the strength (objective gain) with the model; --strength=false skips the network")
	layer := fs.String("layer", "", "layer whose gain measures the strength (default: the model's default layer)")
	mf := addModelFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return usageErrorf("want SOURCE and DREAMED, got %d arguments", fs.NArg())
	}
	if *frames < 0 || *width < 0 || *height < 0 || *width > media.MaxSide || *height > media.MaxSide {
		return usageErrorf("--frames must not be negative and --width/--height must be 0..%d", media.MaxSide)
	}
	ctx, stop := signalContext()
	defer stop()
	meter := pipeline.StabilityMeter{Flow: flow.Medium()}
	if *strength {
		model, exec, err := mf.open()
		if err != nil {
			return err
		}
		defer exec.Close()
		meter.Strength = pipeline.StrengthProbe{Net: exec, Layer: *layer}
		if *layer == "" {
			meter.Strength.Layer = model.DefaultLayer
		}
	}
	s, err := pipeline.MeasureStability(ctx, fs.Arg(0), fs.Arg(1),
		media.DecodeOptions{Start: start.d, Duration: duration.d, MaxFrames: *frames, FrameRate: fps.r, Width: *width, Height: *height}, meter)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "frame pairs   %d\nE_warp source %.3f\nE_warp dream  %.3f\nratio         %.2f\nlayout match  %.2f\n", s.Pairs, s.Source, s.Output, s.Ratio, s.Structure)
	if n := len(s.Gains); n > 0 {
		low, high := s.Gains[0], s.Gains[0]
		for _, g := range s.Gains {
			low, high = min(low, g), max(high, g)
		}
		fmt.Fprintf(stdout, "strength      %.2f (gain of mean(%s²); first frame %.2f, last %.2f, range %.2f–%.2f; 1 = no dream)\n",
			s.Strength, meter.Strength.Layer, s.Gains[0], s.Gains[n-1], low, high)
	}
	return nil
}
