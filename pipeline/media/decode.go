package media

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"strconv"
	"time"

	ffmpeg "github.com/u2takey/ffmpeg-go"
)

// DecodeOptions tune a Decoder. The zero value decodes the whole clip at
// its display size and frame rate.
type DecodeOptions struct {
	// Width and Height ask for a smaller or larger output size with the
	// display aspect kept: with one of them set the other follows the
	// aspect; with both set the frame fits inside Width×Height. Zero: the
	// display size.
	Width, Height int
	// FrameRate resamples to this rate with ffmpeg's fps filter (frames are
	// duplicated or dropped). Zero: the source rate; a variable-rate source
	// is always resampled to Info.FrameRate (its average rate): frame
	// timestamps are not kept, so callers should say so (Resampled).
	FrameRate Rational
	// Start skips to this time in the source (accurate seek), moved forward
	// to the next frame boundary; AudioSource uses the same start.
	Start time.Duration
	// Duration limits the decoded span; zero: to the end.
	Duration time.Duration
	// MaxFrames stops after this many frames; zero: no limit.
	MaxFrames int
	// Strict stops at the first damaged packet or frame (ffmpeg -xerror
	// -err_detect explode) with a *FrameError. By default ffmpeg conceals
	// damage and decoding goes on; Warning then reports the last problem. A
	// source that ends early is an error either way.
	Strict bool
	// Info is the probe result for the file; nil: the decoder probes it.
	Info *Info
	// FFmpegPath is the ffmpeg binary; "" looks up "ffmpeg" in PATH.
	FFmpegPath string
	// FFprobePath is the ffprobe binary used when Info is nil.
	FFprobePath string
	// Logger receives the ffmpeg command line at debug level; nil: none.
	Logger *slog.Logger
}

// Decoder streams the frames of a clip as packed rgb24 (3 bytes per pixel,
// rows top to bottom, no padding) from an ffmpeg process.
//
// Next must not be called concurrently with itself; Close may be called
// from any goroutine, also while Next is blocked, and makes Next return.
// Always call Close: it reaps the ffmpeg process.
type Decoder struct {
	path      string
	info      *Info
	width     int
	height    int
	rate      Rational
	start     time.Duration
	duration  time.Duration
	maxFrames int
	expected  int // frames expected from the probe, -1 when unknown
	proc      *proc
	out       io.ReadCloser
	frame     int   // frames delivered so far
	err       error // sticky terminal result (io.EOF or a failure)
}

// NewDecoder starts decoding the clip at path. The process runs until the
// last frame is read, Close is called, or ctx is cancelled.
func NewDecoder(ctx context.Context, path string, opts DecodeOptions) (*Decoder, error) {
	bin, err := lookTool(opts.FFmpegPath, "ffmpeg")
	if err != nil {
		return nil, err
	}
	info := opts.Info
	if info == nil {
		info, err = ProbeWith(ctx, path, ProbeOptions{FFprobePath: opts.FFprobePath, Logger: opts.Logger})
		if err != nil {
			return nil, err
		}
	}
	if opts.Start < 0 || opts.Duration < 0 || opts.MaxFrames < 0 || opts.Width < 0 || opts.Height < 0 {
		return nil, fmt.Errorf("media: decode %s: negative option", path)
	}
	d := &Decoder{path: path, info: info, start: opts.Start, duration: opts.Duration,
		maxFrames: opts.MaxFrames, expected: -1}
	if opts.Width > MaxSide || opts.Height > MaxSide {
		return nil, fmt.Errorf("media: decode %s: requested size %dx%d is beyond the limit of %d pixels per side", path, opts.Width, opts.Height, MaxSide)
	}
	if info.Width < 1 || info.Height < 1 {
		return nil, fmt.Errorf("media: decode %s: the video stream has no picture size", path)
	}
	d.width, d.height = fitSize(info.Width, info.Height, opts.Width, opts.Height)
	if err := CheckFrameSize("media: decode "+path+": frames", d.width, d.height); err != nil {
		return nil, fmt.Errorf("%w (ask for a smaller --width or --height)", err)
	}

	d.rate = info.FrameRate
	resample := info.VFR
	if opts.FrameRate.Valid() {
		d.rate, resample = opts.FrameRate.Reduce(), true
	}
	d.start = snapStart(opts.Start, info.FrameRate)
	d.expected = d.expectedFrames()

	inKw := ffmpeg.KwArgs{}
	if d.start > 0 {
		inKw["ss"] = seconds(d.start)
	}
	if opts.Duration > 0 {
		inKw["t"] = seconds(opts.Duration)
	}
	if opts.Strict {
		inKw["err_detect"] = "explode"
	}
	v := ffmpeg.Input(localPath(path), inKw).Get(strconv.Itoa(info.VideoStream))
	if resample {
		v = v.Filter("fps", nil, ffmpeg.KwArgs{"fps": d.rate.String()})
	}
	// Autorotate (ffmpeg's default) has already turned the picture; the
	// scale resolves the SAR and any requested size.
	if needsScale(info, d.width, d.height) {
		v = v.Filter("scale", nil, ffmpeg.KwArgs{"w": d.width, "h": d.height, "flags": "bicubic"})
	}
	v = v.Filter("setsar", nil, ffmpeg.KwArgs{"sar": "1"}).Filter("format", nil, ffmpeg.KwArgs{"pix_fmts": "rgb24"})
	outKw := ffmpeg.KwArgs{"f": "rawvideo", "pix_fmt": "rgb24", "vsync": "passthrough"}
	if opts.MaxFrames > 0 {
		outKw["frames:v"] = opts.MaxFrames
	}
	args, err := compileArgs(ffmpeg.Output([]*ffmpeg.Stream{v}, "pipe:1", outKw))
	if err != nil {
		return nil, err
	}
	if opts.Strict {
		args = append([]string{"-xerror"}, args...)
	}
	d.proc = newProc(ctx, opts.Logger, bin, args)
	d.out, err = d.proc.cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("media: decode %s: %w", path, err)
	}
	if err := d.proc.cmd.Start(); err != nil {
		return nil, fmt.Errorf("media: decode %s: start ffmpeg: %w", path, err)
	}
	return d, nil
}

