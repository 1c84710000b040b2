package media

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// clip returns the path of a shared test clip, skipping the test when the
// shared test data (../shared next to the repository) is absent.
func clip(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join("..", "..", "..", "shared", "testdata", "video", name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared test clip %s not available (%v); it lives in ../shared/testdata/video next to the repository", name, err)
	}
	return p
}

func needFFmpeg(t testing.TB) {
	t.Helper()
	for _, tool := range []string{"ffmpeg", "ffprobe"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (apt-get install ffmpeg)", tool)
		}
	}
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// verified is what an independent ffprobe run (with -count_frames) says
// about an output file.
type verified struct {
	Format   string
	Width    int
	Height   int
	SAR      string
	Rotation float64 // display matrix of the video stream; must be 0 (frames are upright)
	Rate     Rational
	Frames   int
	VDur     float64
	Audio    int // number of audio streams
	Channels int // of the first audio stream
	ACodec   string
	ADur     float64
}

func ffprobeVerify(t *testing.T, path string) verified {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-count_frames", "-of", "json",
		"-show_streams", "-show_format", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var pj struct {
		Streams []map[string]any `json:"streams"`
		Format  map[string]any   `json:"format"`
	}
	if err := json.Unmarshal(out, &pj); err != nil {
		t.Fatal(err)
	}
	str := func(m map[string]any, k string) string { s, _ := m[k].(string); return s }
	num := func(m map[string]any, k string) float64 {
		f, _ := strconv.ParseFloat(str(m, k), 64)
		return f
	}
	v := verified{Format: str(pj.Format, "format_name")}
	for _, s := range pj.Streams {
		switch str(s, "codec_type") {
		case "video":
			w, _ := s["width"].(float64)
			h, _ := s["height"].(float64)
			v.Width, v.Height = int(w), int(h)
			v.SAR = str(s, "sample_aspect_ratio")
			if sd, ok := s["side_data_list"].([]any); ok {
				for _, e := range sd {
					if m, ok := e.(map[string]any); ok {
						if r, ok := m["rotation"].(float64); ok {
							v.Rotation = r
						}
					}
				}
			}
			v.Rate, _ = ParseRational(str(s, "avg_frame_rate"))
			v.Frames, _ = strconv.Atoi(str(s, "nb_read_frames"))
			v.VDur = num(s, "duration")
			if v.VDur == 0 && v.Rate.Valid() {
				v.VDur = v.Rate.FrameDuration(v.Frames)
			}
		case "audio":
			v.Audio++
			if v.Audio == 1 {
				c, _ := s["channels"].(float64)
				v.Channels = int(c)
				v.ACodec = str(s, "codec_name")
				v.ADur = num(s, "duration")
				if v.ADur == 0 {
					if tags, ok := s["tags"].(map[string]any); ok {
						d, _ := tags["DURATION"].(string)
						v.ADur = streamDuration("", map[string]string{"DURATION": d}).Seconds()
					}
				}
			}
		}
	}
	return v
}

// decodeAll reads every frame of d, returning the count and the last error.
func decodeAll(d *Decoder, each func(i int, f []byte)) (int, error) {
	buf := make([]byte, d.FrameSize())
	n := 0
	for {
		err := d.Next(buf)
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		if each != nil {
			each(n, buf)
		}
		n++
	}
}

// extractPNGFrame asks ffmpeg directly for one frame as rgb24 pixels.
func extractFrame(t *testing.T, path string, extra ...string) (w, h int, pix []byte) {
	t.Helper()
	args := append([]string{"-v", "error"}, extra...)
	args = append(args, "-i", path, "-frames:v", "1", "-f", "image2pipe", "-c:v", "png", "-pix_fmt", "rgb24", "pipe:1")
	out, err := exec.Command("ffmpeg", args...).Output()
	if err != nil {
		t.Fatalf("ffmpeg extract %s: %v", path, err)
	}
	return decodePNG(t, bytes.NewReader(out))
}

func decodePNG(t *testing.T, r io.Reader) (int, int, []byte) {
	t.Helper()
	img, err := png.Decode(r)
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	pix := make([]byte, 0, b.Dx()*b.Dy()*3)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bb, _ := img.At(x, y).RGBA()
			pix = append(pix, byte(r>>8), byte(g>>8), byte(bb>>8))
		}
	}
	return b.Dx(), b.Dy(), pix
}

// diffStats returns the mean and maximum absolute difference of two images.
func diffStats(a, b []byte) (mean float64, maxd int) {
	var sum int
	for i := range a {
		d := int(a[i]) - int(b[i])
		if d < 0 {
			d = -d
		}
		sum += d
		maxd = max(maxd, d)
	}
	return float64(sum) / float64(len(a)), maxd
}
