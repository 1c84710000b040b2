package media

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	ffmpeg "github.com/u2takey/ffmpeg-go"
)

// Format is an output container (or a PNG frame directory).
type Format string

// The output formats.
const (
	FormatMP4  Format = "mp4"  // H.264 (libx264) + AAC, faststart
	FormatMOV  Format = "mov"  // H.264 (libx264) + AAC, faststart
	FormatMKV  Format = "mkv"  // H.264 (libx264) + any audio (copied)
	FormatWebM Format = "webm" // VP9 (libvpx-vp9) + Opus/Vorbis
	FormatGIF  Format = "gif"  // palette GIF, loops forever, no audio
	FormatPNG  Format = "png"  // a directory of frame_000001.png ..., no audio
)

// FormatFromPath picks the output format from a path's extension: .mp4,
// .m4v, .mov, .mkv, .webm, .gif; an existing directory, a path ending in a
// separator, or a path without an extension means a PNG frame directory.
func FormatFromPath(path string) (Format, error) {
	if path == "-" {
		return "", fmt.Errorf("media: output \"-\" (standard output) is not supported; give a file name or a folder")
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return FormatPNG, nil
	}
	if strings.HasSuffix(path, "/") || strings.HasSuffix(path, string(filepath.Separator)) {
		return FormatPNG, nil
	}
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".mp4", ".m4v":
		return FormatMP4, nil
	case ".mov":
		return FormatMOV, nil
	case ".mkv":
		return FormatMKV, nil
	case ".webm":
		return FormatWebM, nil
	case ".gif":
		return FormatGIF, nil
	case "":
		return FormatPNG, nil
	default:
		return "", fmt.Errorf("media: unsupported output extension %q (want .mp4, .mov, .mkv, .webm, .gif or a directory)", ext)
	}
}

// AudioSource names the audio to mux into an output: the given streams of
// a file, cut with the same start and duration as the video decode.
// Decoder.AudioSource builds one.
type AudioSource struct {
	Path     string
	Streams  []AudioStream // streams to include (all of Info.Audio, usually)
	Start    time.Duration // seek in the source, as the decode did
	Duration time.Duration // zero: to the end of the source
}

// EncodeOptions describe the frames given to an Encoder and the output.
type EncodeOptions struct {
	// Format is the output format. Callers that write to a temporary name
	// should set it from the final name (FormatFromPath); "" derives it from
	// the path given to NewEncoder.
	Format Format
	// Width and Height are the size of the rgb24 frames (required).
	Width, Height int
	// FrameRate is the exact rate of the frames (required).
	FrameRate Rational
	// CRF is the constant rate factor: 0 means 18 for H.264 and 32 for VP9.
	CRF int
	// Preset is the libx264 preset; "" means "medium".
	Preset string
	// Audio, when not nil and the format has audio, is muxed in: all its
	// streams, in order. A stream is copied when the container accepts its
	// codec (AAC in MP4/MOV, Opus/Vorbis in WebM, anything in MKV) and the
	// cut starts at 0; otherwise it is re-encoded (AAC for MP4/MOV, Opus for
	// WebM, AAC or Opus for MKV), which also trims it exactly.
	Audio *AudioSource
	// GIFWidth scales GIF output down to this width (aspect kept); 0: frame
	// width. A width above the frame width is refused (no upscaling).
	GIFWidth int
	// GIFFrameRate resamples GIF output; zero: FrameRate, capped at 50 fps
	// (GIF delays are in 1/100 s and browsers slow down faster GIFs). A
	// rate above MaxGIFFrameRate is refused.
	GIFFrameRate Rational
	// Comment is stored as the output's comment tag (MP4, MOV, MKV, WebM);
	// "" stores none. See DreamComment.
	Comment string
	// GIFDither is paletteuse's dither mode; "" means "sierra2_4a".
	GIFDither string
	// GIFColors caps the GIF palette (palettegen max_colors), 2..256; 0: 256.
	GIFColors int
	// FFmpegPath is the ffmpeg binary; "" looks up "ffmpeg" in PATH.
	FFmpegPath string
	// Logger receives the ffmpeg command line at debug level; nil: none.
	Logger *slog.Logger
}

