package media

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	ffmpeg "github.com/u2takey/ffmpeg-go"
)

// SegmentFormat is the container for video-only segments that Concat can
// join into the final format: WebM for VP9 output, MP4 (holding H.264, with
// a timescale fine enough for rates like 30000/1001) for the others.
func SegmentFormat(final Format) (Format, error) {
	switch final {
	case FormatWebM:
		return FormatWebM, nil
	case FormatMP4, FormatMOV, FormatMKV:
		return FormatMP4, nil
	}
	return "", fmt.Errorf("media: %s output cannot be assembled from segments", final)
}

// Concat joins video-only segments, written by Encoders with the same
// options and Format SegmentFormat(opts.Format), into path without
// re-encoding the video, and muxes opts.Audio in as NewEncoder would.
// Joining encoded segments lets a long job keep its finished work as
// compact video instead of frame images.
func Concat(ctx context.Context, segments []string, path string, opts EncodeOptions) error {
	if len(segments) == 0 {
		return fmt.Errorf("media: concat %s: no segments", path)
	}
	bin, err := lookTool(opts.FFmpegPath, "ffmpeg")
	if err != nil {
		return err
	}
	format := opts.Format
	if _, err := SegmentFormat(format); err != nil {
		return err
	}
	list, err := os.CreateTemp(filepath.Dir(path), ".concat-*.txt")
	if err != nil {
		return fmt.Errorf("media: concat %s: %w", path, err)
	}
	defer os.Remove(list.Name())
	var b strings.Builder
	for _, s := range segments {
		abs, err := filepath.Abs(s)
		if err != nil {
			list.Close()
			return fmt.Errorf("media: concat %s: %w", path, err)
		}
		// The concat demuxer's quoting: single quotes, with ' written as '\''.
		b.WriteString("file '" + strings.ReplaceAll(abs, "'", `'\''`) + "'\n")
	}
	if _, err := list.WriteString(b.String()); err != nil {
		list.Close()
		return fmt.Errorf("media: concat %s: %w", path, err)
	}
	if err := list.Close(); err != nil {
		return fmt.Errorf("media: concat %s: %w", path, err)
	}
	streams := []*ffmpeg.Stream{ffmpeg.Input(localPath(list.Name()), ffmpeg.KwArgs{"f": "concat", "safe": "0"}).Get("v:0")}
	outKw := ffmpeg.KwArgs{"c:v": "copy", "f": map[Format]string{FormatMP4: "mp4", FormatMOV: "mov", FormatMKV: "matroska", FormatWebM: "webm"}[format]}
	if format == FormatMP4 || format == FormatMOV {
		outKw["movflags"] = "+faststart"
	}
	if opts.Comment != "" {
		outKw["metadata"] = "comment=" + opts.Comment
	}
	if a := opts.Audio; a != nil && len(a.Streams) > 0 {
		streams = addAudio(streams, outKw, format, a)
	}
	args, err := compileArgs(ffmpeg.Output(streams, localPath(path), outKw))
	if err != nil {
		return err
	}
	p := newProc(ctx, opts.Logger, bin, append([]string{"-y"}, args...))
	if err := p.cmd.Start(); err != nil {
		return fmt.Errorf("media: concat %s: start ffmpeg: %w", path, err)
	}
	_ = p.wait()
	if err := p.failure(); err != nil {
		return fmt.Errorf("media: concat %s: %w", path, err)
	}
	return nil
}
