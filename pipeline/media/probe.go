package media

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Info describes a source clip as ffprobe sees it, with the geometry and
// timing the pipeline needs.
type Info struct {
	Path   string // the probed file
	Format string // container, ffprobe's format_name (e.g. "mov,mp4,m4a,3gp,3g2,mj2")

	// StillImage is true for single images (PNG, JPEG, ...): ffmpeg reads
	// them as a one-frame video stream, so they probe and decode fine, but a
	// caller that wants a clip should reject them.
	StillImage bool

	VideoStream int    // absolute index of the video stream used
	VideoCodec  string // e.g. "h264", "vp8", "mjpeg"

	// StoredWidth and StoredHeight are the coded frame size.
	StoredWidth, StoredHeight int
	// SAR is the sample (pixel) aspect ratio, 1/1 when the file leaves it unset.
	SAR Rational
	// Rotation is the display rotation in degrees as ffprobe reports the
	// display matrix (counter-clockwise positive, e.g. -180, -90, 90); 0 for none.
	Rotation int
	// Width and Height are the display size in square pixels: the stored
	// width scaled by the SAR, then swapped with the height for ±90°.
	Width, Height int

	// FrameRate is the exact rate the pipeline works at: the stream's
	// r_frame_rate when it agrees with avg_frame_rate, else avg_frame_rate.
	// When both agree but the timestamps of the first packets are irregular,
	// it is their measured average (snapped to a standard rate within 0.2%).
	// Variable-rate sources are resampled to it on decode.
	FrameRate Rational
	// RFrameRate and AvgFrameRate are ffprobe's raw figures.
	RFrameRate, AvgFrameRate Rational
	// VFR is true when the frame rate is variable: r_frame_rate and
	// avg_frame_rate disagree, or the first packets' timestamps are irregular.
	VFR bool

	// Frames is the number of video frames: counted when probed with
	// CountFrames, else the container's nb_frames, else Duration×FrameRate.
	Frames int
	// FramesExact is false when Frames is an estimate from the duration.
	FramesExact bool

	Duration  time.Duration // of the video stream (container duration if unknown)
	StartTime time.Duration // of the video stream

	PixFmt     string // e.g. "yuv420p", "yuvj420p"
	ColorRange string // "tv" (limited), "pc" (full) or "" when unknown
	FullRange  bool   // pc range, or a yuvj* pixel format

	Audio []AudioStream // audio streams in file order; empty when none

	// Comment is the container's comment tag ("" when none); see DreamComment.
	Comment string

	timeBase Rational // of the video stream
}

// AudioStream describes one audio stream of a source.
type AudioStream struct {
	Index         int    // absolute stream index in the file
	Codec         string // e.g. "aac", "mp3", "vorbis", "opus"
	Channels      int
	ChannelLayout string // e.g. "stereo", "5.1"; may be empty
	SampleRate    int
	Duration      time.Duration
}

// DisplayAspect returns the display aspect ratio (Width:Height, reduced).
func (i *Info) DisplayAspect() Rational {
	return Rational{i.Width, i.Height}.Reduce()
}

// ProbeOptions tune ProbeWith.
type ProbeOptions struct {
	// CountFrames decodes the whole video stream to count frames exactly
	// (ffprobe -count_frames); slow on long clips.
	CountFrames bool
	// SkipTimestampCheck skips reading the first packets' timestamps to
	// detect a variable frame rate that the stream header does not reveal.
	SkipTimestampCheck bool
	// FFprobePath is the ffprobe binary; "" looks up "ffprobe" in PATH.
	FFprobePath string
	// Logger receives the ffprobe command lines at debug level; nil: none.
	Logger *slog.Logger
}

// Probe inspects the media file at path with ffprobe, using default options.
func Probe(ctx context.Context, path string) (*Info, error) {
	return ProbeWith(ctx, path, ProbeOptions{})
}

