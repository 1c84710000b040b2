package main

import (
	"context"
	"flag"
	"fmt"
	"image/png"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/deepdream-go/deepdream/dream"
	"github.com/deepdream-go/deepdream/models/zoo"
	"github.com/deepdream-go/deepdream/pipeline"
	"github.com/deepdream-go/deepdream/pipeline/audio"
	"github.com/deepdream-go/deepdream/pipeline/media"
	"github.com/deepdream-go/deepdream/pipeline/react"
)

const reactUsage = `Usage: deepdream react TRACK -o OUT [flags]

Analyses the sound of TRACK (any audio or video file ffmpeg reads) the way
--react does for deepdream zoom and video, and draws the envelopes against
time, so you can pick mappings by eye: loudness (rms), onset strength
(onset: drum hits and new notes), bass, mid and treble energy, and the beat
grid (orange ticks). Each envelope runs from 0 to 1 over the track.

With --react, lanes for the parameters the mapping drives are added, with
the zoom command's defaults as the base (zoom 1.175 per second, rotation 0,
step size 1.5). OUT is a .png plot or a .csv table (one row per frame).

Mappings (--react, here and in deepdream zoom and video): comma-separated
PARAM=ENVELOPE:AMOUNT entries, each adding AMOUNT times the envelope (0..1):
  zoom=ENV:A     to the zoom rate, a factor per second (zoom only)
  rotate=ENV:A   to the rotation, degrees per second (zoom only)
  step=ENV:A     to the dream's step size (1.5 by default)
  layer=ENV:OBJ  cross-fades the objective OBJ in (mixed5, or mixed5=1+mixed6=0.5)
plus attack=TIME and release=TIME (how fast envelopes rise and fall; 10ms
and 200ms by default), and presets that can be extended (pulse,release=400ms):
%s

Examples:
  deepdream react track.mp3 -o envelopes.png
  deepdream react track.mp3 -o pulse.png --react pulse --fps 30
  deepdream react clip.mp4 -o envelopes.csv

Flags:
`

func cmdReact(args []string, stdout, stderr io.Writer) error {
	var presets strings.Builder
	for _, n := range react.PresetNames() {
		expansion, _ := react.Preset(n)
		fmt.Fprintf(&presets, "  %-9s %s\n", n, expansion)
	}
	fs := newFlagSet("react", fmt.Sprintf(reactUsage, strings.TrimRight(presets.String(), "\n")), stderr)
	out := fs.String("o", "", "output: .png plot or .csv table (required)")
	force := fs.Bool("force", false, "replace OUT if it exists")
	fpsStr := fs.String("fps", "25", "frame rate the envelopes are measured for (one value per frame)")
	mapping := fs.String("react", "", "also plot the parameters this mapping drives, e.g. pulse or zoom=onset:0.8")
	width := fs.Int("width", 1200, "width of the plot in pixels")
	show := fs.String("envelopes", strings.Join(audio.Names(), ","), "the envelopes to plot, comma-separated")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErrorf("want one TRACK, got %d arguments", fs.NArg())
	}
	track := fs.Arg(0)
	if *out == "" {
		return usageErrorf("-o OUT is required (a .png plot or a .csv table)")
	}
	ext := strings.ToLower(filepath.Ext(*out))
	if ext != ".png" && ext != ".csv" {
		return usageErrorf("output %s: want .png or .csv", *out)
	}
	var fps rateFlag
	if err := fps.Set(*fpsStr); err != nil {
		return usageErrorf("--fps: %v", err)
	}
	m := &react.Mapping{Attack: react.DefaultAttack, Release: react.DefaultRelease}
	if *mapping != "" {
		var err error
		if m, err = react.Parse(*mapping); err != nil {
			return usageError{fmt.Errorf("--react: %w", err)}
		}
	}
	var lanes []string
	for _, n := range strings.Split(*show, ",") {
		n = strings.TrimSpace(n)
		if !slices.Contains(audio.Names(), n) {
			return usageErrorf("--envelopes: %q is not one of %s", n, strings.Join(audio.Names(), ", "))
		}
		lanes = append(lanes, n)
	}
	if err := checkOutput(track, *out, *force); err != nil {
		return err
	}
	ctx, stop := signalContext()
	defer stop()
	start := time.Now()
	env, err := pipeline.AnalyzeSound(ctx, track, m, pipeline.SoundOptions{FrameRate: fps.r, Beats: true, Stream: -1})
	if err != nil {
		return err
	}
	took := time.Since(start)
	extra, err := mappedSeries(m, env)
	if err != nil {
		return err
	}
	err = writeAtomic(*out, func(w io.Writer) error {
		if ext == ".csv" {
			return writeEnvelopesCSV(w, env, extra)
		}
		title := fmt.Sprintf("%s  (%.1f s at %s fps", filepath.Base(track), float64(env.Frames())/env.FrameRate, fps.r)
		if env.Tempo > 0 {
			title += fmt.Sprintf(", beat grid %.1f BPM", env.Tempo)
		}
		title += ")"
		img, err := audio.Plot(env, audio.PlotOptions{Width: *width, Title: title, Envelopes: lanes, Extra: extra})
		if err != nil {
			return usageError{err}
		}
		return png.Encode(w, img)
	})
	if err != nil {
		return err
	}
	tempo := "no steady beat found"
	if env.Tempo > 0 {
		tempo = fmt.Sprintf("%d beats at %.1f BPM", len(env.Beats), env.Tempo)
	}
	fmt.Fprintf(stderr, "wrote %s: %d frames (%.1f s), %s; decoded and analysed in %v\n",
		*out, env.Frames(), float64(env.Frames())/env.FrameRate, tempo, took.Round(time.Millisecond))
	return nil
}

