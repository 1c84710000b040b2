package media

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"strconv"
	"time"

	ffmpeg "github.com/u2takey/ffmpeg-go"
)

// ErrNoAudio is wrapped by errors returned for media files that have no
// audio stream.
var ErrNoAudio = errors.New("no audio stream")

// AudioInfo describes the audio of a media file: an audio-only file (MP3,
// WAV, FLAC, ...) or a clip with a soundtrack.
type AudioInfo struct {
	Path   string
	Format string        // container, ffprobe's format_name
	Audio  []AudioStream // audio streams in file order, at least one
	// Duration is the first audio stream's duration, or the container's
	// when the stream does not say.
	Duration time.Duration
}

// Source returns the file's first audio stream as an AudioSource for
// EncodeOptions.Audio, cut to duration (zero: the whole stream).
func (a *AudioInfo) Source(duration time.Duration) *AudioSource {
	return &AudioSource{Path: a.Path, Streams: a.Audio[:1], Duration: duration}
}

// ProbeAudio inspects the audio streams of the media file at path. It
// fails with an error wrapping ErrNoAudio when the file is readable media
// without sound, and one wrapping ErrNotVideo (the file is not media at
// all) when ffprobe cannot read it.
func ProbeAudio(ctx context.Context, path string, opts ProbeOptions) (*AudioInfo, error) {
	bin, err := lookTool(opts.FFprobePath, "ffprobe")
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("media: probe: %w", err)
	}
	var pj probeJSON
	args := []string{"-v", "error", "-of", "json", "-show_format", "-show_streams", "-i", localPath(path)}
	if err := runProbe(ctx, opts.Logger, bin, args, &pj); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("media: probe %s: %w", path, ctx.Err())
		}
		return nil, fmt.Errorf("media: probe %s: %w: not readable as media: %v", path, ErrNotVideo, err)
	}
	info := &AudioInfo{Path: path, Format: pj.Format.FormatName}
	for _, s := range pj.Streams {
		if s.CodecType != "audio" {
			continue
		}
		a := AudioStream{Index: s.Index, Codec: s.CodecName, Channels: s.Channels,
			ChannelLayout: s.ChannelLayout, Duration: streamDuration(s.Duration, s.Tags)}
		a.SampleRate, _ = strconv.Atoi(s.SampleRate)
		info.Audio = append(info.Audio, a)
	}
	if len(info.Audio) == 0 {
		return nil, fmt.Errorf("media: %s: %w (container %q)", path, ErrNoAudio, info.Format)
	}
	info.Duration = info.Audio[0].Duration
	if info.Duration <= 0 {
		info.Duration = time.Duration(parseSeconds(pj.Format.Duration) * float64(time.Second))
	}
	return info, nil
}

// DefaultPCMRate is the sample rate PCMOptions.SampleRate 0 asks for:
// 22.05 kHz keeps everything up to 11 kHz, plenty for loudness, onsets and
// band energies, at half the cost of 44.1 kHz.
const DefaultPCMRate = 22050

// PCMOptions tune an AudioDecoder.
type PCMOptions struct {
	// SampleRate is the rate of the decoded samples (ffmpeg resamples);
	// 0: DefaultPCMRate.
	SampleRate int
	// Stream is the absolute index of the audio stream to decode; an index
	// that is not one of the file's audio streams (-1, or 0 where stream 0
	// is the picture): the first audio stream.
	Stream int
	// Start skips to this time; Duration limits the decoded span (zero:
	// to the end).
	Start, Duration time.Duration
	// Info is the probe result; nil: the decoder probes the file.
	Info *AudioInfo
	// FFmpegPath and FFprobePath are the binaries; "" looks them up in PATH.
	FFmpegPath, FFprobePath string
	// Logger receives the ffmpeg command line at debug level; nil: none.
	Logger *slog.Logger
}

// AudioDecoder streams one audio stream of a file as mono float32 samples
// (the channels mixed down by ffmpeg) at a chosen rate, from an ffmpeg
// process bound to a context. Read must not be called concurrently with
// itself; Close may be called from any goroutine and always reaps ffmpeg.
type AudioDecoder struct {
	path string
	info *AudioInfo
	rate int
	proc *proc
	out  io.ReadCloser
	buf  []byte
	err  error
	n    int // samples delivered so far
	// pending is the number of bytes of an incomplete sample at buf's start.
	pending int
}

