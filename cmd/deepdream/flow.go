package main

import (
	"bufio"
	"fmt"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/deepdream-go/deepdream/flow"
	"github.com/deepdream-go/deepdream/pipeline/imageio"
)

const flowUsage = `Usage: deepdream flow A B -o OUT [flags]

Computes the dense optical flow from picture A to picture B (where each pixel
of A moves to in B) and writes it as a Middlebury .flo file (in pixels) or as
a colour-wheel .png (hue = direction, saturation = speed).

Examples:
  deepdream flow frame10.png frame11.png -o flow.png
  deepdream flow a.jpg b.jpg -o flow.flo --quality accurate

Flags:
`

func cmdFlow(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("flow", flowUsage, stdout)
	out := fs.String("o", "", "output: .flo or .png (required)")
	force := fs.Bool("force", false, "replace OUT if it exists")
	quality := fs.String("quality", "medium", "fast, medium or accurate")
	maxMotion := floatFlagP(fs, "max-motion", 0, 0, 1e6, "speed shown fully saturated in the PNG, in pixels (0: the largest in the field)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return usageErrorf("want two pictures A and B, got %d arguments", fs.NArg())
	}
	if *out == "" {
		return usageErrorf("-o OUT is required")
	}
	ext := strings.ToLower(filepath.Ext(*out))
	if ext != ".flo" && ext != ".png" {
		return usageErrorf("output %s: want .flo or .png", *out)
	}
	var opt flow.Options
	switch *quality {
	case "fast":
		opt = flow.Fast()
	case "medium":
		opt = flow.Medium()
	case "accurate":
		opt = flow.Accurate()
	default:
		return usageErrorf("--quality %q is not one of fast, medium, accurate", *quality)
	}
	for _, in := range fs.Args() {
		if err := checkOutput(in, *out, *force); err != nil {
			return err
		}
	}
	a, err := imageio.Read(fs.Arg(0))
	if err != nil {
		return err
	}
	b, err := imageio.Read(fs.Arg(1))
	if err != nil {
		return err
	}
	if a.Image.Width != b.Image.Width || a.Image.Height != b.Image.Height {
		return fmt.Errorf("pictures differ in size: %dx%d and %dx%d", a.Image.Width, a.Image.Height, b.Image.Width, b.Image.Height)
	}
	fa, err := flow.FromRGB(a.Image.Pix, a.Image.Width, a.Image.Height)
	if err != nil {
		return err
	}
	fb, err := flow.FromRGB(b.Image.Pix, b.Image.Width, b.Image.Height)
	if err != nil {
		return err
	}
	ctx, stop := signalContext()
	defer stop()
	start := time.Now()
	field, err := flow.Compute(ctx, fa, fb, opt)
	if err != nil {
		return err
	}
	took := time.Since(start)
	err = writeAtomic(*out, func(w io.Writer) error {
		if ext == ".flo" {
			return flow.WriteFlo(w, field)
		}
		m := float32(*maxMotion)
		if m <= 0 {
			m = flow.MaxMagnitude(field)
		}
		img, err := flow.Colorize(field, m)
		if err != nil {
			return err
		}
		return png.Encode(w, img)
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "wrote %s (%dx%d, largest motion %.1f px, computed in %v)\n", *out, field.Width, field.Height, flow.MaxMagnitude(field), took.Round(time.Millisecond))
	return nil
}

// writeAtomic writes a file through a temporary name in the same folder.
func writeAtomic(path string, write func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".deepdream-*"+filepath.Ext(path))
	if err != nil {
		return err
	}
	tmp := f.Name()
	// CreateTemp makes the file private (0600); an output is an ordinary file.
	err = f.Chmod(0o644)
	bw := bufio.NewWriter(f)
	if err == nil {
		err = write(bw)
	}
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Close()
	} else {
		f.Close()
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644) // as os.Create would; CreateTemp makes 0600
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
