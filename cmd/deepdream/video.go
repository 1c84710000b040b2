package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/deepdream-go/deepdream/flow"
	"github.com/deepdream-go/deepdream/pipeline"
	"github.com/deepdream-go/deepdream/pipeline/media"
	"github.com/deepdream-go/deepdream/pipeline/react"
	"github.com/deepdream-go/deepdream/pipeline/scenecut"
)

const videoUsage = `Usage: deepdream video IN -o OUT [flags]

Dreams over a clip and writes it back with the same size, frame rate, timing
and sound. Structures stick to moving objects: each frame starts from the
previous dream carried along the optical flow (--coherence flow). At a
scene cut (or where the picture comes back after a fade through black) the
new shot is dreamed afresh, with nothing carried from the old one (--cuts).

OUT decides the format: .mp4 .mov .mkv (H.264), .webm (VP9; Opus or Vorbis
sound is copied, other sound becomes Opus), .gif
(looping, palette-optimised, no sound) or a folder (numbered PNG frames).
The output appears only when the job is done. After a crash or Ctrl-C, run
the same command with --resume to continue where it stopped.

Examples:
  deepdream video clip.mp4 -o dream.mp4
  deepdream video clip.mp4 -o dream.mp4 --start 5s --duration 3s --width 640
  deepdream video clip.mp4 -o loop.gif --gif-width 480 --gif-fps 15
  deepdream video clip.mp4 -o dream.mp4 --preset deep --frame-steps 4
  deepdream video clip.mp4 -o dream.mp4 --resume        # after an interruption
  deepdream video clip.mp4 -o dream.mp4 --preview 3.5s,7s  # look first: writes dream.preview.png
  deepdream video clip.mp4 -o dream.mp4 --react step=rms # dream harder when the clip is loud
  deepdream video clip.mp4 -o dream.mp4 --parts 8 --plan  # how 8 machines would split it
  deepdream video clip.mp4 -o dream.mp4 --part auto/8     # one Slurm/Kubernetes array task
  deepdream join dream.mp4                                # after all 8 parts

Parts: --part K/N renders part K of N (a warm-up before it and a short
continuation after it, for seamless cross-fades) under OUT.parts/ on a
shared filesystem; a retried part resumes or does nothing. deepdream join
OUT checks and joins them. --parts N does all of it here and gives the same
frames as any cluster run.

Flags:
`

// durationFlag accepts 5s, 1m30s, 90 (seconds) or 1:30.
type durationFlag struct{ d time.Duration }

func (f *durationFlag) String() string { return f.d.String() }

func (f *durationFlag) Set(s string) error {
	d, err := parseClock(s)
	if err != nil {
		return err
	}
	f.d = d
	return nil
}

// maxClockSeconds bounds --start and --duration (a week), far inside
// time.Duration's range.
const maxClockSeconds = 7 * 24 * 3600

func parseClock(s string) (time.Duration, error) {
	if d, err := time.ParseDuration(s); err == nil && d >= 0 && d <= maxClockSeconds*time.Second {
		return d, nil
	}
	var secs float64
	parts := strings.Split(s, ":")
	if len(parts) > 3 {
		return 0, fmt.Errorf("%q is not a time (use 5s, 1m30s, 90 or 1:30)", s)
	}
	for _, p := range parts {
		v, err := parseFinite(p)
		if err != nil || v < 0 {
			return 0, fmt.Errorf("%q is not a time (use 5s, 1m30s, 90 or 1:30)", s)
		}
		secs = secs*60 + v
	}
	if secs > maxClockSeconds {
		return 0, fmt.Errorf("%q is longer than %d hours", s, maxClockSeconds/3600)
	}
	return time.Duration(secs * float64(time.Second)), nil
}

// rateFlag accepts 25, 29.97 or 30000/1001.
type rateFlag struct{ r media.Rational }

func (f *rateFlag) String() string {
	if !f.r.Valid() {
		return ""
	}
	return f.r.String()
}

