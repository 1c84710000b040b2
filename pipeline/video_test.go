package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deepdream-go/deepdream/dream"
	"github.com/deepdream-go/deepdream/models"
	"github.com/deepdream-go/deepdream/models/native"
	"github.com/deepdream-go/deepdream/models/testnet"
	"github.com/deepdream-go/deepdream/pipeline/media"
)

const sharedVideo = "../../shared/testdata/video"

func clip(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(sharedVideo, name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("test clip %s is not available (clone with ../shared beside the repo): %v", p, err)
	}
	return p
}

func toyNet(t testing.TB) *native.Executor {
	t.Helper()
	e, err := native.New(testnet.Graph(), testnet.Spec, native.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func toyParams() dream.Params {
	p := dream.DefaultParams()
	p.Octaves, p.Steps, p.Jitter, p.Tile = 2, 2, 4, 0
	p.Objective = models.MeanSquareOf(testnet.Layer)
	return p
}

func toyOptions(in, out string) VideoOptions {
	return VideoOptions{
		Input: in, Output: out,
		Decode: media.DecodeOptions{Width: 96, MaxFrames: 3},
		Dream:  toyParams(), ModelID: "toy",
		FrameDreamOptions: FrameDreamOptions{FrameSteps: 1},
		CoherenceOptions:  CoherenceOptions{Blend: 0.98, Refresh: 0.05, Keep: 0.8},
	}
}

// TestEveryClip dreams a few frames of every test clip and checks what a
// user relies on: frame count, rate, display size and audio.
func TestEveryClip(t *testing.T) {
	net := toyNet(t)
	for _, tc := range []struct {
		name, ext string
		w, h      int
		rate      media.Rational
		audio     int // channels of the first audio stream, 0 for none
	}{
		{"chaplin.mp4", ".mp4", 96, 54, media.Rational{Num: 25, Den: 1}, 2},
		{"flower.mp4", ".mp4", 96, 54, media.Rational{Num: 30000, Den: 1001}, 2},
		{"flower.webm", ".webm", 96, 54, media.Rational{Num: 30000, Den: 1001}, 2},
		{"bbb.mp4", ".mkv", 96, 54, media.Rational{Num: 25, Den: 1}, 6},
		{"bulkwater.mov", ".mov", 96, 64, media.Rational{Num: 24000, Den: 1001}, 0},
		{"mouse.avi", ".mp4", 96, 86, media.Rational{Num: 30, Den: 1}, 0},
		{"mouse_mjpeg.avi", ".mp4", 96, 86, media.Rational{Num: 30, Den: 1}, 0},
		{"phone_rot180_vfr.mp4", ".mp4", 96, 54, media.Rational{}, 1},
		{"tos_sar.webm", ".webm", 96, 40, media.Rational{Num: 24, Den: 1}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := clip(t, tc.name)
			out := filepath.Join(t.TempDir(), "out"+tc.ext)
			res, err := RunVideo(context.Background(), net, toyOptions(in, out))
			if err != nil {
				t.Fatal(err)
			}
			info, err := media.ProbeWith(context.Background(), out, media.ProbeOptions{CountFrames: true})
			if err != nil {
				t.Fatal(err)
			}
			if info.Frames != 3 || res.Frames != 3 {
				t.Errorf("frames: output has %d, result says %d, want 3", info.Frames, res.Frames)
			}
			// Odd heights are padded or cropped by one pixel for yuv420p.
			if info.Width != tc.w || (info.Height != tc.h && info.Height != tc.h+1 && info.Height != tc.h-1) {
				t.Errorf("display size %dx%d, want %dx%d", info.Width, info.Height, tc.w, tc.h)
			}
			if tc.rate.Valid() && info.FrameRate.Reduce() != tc.rate.Reduce() {
				t.Errorf("frame rate %v, want %v", info.FrameRate, tc.rate)
			}
			if got := len(info.Audio); (got > 0) != (tc.audio > 0) {
				t.Fatalf("audio streams: %d, source has audio: %v", got, tc.audio > 0)
			}
			if tc.audio > 0 {
				if info.Audio[0].Channels != tc.audio {
					t.Errorf("audio channels %d, want %d", info.Audio[0].Channels, tc.audio)
				}
			}
			if _, err := os.Stat(workDirFor(out)); !os.IsNotExist(err) {
				t.Errorf("work directory left behind after success")
			}
		})
	}
}

// TestAudioStaysInSync checks that audio covers the same span as the video.
func TestAudioStaysInSync(t *testing.T) {
	in := clip(t, "chaplin.mp4")
	out := filepath.Join(t.TempDir(), "sync.mp4")
	opt := toyOptions(in, out)
	opt.Decode = media.DecodeOptions{Width: 64, Start: 2e9, MaxFrames: 25}
	opt.Dream.Octaves, opt.Dream.Steps, opt.FrameSteps = 1, 1, 1
	opt.SegmentFrames = 7 // joined from four segments
	if _, err := RunVideo(context.Background(), toyNet(t), opt); err != nil {
		t.Fatal(err)
	}
	v, a := streamDurations(t, out)
	if math.Abs(v-1.0) > 0.05 || math.Abs(a-v) > 0.08 {
		t.Fatalf("video %.3fs, audio %.3fs; want both about 1s", v, a)
	}
}

func streamDurations(t *testing.T, path string) (video, audio float64) {
	t.Helper()
	info, err := media.ProbeWith(context.Background(), path, media.ProbeOptions{CountFrames: true})
	if err != nil {
		t.Fatal(err)
	}
	video = info.Duration.Seconds()
	if len(info.Audio) > 0 {
		audio = info.Audio[0].Duration.Seconds()
	}
	return video, audio
}

func readFrames(t *testing.T, dir string) [][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// TestResumeMatchesUninterruptedRun stops a job after two frames, resumes
// it, and compares every frame with an uninterrupted run.
func TestResumeMatchesUninterruptedRun(t *testing.T) {
	in := clip(t, "chaplin.mp4")
	net := toyNet(t)
	dir := t.TempDir()
	full := filepath.Join(dir, "full")
	opt := toyOptions(in, full)
	opt.Decode.MaxFrames = 6
	if _, err := RunVideo(context.Background(), net, opt); err != nil {
		t.Fatal(err)
	}
	parts := filepath.Join(dir, "parts")
	opt.Output = parts
	ctx, cancel := context.WithCancel(context.Background())
	opt.Progress = func(p VideoProgress) {
		if p.Done == 2 {
			cancel()
		}
	}
	_, err := RunVideo(ctx, net, opt)
	var ie *InterruptedError
	if !errors.As(err, &ie) || !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: err = %v, want an InterruptedError wrapping context.Canceled", err)
	}
	if ie.Done < 2 {
		t.Fatalf("checkpoint holds %d frames, want at least 2", ie.Done)
	}
	if _, err := os.Stat(parts); !os.IsNotExist(err) {
		t.Fatalf("interrupted run left an output behind")
	}
	// Without --resume the checkpoint is not silently discarded.
	opt.Progress = nil
	if _, err := RunVideo(context.Background(), net, opt); err == nil || !strings.Contains(err.Error(), "Resume") {
		t.Fatalf("rerun without Resume: err = %v, want advice to use Resume", err)
	}
	// Different settings are refused.
	other := opt
	other.Resume = true
	other.Blend = 0.5
	var re *ResumeError
	if _, err := RunVideo(context.Background(), net, other); !errors.As(err, &re) {
		t.Fatalf("resume with other settings: err = %v, want a ResumeError", err)
	}
	opt.Resume = true
	var reports []VideoProgress
	opt.Progress = func(p VideoProgress) { reports = append(reports, p) }
	res, err := RunVideo(context.Background(), net, opt)
	if err != nil {
		t.Fatal(err)
	}
	// The first report of a resumed run is the resumed count (a bar
	// starts there), then one per new frame.
	if len(reports) != 6-ie.Done+1 || reports[0].Done != ie.Done || reports[len(reports)-1].Done != 6 {
		t.Errorf("progress of the resumed run: %+v; want %d, then each frame to 6", reports, ie.Done)
	}
	if res.Resumed != ie.Done || res.Frames != 6 {
		t.Fatalf("resumed %d of %d frames, want %d of 6", res.Resumed, res.Frames, ie.Done)
	}
	a, b := readFrames(t, full), readFrames(t, parts)
	if len(a) != 6 || len(b) != 6 {
		t.Fatalf("got %d and %d frames, want 6", len(a), len(b))
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			t.Fatalf("frame %d differs between the resumed and the uninterrupted run", i)
		}
	}
}

