package pipeline

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deepdream-go/deepdream/flow"
	"github.com/deepdream-go/deepdream/pipeline/media"
)

// copyClip writes frames of src, decoded with opt, to out the way RunVideo
// does (same size rule, odd sides cropped by the encoder, the start stored
// in the metadata): an identity "dream" to measure against its source.
func copyClip(t *testing.T, src, out string, opt media.DecodeOptions) {
	t.Helper()
	ctx := context.Background()
	dec, err := media.NewDecoder(ctx, src, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	enc, err := media.NewEncoder(ctx, out, media.EncodeOptions{Width: dec.Width(), Height: dec.Height(), FrameRate: dec.FrameRate(), Comment: media.DreamComment(dec.Start())})
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, dec.FrameSize())
	for {
		err := dec.Next(buf)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := enc.WriteFrame(buf); err != nil {
			t.Fatal(err)
		}
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestStabilityOnOwnOutput measures clips written like deepdream video's
// output: an odd height cropped by H.264, a --start stored in the
// metadata, a PNG frame folder. Each must be measured against the right
// frames of the source (ratio 1 for an identity copy), and a clip of
// another source or another start must be refused.
func TestStabilityOnOwnOutput(t *testing.T) {
	chaplin, flower := clip(t, "chaplin.mp4"), clip(t, "flower.mp4")
	dir := t.TempDir()
	ctx := context.Background()
	fast := flow.Fast()
	// chaplin at 240 wide is 240x135; the MP4 keeps 240x134.
	odd := filepath.Join(dir, "odd.mp4")
	copyClip(t, chaplin, odd, media.DecodeOptions{Width: 240, MaxFrames: 3})
	late := filepath.Join(dir, "late.mp4")
	copyClip(t, chaplin, late, media.DecodeOptions{Width: 160, Start: 5 * time.Second, MaxFrames: 3})
	frames := filepath.Join(dir, "frames")
	copyClip(t, chaplin, frames+string(filepath.Separator), media.DecodeOptions{Width: 200, MaxFrames: 3})

	for _, out := range []string{odd, late, frames} {
		s, err := MeasureStability(ctx, chaplin, out, media.DecodeOptions{}, StabilityMeter{Flow: fast})
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(out), err)
			continue
		}
		if s.Pairs != 2 || s.Ratio < 0.75 || s.Ratio > 1.25 || s.Structure < 0.99 {
			t.Errorf("%s: %+v; want 2 pairs, ratio near 1 (0.75..1.25, the encoder smooths noise) and structure 1 for a copy", filepath.Base(out), s)
		}
	}
	// tos_sar.webm has non-square pixels: at 640 wide it decodes at
	// 640x266, but fitted into 640x266 it comes out 639 wide, so the
	// source must be decoded with the request the dream used.
	tos := clip(t, "tos_sar.webm")
	sar := filepath.Join(dir, "sar") + string(filepath.Separator)
	copyClip(t, tos, sar, media.DecodeOptions{Width: 640, MaxFrames: 3})
	if s, err := MeasureStability(ctx, tos, sar, media.DecodeOptions{}, StabilityMeter{Flow: fast}); err != nil {
		t.Errorf("tos_sar at 640 wide: %v", err)
	} else if s.Pairs != 2 || s.Ratio < 0.75 || s.Ratio > 1.25 || s.Structure < 0.99 {
		t.Errorf("tos_sar at 640 wide: %+v; want 2 pairs, ratio near 1 and structure 1 for a copy", s)
	}
	for _, tc := range []struct {
		src, out string
		opt      media.DecodeOptions
		want     string
	}{
		{flower, odd, media.DecodeOptions{}, "dream of"},
		{chaplin, late, media.DecodeOptions{Start: 2 * time.Second}, "--start"},
		{chaplin, odd, media.DecodeOptions{Width: 320}, "--width"},
	} {
		_, err := MeasureStability(ctx, tc.src, tc.out, tc.opt, StabilityMeter{Flow: fast})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s against %s %+v: %v; want an error mentioning %q", filepath.Base(tc.out), filepath.Base(tc.src), tc.opt, err, tc.want)
		}
	}
}
