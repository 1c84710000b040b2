package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/deepdream-go/deepdream/models"
)

// BenchmarkVideo720p runs `deepdream video bbb.mp4 -o x.mp4` with the
// default settings on the first 10 frames at 1280x720 (the size of the
// clip) and reports the wall time of a later frame (from the end of the
// first frame to the end of the last, per frame), of the first frame, of
// the finish (from the last frame to the finished file: the encoder's
// buffered frames and the move into place, once per job), and each stage's
// time over the later frames as a share of their wall time. Stages run
// concurrently: decode, flow, dream and encode/checkpoint are separate
// goroutines (ffmpeg separate processes), so the shares need not add up to
// 100%; a stage's share is the time it was busy or waiting, not the CPU it
// took from the network. cpu-s/later-frame is this process's CPU time (all
// threads; ffmpeg's processes not included) per later frame, which shows
// the work done apart from waiting; sys-s/later-frame the part of it spent
// in the kernel, much of it on page faults (faults/later-frame: on this
// project's VM a fault costs 10-20 µs, so fresh memory for a 720p frame's
// buffers is not free). For each stage's CPU, profile the run:
// the stages run under pprof labels,
//
//	go test -run '^$' -bench Video720p -benchtime 1x -cpuprofile cpu.prof ./pipeline/
//	go tool pprof -tags pipeline.test cpu.prof
//
// (the shares there include the first frame). Run it alone:
//
//	go test -run '^$' -bench Video720p -benchtime 1x ./pipeline/
func BenchmarkVideo720p(b *testing.B) {
	in := filepath.Join(sharedVideo, "bbb.mp4")
	if _, err := os.Stat(in); err != nil {
		b.Skipf("test clip %s is not available (clone with ../shared beside the repo): %v", in, err)
	}
	const frames = 10
	net := inceptionNet(b)
	defer net.Close()
	dir := b.TempDir()
	var later, first, finish, laterCPU time.Duration
	var shares [5]float64 // decode, flow, dream, encode, checkpoint
	for i := 0; i < b.N; i++ {
		opt := DefaultVideoOptions()
		opt.Input, opt.Output, opt.Force = in, filepath.Join(dir, "dream.mp4"), true
		opt.Dream.Objective = models.MeanSquareOf("mixed3")
		opt.ModelID = "inception-v3"
		opt.Decode.MaxFrames = frames
		var firstDone, lastDone, firstCPU, lastCPU time.Duration
		var f0, f1 int64
		var s0, s1 time.Duration
		var firstStages, lastStages StageTimes
		start := time.Now()
		opt.Progress = func(p JobProgress) {
			switch p.Done {
			case 1:
				firstDone, firstStages, firstCPU = time.Since(start), p.Stages, processCPU()
				f0, s0 = processFaults()
			case frames:
				lastDone, lastStages, lastCPU = time.Since(start), p.Stages, processCPU()
				f1, s1 = processFaults()
			}
		}
		res, err := RunVideo(context.Background(), net, opt)
		wall := time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		if res.Frames != frames || res.Width != 1280 || res.Height != 720 {
			b.Fatalf("%d frames of %dx%d, want %d of 1280x720", res.Frames, res.Width, res.Height, frames)
		}
		b.ReportMetric(float64(f1-f0)/(frames-1), "faults/later-frame")
		b.ReportMetric((s1-s0).Seconds()/(frames-1), "sys-s/later-frame")
		first += firstDone
		later += (lastDone - firstDone) / (frames - 1)
		laterCPU += (lastCPU - firstCPU) / (frames - 1)
		finish += wall - lastDone
		a, z := firstStages, lastStages
		span := (lastDone - firstDone).Seconds()
		for k, d := range []time.Duration{z.Decode - a.Decode, z.Flow - a.Flow, z.Dream - a.Dream,
			z.Encode - a.Encode, z.Checkpoint - a.Checkpoint} {
			shares[k] += 100 * d.Seconds() / span
		}
	}
	n := float64(b.N)
	b.ReportMetric(later.Seconds()/n, "s/later-frame")
	b.ReportMetric(laterCPU.Seconds()/n, "cpu-s/later-frame")
	b.ReportMetric(first.Seconds()/n, "s/first-frame")
	b.ReportMetric(finish.Seconds()/n, "s/finish")
	for k, name := range []string{"decode", "flow", "dream", "encode", "checkpoint"} {
		b.ReportMetric(shares[k]/n, "%wall-"+name)
	}
}