func (f *rateFlag) Set(s string) error {
	bad := fmt.Errorf("%q is not a frame rate in 0..1000 (use 25, 29.97 or 30000/1001)", s)
	if strings.ContainsAny(s, "/:") {
		r, err := media.ParseRational(s)
		if err != nil || !r.Valid() || r.Float64() > 1000 {
			return bad
		}
		f.r = r.Reduce()
		return nil
	}
	v, err := parseFinite(s)
	if err != nil || v <= 0 || v > 1000 {
		return bad
	}
	f.r = media.Rational{Num: int(v*1000 + 0.5), Den: 1000}.Reduce()
	return nil
}

// outputFlags are the encoder knobs shared by video and zoom.
type outputFlags struct {
	out      string
	force    bool
	resume   bool
	crf      int
	gifWidth int
	gifFPS   rateFlag
	quiet    bool
	verbose  bool
}

func addOutputFlags(fs *flag.FlagSet) *outputFlags {
	def := pipeline.DefaultEncodeOptions()
	o := &outputFlags{gifFPS: rateFlag{r: def.GIFFrameRate}}
	fs.StringVar(&o.out, "o", "", "output: .mp4 .mov .mkv .webm .gif or a folder for PNG frames (required)")
	fs.BoolVar(&o.force, "force", false, "replace OUT if it exists, and discard an old checkpoint")
	fs.BoolVar(&o.resume, "resume", false, "continue an interrupted run of the same command")
	fs.IntVar(&o.crf, "crf", def.CRF, "video quality, lower is better (default 18 for H.264, 32 for VP9)")
	fs.IntVar(&o.gifWidth, "gif-width", def.GIFWidth, "GIF width in pixels, aspect kept (default: the frame width)")
	fs.Var(&o.gifFPS, "gif-fps", "GIF frame rate (default: the clip's rate, at most 50)")
	fs.BoolVar(&o.quiet, "quiet", false, "no progress output")
	fs.BoolVar(&o.verbose, "verbose", false, "log the ffmpeg commands")
	return o
}

// encode returns the encoder settings the flags ask for.
func (o *outputFlags) encode() pipeline.EncodeOptions {
	return pipeline.EncodeOptions{CRF: o.crf, GIFWidth: o.gifWidth, GIFFrameRate: o.gifFPS.r}
}

