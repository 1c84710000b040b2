package pipeline

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deepdream-go/deepdream/pipeline/imageio"
)

// TestVideoPreviewIsTheRenderedFirstFrame: a preview at T is, pixel for
// pixel, the frame a render started at T (one frame) writes.
func TestVideoPreviewIsTheRenderedFirstFrame(t *testing.T) {
	in := clip(t, "chaplin.mp4")
	net := toyNet(t)
	times := []time.Duration{1500 * time.Millisecond, 3 * time.Second}
	opt := toyOptions(in, "")
	previews, err := PreviewVideo(context.Background(), net, opt, times, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(previews) != 2 {
		t.Fatalf("%d previews for 2 times", len(previews))
	}
	for i, at := range times {
		dir := filepath.Join(t.TempDir(), "frames")
		o := toyOptions(in, dir)
		o.Decode.Start, o.Decode.MaxFrames = at, 1
		if _, err := RunVideo(context.Background(), net, o); err != nil {
			t.Fatal(err)
		}
		frames := readPNGFrames(t, dir)
		if len(frames) != 1 {
			t.Fatalf("render at %v wrote %d frames", at, len(frames))
		}
		if got := imageio.ToRGB24(previews[i], nil); !bytes.Equal(got, frames[0]) {
			t.Errorf("preview at %v differs from the frame rendered with start %v", at, at)
		}
	}
	if bytes.Equal(imageio.ToRGB24(previews[0], nil), imageio.ToRGB24(previews[1], nil)) {
		t.Error("previews at two times are the same picture")
	}
}

func TestVideoPreviewPastTheEnd(t *testing.T) {
	in := clip(t, "chaplin.mp4")
	_, err := PreviewVideo(context.Background(), toyNet(t), toyOptions(in, ""), []time.Duration{time.Hour}, nil)
	if err == nil || !strings.Contains(err.Error(), "long") {
		t.Fatalf("err = %v, want one saying how long the clip is", err)
	}
}

// TestZoomPreviewIsTheRenderedFrame: frame n of a preview equals frame n of
// the whole animation, for a keyframe and for frames between keyframes.
func TestZoomPreviewIsTheRenderedFrame(t *testing.T) {
	net := toyNet(t)
	dir := filepath.Join(t.TempDir(), "zoom")
	if _, err := RunZoom(context.Background(), net, toyZoom(dir)); err != nil {
		t.Fatal(err)
	}
	frames := readPNGFrames(t, dir)
	for _, n := range []int{0, 3, 4, 8, 9} {
		img, err := PreviewZoom(context.Background(), net, toyZoom("unused"), n)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(imageio.ToRGB24(img, nil), frames[n]) {
			t.Errorf("preview of frame %d differs from the animation's frame %d", n, n)
		}
	}
	if _, err := PreviewZoom(context.Background(), net, toyZoom("unused"), 10); err == nil {
		t.Error("a preview past the last frame was accepted")
	}
	// A loop outputs later rendered frames; the preview follows, up to
	// where the end starts converging onto the start (here rendered frames
	// 0..29, output from 6; keyframes 26 on converge, frames from 24 fade
	// towards them: output frames 0..17 are exact).
	loop := func(out string) ZoomOptions {
		o := toyZoom(out)
		o.Frames, o.Loop, o.KeyframeEvery = 24, true, 2
		return o
	}
	dir = filepath.Join(t.TempDir(), "loop")
	if _, err := RunZoom(context.Background(), net, loop(dir)); err != nil {
		t.Fatal(err)
	}
	frames = readPNGFrames(t, dir)
	for _, n := range []int{0, 5, 17} {
		img, err := PreviewZoom(context.Background(), net, loop("unused"), n)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(imageio.ToRGB24(img, nil), frames[n]) {
			t.Errorf("preview of loop frame %d differs from the loop's frame %d", n, n)
		}
	}
}
