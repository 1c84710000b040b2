package media

import (
	"encoding/binary"
	"math"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestAVSync makes a clip with a one-frame white flash and a beep at the
// same instant (1.6 s), round-trips it with and without a start offset,
// and checks that flash and beep still coincide in the output (within 25
// ms), for copied and re-encoded audio.
func TestAVSync(t *testing.T) {
	needFFmpeg(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "flash_beep.mp4")
	const at = 1.6
	gen := exec.Command("ffmpeg", "-v", "error",
		"-f", "lavfi", "-i", "color=c=black:s=160x90:r=25:d=3,drawbox=c=white:t=fill:enable='between(t,1.59,1.61)'",
		"-f", "lavfi", "-i", "aevalsrc='if(between(t,1.6,1.7),0.8*sin(2*PI*1000*t),0)':s=48000:d=3",
		"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", src)
	if b, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("make test clip: %v %s", err, b)
	}
	for _, c := range []struct {
		name  string
		out   string
		start time.Duration
	}{
		{"mp4 copy", "copy.mp4", 0},
		{"mp4 trimmed", "trim.mp4", 700 * time.Millisecond},
		{"webm trimmed", "trim.webm", 500 * time.Millisecond},
		{"mkv copy", "copy.mkv", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(dir, c.out)
			d, _ := transcode(t, src, out, DecodeOptions{Start: c.start, Duration: 2 * time.Second}, EncodeOptions{Preset: "ultrafast"})
			// The decoder moves the start to the next frame boundary.
			want := at - math.Ceil(c.start.Seconds()*25-1e-6)/25
			if d.start > 0 && math.Abs(d.start.Seconds()-(at-want)) > 0.001 {
				t.Errorf("start %v, want %.3f s (snapped to a frame)", d.start, at-want)
			}
			flash := flashTime(t, out)
			beep := beepTime(t, out)
			t.Logf("flash at %.3f s, beep at %.3f s, expected %.3f s", flash, beep, want)
			if math.Abs(flash-want) > 0.041 {
				t.Errorf("flash at %.3f s, want %.3f", flash, want)
			}
			// Copying AAC into Matroska keeps the encoder's 1024-sample
			// priming (21 ms) audible: allow a little over that.
			if math.Abs(beep-flash) > 0.025 {
				t.Errorf("beep at %.3f s, flash at %.3f s: out of sync", beep, flash)
			}
		})
	}
}

// flashTime decodes path and returns the time of the first bright frame.
func flashTime(t *testing.T, path string) float64 {
	t.Helper()
	d, err := NewDecoder(testCtx(t), path, DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	found := -1
	if _, err := decodeAll(d, func(i int, f []byte) {
		sum := 0
		for _, v := range f {
			sum += int(v)
		}
		if found < 0 && sum/len(f) > 128 {
			found = i
		}
	}); err != nil {
		t.Fatal(err)
	}
	if found < 0 {
		t.Fatal("no flash in the output")
	}
	return d.FrameRate().FrameDuration(found)
}

// beepTime decodes the first audio stream of path and returns the time of
// the first loud sample.
func beepTime(t *testing.T, path string) float64 {
	t.Helper()
	out, err := exec.Command("ffmpeg", "-v", "error", "-i", path, "-map", "0:a:0",
		"-ac", "1", "-ar", "48000", "-f", "s16le", "pipe:1").Output()
	if err != nil {
		t.Fatalf("decode audio: %v", err)
	}
	for i := 0; i+1 < len(out); i += 2 {
		if v := int16(binary.LittleEndian.Uint16(out[i:])); v > 8000 || v < -8000 {
			return float64(i/2) / 48000
		}
	}
	t.Fatal("no beep in the output")
	return 0
}

// TestAVSyncVFR does the same with a variable-frame-rate source (frame
// intervals alternating 50 ms / 30 ms): resampled to its average rate, the
// flash stays within one frame of the beep.
func TestAVSyncVFR(t *testing.T) {
	needFFmpeg(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "vfr.mkv")
	gen := exec.Command("ffmpeg", "-v", "error",
		"-f", "lavfi", "-i", "color=c=black:s=160x90:r=25:d=3,settb=1/1000,setpts='(N*0.04+mod(N,2)*0.01)/TB',drawbox=c=white:t=fill:enable='between(t,1.59,1.61)'",
		"-f", "lavfi", "-i", "aevalsrc='if(between(t,1.6,1.7),0.8*sin(2*PI*1000*t),0)':s=48000:d=3",
		"-vsync", "passthrough", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "libopus", src)
	if b, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("make test clip: %v %s", err, b)
	}
	info, err := Probe(testCtx(t), src)
	if err != nil {
		t.Fatal(err)
	}
	if !info.VFR {
		t.Errorf("VFR not detected: r_frame_rate %v, avg %v", info.RFrameRate, info.AvgFrameRate)
	}
	out := filepath.Join(dir, "out.mp4")
	d, n := transcode(t, src, out, DecodeOptions{Info: info}, EncodeOptions{Preset: "ultrafast"})
	flash, beep := flashTime(t, out), beepTime(t, out)
	frame := 1 / d.FrameRate().Float64()
	t.Logf("rate %v (r %v), %d frames, flash %.3f s, beep %.3f s", d.FrameRate(), info.RFrameRate, n, flash, beep)
	if math.Abs(flash-1.6) > frame+0.001 || math.Abs(beep-1.6) > 0.025 {
		t.Errorf("flash at %.3f s, beep at %.3f s, want 1.6 s (±1 frame = %.3f s)", flash, beep, frame)
	}
	if v := ffprobeVerify(t, out); math.Abs(v.VDur-3) > frame+0.001 || v.Frames != n {
		t.Errorf("output %.3f s, %d frames; want 3 s, %d frames", v.VDur, v.Frames, n)
	}
}
