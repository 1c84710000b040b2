package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/deepdream-go/deepdream/dream"
	"github.com/deepdream-go/deepdream/models"
	"github.com/deepdream-go/deepdream/pipeline"
	"github.com/deepdream-go/deepdream/pipeline/imageio"
	"github.com/deepdream-go/deepdream/pipeline/sheet"
)

// maxPreviewTimes bounds a preview strip.
const maxPreviewTimes = 12

// parsePreviewTimes reads --preview for video: times such as 3.5s,7s,1:02.
func parsePreviewTimes(s string) ([]time.Duration, error) {
	var out []time.Duration
	for _, part := range strings.Split(s, ",") {
		d, err := parseClock(strings.TrimSpace(part))
		if err != nil {
			return nil, usageErrorf("--preview: %v", err)
		}
		out = append(out, d)
	}
	if len(out) > maxPreviewTimes {
		return nil, usageErrorf("--preview: %d times is more than a strip holds (%d)", len(out), maxPreviewTimes)
	}
	return out, nil
}

// previewPath is where a preview of the job writing out goes: out itself
// when it is a picture, else OUT.preview.png beside it (dream.mp4 →
// dream.preview.png, frames/ → frames.preview.png).
func previewPath(out string) string {
	if _, err := imageio.FormatFor(out); err == nil {
		return out
	}
	out = strings.TrimRight(out, `/\`)
	if ext := filepath.Ext(out); ext != "" {
		out = strings.TrimSuffix(out, ext)
	}
	return out + ".preview.png"
}

// checkPreviewOutput refuses a preview that cannot be written, before any
// work is done.
func checkPreviewOutput(path, input string, force bool) error {
	if err := checkOutput(input, path, force); err != nil {
		return err
	}
	if st, err := os.Stat(filepath.Dir(path)); err != nil || !st.IsDir() {
		return usageErrorf("cannot write %s: folder %s does not exist", path, filepath.Dir(path))
	}
	return nil
}

// writePreview writes one frame as it is, or several as a labelled strip.
func writePreview(path, input string, force bool, frames []*models.Image, labels []string) error {
	img := frames[0]
	if len(frames) > 1 {
		variants := make([]sheet.Variant, len(frames))
		for i, l := range labels {
			variants[i] = sheet.Variant{Title: l, Hint: "--start " + l + " --frames 1"}
		}
		img, _, _ = imageio.FromImage(sheet.Compose(frames, variants, sheet.Options{Columns: len(frames)}))
	}
	return imageio.Write(path, &imageio.Picture{Image: img, Depth: 8}, imageio.WriteOptions{Force: force, Input: input})
}

// runVideoPreview dreams the frames at the --preview times as first frames
// and writes them, instead of rendering the clip.
func runVideoPreview(ctx context.Context, exec dream.Network, opt pipeline.VideoOptions, times []time.Duration, path string, quiet bool, stderr io.Writer) error {
	bar := newProgress(stderr, "preview", "steps", 1, quiet)
	frames, err := pipeline.PreviewVideo(ctx, exec, opt, times, bar.update)
	bar.finish()
	if err != nil {
		if ctx.Err() != nil {
			return errors.New("interrupted; nothing was written")
		}
		return err
	}
	labels := make([]string, len(times))
	for i, t := range times {
		labels[i] = formatClock(t)
	}
	if err := writePreview(path, opt.Input, opt.Force, frames, labels); err != nil {
		return err
	}
	if !quiet {
		fmt.Fprintf(stderr, "wrote %s (%d frame(s) at %s, dreamed as first frames)\n", path, len(frames), strings.Join(labels, ", "))
	}
	return nil
}

// runZoomPreview renders frame n of the zoom and writes it, instead of the
// animation.
func runZoomPreview(ctx context.Context, exec dream.Network, opt pipeline.ZoomOptions, n int, path string, quiet bool, stderr io.Writer) error {
	bar := newProgress(stderr, "preview", "frames", 1, quiet)
	opt.Progress = func(p pipeline.JobProgress) { bar.update(p.Done, p.Total) }
	img, err := pipeline.PreviewZoom(ctx, exec, opt, n)
	bar.finish()
	if err != nil {
		if ctx.Err() != nil {
			return errors.New("interrupted; nothing was written")
		}
		return err
	}
	if err := writePreview(path, opt.From, opt.Force, []*models.Image{img}, nil); err != nil {
		return err
	}
	if !quiet {
		fmt.Fprintf(stderr, "wrote %s (frame %d of the zoom)\n", path, n)
	}
	return nil
}

// formatClock writes a time as Go does (3.5s, 1m2s), which --start reads
// back.
func formatClock(d time.Duration) string { return d.Round(time.Millisecond).String() }
