package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/deepdream-go/deepdream/pipeline/media"
	"github.com/deepdream-go/deepdream/pipeline/scenecut"
)

// cutScanWidth is the decode width FindCuts uses when the caller leaves the
// size open: the detector averages each frame down to a 48-cell grid, so a
// larger picture only costs decoding time.
const cutScanWidth = 160

// FindCuts decodes the clip at input and returns the indices of the frames
// at which a new shot starts (hard cuts, and the end of a fade through
// black; see package scenecut), in the numbering of the decoded frames, so
// Start, Duration, FrameRate and MaxFrames in decode select and number the
// frames as a video job with the same options does. With neither Width nor
// Height set, it decodes at 160 pixels wide. Frame 0 is never listed.
func FindCuts(ctx context.Context, input string, decode media.DecodeOptions, opt scenecut.Options) ([]int, error) {
	if decode.Width == 0 && decode.Height == 0 {
		decode.Width = cutScanWidth
	}
	dec, err := media.NewDecoder(ctx, input, decode)
	if err != nil {
		return nil, fmt.Errorf("find cuts: %w", err)
	}
	defer dec.Close()
	det := scenecut.NewDetector(opt)
	frame := make([]byte, dec.FrameSize())
	var cuts []int
	for i := 0; ; i++ {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("find cuts in %s: %w", input, err)
		}
		err := dec.Next(frame)
		if errors.Is(err, io.EOF) {
			return cuts, nil
		}
		if err != nil {
			return nil, fmt.Errorf("find cuts in %s: frame %d: %w", input, i, err)
		}
		if cut, _ := det.Next(frame, dec.Width(), dec.Height()); cut {
			cuts = append(cuts, i)
		}
	}
}
