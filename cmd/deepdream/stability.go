package main

import (
	"fmt"
	"io"

	"github.com/deepdream-go/deepdream/flow"
	"github.com/deepdream-go/deepdream/pipeline"
	"github.com/deepdream-go/deepdream/pipeline/media"
)

const stabilityUsage = `Usage: deepdream stability SOURCE DREAMED [flags]

Measures how steady a dreamed clip is: E_warp, the mean change between
consecutive frames after following the source's motion (optical flow), for
the dream and for the source, and their ratio. 1.0 means the dream moves
exactly with the picture; frames dreamed independently flicker and score far
higher. Use it to compare --coherence, --blend and --frame-steps settings.
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
	s, err := pipeline.MeasureStability(ctx, fs.Arg(0), fs.Arg(1),
		media.DecodeOptions{Start: start.d, Duration: duration.d, MaxFrames: *frames, FrameRate: fps.r, Width: *width, Height: *height}, flow.Medium())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "frame pairs   %d\nE_warp source %.3f\nE_warp dream  %.3f\nratio         %.2f\nlayout match  %.2f\n", s.Pairs, s.Source, s.Output, s.Ratio, s.Structure)
	return nil
}
