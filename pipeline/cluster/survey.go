package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/deepdream-go/deepdream/pipeline/media"
)

// CutDetector decides, frame by frame, whether a frame starts a new shot
// (pipeline/scenecut's Detector has this method).
type CutDetector interface {
	Next(rgb []byte, w, h int) (cut bool, score float64)
}

// Clip is what the plan needs to know about a job's frames.
type Clip struct {
	Frames        int
	Width, Height int
	FrameRate     media.Rational
	// Cuts are the frames that start a new shot.
	Cuts []int
}

// Survey decodes the frames a job with these decode options would dream,
// counts them exactly (a probe's count is an estimate for many containers)
// and, when det is not nil, finds the scene cuts.
func Survey(ctx context.Context, input string, opt media.DecodeOptions, det CutDetector) (*Clip, error) {
	dec, err := media.NewDecoder(ctx, input, opt)
	if err != nil {
		return nil, err
	}
	defer dec.Close()
	c := &Clip{Width: dec.Width(), Height: dec.Height(), FrameRate: dec.FrameRate()}
	buf := make([]byte, dec.FrameSize())
	for {
		err := dec.Next(buf)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if det != nil {
			if cut, _ := det.Next(buf, c.Width, c.Height); cut && c.Frames > 0 {
				c.Cuts = append(c.Cuts, c.Frames)
			}
		}
		c.Frames++
	}
	if c.Frames == 0 {
		return nil, fmt.Errorf("%s: no frames to dream (is --start past the end of the clip?)", input)
	}
	return c, nil
}
