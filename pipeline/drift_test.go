package pipeline

import (
	"context"
	"image"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/deepdream-go/deepdream/pipeline/media"
)

// meanLevel returns the mean pixel value of a PNG frame.
func meanLevel(t *testing.T, path string) (float64, image.Image) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	var sum float64
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bb, _ := img.At(x, y).RGBA()
			sum += float64(r+g+bb) / 3 / 257
		}
	}
	return sum / float64(b.Dx()*b.Dy()), img
}

func meanImageDiff(a, b image.Image) float64 {
	bd := a.Bounds()
	var sum float64
	for y := bd.Min.Y; y < bd.Max.Y; y++ {
		for x := bd.Min.X; x < bd.Max.X; x++ {
			r1, g1, b1, _ := a.At(x, y).RGBA()
			r2, g2, b2, _ := b.At(x, y).RGBA()
			sum += (math.Abs(float64(r1)-float64(r2)) + math.Abs(float64(g1)-float64(g2)) + math.Abs(float64(b1)-float64(b2))) / 3 / 257
		}
	}
	return sum / float64(bd.Dx()*bd.Dy())
}

// TestNoDriftOverLongSlowScene dreams 120 frames of a slow pan with the
// flow coherence: the carried hallucination must neither brighten or
// darken the picture nor grow without bound (the failure of feedback tools).
func TestNoDriftOverLongSlowScene(t *testing.T) {
	if testing.Short() {
		t.Skip("long test")
	}
	photo := filepath.Join("../../shared/testdata/images/chelsea.png")
	if _, err := os.Stat(photo); err != nil {
		t.Skipf("test photo %s is not available: %v", photo, err)
	}
	dir := t.TempDir()
	clipPath := filepath.Join(dir, "pan.mp4")
	cmd := exec.Command("ffmpeg", "-v", "error", "-loop", "1", "-framerate", "25", "-i", photo, "-t", "4.8",
		"-vf", "crop=300:200:x='min(140,t*12)':y=50,scale=96:64", "-c:v", "libx264", "-crf", "12", "-pix_fmt", "yuv420p", clipPath)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("making the test clip: %v\n%s", err, out)
	}
	src := filepath.Join(dir, "src")
	if err := exec.Command("ffmpeg", "-v", "error", "-i", clipPath, "-vf", "scale=96:64", filepath.Join(dir, "src%03d.png")).Run(); err != nil {
		t.Fatal(err)
	}
	_ = src
	out := filepath.Join(dir, "dream")
	opt := toyOptions(clipPath, out)
	opt.Decode = media.DecodeOptions{}
	opt.Dream.Octaves, opt.Dream.Steps = 2, 4
	opt.FrameSteps = 1
	res, err := RunVideo(context.Background(), toyNet(t), opt)
	if err != nil {
		t.Fatal(err)
	}
	if res.Frames < 110 {
		t.Fatalf("only %d frames", res.Frames)
	}
	level := func(i int) (float64, float64) {
		d, dimg := meanLevel(t, filepath.Join(out, frameName(i)))
		_, simg := meanLevel(t, filepath.Join(dir, "src"+threeDigits(i+1)+".png"))
		return d, meanImageDiff(dimg, simg)
	}
	l10, h10 := level(10)
	t.Logf("frame 10: level %.1f, hallucination %.2f", l10, h10)
	worst, least := h10, h10
	for _, i := range []int{30, 60, 90, res.Frames - 1} {
		l, h := level(i)
		if math.Abs(l-l10) > 6 {
			t.Errorf("frame %d: mean level %.1f drifted from %.1f at frame 10", i, l, l10)
		}
		worst, least = math.Max(worst, h), math.Min(least, h)
		t.Logf("frame %d: level %.1f, hallucination %.2f", i, l, h)
	}
	if worst > 1.5*h10+2 {
		t.Errorf("hallucination grew from %.2f (frame 10) to %.2f", h10, worst)
	}
	if least < 0.5*h10 {
		t.Errorf("the carried dream faded from %.2f to %.2f", h10, least)
	}
	if h10 < 1 {
		t.Errorf("hallucination %.2f is too faint to test drift", h10)
	}
}

func frameName(i int) string {
	return "frame_" + sixDigits(i+1) + ".png"
}

func sixDigits(n int) string { return pad(n, 6) }

func threeDigits(n int) string { return pad(n, 3) }

func pad(n, w int) string {
	s := []byte{}
	for i := 0; i < w; i++ {
		s = append([]byte{byte('0' + n%10)}, s...)
		n /= 10
	}
	return string(s)
}
