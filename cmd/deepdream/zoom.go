package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/deepdream-go/deepdream/pipeline"
	"github.com/deepdream-go/deepdream/pipeline/media"
)

const zoomUsage = `Usage: deepdream zoom -o OUT [flags]

Renders an endless zoom into dream structures, from seeded noise or from a
picture (--from). The zoom goes into --center by --zoom per second (default
1.175: structures double in size about every 4.3 s) and turns by --rotate
degrees per second.

Only every --keyframe-every'th frame is dreamed (--steps per octave); the
frames between are the keyframe zoomed further, cross-faded into the next
keyframe, so a smooth 30 fps zoom costs a third of the network time. The
canvas is kept at --supersample times the output size and resampled with a
kernel that does not blur or ring over hundreds of generations.

Zoom and rotation may change over time: --zoom 1.05@0s,1.3@5s interpolates
linearly. --layers mixed3@0s,mixed5@8s changes the objective over time,
cross-fading over --layer-fade.

--loop makes the last frame flow into the first (for looping GIFs): over the
last quarter of the frames (--loop-frames), the picture the animation starts
with grows out of the centre of the zoom and takes over the frame, dreamed as
it goes, so the end steps into the start like any other frame.

--audio TRACK muxes a soundtrack in, and the zoom lasts as long as the track
unless --frames or --seconds says otherwise (a longer track is cut at the end
of the zoom; a shorter one leaves the last frames silent). --react makes the
picture move to it: --react pulse surges the zoom on every hit; see
deepdream help react for the envelopes and PARAM=ENVELOPE:AMOUNT mappings.

OUT decides the format as for deepdream video: .mp4 .mov .mkv .webm .gif or
a folder of PNG frames. --max-bytes fits a GIF under a size (chat apps: 8MB)
by lowering its frame rate, width and palette, and says what it did. After a
crash or Ctrl-C, run the same command with --resume.

Examples:
  deepdream zoom -o zoom.mp4
  deepdream zoom -o zoom.mp4 --from photo.jpg --seconds 20 --layer mixed4
  deepdream zoom -o loop.gif --loop --size 320x180 --fps 15 --seconds 6 --max-bytes 3MB
  deepdream zoom -o pulse.mp4 --audio track.mp3 --react pulse
  deepdream zoom -o spin.mp4 --rotate 10 --zoom 1.1@0s,1.4@10s --layers mixed3@0s,mixed5@6s
  deepdream zoom -o zoom.mp4 --preview 90                # look first: frame 90 to zoom.preview.png

Flags:
`

// sizeFlag accepts WxH.
type sizeFlag struct{ w, h int }

func (f *sizeFlag) String() string { return fmt.Sprintf("%dx%d", f.w, f.h) }

func (f *sizeFlag) Set(s string) error {
	ws, hs, ok := strings.Cut(strings.ToLower(s), "x")
	w, err1 := strconv.Atoi(strings.TrimSpace(ws))
	h, err2 := strconv.Atoi(strings.TrimSpace(hs))
	if !ok || err1 != nil || err2 != nil || w < 16 || h < 16 || w > media.MaxSide || h > media.MaxSide {
		return fmt.Errorf("%q is not a size WxH with sides of 16..%d pixels (e.g. 640x360)", s, media.MaxSide)
	}
	f.w, f.h = w, h
	return nil
}

// bytesFlag accepts 8MB, 500k, 1.5M or a number of bytes (k/M/G are
// powers of 1000, KiB/MiB of 1024).
type bytesFlag struct{ n int64 }

func (f *bytesFlag) String() string {
	if f.n == 0 {
		return ""
	}
	return strconv.FormatInt(f.n, 10)
}

