package media

import (
	"os/exec"
	"path/filepath"
	"testing"
)

// TestVariableRateIsReportedAsResampled builds a clip at 10 fps for a
// second and 30 fps for the next (40 frames). The decoder resamples it to
// one constant rate, which drops or repeats frames, so it must say so
// (Resampled) for the caller to tell the user; a constant-rate clip at its
// own rate is not resampled.
func TestVariableRateIsReportedAsResampled(t *testing.T) {
	needFFmpeg(t)
	dir := t.TempDir()
	vfr := filepath.Join(dir, "vfr.mp4")
	if b, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=s=64x48:r=30:d=2",
		"-vf", "select='gte(t,1)+not(mod(n,3))'", "-vsync", "vfr", "-c:v", "libx264", "-pix_fmt", "yuv420p", vfr).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, b)
	}
	cfr := filepath.Join(dir, "cfr.mp4")
	if b, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=s=64x48:r=25:d=1",
		"-c:v", "libx264", "-pix_fmt", "yuv420p", cfr).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, b)
	}
	for _, tc := range []struct {
		path string
		opt  DecodeOptions
		want bool
	}{
		{vfr, DecodeOptions{}, true},
		{cfr, DecodeOptions{}, false},
		{cfr, DecodeOptions{FrameRate: Rational{10, 1}}, true},
	} {
		d, err := NewDecoder(testCtx(t), tc.path, tc.opt)
		if err != nil {
			t.Fatal(err)
		}
		if got := d.Resampled(); got != tc.want {
			t.Errorf("%s at %v: Resampled() = %v, want %v (probe: VFR %v, rate %v)", filepath.Base(tc.path), tc.opt.FrameRate, got, tc.want, d.Info().VFR, d.Info().FrameRate)
		}
		d.Close()
	}
}
