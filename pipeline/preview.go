package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/deepdream-go/deepdream/dream"
	"github.com/deepdream-go/deepdream/models"
	"github.com/deepdream-go/deepdream/pipeline/imageio"
	"github.com/deepdream-go/deepdream/pipeline/media"
)

// PreviewVideo dreams the frames of opt.Input shown at the times in at, each
// exactly as RunVideo dreams the first frame of a job that starts at that
// time (same decoding, size and dream parameters), so a preview is what
// the render will show there when that frame is a first frame. Nothing is
// written. progress, if not nil, gets the gradient steps done over all
// frames.
func PreviewVideo(ctx context.Context, net dream.Network, opt VideoOptions, at []time.Duration, progress func(done, total int)) ([]*models.Image, error) {
	if len(at) == 0 {
		return nil, errors.New("preview: no times given")
	}
	if opt.Output == "" {
		opt.Output = "preview.png" // validate asks for one; nothing is written
	}
	if err := opt.validate(); err != nil {
		return nil, err
	}
	info := opt.Decode.Info
	if info == nil {
		var err error
		if info, err = media.ProbeWith(ctx, opt.Input, media.ProbeOptions{Logger: opt.Logger}); err != nil {
			return nil, err
		}
	}
	if info.StillImage {
		return nil, fmt.Errorf("%s is a still picture, not a clip", opt.Input)
	}
	perFrame := opt.Dream.Octaves * opt.Dream.Steps
	var out []*models.Image
	for k, t := range at {
		if t < 0 || (info.Duration > 0 && t >= info.Duration) {
			return nil, fmt.Errorf("preview at %v: the clip is %v long", t, info.Duration.Round(10*time.Millisecond))
		}
		src, err := decodeFrameAt(ctx, opt, info, t)
		if err != nil {
			return nil, fmt.Errorf("preview at %v: %w", t, err)
		}
		if mw, mh := net.MinSize(); src.Width < mw || src.Height < mh {
			return nil, fmt.Errorf("frames of %dx%d are smaller than the model's minimum %dx%d; ask for a larger width", src.Width, src.Height, mw, mh)
		}
		base := k * perFrame
		img, err := dream.Dream(ctx, net, src, opt.Dream, func(p dream.Progress) {
			if progress != nil {
				progress(base+min(p.Done*perFrame/max(p.Total, 1), perFrame), len(at)*perFrame)
			}
		})
		if err != nil {
			return nil, fmt.Errorf("preview at %v: %w", t, err)
		}
		// The render writes 8-bit frames: the preview is that frame.
		img, _ = imageio.FromRGB24(imageio.ToRGB24(img, nil), img.Width, img.Height)
		out = append(out, img)
	}
	return out, nil
}

// decodeFrameAt decodes the one frame a job starting at t would dream
// first.
func decodeFrameAt(ctx context.Context, opt VideoOptions, info *media.Info, t time.Duration) (*models.Image, error) {
	dopt := opt.Decode
	dopt.Info, dopt.Start, dopt.Duration, dopt.MaxFrames = info, t, 0, 1
	if dopt.Logger == nil {
		dopt.Logger = opt.Logger
	}
	dec, err := media.NewDecoder(ctx, opt.Input, dopt)
	if err != nil {
		return nil, err
	}
	defer dec.Close()
	raw := make([]byte, dec.FrameSize())
	if err := dec.Next(raw); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("no frame decoded there")
		}
		return nil, err
	}
	return imageio.FromRGB24(raw, dec.Width(), dec.Height())
}

// PreviewZoom renders frame n (0-based) of the zoom opt describes, keyframes
// included, without writing the animation: it renders the frames up to n
// and the keyframe after it (frame n may fade towards it) into a temporary
// folder and returns frame n. With Loop, output frame n is a later rendered
// frame (see loopPlan), and the last LoopFrames frames converge onto the
// first; the preview of one of those shows it before that convergence.
func PreviewZoom(ctx context.Context, net dream.Network, opt ZoomOptions, n int) (*models.Image, error) {
	if n < 0 || n >= opt.Frames {
		return nil, fmt.Errorf("preview frame %d is outside 0..%d", n, opt.Frames-1)
	}
	tmp, err := os.MkdirTemp("", "deepdream-preview-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	k := max(opt.KeyframeEvery, 1)
	total, start := opt.loopPlan()
	n += start
	opt.Frames = min(total, (n/k+1)*k+1)
	opt.Loop, opt.LoopFrames, opt.MaxBytes = false, 0, 0
	opt.Output, opt.Force, opt.Resume = filepath.Join(tmp, "frames"), false, false
	if _, err := RunZoom(ctx, net, opt); err != nil {
		return nil, err
	}
	// A PNG folder numbers its frames from 1 (see media.FormatPNG).
	pic, err := imageio.Read(filepath.Join(opt.Output, fmt.Sprintf("frame_%06d.png", n+1)))
	if err != nil {
		return nil, fmt.Errorf("preview frame %d: %w", n, err)
	}
	return pic.Image, nil
}