func TestDeterministicOutput(t *testing.T) {
	in := clip(t, "flower.mp4")
	net := toyNet(t)
	dir := t.TempDir()
	var runs [][][]byte
	for i := 0; i < 2; i++ {
		out := filepath.Join(dir, fmt.Sprint("run", i))
		if _, err := RunVideo(context.Background(), net, toyOptions(in, out)); err != nil {
			t.Fatal(err)
		}
		runs = append(runs, readFrames(t, out))
	}
	for i := range runs[0] {
		if !bytes.Equal(runs[0][i], runs[1][i]) {
			t.Fatalf("frame %d differs between two identical runs", i)
		}
	}
}

// TestMotionChecks dreams chaplin with each way of trusting the flow. The
// match check (the default) must give the same frames whether or not a
// stability meter runs (the meter makes the flow stage compute the flow
// back too, which the match check does not use); the backward check must
// change the later frames and not the first.
func TestMotionChecks(t *testing.T) {
	in := clip(t, "chaplin.mp4")
	net := toyNet(t)
	dir := t.TempDir()
	run := func(name string, set func(o *VideoOptions)) [][]byte {
		out := filepath.Join(dir, name)
		opt := toyOptions(in, out)
		opt.Decode.MaxFrames = 4
		set(&opt)
		if _, err := RunVideo(context.Background(), net, opt); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return readFrames(t, out)
	}
	match := run("match", func(*VideoOptions) {})
	metered := run("metered", func(o *VideoOptions) { o.MeasureStability = true })
	backward := run("backward", func(o *VideoOptions) { o.MotionCheck = MotionCheckBackward })
	if len(match) != 4 || len(metered) != 4 || len(backward) != 4 {
		t.Fatalf("%d, %d and %d frames, want 4 each", len(match), len(metered), len(backward))
	}
	for i := range match {
		if !bytes.Equal(match[i], metered[i]) {
			t.Errorf("frame %d changed when the stability was measured", i)
		}
	}
	if !bytes.Equal(match[0], backward[0]) {
		t.Error("the first frame, which carries nothing, depends on the motion check")
	}
	if bytes.Equal(match[3], backward[3]) {
		t.Error("the backward check gave the same last frame as the match check: is it used?")
	}
	opt := toyOptions(in, filepath.Join(dir, "bad"))
	opt.MotionCheck = "sideways"
	if _, err := RunVideo(context.Background(), net, opt); err == nil || !strings.Contains(err.Error(), "motion check") {
		t.Errorf("motion check %q: %v, want an error naming it", opt.MotionCheck, err)
	}
}