// ffprobe JSON, only the fields used.
type probeJSON struct {
	Streams []struct {
		Index         int               `json:"index"`
		CodecType     string            `json:"codec_type"`
		CodecName     string            `json:"codec_name"`
		Width         int               `json:"width"`
		Height        int               `json:"height"`
		SAR           string            `json:"sample_aspect_ratio"`
		PixFmt        string            `json:"pix_fmt"`
		ColorRange    string            `json:"color_range"`
		RFrameRate    string            `json:"r_frame_rate"`
		AvgFrameRate  string            `json:"avg_frame_rate"`
		TimeBase      string            `json:"time_base"`
		StartTime     string            `json:"start_time"`
		Duration      string            `json:"duration"`
		NbFrames      string            `json:"nb_frames"`
		NbReadFrames  string            `json:"nb_read_frames"`
		Channels      int               `json:"channels"`
		ChannelLayout string            `json:"channel_layout"`
		SampleRate    string            `json:"sample_rate"`
		Disposition   map[string]int    `json:"disposition"`
		Tags          map[string]string `json:"tags"`
		SideData      []struct {
			Type     string  `json:"side_data_type"`
			Rotation float64 `json:"rotation"`
		} `json:"side_data_list"`
	} `json:"streams"`
	Format struct {
		FormatName string            `json:"format_name"`
		Duration   string            `json:"duration"`
		Tags       map[string]string `json:"tags"`
	} `json:"format"`
	Packets []struct {
		PTS *int64 `json:"pts"` // a JSON number; absent when unknown
	} `json:"packets"`
}

// ProbeWith inspects the media file at path with ffprobe.
//
// It fails with an error wrapping ErrToolNotFound when ffprobe is missing,
// and with one wrapping ErrNotVideo when the file cannot be read as media
// or has no video stream.
func ProbeWith(ctx context.Context, path string, opts ProbeOptions) (*Info, error) {
	bin, err := lookTool(opts.FFprobePath, "ffprobe")
	if err != nil {
		return nil, err
	}
	// A path with a %-pattern names numbered frames (frame_%06d.png).
	if _, err := os.Stat(path); err != nil && !strings.Contains(path, "%") {
		return nil, fmt.Errorf("media: probe: %w", err)
	}
	args := []string{"-v", "error", "-of", "json", "-show_format", "-show_streams"}
	if opts.CountFrames {
		args = append(args, "-count_frames")
	}
	var pj probeJSON
	if err := runProbe(ctx, opts.Logger, bin, append(args, "-i", localPath(path)), &pj); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("media: probe %s: %w", path, ctx.Err())
		}
		return nil, fmt.Errorf("media: probe %s: %w: %v", path, ErrNotVideo, err)
	}
	info, err := buildInfo(path, &pj)
	if err != nil {
		return nil, err
	}
	if !opts.SkipTimestampCheck && !info.VFR && !info.StillImage {
		irregular, avg, err := irregularTimestamps(ctx, opts.Logger, bin, path, info.VideoStream, info.timeBase)
		if err != nil {
			return nil, err
		}
		if irregular {
			// The header claims a constant rate that the timestamps deny
			// (Matroska, for one, derives both rates from a few frames):
			// work at the measured average rate.
			info.VFR = true
			info.FrameRate = niceRate(avg)
			if !info.FramesExact && info.Duration > 0 {
				info.Frames = int(math.Round(info.Duration.Seconds() * info.FrameRate.Float64()))
			}
		}
	}
	return info, nil
}

func runProbe(ctx context.Context, log *slog.Logger, bin string, args []string, out *probeJSON) error {
	cmd := exec.CommandContext(ctx, bin, args...)
	var stdout bytes.Buffer
	stderr := &tailBuffer{max: 8 << 10}
	cmd.Stdout = &stdout
	cmd.Stderr = stderr
	cmd.WaitDelay = 2 * time.Second
	if log != nil {
		log.Debug("media: run", "cmd", bin+" "+strings.Join(args, " "))
	}
	if err := cmd.Run(); err != nil {
		if line := lastLine(stderr.String()); line != "" {
			return errors.New(line)
		}
		return err
	}
	if err := json.Unmarshal(stdout.Bytes(), out); err != nil {
		return fmt.Errorf("ffprobe output: %w", err)
	}
	return nil
}

