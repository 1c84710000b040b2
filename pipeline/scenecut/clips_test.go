package scenecut

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/deepdream-go/deepdream/pipeline/media"
)

// sharedClip returns the path of a shared test clip, skipping the test when
// the shared test data (../shared beside the repository) or ffmpeg is absent.
func sharedClip(t *testing.T, name string) string {
	t.Helper()
	for _, tool := range []string{"ffmpeg", "ffprobe"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (apt-get install ffmpeg)", tool)
		}
	}
	p := filepath.Join("..", "..", "..", "shared", "testdata", "video", name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared test clip %s is not available (%v); it lives in ../shared/testdata/video beside the repository", name, err)
	}
	return p
}

// scan decodes a clip at 160 px wide and returns the frames where the
// detector finds a cut, the highest score of any other frame, and the
// frame rate.
func scan(t *testing.T, path string) (cuts []int, maxOther float64, fps float64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dec, err := media.NewDecoder(ctx, path, media.DecodeOptions{Width: 160})
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	d := NewDetector(Options{})
	frame := make([]byte, dec.FrameSize())
	for i := 0; ; i++ {
		err := dec.Next(frame)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		cut, score := d.Next(frame, dec.Width(), dec.Height())
		if cut {
			cuts = append(cuts, i)
		} else {
			maxOther = max(maxOther, score)
		}
	}
	return cuts, maxOther, dec.FrameRate().Float64()
}

// TestTearsOfSteelCuts: the clip has hard cuts at 2.167 s, 5.083 s (into a
// whip pan, so its first frame is motion-blurred), 6.583 s and 9.208 s (24
// fps: frames 52, 122, 158, 221), and a muzzle flash at 6.54 s that is not a
// cut.
func TestTearsOfSteelCuts(t *testing.T) {
	cuts, maxOther, fps := scan(t, sharedClip(t, "tos_sar.webm"))
	want := []float64{2.167, 5.083, 6.583, 9.208}
	if len(cuts) != len(want) {
		t.Fatalf("cuts at frames %v, want %d cuts near %v s", cuts, len(want), want)
	}
	for i, c := range cuts {
		if at := float64(c) / fps; at < want[i]-0.05 || at > want[i]+0.05 {
			t.Errorf("cut %d at %.3f s (frame %d), want %.3f s", i, at, c, want[i])
		}
	}
	t.Logf("cuts at frames %v; highest score elsewhere %.2f", cuts, maxOther)
}

// TestNoCutOnMotion: fast motion (the mouse's paw, a one-frame exposure dip
// in mouse.avi, a dim hand-held phone) and ordinary clips have no cut. The
// scores stay below half the threshold, so the margin is not luck.
func TestNoCutOnMotion(t *testing.T) {
	for _, name := range []string{"mouse.avi", "mouse_mjpeg.avi", "phone_rot180_vfr.mp4", "chaplin.mp4", "flower.mp4"} {
		t.Run(name, func(t *testing.T) {
			cuts, maxOther, _ := scan(t, sharedClip(t, name))
			if len(cuts) > 0 {
				t.Errorf("false cuts at frames %v", cuts)
			}
			if maxOther >= DefaultThreshold/2 {
				t.Errorf("highest score %.2f, want below %v (half the threshold)", maxOther, DefaultThreshold/2.0)
			}
		})
	}
}

// TestJoinedClips joins two different clips with ffmpeg, once with a hard
// cut and once through a fade to black and a fade in, and checks that
// exactly one shot boundary is found, where the second clip starts
// (hard cut) or where the picture comes back (fade).
func TestJoinedClips(t *testing.T) {
	a, b := sharedClip(t, "chaplin.mp4"), sharedClip(t, "flower.mp4")
	const fps, n = 25, 25 // each part: 1 s at 25 fps
	for _, tc := range []struct {
		name         string
		fadeA, fadeB string
		lo, hi       int // where the cut may be
	}{
		{"hard cut", "null", "null", n, n},
		// Clip a fades out over its last 0.6 s, clip b fades in over its
		// first 0.6 s: the shot starts once b is no longer black, within
		// its fade-in.
		{"fade through black", "fade=t=out:st=0.4:d=0.6", "fade=t=in:st=0:d=0.6", n + 1, n + 15},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "joined.mp4")
			graph := "[0:v]fps=25,scale=192:108,setsar=1,trim=end_frame=25," + tc.fadeA + "[a];" +
				"[1:v]fps=25,scale=192:108,setsar=1,trim=end_frame=25,setpts=PTS-STARTPTS," + tc.fadeB + "[b];" +
				"[a][b]concat=n=2:v=1:a=0[v]"
			cmd := exec.Command("ffmpeg", "-v", "error", "-y", "-i", a, "-i", b, "-filter_complex", graph,
				"-map", "[v]", "-c:v", "libx264", "-crf", "18", "-pix_fmt", "yuv420p", "-r", "25", out)
			if msg, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("ffmpeg join: %v: %s", err, msg)
			}
			cuts, maxOther, _ := scan(t, out)
			if len(cuts) != 1 || cuts[0] < tc.lo || cuts[0] > tc.hi {
				t.Fatalf("cuts at frames %v, want one in [%d, %d]", cuts, tc.lo, tc.hi)
			}
			t.Logf("cut at frame %d; highest score elsewhere %.2f", cuts[0], maxOther)
			_ = fps
		})
	}
}