// mappedSeries returns the curves of the parameters m drives, over the
// zoom command's default bases, for plots and tables.
func mappedSeries(m *react.Mapping, env *audio.Envelopes) ([]audio.Series, error) {
	var out []audio.Series
	bases := []struct {
		param, name string
		base        float64
	}{
		{react.Zoom, "zoom /s", pipeline.DefaultZoom},
		{react.Rotate, "rotate deg/s", 0},
		{react.Step, "step size", dream.DefaultParams().StepSize},
	}
	for _, b := range bases {
		if !m.Drives(b.param) {
			continue
		}
		v, err := m.Curve(b.param, func(int) float64 { return b.base }, env)
		if err != nil {
			return nil, err
		}
		out = append(out, audio.Series{Name: b.name, Values: v})
	}
	if obj, share, ok := m.LayerMix(env); ok {
		out = append(out, audio.Series{Name: "share " + obj, Values: share})
	}
	return out, nil
}

func writeEnvelopesCSV(w io.Writer, env *audio.Envelopes, extra []audio.Series) error {
	cols := append([]string{"frame", "time"}, audio.Names()...)
	for _, s := range extra {
		cols = append(cols, strings.ReplaceAll(s.Name, ",", ";"))
	}
	if _, err := io.WriteString(w, strings.Join(cols, ",")+"\n"); err != nil {
		return err
	}
	row := make([]string, 0, len(cols))
	for i := range env.Frames() {
		row = append(row[:0], strconv.Itoa(i), strconv.FormatFloat(float64(i)/env.FrameRate, 'f', 4, 64))
		for _, n := range audio.Names() {
			v, _ := env.Get(n)
			row = append(row, strconv.FormatFloat(v[i], 'f', 4, 64))
		}
		for _, s := range extra {
			row = append(row, strconv.FormatFloat(s.Values[i], 'f', 4, 64))
		}
		if _, err := io.WriteString(w, strings.Join(row, ",")+"\n"); err != nil {
			return err
		}
	}
	return nil
}

// reactFlags are --audio and --react, shared by zoom and video.
type reactFlags struct {
	audio, mapping string
	withAudio      bool // the command takes --audio
}

// addReactFlags registers --react, and --audio when withAudio is set.
func addReactFlags(fs *flag.FlagSet, withAudio bool) *reactFlags {
	f := &reactFlags{withAudio: withAudio}
	if withAudio {
		fs.StringVar(&f.audio, "audio", "", "soundtrack: muxed into the output, and what --react listens to; the length follows it unless --frames or --seconds is given")
	}
	fs.StringVar(&f.mapping, "react", "", "make the dream move to the sound: a preset ("+strings.Join(react.PresetNames(), ", ")+") or PARAM=ENVELOPE:AMOUNT,... (see deepdream help react)")
	return f
}

// parse checks the mapping; it returns nil when --react is not given.
func (f *reactFlags) parse() (*react.Mapping, error) {
	if f.mapping == "" {
		return nil, nil
	}
	m, err := react.Parse(f.mapping)
	if err != nil {
		return nil, usageError{fmt.Errorf("--react: %w", err)}
	}
	return m, nil
}

// trackFrames returns how many frames at fps the --audio track lasts
// (rounded up), for a length that follows the track.
func (f *reactFlags) trackFrames(ctx context.Context, fps media.Rational) (int, error) {
	info, err := media.ProbeAudio(ctx, f.audio, media.ProbeOptions{})
	if err != nil {
		return 0, fmt.Errorf("--audio: %w", err)
	}
	if info.Duration <= 0 {
		return 0, fmt.Errorf("--audio %s: the track's length is unknown; give --seconds or --frames", f.audio)
	}
	return int(math.Ceil(info.Duration.Seconds()*fps.Float64() - 1e-6)), nil
}

// apply measures the sound of track for frames frames at fps and maps it
// onto base; a nil mapping gives a nil reaction.
func (f *reactFlags) apply(ctx context.Context, m *react.Mapping, track string, model *zoo.Model, fps media.Rational, frames int, base pipeline.ReactionBase) (*pipeline.Reaction, error) {
	if m == nil {
		return nil, nil
	}
	var infos []dream.LayerInfo
	if m.Drives(react.Layer) {
		var err error
		if infos, err = layerInfos(model); err != nil {
			return nil, err
		}
	}
	env, err := pipeline.AnalyzeSound(ctx, track, m, pipeline.SoundOptions{FrameRate: fps, Frames: frames, Stream: -1})
	if err != nil {
		return nil, fmt.Errorf("--react: %w", err)
	}
	r, err := pipeline.React(m, env, fps, base, infos)
	if err != nil {
		return nil, usageError{fmt.Errorf("--react: %w", err)}
	}
	return r, nil
}
