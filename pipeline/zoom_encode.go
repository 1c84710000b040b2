package pipeline

import (
	"context"
	"fmt"
	"math"
	"os"
	"strings"
	"time"

	"github.com/deepdream-go/deepdream/pipeline/media"
)

// Encoding a zoom from its checkpointed frames, fitted to a size limit.

// encodeOptions are the encoder settings of the output, but for its
// format, which the runner knows: one place for the segments encoded as
// the zoom renders and for the encodes from the checkpoint.
func (r *zoomRun) encodeOptions() media.EncodeOptions {
	o := r.opt
	eo := o.EncodeOptions.media(o.FrameRate.Reduce(), o.Logger)
	eo.Width, eo.Height, eo.Audio = o.Width, o.Height, o.audio()
	return eo
}

// audio is the sound to mux: Audio cut to the animation's length.
func (o *ZoomOptions) audio() *media.AudioSource {
	if o.Audio == nil {
		return nil
	}
	a := *o.Audio
	if d := time.Duration(o.FrameRate.FrameDuration(o.Frames) * float64(time.Second)); a.Duration == 0 || d < a.Duration {
		a.Duration = d
	}
	return &a
}

// encodeAll writes the output at path from the checkpointed frames, and for
// GIFs with a size limit, encodes again with smaller settings until it fits.
func (r *zoomRun) encodeAll(ctx context.Context, j *job, path string) (string, error) {
	o := r.opt
	eo := r.encodeOptions()
	eo.Format = j.out.format
	if j.out.format != media.FormatGIF || o.MaxBytes <= 0 {
		return "", r.encodeOnce(ctx, path, eo)
	}
	g := gifAttempt{fps: int(math.Round(min(o.FrameRate.Float64(), 50))), width: o.Width, colours: 256}
	if o.GIFFrameRate.Valid() {
		g.fps = max(1, int(math.Round(o.GIFFrameRate.Float64())))
	}
	if o.GIFWidth > 0 {
		g.width = o.GIFWidth
	}
	var tried []string
	for attempt := 0; ; attempt++ {
		eo.GIFFrameRate = media.Rational{Num: g.fps, Den: 1}
		eo.GIFWidth = g.width
		eo.GIFColors = g.colours
		eo.GIFDither = g.dither
		_ = os.Remove(path)
		if err := r.encodeOnce(ctx, path, eo); err != nil {
			return "", err
		}
		st, err := os.Stat(path)
		if err != nil {
			return "", fmt.Errorf("encode: %w", err)
		}
		size := st.Size()
		if o.Logger != nil {
			o.Logger.Debug("gif attempt", "settings", g.String(), "bytes", size)
		}
		if size <= o.MaxBytes {
			if attempt == 0 {
				return "", nil
			}
			return fmt.Sprintf("over the limit of %s at %s; wrote %s at %s",
				mb(o.MaxBytes), strings.Join(tried, ", then "), mb(size), g), nil
		}
		tried = append(tried, fmt.Sprintf("%s (%s)", g, mb(size)))
		ratio := float64(size) / float64(o.MaxBytes)
		ng, ok := shrinkGIF(g, ratio)
		if !ok || attempt >= 8 {
			return "", fmt.Errorf("the GIF is %s even at %s, over the limit of %s; raise the limit or lower the GIF width; resume to keep the rendered frames", mb(size), g, mb(o.MaxBytes))
		}
		g = ng
	}
}

func (r *zoomRun) encodeOnce(ctx context.Context, path string, eo media.EncodeOptions) error {
	enc, err := media.NewEncoder(ctx, path, eo)
	if err != nil {
		return err
	}
	ok := false
	defer func() {
		if !ok {
			enc.Abort()
			_ = enc.Close()
		}
	}()
	n := r.opt.Width * r.opt.Height * 3
	rgb := make([]byte, n)
	for i := 0; i < r.opt.Frames; i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := r.outputFrame(i, rgb); err != nil {
			return err
		}
		if err := enc.WriteFrame(rgb); err != nil {
			return err
		}
	}
	ok = true
	return enc.Close()
}
