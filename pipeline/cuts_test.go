package pipeline

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/deepdream-go/deepdream/pipeline/media"
	"github.com/deepdream-go/deepdream/pipeline/scenecut"
)

// TestFindCuts: the cuts of tos_sar.webm (2.167, 5.083, 6.583 and 9.208 s at
// 24 fps), numbered from the start of the decoded span.
func TestFindCuts(t *testing.T) {
	in := clip(t, "tos_sar.webm")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for _, tc := range []struct {
		decode media.DecodeOptions
		want   []int
	}{
		{media.DecodeOptions{}, []int{52, 122, 158, 221}},
		{media.DecodeOptions{Start: 1500 * time.Millisecond, MaxFrames: 30}, []int{16}},
		{media.DecodeOptions{Start: 6 * time.Second, Duration: 4 * time.Second, Width: 96}, []int{14, 77}},
	} {
		got, err := FindCuts(ctx, in, tc.decode, scenecut.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("start %v, %d frames, width %d: cuts %v, want %v", tc.decode.Start, tc.decode.MaxFrames, tc.decode.Width, got, tc.want)
		}
	}
}

func TestFindCutsErrors(t *testing.T) {
	in := clip(t, "tos_sar.webm")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := FindCuts(ctx, in, media.DecodeOptions{}, scenecut.Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: err %v, want context.Canceled", err)
	}
	if _, err := FindCuts(context.Background(), "no-such-clip.mp4", media.DecodeOptions{}, scenecut.Options{}); err == nil {
		t.Error("a missing file gives no error")
	}
}