func TestBadInputsAndOutputs(t *testing.T) {
	net := toyNet(t)
	dir := t.TempDir()
	in := clip(t, "chaplin.mp4")
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte("not a video at all\n"), 0o644)
	existing := filepath.Join(dir, "exists.mp4")
	os.WriteFile(existing, []byte("keep me"), 0o644)
	truncated := filepath.Join(dir, "truncated.avi")
	raw, _ := os.ReadFile(clip(t, "mouse.avi"))
	os.WriteFile(truncated, raw[:len(raw)/3], 0o644)
	cases := []struct {
		name, in, out, want string
	}{
		{"not a video", text, filepath.Join(dir, "a.mp4"), "notes.txt"},
		{"missing input", filepath.Join(dir, "nope.mp4"), filepath.Join(dir, "b.mp4"), "no such file"},
		{"existing output", in, existing, "Force"},
		{"output is input", in, in, "is the input"},
		{"unknown extension", in, filepath.Join(dir, "x.doc"), ".doc"},
		{"missing folder", in, filepath.Join(dir, "no/such/dir/x.mp4"), "does not exist"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := RunVideo(context.Background(), net, toyOptions(tc.in, tc.out))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans several lines: %q", err)
			}
		})
	}
	if b, _ := os.ReadFile(existing); string(b) != "keep me" {
		t.Fatal("an existing output was damaged")
	}
	t.Run("truncated clip", func(t *testing.T) {
		out := filepath.Join(dir, "t.mp4")
		opt := toyOptions(truncated, out)
		opt.Decode.MaxFrames = 0
		opt.Dream.Octaves, opt.Dream.Steps, opt.FrameSteps = 1, 1, 1
		opt.Coherence = CoherenceNone
		_, err := RunVideo(context.Background(), net, opt)
		var fe *media.FrameError
		if !errors.As(err, &fe) {
			t.Fatalf("err = %v, want a frame error", err)
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Error("output written for a broken clip")
		}
		if _, err := os.Stat(workDirFor(out)); !os.IsNotExist(err) {
			t.Error("work directory kept for a broken clip")
		}
	})
}