// NewAudioDecoder starts decoding the audio of the file at path.
func NewAudioDecoder(ctx context.Context, path string, opts PCMOptions) (*AudioDecoder, error) {
	bin, err := lookTool(opts.FFmpegPath, "ffmpeg")
	if err != nil {
		return nil, err
	}
	if opts.SampleRate < 0 || opts.SampleRate > 384000 || opts.Start < 0 || opts.Duration < 0 {
		return nil, fmt.Errorf("media: decode audio %s: sample rate %d, start %v or duration %v out of range", path, opts.SampleRate, opts.Start, opts.Duration)
	}
	info := opts.Info
	if info == nil {
		if info, err = ProbeAudio(ctx, path, ProbeOptions{FFprobePath: opts.FFprobePath, Logger: opts.Logger}); err != nil {
			return nil, err
		}
	}
	stream := info.Audio[0].Index
	for _, s := range info.Audio {
		if s.Index == opts.Stream {
			stream = s.Index
		}
	}
	rate := opts.SampleRate
	if rate == 0 {
		rate = DefaultPCMRate
	}
	inKw := ffmpeg.KwArgs{}
	if opts.Start > 0 {
		inKw["ss"] = seconds(opts.Start)
	}
	if opts.Duration > 0 {
		inKw["t"] = seconds(opts.Duration)
	}
	a := ffmpeg.Input(localPath(path), inKw).Get(strconv.Itoa(stream))
	args, err := compileArgs(ffmpeg.Output([]*ffmpeg.Stream{a}, "pipe:1",
		ffmpeg.KwArgs{"f": "f32le", "acodec": "pcm_f32le", "ac": 1, "ar": rate}))
	if err != nil {
		return nil, err
	}
	d := &AudioDecoder{path: path, info: info, rate: rate, buf: make([]byte, 32<<10)}
	d.proc = newProc(ctx, opts.Logger, bin, args)
	if d.out, err = d.proc.cmd.StdoutPipe(); err != nil {
		return nil, fmt.Errorf("media: decode audio %s: %w", path, err)
	}
	if err := d.proc.cmd.Start(); err != nil {
		return nil, fmt.Errorf("media: decode audio %s: start ffmpeg: %w", path, err)
	}
	return d, nil
}

// SampleRate returns the rate of the decoded samples.
func (d *AudioDecoder) SampleRate() int { return d.rate }

// Samples returns the number of samples delivered so far.
func (d *AudioDecoder) Samples() int { return d.n }

// Info returns the probe result of the file.
func (d *AudioDecoder) Info() *AudioInfo { return d.info }

// Read fills dst with the next samples and returns how many it wrote. It
// returns io.EOF after the last sample (with n = 0), and an error with
// ffmpeg's last error line when decoding fails or ctx is cancelled.
func (d *AudioDecoder) Read(dst []float32) (int, error) {
	if d.err != nil {
		return 0, d.err
	}
	if len(dst) == 0 {
		return 0, nil
	}
	// d.buf[:d.pending] holds the bytes of a sample split by a read.
	want := max(min(len(dst)*4, len(d.buf)), 4)
	n, err := io.ReadAtLeast(d.out, d.buf[d.pending:want], 4-d.pending)
	n += d.pending
	if err == nil {
		whole := n / 4
		for i := range whole {
			dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(d.buf[4*i:]))
		}
		d.pending = copy(d.buf, d.buf[4*whole:n])
		d.n += whole
		return whole, nil
	}
	_ = d.proc.wait()
	d.err = d.finish(err)
	return 0, d.err
}

func (d *AudioDecoder) finish(readErr error) error {
	if d.proc.wasKilled() {
		return fmt.Errorf("media: decode audio %s: %w", d.path, ErrClosed)
	}
	if err := d.proc.failure(); err != nil {
		return fmt.Errorf("media: decode audio %s: %w", d.path, err)
	}
	if !errors.Is(readErr, io.EOF) && !errors.Is(readErr, io.ErrUnexpectedEOF) {
		return fmt.Errorf("media: decode audio %s: %w", d.path, readErr)
	}
	return io.EOF
}

// Close stops ffmpeg (if it still runs) and reaps it; safe to call twice.
func (d *AudioDecoder) Close() error {
	if d.proc != nil {
		d.proc.kill()
	}
	return nil
}

// DecodePCM decodes the whole span opts selects into memory: mono float32
// samples at the returned rate (4 bytes a sample, 5 MB a minute at the
// default rate).
func DecodePCM(ctx context.Context, path string, opts PCMOptions) (samples []float32, rate int, err error) {
	d, err := NewAudioDecoder(ctx, path, opts)
	if err != nil {
		return nil, 0, err
	}
	defer d.Close()
	chunk := make([]float32, 8192)
	for {
		n, err := d.Read(chunk)
		samples = append(samples, chunk[:n]...)
		if errors.Is(err, io.EOF) {
			return samples, d.rate, nil
		}
		if err != nil {
			return nil, 0, err
		}
	}
}