func buildInfo(path string, pj *probeJSON) (*Info, error) {
	info := &Info{Path: path, Format: pj.Format.FormatName, VideoStream: -1}
	for k, v := range pj.Format.Tags {
		if strings.EqualFold(k, "comment") {
			info.Comment = v
		}
	}
	fmtDur := parseSeconds(pj.Format.Duration)
	for _, s := range pj.Streams {
		switch s.CodecType {
		case "audio":
			a := AudioStream{Index: s.Index, Codec: s.CodecName, Channels: s.Channels,
				ChannelLayout: s.ChannelLayout, Duration: streamDuration(s.Duration, s.Tags)}
			a.SampleRate, _ = strconv.Atoi(s.SampleRate)
			info.Audio = append(info.Audio, a)
		case "video":
			if info.VideoStream >= 0 || s.Disposition["attached_pic"] == 1 {
				continue // keep the first real video stream; skip cover art
			}
			info.VideoStream = s.Index
			info.VideoCodec = s.CodecName
			info.StoredWidth, info.StoredHeight = s.Width, s.Height
			info.SAR, _ = ParseRational(s.SAR)
			if !info.SAR.Valid() {
				info.SAR = Rational{1, 1}
			}
			for _, sd := range s.SideData {
				if sd.Type == "Display Matrix" {
					info.Rotation = int(math.Round(sd.Rotation))
				}
			}
			if info.Rotation == 0 && s.Tags["rotate"] != "" {
				// Legacy tag: clockwise degrees; the display matrix is counter-clockwise.
				r, _ := strconv.Atoi(s.Tags["rotate"])
				info.Rotation = -r
			}
			info.timeBase, _ = ParseRational(s.TimeBase)
			info.RFrameRate, _ = ParseRational(s.RFrameRate)
			info.AvgFrameRate, _ = ParseRational(s.AvgFrameRate)
			info.Duration = streamDuration(s.Duration, s.Tags)
			info.StartTime = time.Duration(parseSeconds(s.StartTime) * float64(time.Second))
			info.PixFmt = s.PixFmt
			switch s.ColorRange {
			case "tv", "pc":
				info.ColorRange = s.ColorRange
			}
			info.FullRange = info.ColorRange == "pc" || strings.HasPrefix(info.PixFmt, "yuvj")
			if n, err := strconv.Atoi(s.NbReadFrames); err == nil && n > 0 {
				info.Frames, info.FramesExact = n, true
			} else if n, err := strconv.Atoi(s.NbFrames); err == nil && n > 0 {
				info.Frames, info.FramesExact = n, true
			}
		}
	}
	if info.VideoStream < 0 {
		return nil, fmt.Errorf("media: probe %s: %w: no video stream (container %q)", path, ErrNotVideo, info.Format)
	}
	if info.StoredWidth <= 0 || info.StoredHeight <= 0 {
		return nil, fmt.Errorf("media: probe %s: %w: video stream has no frame size", path, ErrNotVideo)
	}
	if info.Duration <= 0 && fmtDur > 0 {
		info.Duration = time.Duration(fmtDur * float64(time.Second))
	}
	f := info.Format
	info.StillImage = (f == "image2" || strings.HasSuffix(f, "_pipe")) && info.Frames <= 1

	// Frame rate: trust r_frame_rate (exact, e.g. 30000/1001) when the
	// average agrees with it; otherwise the stream is variable-rate and the
	// average is the rate that preserves its duration.
	r, avg := info.RFrameRate, info.AvgFrameRate
	switch {
	case r.Valid() && avg.Valid() && r.close(avg, 0.005):
		info.FrameRate = r
	case r.Valid() && avg.Valid():
		info.FrameRate, info.VFR = avg, true
	case avg.Valid():
		info.FrameRate = avg
	case r.Valid():
		info.FrameRate = r
	}
	if info.StillImage {
		info.Frames, info.FramesExact, info.VFR = 1, true, false
		if !info.FrameRate.Valid() || info.FrameRate.Float64() > 1000 {
			info.FrameRate = Rational{25, 1}
		}
	}
	if !info.FrameRate.Valid() {
		return nil, fmt.Errorf("media: probe %s: video stream has no usable frame rate (r_frame_rate %s, avg_frame_rate %s)", path, r, avg)
	}
	if info.Frames <= 0 && info.Duration > 0 {
		info.Frames = int(math.Round(info.Duration.Seconds() * info.FrameRate.Float64()))
	}

	// Display size: SAR widens or narrows the stored width, rotation swaps.
	w := info.StoredWidth
	if info.SAR != (Rational{1, 1}) {
		w = int(math.Round(float64(info.StoredWidth) * info.SAR.Float64()))
	}
	info.Width, info.Height = w, info.StoredHeight
	if rot := ((info.Rotation % 360) + 360) % 360; rot == 90 || rot == 270 {
		info.Width, info.Height = info.Height, info.Width
	}
	return info, nil
}