// snapStart moves a start time forward to the next frame boundary of the
// source (a grid of the given rate from 0), less 0.1 ms so that ffmpeg's
// accurate seek keeps the frame on the boundary. The audio is cut at the
// same time, so the first decoded frame and the first audio sample belong
// to the same instant; an unsnapped start would put the audio up to a frame
// ahead of the picture.
func snapStart(start time.Duration, rate Rational) time.Duration {
	if start <= 0 || !rate.Valid() {
		return start
	}
	k := math.Ceil(start.Seconds()*rate.Float64() - 1e-6)
	snapped := time.Duration(k * float64(rate.Den) / float64(rate.Num) * float64(time.Second))
	return max(snapped-100*time.Microsecond, 0)
}

// DecodeSize returns the frame size a Decoder of the clip gives for a
// requested Width and Height (see DecodeOptions), without starting ffmpeg.
func DecodeSize(info *Info, width, height int) (int, int) {
	return fitSize(info.Width, info.Height, width, height)
}

// fitSize returns the output size for a display size dw×dh and a request.
// A side that the aspect would push beyond MaxSide comes out as MaxSide+1,
// so that the caller's size check refuses it without an overflow.
func fitSize(dw, dh, w, h int) (int, int) {
	aspect := float64(dw) / float64(dh)
	side := func(v float64) int { return int(min(math.Round(v), MaxSide+1)) }
	switch {
	case w > 0 && h > 0:
		if float64(w)/float64(h) > aspect {
			w = side(float64(h) * aspect)
		} else {
			h = side(float64(w) / aspect)
		}
	case w > 0:
		h = side(float64(w) / aspect)
	case h > 0:
		w = side(float64(h) * aspect)
	default:
		w, h = dw, dh
	}
	return max(w, 1), max(h, 1)
}

func needsScale(info *Info, w, h int) bool {
	rw, rh := info.StoredWidth, info.StoredHeight
	if rot := ((info.Rotation % 360) + 360) % 360; rot == 90 || rot == 270 {
		rw, rh = rh, rw
	}
	return w != rw || h != rh
}

// expectedFrames estimates how many frames this decode will deliver, or
// returns -1 when the probe gives no reliable figure.
func (d *Decoder) expectedFrames() int {
	info := d.info
	var n int
	if info.FramesExact && !info.VFR && d.rate == info.FrameRate && d.start == 0 && d.duration == 0 {
		n = info.Frames
	} else {
		span := info.Duration - d.start
		if d.duration > 0 && d.duration < span {
			span = d.duration
		}
		if info.Duration <= 0 || span <= 0 {
			return -1
		}
		n = int(math.Round(span.Seconds() * d.rate.Float64()))
	}
	if d.maxFrames > 0 && d.maxFrames < n {
		n = d.maxFrames
	}
	return n
}

// Resampled reports whether the frames are resampled to a constant rate
// that differs from the source's timing: a variable-rate source, or a
// FrameRate other than the source's.
func (d *Decoder) Resampled() bool {
	return d.info.VFR || d.rate != d.info.FrameRate.Reduce()
}

// Start returns where in the source the decode starts: DecodeOptions.Start
// moved to a frame boundary.
func (d *Decoder) Start() time.Duration { return d.start }