func (o *outputFlags) logger(w io.Writer) *slog.Logger {
	if !o.verbose {
		return nil
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func (o *outputFlags) check() error {
	if o.out == "" {
		return usageErrorf("-o OUT is required")
	}
	if _, err := media.FormatFromPath(o.out); err != nil {
		return usageError{err}
	}
	if o.crf < 0 || o.crf > 63 {
		return usageErrorf("--crf %d is outside 0..63", o.crf)
	}
	if o.gifWidth < 0 || o.gifWidth > media.MaxSide {
		return usageErrorf("--gif-width %d is outside 0..%d", o.gifWidth, media.MaxSide)
	}
	if r := o.gifFPS.r; r.Valid() && r.Float64() > media.MaxGIFFrameRate {
		return usageErrorf("--gif-fps %s is above %d: GIF delays are in 1/100 s and players slow faster GIFs down; choose %d or less", r, media.MaxGIFFrameRate, media.MaxGIFFrameRate)
	}
	if f, _ := media.FormatFromPath(o.out); f != media.FormatGIF && (o.gifWidth > 0 || o.gifFPS.r.Valid()) {
		return usageErrorf("--gif-width and --gif-fps apply to GIF output only, and %s is not a .gif", o.out)
	}
	return nil
}

func cmdVideo(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("video", videoUsage, stdout)
	of := addOutputFlags(fs)
	var start, duration durationFlag
	var fps rateFlag
	fs.Var(&start, "start", "start at this time in the clip (5s, 1m30s, 90, 1:30)")
	fs.Var(&duration, "duration", "dream only this much of the clip")
	frames := fs.Int("frames", 0, "dream only this many frames")
	fs.Var(&fps, "fps", "output frame rate (default: the clip's; a variable-rate clip is resampled to its average rate, and the summary says so)")
	width := fs.Int("width", 0, "output width, 16..8192; the height follows the aspect (with --height too, the frame fits inside both)")
	height := fs.Int("height", 0, "output height, 16..8192")
	def := pipeline.DefaultVideoOptions()
	coherence := fs.String("coherence", def.Coherence, "temporal coherence: flow (carry the dream along the motion), blend (mix in the previous dream) or none")
	blend := floatFlagP(fs, "blend", def.Blend, 0, 1, fmt.Sprintf("how much of the previous frame's dream is carried over each frame, 0..1 (%g when --coherence blend)", pipeline.DefaultBlendMix))
	keep := floatFlagP(fs, "keep", def.Keep, 0, 1, "with --coherence flow: share of the carried dream kept where the motion is not trusted (occlusions, motion boundaries), 0..1")
	refresh := floatFlagP(fs, "refresh", def.Refresh, 0, 1, "with --coherence flow: share of each frame's new dreaming kept where the motion is tracked, 0..1 (new content always gets all of it)")
	frameSteps := fs.Int("frame-steps", def.FrameSteps, "steps per octave for frames after the first, which start from the carried dream (0: only carry it)")
	frameOctaves := fs.Int("frame-octaves", def.FrameOctaves, "octaves for frames after the first, the finest ones, at most --octaves (0: as many as --octaves)")
	frameStepSize := floatFlagP(fs, "frame-step-size", def.FrameStepSize, 0, 255, "step size for frames after the first (default: --step-size)")
	frameJitter := fs.Int("frame-jitter", def.FrameJitter, "with --coherence flow: largest random shift in pixels for frames after the first (0: none, which keeps the dream at full strength)")
	cuts := fs.String("cuts", "auto", "scene cuts: auto (restart the dream at each new shot), off, or a detection threshold (default "+strconv.Itoa(scenecut.DefaultThreshold)+"; lower finds softer cuts)")
	flowPreset := fs.String("flow", "medium", "optical flow quality: fast, medium or accurate")
	motionCheck := fs.String("motion-check", def.MotionCheck, "with --coherence flow: where to trust the motion: match (where the previous frame, moved along it, matches this one; one flow per frame) or backward (where a second flow computed backwards agrees; twice the flow time, not fooled by changes of light)")
	matchTolerance := floatFlagP(fs, "match-tolerance", def.MatchTolerance, 0, 255, "with --motion-check match: how many grey levels (0..255) a pixel may differ and still be trusted; raise it for grainy footage")
	preview := fs.String("preview", "", "dream only the frames at these times (3.5s or 3.5s,7s,12s) as first frames and write OUT.preview.png (or -o x.png) instead of the clip")
	stability := fs.Bool("stability", false, "also measure flicker (E_warp of the dream / E_warp of the source; see deepdream stability)")
	rf := addReactFlags(fs, false)
	cf := addClusterFlags(fs)
	mf := addModelFlags(fs)
	df := addDreamFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	mapping, err := rf.parse()
	if err != nil {
		return err
	}
	if mapping != nil {
		// A clip has no zoom or rotation: only step= and layer= apply.
		if mapping, err = mapping.For(react.Step, react.Layer); err != nil {
			return usageError{fmt.Errorf("--react: %w", err)}
		}
	}
	parts, part, err := cf.check(os.Getenv)
	if err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErrorf("want exactly one input clip, got %d arguments (see deepdream video --help)", fs.NArg())
	}
	var previewTimes []time.Duration
	if *preview != "" {
		if mapping != nil {
			// A preview dreams single frames; the envelopes are measured
			// over the whole job, so it could not show what --react does.
			return usageErrorf("--preview does not show --react; preview without it")
		}
		if of.out == "" {
			return usageErrorf("-o OUT is required (the preview goes to OUT.preview.png, or to OUT itself if it is a .png)")
		}
		var err error
		if previewTimes, err = parsePreviewTimes(*preview); err != nil {
			return err
		}
		if err := checkPreviewOutput(previewPath(of.out), fs.Arg(0), of.force); err != nil {
			return err
		}
	} else if err := of.check(); err != nil {
		return err
	}
	if *frames < 0 || *width < 0 || *height < 0 || *frameSteps < 0 || *frameOctaves < 0 || *frameStepSize < 0 || *frameJitter < 0 {
		return usageErrorf("--frames, --width, --height and the --frame-* flags must not be negative")
	}
	if (*width > 0 && *width < 16) || (*height > 0 && *height < 16) || *width > media.MaxSide || *height > media.MaxSide {
		return usageErrorf("--width/--height must be 16..%d pixels", media.MaxSide)
	}
	if *coherence == pipeline.CoherenceBlend && !flagGiven(fs, "blend") {
		*blend = pipeline.DefaultBlendMix
	}
	switch *coherence {
	case pipeline.CoherenceFlow, pipeline.CoherenceBlend, pipeline.CoherenceNone:
	default:
		return usageErrorf("--coherence %q is not one of flow, blend, none", *coherence)
	}
	for name, v := range map[string]float64{"blend": *blend, "keep": *keep, "refresh": *refresh} {
		if !(v >= 0 && v <= 1) {
			return usageErrorf("--%s %v is outside 0..1", name, v)
		}
	}
	switch *motionCheck {
	case pipeline.MotionCheckMatch, pipeline.MotionCheckBackward:
	default:
		return usageErrorf("--motion-check %q is not one of match, backward", *motionCheck)
	}
	if !(*matchTolerance > 0 && *matchTolerance <= 255) {
		return usageErrorf("--match-tolerance %v is outside 0..255 (more than 0)", *matchTolerance)
	}
	var cutOpt scenecut.Options
	noCuts := false
	switch *cuts {
	case "auto":
	case "off":
		noCuts = true
	default:
		v, err := strconv.ParseFloat(*cuts, 64)
		if err != nil || !(v > 0) || math.IsInf(v, 0) {
			return usageErrorf("--cuts %q is not auto, off or a positive threshold", *cuts)
		}
		cutOpt.Threshold = v
	}
	var fopt flow.Options
	switch *flowPreset {
	case "fast":
		fopt = flow.Fast()
	case "medium":
		fopt = flow.Medium()
	case "accurate":
		fopt = flow.Accurate()
	default:
		return usageErrorf("--flow %q is not one of fast, medium, accurate", *flowPreset)
	}
	job, err := startDreamJob(mf, df)
	if err != nil {
		return err
	}
	defer job.close()
	ctx, exec, p := job.ctx, job.exec, job.params
	in := fs.Arg(0)
	bar := newProgress(stderr, "frames", "frames", 0, of.quiet)
	opt := def
	opt.Input, opt.Output, opt.Force, opt.Resume = in, of.out, of.force, of.resume
	opt.Decode = media.DecodeOptions{Width: *width, Height: *height, FrameRate: fps.r, Start: start.d, Duration: duration.d, MaxFrames: *frames}
	opt.EncodeOptions = of.encode()
	opt.Dream = p
	opt.FrameDreamOptions = pipeline.FrameDreamOptions{
		FrameSteps: *frameSteps, FrameOctaves: *frameOctaves, FrameStepSize: *frameStepSize, FrameJitter: *frameJitter,
	}
	opt.CoherenceOptions = pipeline.CoherenceOptions{
		Coherence: *coherence, Blend: *blend, Refresh: *refresh, Keep: *keep,
		MotionCheck: *motionCheck, MatchTolerance: *matchTolerance,
		Flow: fopt, Cuts: cutOpt, NoCuts: noCuts,
	}
	opt.ModelID, opt.MeasureStability = modelID(mf), *stability
	if mapping != nil {
		opt.React = mapping
		if mapping.Drives(react.Layer) {
			if opt.ReactLayers, err = layerInfos(job.model); err != nil {
				return err
			}
		}
	}
	opt.Logger = of.logger(stderr)
	opt.Progress = func(pr pipeline.JobProgress) { bar.resumed(pr.Resumed); bar.update(pr.Done, pr.Total) }
	if previewTimes != nil {
		return runVideoPreview(ctx, exec, opt, previewTimes, previewPath(of.out), of.quiet, stderr)
	}
	if cf.active() {
		return runClusterVideo(ctx, exec, opt, cf, parts, part, of.quiet, stdout, stderr)
	}
	res, err := pipeline.RunVideo(ctx, exec, opt)
	bar.finish()
	if err != nil {
		return jobError(err, "video", args)
	}
	if !of.quiet {
		size := fmt.Sprintf("%dx%d", res.Width, res.Height)
		format, _ := media.FormatFromPath(of.out)
		if w, h := media.EncodedSize(format, res.Width, res.Height); w != res.Width || h != res.Height {
			size = fmt.Sprintf("%dx%d (dreamed at %s; H.264 and VP9 need even sides)", w, h, size)
		}
		if res.Resampled && !fps.r.Valid() {
			fmt.Fprintf(stderr, "note: %s has a variable frame rate; it was resampled to %.3f fps (frames repeated or dropped); --fps picks the rate\n", in, res.FrameRate.Float64())
		}
		fmt.Fprintf(stderr, "wrote %s: %d frames, %s at %s fps in %v (%.2f s/frame; dream %v, flow %v, decode %v, encode %v, checkpoint %v)\n",
			res.Output, res.Frames, size, res.FrameRate, res.Wall.Round(time.Second),
			res.Wall.Seconds()/float64(max(res.Frames-res.Resumed, 1)), res.Stages.Dream.Round(time.Millisecond),
			res.Stages.Flow.Round(time.Millisecond), res.Stages.Decode.Round(time.Millisecond),
			res.Stages.Encode.Round(time.Millisecond), res.Stages.Checkpoint.Round(time.Millisecond))
	}
	if len(res.Cuts) > 0 && !of.quiet {
		at := make([]string, len(res.Cuts))
		for i, c := range res.Cuts {
			at[i] = fmt.Sprintf("%d (%.2f s)", c, float64(c)/res.FrameRate.Float64())
		}
		fmt.Fprintf(stderr, "scene cuts: the dream restarted at frame %s\n", strings.Join(at, ", "))
	}
	if res.Stability != nil {
		fmt.Fprintf(stdout, "stability over %d frame pairs: E_warp source %.3f, dream %.3f, ratio %.2f\n",
			res.Stability.Pairs, res.Stability.Source, res.Stability.Output, res.Stability.Ratio)
	}
	return nil
}

// flagGiven reports whether the user set a flag explicitly.
func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}

