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
// first frame to the end of the last, per frame), of the first frame, and
// each stage's time as a share of the job's wall time. Stages run
// concurrently: decode, flow, dream and encode/checkpoint are separate
// goroutines (ffmpeg separate processes), so the shares need not add up to
// 100%. Run it alone: go test -run '^$' -bench Video720p -benchtime 1x ./pipeline/
func BenchmarkVideo720p(b *testing.B) {
	in := filepath.Join(sharedVideo, "bbb.mp4")
	if _, err := os.Stat(in); err != nil {
		b.Skipf("test clip %s is not available (clone with ../shared beside the repo): %v", in, err)
	}
	const frames = 10
	net := inceptionNet(b)
	defer net.Close()
	dir := b.TempDir()
	var later, first time.Duration
	var shares [5]float64 // decode, flow, dream, encode, checkpoint
	for i := 0; i < b.N; i++ {
		opt := DefaultVideoOptions()
		opt.Input, opt.Output, opt.Force = in, filepath.Join(dir, "dream.mp4"), true
		opt.Dream.Objective = models.MeanSquareOf("mixed3")
		opt.ModelID = "inception-v3"
		opt.Decode.MaxFrames = frames
		var firstDone time.Duration
		opt.Progress = func(p JobProgress) {
			if p.Done == 1 {
				firstDone = p.Elapsed
			}
		}
		res, err := RunVideo(context.Background(), net, opt)
		if err != nil {
			b.Fatal(err)
		}
		if res.Frames != frames || res.Width != 1280 || res.Height != 720 {
			b.Fatalf("%d frames of %dx%d, want %d of 1280x720", res.Frames, res.Width, res.Height, frames)
		}
		first += firstDone
		later += (res.Wall - firstDone) / (frames - 1)
		st := res.Stages
		for k, d := range []time.Duration{st.Decode, st.Flow, st.Dream, st.Encode, st.Checkpoint} {
			shares[k] += 100 * d.Seconds() / res.Wall.Seconds()
		}
	}
	n := float64(b.N)
	b.ReportMetric(later.Seconds()/n, "s/later-frame")
	b.ReportMetric(first.Seconds()/n, "s/first-frame")
	for k, name := range []string{"decode", "flow", "dream", "encode", "checkpoint"} {
		b.ReportMetric(shares[k]/n, "%wall-"+name)
	}
}