func (f *bytesFlag) Set(s string) error {
	t := strings.TrimSpace(s)
	mult := 1.0
	for _, u := range []struct {
		suffix string
		m      float64
	}{{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9}, {"k", 1e3}, {"m", 1e6}, {"g", 1e9}, {"b", 1}} {
		if strings.HasSuffix(strings.ToLower(t), u.suffix) {
			mult = u.m
			t = strings.TrimSpace(t[:len(t)-len(u.suffix)])
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || !(v > 0) || v*mult > 1e12 {
		return fmt.Errorf("%q is not a size in bytes (use 8MB, 500k or 3000000)", s)
	}
	f.n = int64(math.Round(v * mult))
	return nil
}

// parseCenter reads "x,y" with both in 0..1.
func parseCenter(s string) (float64, float64, error) {
	xs, ys, ok := strings.Cut(s, ",")
	x, err1 := strconv.ParseFloat(strings.TrimSpace(xs), 64)
	y, err2 := strconv.ParseFloat(strings.TrimSpace(ys), 64)
	if !ok || err1 != nil || err2 != nil || !(x >= 0 && x <= 1 && y >= 0 && y <= 1) {
		return 0, 0, fmt.Errorf("--center %q: want x,y with both in 0..1 (0.5,0.5 is the middle)", s)
	}
	return x, y, nil
}

func cmdZoom(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("zoom", zoomUsage, stdout)
	of := addOutputFlags(fs)
	def := pipeline.DefaultZoomOptions()
	from := fs.String("from", "", "start from this picture (cropped to fill the frame) instead of noise")
	// Flags with their own syntax are read as strings and parsed after
	// fs.Parse, so that a bad value gets a one-line error, not the usage.
	sizeStr := fs.String("size", fmt.Sprintf("%dx%d", def.Width, def.Height), "output size WxH")
	frames := fs.Int("frames", 0, "number of frames (default: 10 seconds' worth)")
	seconds := floatFlagP(fs, "seconds", 0, 0, 86400, "length in seconds (instead of --frames)")
	fpsStr := fs.String("fps", strconv.FormatFloat(def.FrameRate.Float64(), 'g', -1, 64), "frame rate (30, 29.97 or 30000/1001)")
	zoom := fs.String("zoom", strconv.FormatFloat(def.Zoom.At(0), 'g', -1, 64), "magnification per second, 1..10 (>1 zooms in; zooming out is not supported), or a schedule such as 1.05@0s,1.3@5s; add /frame for per-frame values (1.005/frame)")
	rotate := fs.String("rotate", strconv.FormatFloat(def.Rotate.At(0), 'g', -1, 64), "rotation in degrees per second (counter-clockwise), or a schedule such as 0@0s,20@5s")
	center := fs.String("center", fmt.Sprintf("%g,%g", def.CenterX, def.CenterY), "the point zoomed into, x,y in 0..1 across the frame")
	every := fs.Int("keyframe-every", def.KeyframeEvery, "dream every N-th frame; the frames between are zoomed from the keyframes (1: dream every frame)")
	firstSteps := fs.Int("first-steps", def.First.Steps, "steps per octave for the first frame (0: do not dream it)")
	firstOctaves := fs.Int("first-octaves", def.First.Octaves, "octaves for the first frame")
	ss := floatFlagP(fs, "supersample", def.Supersample, 1, 4, "canvas size over output size, 1..4; higher keeps finer detail through the zoom")
	layers := fs.String("layers", "", "objective schedule instead of --layer, e.g. mixed3@0s,mixed5@8s (join weighted terms with +)")
	fadeStr := fs.String("layer-fade", def.LayerFade.String(), "length of the cross-fade when --layers changes (0: switch)")
	loop := fs.Bool("loop", false, "make the last frame flow into the first (for looping GIFs)")
	loopFrames := fs.Int("loop-frames", 0, "frames over which the end of a loop converges onto its start (default: a quarter of the frames)")
	previewStr := fs.String("preview", "", "render only frame N (0-based, keyframes included) and write it to OUT.preview.png (or -o x.png) instead of the animation")
	maxBytesStr := fs.String("max-bytes", "", "GIF only: lower the frame rate, width and palette until the file fits (e.g. 8MB)")
	rf := addReactFlags(fs, true)
	mf := addModelFlags(fs)
	df := addDreamFlags(fs)
	// Keyframes dream less than deepdream image: each starts from the
	// previous one, already dreamed.
	for _, d := range [][2]string{{"octaves", strconv.Itoa(def.Dream.Octaves)}, {"steps", strconv.Itoa(def.Dream.Steps)}} {
		f := fs.Lookup(d[0])
		_ = f.Value.Set(d[1])
		f.DefValue = d[1]
	}
	fs.Lookup("steps").Usage = "gradient-ascent steps per octave on every keyframe (0: no dreaming, a plain zoom)"
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageErrorf("zoom takes no positional arguments, got %q (start from a picture with --from)", fs.Arg(0))
	}
	previewFrame := -1
	if *previewStr != "" {
		n, err := strconv.Atoi(*previewStr)
		if err != nil || n < 0 {
			return usageErrorf("--preview %q: want a frame number, 0 or more", *previewStr)
		}
		if of.out == "" {
			return usageErrorf("-o OUT is required (the preview goes to OUT.preview.png, or to OUT itself if it is a .png)")
		}
		if err := checkPreviewOutput(previewPath(of.out), *from, of.force); err != nil {
			return err
		}
		previewFrame = n
	} else if err := of.check(); err != nil {
		return err
	}
	var size sizeFlag
	var fps rateFlag
	var fade durationFlag
	var maxBytes bytesFlag
	for _, f := range []struct {
		name, value string
		v           flag.Value
	}{{"size", *sizeStr, &size}, {"fps", *fpsStr, &fps}, {"layer-fade", *fadeStr, &fade}, {"max-bytes", *maxBytesStr, &maxBytes}} {
		if f.value == "" {
			continue
		}
		if err := f.v.Set(f.value); err != nil {
			return usageErrorf("--%s: %v", f.name, err)
		}
	}
	if of.gifWidth > size.w {
		return usageErrorf("--gif-width %d is wider than the frames (--size %s); GIFs are not upscaled", of.gifWidth, size.String())
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	if given["frames"] && given["seconds"] {
		return usageErrorf("give --frames or --seconds, not both")
	}
	mapping, err := rf.parse()
	if err != nil {
		return err
	}
	if mapping != nil && rf.audio == "" {
		return usageErrorf("--react needs --audio TRACK: a zoom has no sound of its own")
	}
	n := *frames
	switch {
	case rf.audio != "" && !given["seconds"] && !given["frames"]:
		if n, err = rf.trackFrames(context.Background(), fps.r); err != nil {
			return err
		}
	case given["seconds"]:
		if !(*seconds > 0) || *seconds > 86400 {
			return usageErrorf("--seconds %g must be above 0", *seconds)
		}
		n = int(math.Round(*seconds * fps.r.Float64()))
	case !given["frames"]:
		n = int(math.Round(10 * fps.r.Float64()))
	}
	if n < 1 {
		return usageErrorf("--frames %d: want at least 1 frame", n)
	}
	zoomSpec := *zoom
	perFrame := false
	if trimmed, ok := strings.CutSuffix(zoomSpec, "/frame"); ok {
		zoomSpec, perFrame = trimmed, true
	}
	zs, err := pipeline.ParseSchedule(zoomSpec, func(v float64) error {
		if perFrame {
			v = math.Pow(v, fps.r.Float64())
		}
		if !(v >= 1 && v <= 10) {
			return fmt.Errorf("zoom %g per second is outside 1..10 (1 is none, 1.175 the default; zooming out is not supported: its new borders grow rows of orbs)", v)
		}
		return nil
	})
	if err != nil {
		return usageError{fmt.Errorf("--zoom: %w", err)}
	}
	if perFrame {
		for i := range zs {
			zs[i].Value = math.Pow(zs[i].Value, fps.r.Float64())
		}
	}
	rs, err := pipeline.ParseSchedule(*rotate, func(v float64) error {
		if math.Abs(v) > 3600 {
			return fmt.Errorf("rotation %g degrees per second is outside -3600..3600", v)
		}
		return nil
	})
	if err != nil {
		return usageError{fmt.Errorf("--rotate: %w", err)}
	}
	cx, cy, err := parseCenter(*center)
	if err != nil {
		return usageError{err}
	}
	switch {
	case *every < 1:
		return usageErrorf("--keyframe-every %d: want 1 or more", *every)
	case !(*ss >= 1 && *ss <= 4):
		return usageErrorf("--supersample %g is outside 1..4", *ss)
	case *firstSteps < 0 || *firstOctaves < 1:
		return usageErrorf("--first-steps must be 0 or more and --first-octaves 1 or more")
	case *loopFrames < 0 || (*loopFrames > 0 && !*loop):
		return usageErrorf("--loop-frames needs --loop and a positive count")
	case *loop && (n < 2 || *loopFrames >= n):
		return usageErrorf("--loop needs at least 2 frames and fewer --loop-frames (%d) than frames (%d)", *loopFrames, n)
	case fade.d < 0:
		return usageErrorf("--layer-fade must not be negative")
	}
	if maxBytes.n > 0 {
		if f, _ := media.FormatFromPath(of.out); f != media.FormatGIF {
			return usageErrorf("--max-bytes applies to GIF output only")
		}
	}
	if *layers != "" && (given["layer"] || given["guide"]) {
		return usageErrorf("give --layers (a schedule) or --layer/--guide, not both")
	}
	// Steps 0 means a plain zoom; the dream flags reject it, so validate
	// with 1 and restore it after.
	keySteps := df.steps
	if keySteps < 0 {
		return usageErrorf("--steps %d: want 0 (no dreaming) or more", keySteps)
	}
	if keySteps == 0 {
		df.steps = 1
	}
	job, err := startDreamJob(mf, df)
	if err != nil {
		return err
	}
	defer job.close()
	ctx, model, exec, p := job.ctx, job.model, job.exec, job.params
	if keySteps == 0 {
		p.Steps = 0
	} else {
		keySteps = p.Steps // a preset may have set it
	}
	first := p
	first.Steps, first.Octaves = *firstSteps, *firstOctaves
	if given["preset"] && !given["first-steps"] {
		first.Steps = max(*firstSteps, keySteps)
	}
	var sched []pipeline.TimedObjective
	if *layers != "" {
		infos, err := layerInfos(model)
		if err != nil {
			return err
		}
		if sched, err = pipeline.ParseLayerSchedule(*layers, infos); err != nil {
			return usageError{fmt.Errorf("--layers: %w", err)}
		}
	}
	reaction, err := rf.apply(ctx, mapping, rf.audio, model, fps.r, n, pipeline.ReactionBase{Zoom: zs, Rotate: rs, StepSize: p.StepSize})
	if err != nil {
		return err
	}
	var change *pipeline.DreamChange
	if reaction != nil {
		if reaction.Zoom != nil {
			zs = reaction.Zoom
		}
		if reaction.Rotate != nil {
			rs = reaction.Rotate
		}
		change = reaction.Dream
	}
	var sound *media.AudioSource
	if rf.audio != "" {
		info, err := media.ProbeAudio(ctx, rf.audio, media.ProbeOptions{})
		if err != nil {
			return fmt.Errorf("--audio: %w", err)
		}
		sound = info.Source(0)
	}
	bar := newProgress(stderr, "frames", "frames", n, of.quiet)
	opt := def
	opt.Output, opt.Force, opt.Resume, opt.From = of.out, of.force, of.resume, *from
	opt.Width, opt.Height, opt.Frames, opt.FrameRate = size.w, size.h, n, fps.r
	opt.ZoomMotion = pipeline.ZoomMotion{
		Zoom: zs, Rotate: rs, CenterX: cx, CenterY: cy, KeyframeEvery: *every, Supersample: *ss,
	}
	opt.First, opt.Dream, opt.Layers, opt.LayerFade = first, p, sched, fade.d
	opt.Loop, opt.LoopFrames = *loop, *loopFrames
	opt.EncodeOptions, opt.MaxBytes = of.encode(), maxBytes.n
	opt.ModelID, opt.Logger = modelID(mf), of.logger(stderr)
	opt.Progress = func(pr pipeline.JobProgress) { bar.resumed(pr.Resumed); bar.update(pr.Done, pr.Total) }
	opt.Change, opt.Audio = change, sound
	if previewFrame >= 0 {
		if previewFrame >= n {
			return usageErrorf("--preview %d is past the last frame (%d)", previewFrame, n-1)
		}
		return runZoomPreview(ctx, exec, opt, previewFrame, previewPath(of.out), of.quiet, stderr)
	}
	res, err := pipeline.RunZoom(ctx, exec, opt)
	bar.finish()
	if err != nil {
		var ie *pipeline.InterruptedError
		if errors.Is(err, context.Canceled) && !errors.As(err, &ie) {
			return interruptedf("interrupted before the first frame was finished; nothing was written")
		}
		return jobError(err, "zoom", args)
	}
	if !of.quiet {
		rendered := max(res.Rendered-res.Resumed, 1)
		fmt.Fprintf(stderr, "wrote %s: %d frames, %dx%d at %s fps in %v (%.1f frames/min; %d keyframes dreamed in %v, warping %v, encoding %v)\n",
			res.Output, res.Frames, res.Width, res.Height, res.FrameRate, res.Wall.Round(time.Second),
			float64(rendered)/(res.Wall-res.Encode).Minutes(), res.Keyframes, res.Dream.Round(time.Millisecond),
			res.Warp.Round(time.Millisecond), res.Encode.Round(time.Millisecond))
		if res.Fit != "" {
			fmt.Fprintf(stderr, "--max-bytes: %s\n", res.Fit)
		}
	}
	return nil
}
