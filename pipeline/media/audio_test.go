package media

import (
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// makeTone writes a WAV of a sine at freq Hz (stereo, 44.1 kHz) with
// ffmpeg's sine source.
func makeTone(t *testing.T, freq int, seconds float64) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "tone.wav")
	src := "sine=frequency=" + strconv.Itoa(freq) + ":sample_rate=44100:duration=" + strconv.FormatFloat(seconds, 'f', -1, 64)
	out, err := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", src,
		"-ac", "2", "-y", p).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg tone: %v: %s", err, out)
	}
	return p
}

func TestDecodePCMTone(t *testing.T) {
	needFFmpeg(t)
	path := makeTone(t, 441, 2)
	info, err := ProbeAudio(testCtx(t), path, ProbeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Audio) != 1 || info.Audio[0].Channels != 2 || info.Audio[0].SampleRate != 44100 {
		t.Fatalf("probe: %+v", info.Audio)
	}
	if d := info.Duration; d < 1990*time.Millisecond || d > 2010*time.Millisecond {
		t.Errorf("duration %v, want 2s", d)
	}
	pcm, rate, err := DecodePCM(testCtx(t), path, PCMOptions{Info: info})
	if err != nil {
		t.Fatal(err)
	}
	if rate != DefaultPCMRate || len(pcm) != 2*DefaultPCMRate {
		t.Fatalf("got %d samples at %d Hz, want %d at %d", len(pcm), rate, 2*DefaultPCMRate, DefaultPCMRate)
	}
	// ffmpeg's sine source has amplitude 1/8; a 441 Hz sine at 22050 Hz
	// repeats every 50 samples. Check RMS and period away from the ends.
	var sq float64
	for _, v := range pcm[1000:21000] {
		sq += float64(v) * float64(v)
	}
	if rms := math.Sqrt(sq / 20000); math.Abs(rms-0.125/math.Sqrt2) > 0.005 {
		t.Errorf("RMS %.4f, want %.4f", rms, 0.125/math.Sqrt2)
	}
	for i := 1000; i < 1100; i++ {
		if math.Abs(float64(pcm[i]-pcm[i+50])) > 1e-3 {
			t.Fatalf("sample %d = %v but sample %d = %v: not a 441 Hz sine", i, pcm[i], i+50, pcm[i+50])
		}
	}
	// A span: start 0.5 s, 1 s long, at 8 kHz.
	pcm, rate, err = DecodePCM(testCtx(t), path, PCMOptions{Info: info, Start: 500 * time.Millisecond, Duration: time.Second, SampleRate: 8000})
	if err != nil {
		t.Fatal(err)
	}
	if rate != 8000 || len(pcm) < 7990 || len(pcm) > 8010 {
		t.Errorf("span: %d samples at %d Hz, want 8000 at 8000", len(pcm), rate)
	}
}

func TestAudioDecoderOddBuffers(t *testing.T) {
	needFFmpeg(t)
	path := makeTone(t, 441, 0.5)
	want, _, err := DecodePCM(testCtx(t), path, PCMOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d, err := NewAudioDecoder(testCtx(t), path, PCMOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var got []float32
	buf := make([]float32, 3) // tiny reads exercise samples split across reads
	for {
		n, err := d.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			break
		}
	}
	if len(got) != len(want) {
		t.Fatalf("read %d samples in small reads, %d at once", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("sample %d differs: %v vs %v", i, got[i], want[i])
		}
	}
}

func TestProbeAudioErrors(t *testing.T) {
	needFFmpeg(t)
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.mp3")
	if err := os.WriteFile(text, []byte("not audio at all\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	silentVideo := filepath.Join(dir, "silent.mp4")
	out, err := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
		"testsrc=size=64x48:rate=10:duration=0.5", "-pix_fmt", "yuv420p", "-y", silentVideo).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, out)
	}
	for _, c := range []struct {
		path string
		is   error
		text string
	}{
		{text, ErrNotVideo, "not readable as media"},
		{silentVideo, ErrNoAudio, "no audio stream"},
		{filepath.Join(dir, "missing.wav"), os.ErrNotExist, "no such file"},
	} {
		_, _, err := DecodePCM(testCtx(t), c.path, PCMOptions{})
		if !errors.Is(err, c.is) || !strings.Contains(err.Error(), c.text) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: got %v, want one line wrapping %v with %q", filepath.Base(c.path), err, c.is, c.text)
		}
	}
}

func TestDecodePCMCancel(t *testing.T) {
	needFFmpeg(t)
	path := makeTone(t, 441, 1)
	ctx := testCtx(t)
	d, err := NewAudioDecoder(ctx, path, PCMOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Read(make([]float32, 10)); !errors.Is(err, ErrClosed) {
		// The process may have written a first chunk before Close: drain.
		for err == nil {
			_, err = d.Read(make([]float32, 1<<16))
		}
		if !errors.Is(err, ErrClosed) {
			t.Errorf("after Close: %v, want ErrClosed", err)
		}
	}
}