// Encoder feeds rgb24 frames to an ffmpeg process that writes the output.
// It is not safe for concurrent use, except that Abort may be called from
// any goroutine. Always finish with Close (keep the output) or Abort.
type Encoder struct {
	path   string
	format Format
	size   int
	proc   *proc
	in     io.WriteCloser
	frame  int
	err    error // sticky failure
	closed bool  // Close succeeded
}

// NewEncoder starts an ffmpeg process writing path in opts.Format. For
// FormatPNG, path is a directory (created if missing) that receives
// frame_000001.png, frame_000002.png, ...
func NewEncoder(ctx context.Context, path string, opts EncodeOptions) (*Encoder, error) {
	bin, err := lookTool(opts.FFmpegPath, "ffmpeg")
	if err != nil {
		return nil, err
	}
	format := opts.Format
	if format == "" {
		if format, err = FormatFromPath(path); err != nil {
			return nil, err
		}
	}
	if opts.Width <= 0 || opts.Height <= 0 || !opts.FrameRate.Valid() {
		return nil, fmt.Errorf("media: encode %s: need positive Width, Height and FrameRate (got %dx%d at %s)", path, opts.Width, opts.Height, opts.FrameRate)
	}
	if err := CheckFrameSize("media: encode "+path+": frames", opts.Width, opts.Height); err != nil {
		return nil, err
	}
	if format == FormatGIF {
		if r := opts.GIFFrameRate; r.Valid() && r.Float64() > MaxGIFFrameRate {
			return nil, fmt.Errorf("media: encode %s: GIF frame rate %s is above %d fps, which players slow down; choose %d or less", path, r, MaxGIFFrameRate, MaxGIFFrameRate)
		}
		if opts.GIFWidth > opts.Width {
			return nil, fmt.Errorf("media: encode %s: GIF width %d is wider than the frames (%d pixels); GIFs are not upscaled, choose %d or less", path, opts.GIFWidth, opts.Width, opts.Width)
		}
	}
	args, err := encodeArgs(path, format, opts)
	if err != nil {
		return nil, err
	}
	if format == FormatPNG {
		if err := os.MkdirAll(path, 0o755); err != nil {
			return nil, fmt.Errorf("media: encode %s: %w", path, err)
		}
	}
	e := &Encoder{path: path, format: format, size: opts.Width * opts.Height * 3}
	e.proc = newProc(ctx, opts.Logger, bin, args)
	if e.in, err = e.proc.cmd.StdinPipe(); err != nil {
		return nil, fmt.Errorf("media: encode %s: %w", path, err)
	}
	if err := e.proc.cmd.Start(); err != nil {
		return nil, fmt.Errorf("media: encode %s: start ffmpeg: %w", path, err)
	}
	return e, nil
}

