package cluster

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deepdream-go/deepdream/dream"
	"github.com/deepdream-go/deepdream/models"
	"github.com/deepdream-go/deepdream/models/native"
	"github.com/deepdream-go/deepdream/models/testnet"
	"github.com/deepdream-go/deepdream/pipeline"
	"github.com/deepdream-go/deepdream/pipeline/media"
)

const sharedVideo = "../../../shared/testdata/video"

func clip(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(sharedVideo, name)
	raw, err := os.ReadFile(p)
	if err != nil {
		t.Skipf("test clip %s is not available (clone with ../shared beside the repo): %v", p, err)
	}
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("ffmpeg is not installed")
	}
	// A private copy: parts refuse an input whose size or time changes
	// while they run, and the shared folder is not ours.
	own := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(own, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return own
}

func toyNet(t testing.TB) *native.Executor {
	t.Helper()
	e, err := native.New(testnet.Graph(), testnet.Spec, native.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// toyJob is a small job over in: 14 frames at 96 px wide in 3 parts.
func toyJob(in, out string) *Job {
	p := dream.DefaultParams()
	p.Octaves, p.Steps, p.Jitter, p.Tile = 2, 2, 4, 0
	p.Objective = models.MeanSquareOf(testnet.Layer)
	return &Job{
		Video: pipeline.VideoOptions{
			Input: in, Output: out,
			Decode: media.DecodeOptions{Width: 96, MaxFrames: 14},
			Dream:  p, ModelID: "toy",
			FrameDreamOptions: pipeline.FrameDreamOptions{FrameSteps: 1},
			CoherenceOptions:  pipeline.CoherenceOptions{Blend: 0.98, Refresh: 0.05, Keep: 0.8},
		},
		Plan: PlanOptions{Parts: 3, Warmup: 3, Crossfade: 2},
	}
}

// decodeAll returns every frame of a video file.
func decodeAll(t *testing.T, path string) [][]byte {
	t.Helper()
	dec, err := media.NewDecoder(context.Background(), path, media.DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	var frames [][]byte
	for {
		b := make([]byte, dec.FrameSize())
		err := dec.Next(b)
		if errors.Is(err, io.EOF) {
			return frames
		}
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, b)
	}
}

func runParts(t *testing.T, j *Job, net dream.Network, order ...int) *Manifest {
	t.Helper()
	m, err := j.Prepare(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range order {
		if _, err := j.RunPart(context.Background(), net, m, k); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

// TestPartsJoinToTheSameFramesInAnyOrder renders the same job twice: once
// in order, once out of order with a part interrupted mid-way and retried
// and another retried after it finished. Both joins must hold the same
// frames, the clip's frame count and its audio.
func TestPartsJoinToTheSameFramesInAnyOrder(t *testing.T) {
	in := clip(t, "chaplin.mp4")
	net := toyNet(t)
	dir := t.TempDir()

	ref := filepath.Join(dir, "ref.mp4")
	m := runParts(t, toyJob(in, ref), net, 0, 1, 2)
	if got := len(m.Plan.Parts); got != 3 || m.Plan.Parts[1].AtCut || m.Plan.Parts[1].Head != 2 || m.Plan.Parts[1].Warmup != 3 {
		t.Fatalf("unexpected plan:\n%s", m.Plan.String())
	}
	if err := Join(context.Background(), ref, JoinOptions{}); err != nil {
		t.Fatal(err)
	}

	out := filepath.Join(dir, "cluster.mp4")
	j := toyJob(in, out)
	m = runParts(t, j, net, 2)
	// Part 1 is stopped after two frames (a killed worker) and retried.
	ctx, cancel := context.WithCancel(context.Background())
	o := j.Video
	o.Progress = func(p pipeline.JobProgress) {
		if p.Done == 2 {
			cancel()
		}
	}
	j.Video.Progress = o.Progress
	if _, err := j.RunPart(ctx, net, m, 1); err == nil {
		t.Fatal("the interrupted part reported success")
	}
	j.Video.Progress = nil
	if _, err := os.Stat(partCheckpoint(out, 1)); err != nil {
		t.Fatalf("the interrupted part left no checkpoint: %v", err)
	}
	// A join now names the unfinished part.
	err := Join(context.Background(), out, JoinOptions{})
	var pe *PartError
	if !errors.As(err, &pe) || pe.Index != 0 {
		t.Fatalf("join with parts 0 and 1 unfinished: %v", err)
	}
	for _, k := range []int{1, 0, 1} {
		r, err := j.RunPart(context.Background(), net, m, k)
		if err != nil {
			t.Fatal(err)
		}
		// Frames in flight when the worker stopped are kept too.
		if k == 1 && r.Video != nil && (r.Video.Resumed < 2 || r.Video.Resumed >= r.Video.Frames) {
			t.Errorf("the retried part resumed %d of %d frames, want 2 or a few more", r.Video.Resumed, r.Video.Frames)
		}
	}
	if err := Join(context.Background(), out, JoinOptions{Clean: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(PartsDir(out)); !os.IsNotExist(err) {
		t.Errorf("--clean left the parts folder: %v", err)
	}

	a, b := decodeAll(t, ref), decodeAll(t, out)
	if len(a) != 14 || len(b) != 14 {
		t.Fatalf("joined %d and %d frames, want 14", len(a), len(b))
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			t.Fatalf("frame %d differs between the two runs", i)
		}
	}
	info, err := media.Probe(context.Background(), out)
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Audio) == 0 {
		t.Error("the joined clip has no audio")
	}
}

// TestJoinRefusesWhatItCannotTrust covers the bad cases: a missing part, a
// part of another clip in a slot, a damaged part, a part run with other
// settings, and an existing output.
func TestJoinRefusesWhatItCannotTrust(t *testing.T) {
	in := clip(t, "chaplin.mp4")
	net := toyNet(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "out.mp4")
	j := toyJob(in, out)
	m := runParts(t, j, net, 0, 2)

	err := Join(context.Background(), out, JoinOptions{})
	if err == nil || !strings.Contains(err.Error(), "part 1 of 3") || !strings.Contains(err.Error(), "is missing") || !strings.Contains(err.Error(), "--part 1/3") {
		t.Fatalf("missing part: %v", err)
	}

	// Another clip's part 1 copied into the slot.
	other := filepath.Join(dir, "other.mp4")
	runParts(t, toyJob(clip(t, "flower.mp4"), other), net, 1)
	if err := os.Rename(PartDir(other, 1), PartDir(out, 1)); err != nil {
		t.Fatal(err)
	}
	err = Join(context.Background(), out, JoinOptions{})
	if err == nil || !strings.Contains(err.Error(), "part 1 of 3") || !strings.Contains(err.Error(), "another input") {
		t.Fatalf("foreign part: %v", err)
	}
	// Rendering the slot again replaces the foreign part.
	if _, err := j.RunPart(context.Background(), net, m, 1); err != nil {
		t.Fatal(err)
	}

	// A part with other settings claiming a slot of this job is refused
	// before it renders anything, and the parts folder is untouched.
	bad := toyJob(in, out)
	bad.Video.Dream.Steps = 3
	bm, err := bad.Prepare(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.RunPart(context.Background(), net, bm, 1)
	if err == nil || !strings.Contains(err.Error(), "parts of another job") {
		t.Fatalf("part with other settings: %v", err)
	}

	// A damaged body.
	body := filepath.Join(PartDir(out, 2), "body.mp4")
	if err := os.Truncate(body, 100); err != nil {
		t.Fatal(err)
	}
	err = Join(context.Background(), out, JoinOptions{})
	if err == nil || !strings.Contains(err.Error(), "part 2 of 3") || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("damaged part: %v", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Fatal("a failed join left an output")
	}
	// The damaged part is rendered again by its retry, then the join works.
	if _, err := j.RunPart(context.Background(), net, m, 2); err != nil {
		t.Fatal(err)
	}
	if err := Join(context.Background(), out, JoinOptions{}); err != nil {
		t.Fatal(err)
	}
	err = Join(context.Background(), out, JoinOptions{})
	if err == nil || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("join over an existing output: %v", err)
	}
}

// TestForcedNewJobDiscardsStaleParts: after a change of settings with
// --force, a part whose slot holds an interrupted checkpoint of the old job
// renders afresh instead of resuming foreign frames.
func TestForcedNewJobDiscardsStaleParts(t *testing.T) {
	in := clip(t, "chaplin.mp4")
	net := toyNet(t)
	out := filepath.Join(t.TempDir(), "out.mp4")
	old := toyJob(in, out)
	m, err := old.Prepare(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	old.Video.Progress = func(p pipeline.JobProgress) { cancel() }
	if _, err := old.RunPart(ctx, net, m, 1); err == nil {
		t.Fatal("the interrupted part reported success")
	}
	if _, err := os.Stat(partCheckpoint(out, 1)); err != nil {
		t.Fatalf("no checkpoint left: %v", err)
	}
	job := toyJob(in, out)
	job.Video.Dream.Steps = 3
	job.Video.Force = true
	nm, err := job.Prepare(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	r, err := job.RunPart(context.Background(), net, nm, 1)
	if err != nil {
		t.Fatal(err)
	}
	if r.Video == nil || r.Video.Resumed != 0 {
		t.Fatalf("the new job's part resumed the old job's frames: %+v", r.Video)
	}
	pm, err := pipeline.ReadPartManifest(PartDir(out, 1))
	if err != nil || pm.Key != nm.PartKeys[1] {
		t.Fatalf("part 1 is not the new job's: %v", err)
	}
}

// TestJoinWhileAPartRuns: a join while a part is being rendered says so
// and writes nothing; the part is not disturbed and the join works after.
func TestJoinWhileAPartRuns(t *testing.T) {
	in := clip(t, "chaplin.mp4")
	net := toyNet(t)
	out := filepath.Join(t.TempDir(), "out.mp4")
	j := toyJob(in, out)
	m := runParts(t, j, net, 0, 2)
	inside, release := make(chan struct{}), make(chan struct{})
	j.Video.Progress = func(p pipeline.JobProgress) {
		if p.Done == 1 {
			close(inside)
			<-release // the part holds its lock while the join looks
		}
	}
	done := make(chan error, 1)
	go func() {
		_, err := j.RunPart(context.Background(), net, m, 1)
		done <- err
	}()
	<-inside
	err := Join(context.Background(), out, JoinOptions{})
	close(release)
	if err == nil || !strings.Contains(err.Error(), "part 1 of 3") || !strings.Contains(err.Error(), "still being rendered") {
		t.Errorf("join while part 1 runs: %v", err)
	}
	if _, serr := os.Stat(out); !os.IsNotExist(serr) {
		t.Error("the refused join left an output")
	}
	if err := <-done; err != nil {
		t.Fatalf("the running part failed: %v", err)
	}
	if err := Join(context.Background(), out, JoinOptions{}); err != nil {
		t.Fatal(err)
	}
}
