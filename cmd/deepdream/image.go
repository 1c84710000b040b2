package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/deepdream-go/deepdream/dream"
	"github.com/deepdream-go/deepdream/models"
	"github.com/deepdream-go/deepdream/pipeline/imageio"
)

const imageUsage = `Usage: deepdream image IN -o OUT [flags]

Dreams over one picture (JPEG, PNG, GIF, BMP, TIFF or WebP) and writes a PNG
or JPEG. The size, EXIF orientation and alpha channel are kept.

Examples:
  deepdream image cat.jpg -o cat_dream.png
  deepdream image cat.jpg -o eyes.jpg --preset eyes
  deepdream image cat.jpg -o c.png --layer mixed4:97 --steps 20
  deepdream image big.jpg -o b.png --max-size 1024       # faster on large photos
  deepdream image cat.jpg -o g.png --layer mixed4 --guide flowers.jpg

Flags:
`

// signalContext is cancelled on Ctrl-C or SIGTERM.
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

func cmdImage(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("image", imageUsage, stdout)
	out := fs.String("o", "", "output picture (.png, .jpg or .jpeg) (required)")
	force := fs.Bool("force", false, "replace OUT if it exists")
	maxSize := fs.Int("max-size", 0, "shrink so the longer side is at most this many pixels before dreaming (0: keep the size)")
	quality := fs.Int("quality", 95, "JPEG quality 1..100")
	quiet := fs.Bool("quiet", false, "no progress output")
	mf := addModelFlags(fs)
	df := addDreamFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErrorf("want exactly one input picture, got %d arguments (see deepdream image --help)", fs.NArg())
	}
	in := fs.Arg(0)
	if *out == "" {
		return usageErrorf("-o OUT is required")
	}
	if _, err := imageio.FormatFor(*out); err != nil {
		return usageError{err}
	}
	if *maxSize < 0 || (*maxSize > 0 && *maxSize < 16) {
		return usageErrorf("--max-size %d is too small", *maxSize)
	}
	if *quality < 1 || *quality > 100 {
		return usageErrorf("--quality %d is outside 1..100", *quality)
	}
	if err := checkOutput(in, *out, *force); err != nil {
		return err
	}
	pic, err := imageio.Read(in)
	if err != nil {
		return err
	}
	job, err := startDreamJob(mf, df)
	if err != nil {
		return err
	}
	defer job.close()
	ctx, exec, p := job.ctx, job.exec, job.params
	img := pic.Image
	if s := max(img.Width, img.Height); *maxSize > 0 && s > *maxSize {
		w, h := max(1, img.Width**maxSize/s), max(1, img.Height**maxSize/s)
		img = dream.Resize(img, w, h)
		pic.Alpha = resizeAlpha(pic.Alpha, pic.Image.Width, pic.Image.Height, w, h)
	}
	// A picture smaller than the network's minimum input is dreamed
	// enlarged to that minimum and brought back to its size.
	ow, oh := img.Width, img.Height
	if mw, mh := exec.MinSize(); ow < mw || oh < mh {
		s := max(float64(mw)/float64(ow), float64(mh)/float64(oh))
		img = dream.Resize(img, max(mw, int(math.Ceil(float64(ow)*s))), max(mh, int(math.Ceil(float64(oh)*s))))
	}
	bar := newProgress(stderr, "dreaming", "steps", 1, *quiet)
	result, err := dream.Dream(ctx, exec, img, p, func(pr dream.Progress) { bar.update(pr.Done, pr.Total) })
	bar.finish()
	if err == nil && (result.Width != ow || result.Height != oh) {
		result = dream.Resize(result, ow, oh)
	}
	if errors.Is(err, context.Canceled) {
		return interruptedf("interrupted; nothing was written")
	}
	if err != nil {
		return err
	}
	pic.Image = result
	if err := imageio.Write(*out, pic, imageio.WriteOptions{Force: *force, Input: in, Quality: *quality}); err != nil {
		return err
	}
	if !*quiet {
		fmt.Fprintf(stderr, "wrote %s (%dx%d)\n", *out, result.Width, result.Height)
	}
	return nil
}

// checkOutput refuses to write over the input, over an existing file
// without --force, or into a folder that cannot take the output, before
// any work is done.
func checkOutput(in, out string, force bool) error {
	if err := checkWritable(out); err != nil {
		return err
	}
	oi, err := os.Stat(out)
	if err != nil {
		return nil
	}
	if ii, err := os.Stat(in); err == nil && os.SameFile(ii, oi) {
		return usageErrorf("output %s is the input; choose another name", out)
	}
	if !force {
		return usageErrorf("output %s exists; use --force to replace it", out)
	}
	return nil
}

// checkWritable creates and removes a temporary file beside out, where
// the output's temporary file will go.
func checkWritable(out string) error {
	dir := filepath.Dir(out)
	f, err := os.CreateTemp(dir, ".deepdream-check-*")
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("cannot write %s: folder %s does not exist", out, dir)
		}
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("cannot write %s: folder %s: %w", out, dir, err)
	}
	f.Close()
	return os.Remove(f.Name())
}

// resizeAlpha resamples an alpha plane with the image resampler.
func resizeAlpha(alpha []uint16, w, h, nw, nh int) []uint16 {
	if alpha == nil {
		return nil
	}
	tmp := models.NewImage(w, h)
	for i, a := range alpha {
		v := float32(a) / 257
		tmp.Pix[3*i], tmp.Pix[3*i+1], tmp.Pix[3*i+2] = v, v, v
	}
	r := dream.Resize(tmp, nw, nh)
	out := make([]uint16, nw*nh)
	for i := range out {
		v := r.Pix[3*i]*257 + 0.5
		out[i] = uint16(min(max(v, 0), 65535))
	}
	return out
}