// encodeArgs builds the ffmpeg command line with ffmpeg-go.
func encodeArgs(path string, format Format, opts EncodeOptions) ([]string, error) {
	in := ffmpeg.Input("pipe:0", ffmpeg.KwArgs{
		"f": "rawvideo", "pix_fmt": "rgb24",
		"video_size": fmt.Sprintf("%dx%d", opts.Width, opts.Height),
		"framerate":  opts.FrameRate.Reduce().String(),
	})
	v := in.Get("0")
	outKw := ffmpeg.KwArgs{}
	streams := []*ffmpeg.Stream{}
	target := localPath(path)
	withAudio := false

	switch format {
	case FormatMP4, FormatMOV, FormatMKV, FormatWebM:
		// yuv420p needs even dimensions: drop the odd last row/column.
		if w, h := EncodedSize(format, opts.Width, opts.Height); w != opts.Width || h != opts.Height {
			if w == 0 || h == 0 {
				return nil, fmt.Errorf("media: encode %s: frame %dx%d too small for yuv420p", path, opts.Width, opts.Height)
			}
			v = v.Filter("crop", nil, ffmpeg.KwArgs{"w": w, "h": h, "x": 0, "y": 0})
		}
		// RGB -> BT.709 limited-range YUV, tagged as such.
		v = v.Filter("scale", nil, ffmpeg.KwArgs{"out_color_matrix": "bt709", "out_range": "tv"}).
			Filter("format", nil, ffmpeg.KwArgs{"pix_fmts": "yuv420p"})
		outKw["colorspace"] = "bt709"
		outKw["color_primaries"] = "bt709"
		outKw["color_trc"] = "bt709"
		outKw["color_range"] = "tv"
		if format == FormatWebM {
			crf := opts.CRF
			if crf == 0 {
				crf = 32
			}
			outKw["c:v"] = "libvpx-vp9"
			outKw["crf"] = crf
			outKw["b:v"] = "0"
			outKw["deadline"] = "good"
			outKw["cpu-used"] = "4"
			outKw["row-mt"] = "1"
			outKw["f"] = "webm"
		} else {
			crf := opts.CRF
			if crf == 0 {
				crf = 18
			}
			preset := opts.Preset
			if preset == "" {
				preset = "medium"
			}
			outKw["c:v"] = "libx264"
			outKw["crf"] = crf
			outKw["preset"] = preset
			outKw["f"] = map[Format]string{FormatMP4: "mp4", FormatMOV: "mov", FormatMKV: "matroska"}[format]
			if format != FormatMKV {
				outKw["movflags"] = "+faststart"
			}
		}
		outKw["pix_fmt"] = "yuv420p"
		withAudio = opts.Audio != nil && len(opts.Audio.Streams) > 0
	case FormatGIF:
		rate := opts.GIFFrameRate
		if !rate.Valid() {
			rate = opts.FrameRate.Reduce()
			if rate.Float64() > 50 {
				rate = Rational{50, 1}
			}
		}
		if rate != opts.FrameRate.Reduce() {
			v = v.Filter("fps", nil, ffmpeg.KwArgs{"fps": rate.String()})
		}
		if opts.GIFWidth > 0 && opts.GIFWidth != opts.Width {
			v = v.Filter("scale", nil, ffmpeg.KwArgs{"w": opts.GIFWidth, "h": -1, "flags": "lanczos"})
		}
		dither := opts.GIFDither
		if dither == "" {
			dither = "sierra2_4a"
		}
		// One pass over the frames, used twice: palettegen sees them all,
		// then paletteuse maps each with that palette. ffmpeg buffers the
		// frames in between, so keep GIFs small and short.
		split := v.Split()
		pkw := ffmpeg.KwArgs{"stats_mode": "full"}
		if opts.GIFColors >= 2 && opts.GIFColors < 256 {
			pkw["max_colors"] = opts.GIFColors
		}
		palette := split.Get("0").Filter("palettegen", nil, pkw)
		v = ffmpeg.Filter([]*ffmpeg.Stream{split.Get("1"), palette}, "paletteuse", nil, ffmpeg.KwArgs{"dither": dither})
		outKw["f"] = "gif"
		outKw["loop"] = "0"
	case FormatPNG:
		outKw["f"] = "image2"
		outKw["c:v"] = "png"
		outKw["pix_fmt"] = "rgb24"
		outKw["start_number"] = "1"
		// image2 expands %-patterns: escape any % in the directory name.
		target = filepath.Join(strings.ReplaceAll(localPath(path), "%", "%%"), "frame_%06d.png")
	default:
		return nil, fmt.Errorf("media: encode %s: unknown format %q", path, format)
	}
	// Pass frames through one-to-one (no duplication/dropping by ffmpeg).
	outKw["vsync"] = "passthrough"
	if opts.Comment != "" && format != FormatGIF && format != FormatPNG {
		outKw["metadata"] = "comment=" + opts.Comment
	}
	streams = append(streams, v)

	if withAudio {
		streams = addAudio(streams, outKw, format, opts.Audio)
	}
	args, err := compileArgs(ffmpeg.Output(streams, target, outKw))
	if err != nil {
		return nil, err
	}
	// The caller chose the path (often a temporary name): overwrite it.
	return append([]string{"-y"}, args...), nil
}

