package media

import (
	"context"
	"errors"
	"io"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestLateAudioTrimmedToVideo builds a 2 s clip whose audio starts 0.47 s
// after the picture (and so ends 0.47 s after it), copies every frame with
// the source's audio, and checks that the audio ends with the video.
func TestLateAudioTrimmedToVideo(t *testing.T) {
	needFFmpeg(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "late.mp4")
	if b, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "color=c=gray:s=64x48:r=25:d=2",
		"-itsoffset", "0.47", "-f", "lavfi", "-i", "sine=d=2", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", src).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, b)
	}
	ctx := context.Background()
	dec, err := NewDecoder(ctx, src, DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	out := filepath.Join(dir, "out.mp4")
	enc, err := NewEncoder(ctx, out, EncodeOptions{Width: dec.Width(), Height: dec.Height(), FrameRate: dec.FrameRate(), Audio: dec.AudioSource()})
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, dec.FrameSize())
	for {
		if err := dec.Next(buf); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if err := enc.WriteFrame(buf); err != nil {
			t.Fatal(err)
		}
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	end := func(kind string) float64 {
		b, err := exec.Command("ffprobe", "-v", "error", "-select_streams", kind, "-show_entries", "stream=start_time,duration", "-of", "csv=p=0", out).Output()
		if err != nil {
			t.Fatal(err)
		}
		f := strings.Split(strings.TrimSpace(string(b)), ",")
		s, _ := strconv.ParseFloat(f[0], 64)
		d, _ := strconv.ParseFloat(f[len(f)-1], 64)
		return s + d
	}
	v, a := end("v"), end("a")
	if a > v+0.05 {
		t.Errorf("audio ends at %.3f s, the video at %.3f s; want the audio trimmed to the video", a, v)
	}
}