// modelID names the network for checkpoint compatibility checks.
func modelID(m *modelFlags) string {
	return fmt.Sprintf("%s|%s|%g|%s|%s", m.model, m.inputNode, m.pixelScale, m.pixelOffset, m.engine)
}

// jobError turns a pipeline error into a one-line message, with the command
// that resumes an interrupted job.
func jobError(err error, cmd string, args []string) error {
	var re *pipeline.ResumeError
	if errors.As(err, &re) {
		return usageError{fmt.Errorf("%s; %s", re.Msg, resumeFixInFlags(re.Fix))}
	}
	var ie *pipeline.InterruptedError
	if errors.As(err, &ie) {
		resume := "deepdream " + cmd + " " + quoteArgs(args)
		if !strings.Contains(resume, "--resume") {
			resume += " --resume"
		}
		if errors.Is(ie.Err, context.Canceled) {
			return interruptedf("interrupted; %d frames are safe, continue with: %s", ie.Done, resume)
		}
		return fmt.Errorf("%v; %d frames are safe, continue with: %s", ie.Err, ie.Done, resume)
	}
	if errors.Is(err, context.Canceled) {
		return interruptedf("interrupted before the first frame was finished; nothing was written")
	}
	var ee *pipeline.ExistsError
	if errors.As(err, &ee) {
		if ee.NoCheckpoint {
			return fmt.Errorf("output %s exists and there is no checkpoint to resume; use --force to replace it", ee.Output)
		}
		return fmt.Errorf("output %s exists; use --force to replace it", ee.Output)
	}
	return err
}

// resumeFixInFlags words a pipeline.ResumeFix in this command's flags.
func resumeFixInFlags(f pipeline.ResumeFix) string {
	switch f {
	case pipeline.FixSameOrRestart:
		return "resume with exactly the same command, or run without --resume and with --force to start over"
	case pipeline.FixResumeOrRestart:
		return "add --resume to continue it, or --force to start over"
	default:
		return "run without --resume and with --force to start over"
	}
}

func quoteArgs(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if strings.ContainsAny(a, " \t'\"$`\\") || a == "" {
			q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		} else {
			q[i] = a
		}
	}
	return strings.Join(q, " ")
}