// irregularTimestamps reads the presentation timestamps of the first
// packets of the video stream and reports whether the frame intervals vary
// by more than 10% (a variable frame rate hidden behind a regular header),
// with the average rate of those packets in frames per second.
func irregularTimestamps(ctx context.Context, log *slog.Logger, bin, path string, stream int, tb Rational) (bool, float64, error) {
	var pj probeJSON
	args := []string{"-v", "error", "-of", "json", "-select_streams", strconv.Itoa(stream),
		"-show_entries", "packet=pts", "-read_intervals", "%+#240", "-i", localPath(path)}
	if err := runProbe(ctx, log, bin, args, &pj); err != nil {
		if ctx.Err() != nil {
			return false, 0, fmt.Errorf("media: probe %s: %w", path, ctx.Err())
		}
		return false, 0, nil // timestamps unreadable: keep the header's verdict
	}
	var pts []int64
	for _, p := range pj.Packets {
		if p.PTS != nil {
			pts = append(pts, *p.PTS)
		}
	}
	if len(pts) < 8 || !tb.Valid() {
		return false, 0, nil
	}
	sort.Slice(pts, func(i, j int) bool { return pts[i] < pts[j] })
	var d []int64
	for i := 1; i < len(pts); i++ {
		if pts[i] > pts[i-1] {
			d = append(d, pts[i]-pts[i-1])
		}
	}
	if len(d) < 4 {
		return false, 0, nil
	}
	span := float64(pts[len(pts)-1]-pts[0]) * tb.Float64()
	avg := float64(len(pts)-1) / span
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	med := float64(d[len(d)/2])
	// Ignore the extreme 5% at each end (a stray last packet, rounding).
	lo, hi := float64(d[len(d)*5/100]), float64(d[(len(d)-1)*95/100])
	return (hi-lo)/med > 0.10, avg, nil
}

// niceRate turns a measured rate into an exact one: a standard rate when
// within 0.2%, else the measurement in thousandths of a frame per second.
func niceRate(fps float64) Rational {
	for _, r := range []Rational{{24000, 1001}, {24, 1}, {25, 1}, {30000, 1001}, {30, 1},
		{48, 1}, {50, 1}, {60000, 1001}, {60, 1}, {15, 1}, {12, 1}, {10, 1}} {
		if math.Abs(r.Float64()-fps)/fps < 0.002 {
			return r
		}
	}
	return Rational{int(math.Round(fps * 1000)), 1000}.Reduce()
}

func parseSeconds(s string) float64 {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return v
}

// streamDuration takes the stream's duration field, or Matroska's
// per-stream DURATION tag ("00:00:05.005000000").
func streamDuration(field string, tags map[string]string) time.Duration {
	if v := parseSeconds(field); v > 0 {
		return time.Duration(v * float64(time.Second))
	}
	t := tags["DURATION"]
	if t == "" {
		t = tags["duration"]
	}
	parts := strings.Split(t, ":")
	if len(parts) != 3 {
		return 0
	}
	h, err1 := strconv.Atoi(parts[0])
	m, err2 := strconv.Atoi(parts[1])
	s, err3 := strconv.ParseFloat(parts[2], 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return 0
	}
	return time.Duration((float64(h*3600+m*60) + s) * float64(time.Second))
}