func TestGIFOutput(t *testing.T) {
	in := clip(t, "flower.mp4")
	out := filepath.Join(t.TempDir(), "loop.gif")
	opt := toyOptions(in, out)
	opt.Decode.MaxFrames = 6
	opt.GIFWidth = 64
	if _, err := RunVideo(context.Background(), toyNet(t), opt); err != nil {
		t.Fatal(err)
	}
	info, err := media.ProbeWith(context.Background(), out, media.ProbeOptions{CountFrames: true})
	if err != nil {
		t.Fatal(err)
	}
	if info.VideoCodec != "gif" || info.Width != 64 || info.Frames != 6 || len(info.Audio) != 0 {
		t.Fatalf("GIF: codec %s, width %d, %d frames, %d audio streams; want gif, 64, 6, 0", info.VideoCodec, info.Width, info.Frames, len(info.Audio))
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte("NETSCAPE2.0")) {
		t.Error("GIF has no looping extension; it would play once")
	}
}

// TestSegmentedResume checks the segment path used by video containers:
// an interrupted and resumed job writes the same file, byte for byte, as an
// uninterrupted one, and the checkpoint never holds more frame images than
// one segment plus the frame carried into it.
func TestSegmentedResume(t *testing.T) {
	in := clip(t, "chaplin.mp4")
	net := toyNet(t)
	dir := t.TempDir()
	opt := toyOptions(in, filepath.Join(dir, "full.mp4"))
	opt.Decode.MaxFrames = 7
	opt.SegmentFrames = 2
	if _, err := RunVideo(context.Background(), net, opt); err != nil {
		t.Fatal(err)
	}
	opt.Output = filepath.Join(dir, "parts.mp4")
	ctx, cancel := context.WithCancel(context.Background())
	most := 0
	opt.Progress = func(p VideoProgress) {
		entries, _ := filepath.Glob(filepath.Join(workDirFor(opt.Output), "frame_*.png"))
		most = max(most, len(entries))
		if p.Done == 4 {
			cancel()
		}
	}
	_, err := RunVideo(ctx, net, opt)
	var ie *InterruptedError
	if !errors.As(err, &ie) {
		t.Fatalf("err = %v, want an InterruptedError", err)
	}
	segs, _ := filepath.Glob(filepath.Join(workDirFor(opt.Output), "segment_*"))
	if len(segs) < 1 {
		t.Fatalf("no finished segment in the checkpoint after %d frames", ie.Done)
	}
	opt.Progress, opt.Resume = nil, true
	res, err := RunVideo(context.Background(), net, opt)
	if err != nil {
		t.Fatal(err)
	}
	if res.Frames != 7 {
		t.Fatalf("%d frames, want 7", res.Frames)
	}
	if most > 3 {
		t.Errorf("the checkpoint held %d frame images; want at most a segment (2) plus one", most)
	}
	a, _ := os.ReadFile(filepath.Join(dir, "full.mp4"))
	b, _ := os.ReadFile(opt.Output)
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Fatalf("resumed output (%d bytes) differs from the uninterrupted one (%d bytes)", len(b), len(a))
	}
	info, err := media.ProbeWith(context.Background(), opt.Output, media.ProbeOptions{CountFrames: true})
	if err != nil {
		t.Fatal(err)
	}
	if info.Frames != 7 || len(info.Audio) != 1 || info.FrameRate.Reduce() != (media.Rational{Num: 25, Den: 1}) {
		t.Fatalf("output: %d frames at %v, %d audio streams; want 7 at 25/1 with audio", info.Frames, info.FrameRate, len(info.Audio))
	}
}