// Width returns the width of the decoded frames in pixels.
func (d *Decoder) Width() int { return d.width }

// Height returns the height of the decoded frames in pixels.
func (d *Decoder) Height() int { return d.height }

// FrameSize returns the size of one rgb24 frame in bytes (Width×Height×3).
func (d *Decoder) FrameSize() int { return d.width * d.height * 3 }

// FrameRate returns the exact rate of the decoded frames.
func (d *Decoder) FrameRate() Rational { return d.rate }

// Info returns the probe result of the source.
func (d *Decoder) Info() *Info { return d.info }

// ExpectedFrames returns the number of frames the decode should deliver
// according to the probe (an estimate for some containers), or -1.
func (d *Decoder) ExpectedFrames() int { return d.expected }

// Warning returns the last error line ffmpeg has printed so far, or "".
// With Strict off, damaged frames are concealed and only reported here.
func (d *Decoder) Warning() string { return d.proc.stderrLine() }

// Frame returns the number of frames delivered so far; it is also the
// index of the frame the next call to Next will fill.
func (d *Decoder) Frame() int { return d.frame }

// AudioSource returns the audio of the decoded span, ready for
// EncodeOptions.Audio: the same file, start and duration (when MaxFrames
// bounds the decode, the duration of that many frames; with no bound, up
// to the end of the video stream, so that audio which starts late or runs
// longer does not outlast the picture). It returns nil when the source has
// no audio.
func (d *Decoder) AudioSource() *AudioSource {
	if len(d.info.Audio) == 0 {
		return nil
	}
	dur := d.duration
	if dur == 0 && d.info.Duration > d.start {
		dur = d.info.Duration - d.start
	}
	if d.maxFrames > 0 {
		fd := time.Duration(d.rate.FrameDuration(d.maxFrames) * float64(time.Second))
		if dur == 0 || fd < dur {
			dur = fd
		}
	}
	return &AudioSource{Path: d.path, Streams: d.info.Audio, Start: d.start, Duration: dur}
}

// Next reads the next frame into frame, which must hold FrameSize bytes.
// It returns io.EOF after the last frame. A source that ends before the
// expected number of frames, a decoding failure or a cancelled context
// yields a *FrameError naming the index of the frame that failed, with
// ffmpeg's last error line.
func (d *Decoder) Next(frame []byte) error {
	if d.err != nil {
		return d.err
	}
	if len(frame) < d.FrameSize() {
		return fmt.Errorf("media: decode %s: frame buffer is %d bytes, need %d", d.path, len(frame), d.FrameSize())
	}
	n, err := io.ReadFull(d.out, frame[:d.FrameSize()])
	if err == nil {
		d.frame++
		return nil
	}
	// End of stream, a dead process, or Close from another goroutine.
	_ = d.proc.wait()
	d.err = d.finish(n, err)
	return d.err
}

func (d *Decoder) finish(n int, readErr error) error {
	fail := func(cause error) error {
		return &FrameError{Op: "decode", Path: d.path, Frame: d.frame, Err: cause}
	}
	if d.proc.wasKilled() {
		return fmt.Errorf("media: decode %s: %w", d.path, ErrClosed)
	}
	if err := d.proc.failure(); err != nil {
		return fail(err)
	}
	if n > 0 || !errors.Is(readErr, io.EOF) {
		msg := fmt.Sprintf("incomplete frame (%d of %d bytes)", n, d.FrameSize())
		if l := d.proc.stderrLine(); l != "" {
			msg += ": ffmpeg: " + l
		}
		return fail(errors.New(msg))
	}
	// ffmpeg exited cleanly. A clip cut short still exits 0 but logs errors
	// and delivers fewer frames than the container announced.
	if d.frame == 0 {
		return fail(fmt.Errorf("no frames decoded%s", stderrSuffix(d.proc)))
	}
	if d.expected > 0 && d.frame < d.expected-tolerance(d.expected) && d.proc.stderrLine() != "" {
		return fail(fmt.Errorf("source ended early after %d of %d frames: ffmpeg: %s", d.frame, d.expected, d.proc.stderrLine()))
	}
	return io.EOF
}

// tolerance is how many frames short of the estimate a decode may end
// without being reported (containers round durations).
func tolerance(expected int) int { return 2 + expected/50 }

func stderrSuffix(p *proc) string {
	if l := p.stderrLine(); l != "" {
		return ": ffmpeg: " + l
	}
	return ""
}

// Close stops the ffmpeg process (if it is still running) and releases it.
// It is safe to call more than once and from another goroutine.
func (d *Decoder) Close() error {
	if d.proc == nil {
		return nil
	}
	d.proc.kill()
	return nil
}