// addAudio adds the source's audio streams, cut to the decoded span, to an
// output's streams and sets their codecs in outKw.
func addAudio(streams []*ffmpeg.Stream, outKw ffmpeg.KwArgs, format Format, a *AudioSource) []*ffmpeg.Stream {
	aKw := ffmpeg.KwArgs{}
	if a.Start > 0 {
		aKw["ss"] = seconds(a.Start)
	}
	if a.Duration > 0 {
		aKw["t"] = seconds(a.Duration)
	}
	src := ffmpeg.Input(localPath(a.Path), aKw)
	for i, s := range a.Streams {
		streams = append(streams, src.Get(strconv.Itoa(s.Index)))
		codec, bitrate := audioCodec(format, s, a.Start > 0)
		outKw["c:a:"+strconv.Itoa(i)] = codec
		if bitrate != "" {
			outKw["b:a:"+strconv.Itoa(i)] = bitrate
		}
	}
	return streams
}

// audioCodec decides, for one source audio stream, whether the container
// takes it as is ("copy") or which encoder and bitrate to use.
//
// A stream cut at a start time is always re-encoded: stream copy after an
// input seek starts at the demuxer's seek point (a video keyframe, possibly
// seconds earlier), which would put the audio out of sync; decoding trims
// it exactly.
func audioCodec(format Format, s AudioStream, trimmed bool) (codec, bitrate string) {
	ch := max(s.Channels, 1)
	switch format {
	case FormatMKV:
		if !trimmed {
			return "copy", ""
		}
		if s.Codec == "opus" || s.Codec == "vorbis" {
			return "libopus", strconv.Itoa(min(64*ch, 510)) + "k"
		}
		return "aac", strconv.Itoa(min(96*ch, 640)) + "k"
	case FormatWebM:
		if !trimmed && (s.Codec == "opus" || s.Codec == "vorbis") {
			return "copy", ""
		}
		return "libopus", strconv.Itoa(min(64*ch, 510)) + "k"
	default: // MP4, MOV
		if !trimmed && s.Codec == "aac" {
			return "copy", ""
		}
		return "aac", strconv.Itoa(min(96*ch, 640)) + "k"
	}
}

// Format returns the output format.
func (e *Encoder) Format() Format { return e.format }

// Frames returns the number of frames written so far.
func (e *Encoder) Frames() int { return e.frame }

// WriteFrame sends one rgb24 frame of Width×Height×3 bytes. If ffmpeg has
// failed, the error is a *FrameError with the frame index and ffmpeg's
// last error line.
func (e *Encoder) WriteFrame(frame []byte) error {
	if e.closed {
		return fmt.Errorf("media: encode %s: %w", e.path, ErrClosed)
	}
	if e.err != nil {
		return e.err
	}
	if len(frame) != e.size {
		return fmt.Errorf("media: encode %s: frame %d is %d bytes, want %d", e.path, e.frame, len(frame), e.size)
	}
	if _, err := e.in.Write(frame); err != nil {
		_ = e.in.Close()
		_ = e.proc.wait()
		if e.proc.wasKilled() {
			e.err = fmt.Errorf("media: encode %s: aborted: %w", e.path, ErrClosed)
			return e.err
		}
		cause := e.proc.failure()
		if cause == nil {
			cause = fmt.Errorf("ffmpeg stopped reading: %w%s", err, stderrSuffix(e.proc))
		}
		e.err = &FrameError{Op: "encode", Path: e.path, Frame: e.frame, Err: cause}
		return e.err
	}
	e.frame++
	return nil
}

// Close ends the input, waits for ffmpeg to finish writing the output and
// reports its failure, if any. A second Close returns the first's result.
func (e *Encoder) Close() error {
	if e.closed {
		return nil
	}
	if e.err != nil {
		return e.err
	}
	_ = e.in.Close()
	_ = e.proc.wait()
	if e.proc.wasKilled() {
		e.err = fmt.Errorf("media: encode %s: aborted: %w", e.path, ErrClosed)
		return e.err
	}
	if err := e.proc.failure(); err != nil {
		e.err = fmt.Errorf("media: encode %s: after %d frames: %w", e.path, e.frame, err)
		return e.err
	}
	if e.frame == 0 {
		e.err = fmt.Errorf("media: encode %s: no frames written", e.path)
		return e.err
	}
	e.closed = true
	return nil
}

// Abort kills ffmpeg and leaves whatever it wrote (the caller removes
// temporary outputs). Safe to call at any time and more than once.
func (e *Encoder) Abort() {
	if e.proc != nil {
		e.proc.kill()
	}
}
