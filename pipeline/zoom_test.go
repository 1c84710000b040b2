package pipeline

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deepdream-go/deepdream/dream"
	"github.com/deepdream-go/deepdream/models"
	"github.com/deepdream-go/deepdream/models/testnet"
	"github.com/deepdream-go/deepdream/pipeline/imageio"
	"github.com/deepdream-go/deepdream/pipeline/media"
)

func toyZoom(out string) ZoomOptions {
	p := toyParams()
	p.Octaves, p.Steps = 1, 1
	first := toyParams()
	return ZoomOptions{
		Output: out, Width: 96, Height: 64, Frames: 10, FrameRate: media.Rational{Num: 30, Den: 1},
		ZoomMotion: ZoomMotion{Zoom: Constant(1.5), CenterX: 0.5, CenterY: 0.5, KeyframeEvery: 3},
		First:      first, Dream: p, ModelID: "toy",
	}
}

// readPNGFrames decodes every frame of a PNG folder as rgb24.
func readPNGFrames(t *testing.T, dir string) [][]byte {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "frame_*.png"))
	var out [][]byte
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(fh)
		fh.Close()
		if err != nil {
			t.Fatal(err)
		}
		b := img.Bounds()
		rgb := make([]byte, 0, b.Dx()*b.Dy()*3)
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				r, g, bl, _ := img.At(x, y).RGBA()
				rgb = append(rgb, byte(r>>8), byte(g>>8), byte(bl>>8))
			}
		}
		out = append(out, rgb)
	}
	return out
}

// lapVar is the variance of the 4-neighbour Laplacian of the luminance
// inside the disc of radius 0.45·min(w, h) about the centre: a sharpness
// measure that ignores the corners, where a rotation mirrors the border.
func lapVar(rgb []byte, w, h int) float64 {
	lum := func(x, y int) float64 {
		i := 3 * (y*w + x)
		return 0.299*float64(rgb[i]) + 0.587*float64(rgb[i+1]) + 0.114*float64(rgb[i+2])
	}
	rad := 0.45 * float64(min(w, h))
	var s, s2, n float64
	for y := 1; y < h-1; y++ {
		for x := 1; x < w-1; x++ {
			dx, dy := float64(x)+0.5-float64(w)/2, float64(y)+0.5-float64(h)/2
			if dx*dx+dy*dy > rad*rad {
				continue
			}
			l := lum(x-1, y) + lum(x+1, y) + lum(x, y-1) + lum(x, y+1) - 4*lum(x, y)
			s += l
			s2 += l * l
			n++
		}
	}
	m := s / n
	return s2/n - m*m
}

// bilinearRotate is the naive zoom step of the notebooks: the previous
// frame resampled bilinearly (here rotated by deg about the centre).
func bilinearRotate(rgb []byte, w, h int, deg float64) []byte {
	out := make([]byte, len(rgb))
	a := deg * math.Pi / 180
	cs, sn := math.Cos(a), math.Sin(a)
	cx, cy := float64(w)/2, float64(h)/2
	at := func(x, y, c int) float64 {
		x = min(max(x, 0), w-1)
		y = min(max(y, 0), h-1)
		return float64(rgb[3*(y*w+x)+c])
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			px, py := float64(x)+0.5-cx, float64(y)+0.5-cy
			sx := cx + cs*px - sn*py - 0.5
			sy := cy + sn*px + cs*py - 0.5
			x0, y0 := int(math.Floor(sx)), int(math.Floor(sy))
			fx, fy := sx-float64(x0), sy-float64(y0)
			for c := 0; c < 3; c++ {
				v := (1-fy)*((1-fx)*at(x0, y0, c)+fx*at(x0+1, y0, c)) + fy*((1-fx)*at(x0, y0+1, c)+fx*at(x0+1, y0+1, c))
				out[3*(y*w+x)+c] = byte(min(max(math.Round(v), 0), 255))
			}
		}
	}
	return out
}

// TestSharpnessStaysOver300Frames isolates the resampler: no dreaming, a
// keyframe every frame (so every frame is one more resampling generation
// of the canvas), a pure rotation (which keeps the scale of the content, so
// a perfect resampler keeps the sharpness exactly). The zoom's canvas must
// keep at least 70% of the first frame's Laplacian variance after 300
// frames; the notebooks' bilinear chain on the same motion visibly decays.
func TestSharpnessStaysOver300Frames(t *testing.T) {
	if testing.Short() {
		t.Skip("300 frames")
	}
	dir := t.TempDir()
	opt := toyZoom(filepath.Join(dir, "rot"))
	// Start from a band-limited random picture (white noise has detail in
	// the corners of the spectrum that no rotation can keep).
	opt.From = filepath.Join(dir, "start.png")
	writeBandLimited(t, opt.From, 96, 64)
	opt.Frames, opt.KeyframeEvery = 300, 1
	opt.Zoom, opt.Rotate = Constant(1), Constant(90) // 3 degrees a frame
	opt.First.Steps, opt.Dream.Steps = 0, 0
	if _, err := RunZoom(context.Background(), toyNet(t), opt); err != nil {
		t.Fatal(err)
	}
	frames := readPNGFrames(t, opt.Output)
	if len(frames) != 300 {
		t.Fatalf("%d frames, want 300", len(frames))
	}
	w, h := opt.Width, opt.Height
	base := lapVar(frames[0], w, h)
	naive := frames[0]
	for i := 1; i < 300; i++ {
		naive = bilinearRotate(naive, w, h, 3)
	}
	ours := lapVar(frames[299], w, h) / base
	bil := lapVar(naive, w, h) / base
	t.Logf("Laplacian variance after 300 frames: windowed-sinc canvas %.0f%%, bilinear chain %.0f%% of frame 0", 100*ours, 100*bil)
	for _, i := range []int{1, 50, 100, 200} {
		t.Logf("frame %d: %.0f%%", i, 100*lapVar(frames[i], w, h)/base)
		if r := lapVar(frames[i], w, h) / base; r < 0.7 || r > 1.3 {
			t.Errorf("frame %d keeps %.0f%% of the sharpness, want 70%% to 130%%", i, 100*r)
		}
	}
	if ours < 0.7 || ours > 1.3 {
		t.Errorf("frame 299 keeps %.0f%% of the sharpness, want 70%% to 130%%", 100*ours)
	}
	if bil > 0.5 || bil > ours-0.2 {
		t.Errorf("the bilinear chain keeps %.0f%%, expected it to decay well below the windowed-sinc canvas (%.0f%%)", 100*bil, 100*ours)
	}
}

func writeBandLimited(t *testing.T, path string, w, h int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, 7))
	small := models.NewImage(w/2, h/2)
	for i := range small.Pix {
		small.Pix[i] = float32(40 + 175*rng.Float64())
	}
	big := dream.Resize(small, w, h)
	clampImage(big)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, imageio.ToRGBA(big)); err != nil {
		t.Fatal(err)
	}
}

func TestWarpIdentityAndShift(t *testing.T) {
	img := models.NewImage(20, 12)
	for i := range img.Pix {
		img.Pix[i] = float32((i * 37) % 251)
	}
	same := warpImage(img, view{Scale: 1, CX: 10, CY: 6}, nil, 0)
	for i := range img.Pix {
		if math.Abs(float64(same.Pix[i]-img.Pix[i])) > 1e-3 {
			t.Fatalf("identity warp changed value %d: %v -> %v", i, img.Pix[i], same.Pix[i])
		}
	}
	// A half-turn maps pixel (x, y) onto (w-1-x, h-1-y) exactly.
	turned := warpImage(img, view{Scale: 1, Angle: 180, CX: 10, CY: 6}, nil, 0)
	for y := 0; y < 12; y++ {
		for x := 0; x < 20; x++ {
			a, b := turned.Pix[3*(y*20+x)], img.Pix[3*((11-y)*20+19-x)]
			if math.Abs(float64(a-b)) > 1e-2 {
				t.Fatalf("half turn at %d,%d: %v, want %v", x, y, a, b)
			}
		}
	}
	// A zoom magnifies about the centre: the centre pixel stays.
	cover := make([]float32, 20*12)
	z := warpImage(img, view{Scale: 0.5, CX: 10, CY: 6}, cover, 2)
	if cover[6*20+10] != 1 || cover[0] != 0 {
		t.Errorf("coverage of a zoom out: centre %v, corner %v; want 1 and 0", cover[6*20+10], cover[0])
	}
	_ = z
	// The separable path for zooms without rotation matches the 2-D one.
	v := view{Scale: 1.37, CX: 7.3, CY: 5.1}
	ca, cb := make([]float32, 20*12), make([]float32, 20*12)
	a := warpSeparable(img, v, ca, 1.5)
	v.Angle = 1e-12 // forces the 2-D loop
	b := warpImage(img, v, cb, 1.5)
	for i := range ca {
		if math.Abs(float64(ca[i]-cb[i])) > 1e-5 {
			t.Fatalf("separable coverage differs at %d: %v vs %v", i, ca[i], cb[i])
		}
	}
	for i := range a.Pix {
		if math.Abs(float64(a.Pix[i]-b.Pix[i])) > 1e-2 {
			t.Fatalf("separable warp differs at %d: %v vs %v", i, a.Pix[i], b.Pix[i])
		}
	}
}

// TestZoomOutputs checks frame count, rate and size of the container
// outputs, and that the GIF loops.
func TestZoomOutputs(t *testing.T) {
	net := toyNet(t)
	dir := t.TempDir()
	for _, ext := range []string{".mp4", ".webm", ".gif"} {
		t.Run(ext, func(t *testing.T) {
			opt := toyZoom(filepath.Join(dir, "z"+ext))
			opt.Frames, opt.FrameRate = 8, media.Rational{Num: 24, Den: 1}
			res, err := RunZoom(context.Background(), net, opt)
			if err != nil {
				t.Fatal(err)
			}
			info, err := media.ProbeWith(context.Background(), opt.Output, media.ProbeOptions{CountFrames: true})
			if err != nil {
				t.Fatal(err)
			}
			if info.Frames != 8 || res.Frames != 8 {
				t.Errorf("frames: file %d, result %d, want 8", info.Frames, res.Frames)
			}
			if info.Width != 96 || info.Height != 64 {
				t.Errorf("size %dx%d, want 96x64", info.Width, info.Height)
			}
			if ext != ".gif" && info.FrameRate.Reduce() != (media.Rational{Num: 24, Den: 1}) {
				t.Errorf("rate %v, want 24", info.FrameRate)
			}
			if len(info.Audio) != 0 {
				t.Errorf("a zoom has no sound, got %d audio streams", len(info.Audio))
			}
			if _, err := os.Stat(workDirFor(opt.Output)); !os.IsNotExist(err) {
				t.Error("work directory left behind")
			}
		})
	}
}

func meanAbsDiff(a, b []byte) float64 {
	var s float64
	for i := range a {
		s += math.Abs(float64(a[i]) - float64(b[i]))
	}
	return s / float64(len(a))
}

// TestLoopSeam renders a loop and checks that the step from the last frame
// to the first is like any other step, unlike the same job without --loop,
// and that a loop stopped while it converges onto its start resumes to the
// same frames.
func TestLoopSeam(t *testing.T) {
	net := toyNet(t)
	dir := t.TempDir()
	loopOptions := func(name string, loop bool) ZoomOptions {
		opt := toyZoom(filepath.Join(dir, name))
		opt.Frames, opt.Loop, opt.KeyframeEvery = 24, loop, 2
		opt.Zoom = Constant(2)
		return opt
	}
	seam := func(loop bool) (seam, typical float64, frames [][]byte) {
		opt := loopOptions(map[bool]string{true: "loop", false: "plain"}[loop], loop)
		if _, err := RunZoom(context.Background(), net, opt); err != nil {
			t.Fatal(err)
		}
		f := readPNGFrames(t, opt.Output)
		if len(f) != 24 {
			t.Fatalf("%d frames, want 24", len(f))
		}
		var sum float64
		for i := 1; i < len(f); i++ {
			sum += meanAbsDiff(f[i-1], f[i])
		}
		return meanAbsDiff(f[len(f)-1], f[0]), sum / float64(len(f)-1), f
	}
	s, typ, looped := seam(true)
	ps, ptyp, _ := seam(false)
	t.Logf("loop: seam %.2f, mean step %.2f (×%.2f); without --loop: seam %.2f, mean step %.2f", s, typ, s/typ, ps, ptyp)
	if s > 1.5*typ {
		t.Errorf("loop seam %.2f is more than 1.5× the mean frame step %.2f", s, typ)
	}
	if ps < 2*ptyp {
		t.Errorf("without --loop the seam (%.2f) should be a visible cut, mean step %.2f", ps, ptyp)
	}

	// 24 frames, 6 converging: rendered frames 0..29, output 6..29, the
	// keyframes from 26 on converge. Stop at 27 and resume.
	opt := loopOptions("resumed", true)
	ctx, cancel := context.WithCancel(context.Background())
	opt.Progress = func(p VideoProgress) {
		if p.Done == 27 {
			cancel()
		}
	}
	if _, err := RunZoom(ctx, net, opt); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted loop: err = %v", err)
	}
	opt.Progress, opt.Resume = nil, true
	if _, err := RunZoom(context.Background(), net, opt); err != nil {
		t.Fatal(err)
	}
	for i, f := range readPNGFrames(t, opt.Output) {
		if !bytes.Equal(f, looped[i]) {
			t.Fatalf("frame %d of the resumed loop differs from the uninterrupted one", i)
		}
	}
}

// TestLoopConvergesOntoTheStart checks the disc that carries a loop's end
// onto its start: the start's picture inside, the canvas untouched outside,
// and the start everywhere at the end.
func TestLoopConvergesOntoTheStart(t *testing.T) {
	opt := toyZoom("unused")
	opt.Frames, opt.Loop, opt.KeyframeEvery, opt.Supersample = 24, true, 2, 2
	r := &zoomRun{opt: &opt}
	r.setup()
	if r.total != 30 || r.outStart != 6 {
		t.Fatalf("rendered %d frames, output from %d; want 30 and 6", r.total, r.outStart)
	}
	canvas, start := models.NewImage(r.cw, r.ch), models.NewImage(r.cw, r.ch)
	for i := range start.Pix {
		canvas.Pix[i], start.Pix[i] = 50, 200
	}
	at := func(img *models.Image, x, y int) float32 { return img.Pix[3*(y*r.cw+x)] }
	for _, K := range []int{24, 26, 28, 30} {
		c := &models.Image{Width: r.cw, Height: r.ch, Pix: append([]float32(nil), canvas.Pix...)}
		r.convergeLoop(c, start, K)
		centre, corner := at(c, r.cw/2, r.ch/2), at(c, 0, 0)
		t.Logf("keyframe %d (progress %.2f): centre %.0f, corner %.0f", K, r.loopProgress(K), centre, corner)
		switch {
		case K == 24 && (centre != 50 || corner != 50):
			t.Errorf("before the loop converges the canvas changed: %v, %v", centre, corner)
		case K == 28 && (centre != 200 || corner != 50):
			t.Errorf("two thirds through: centre %v, corner %v; want the start (200) in the middle and the canvas (50) in the corner", centre, corner)
		case K == 30 && !bytes.Equal(rgbOf(c), rgbOf(start)):
			t.Errorf("the last keyframe is not the start")
		}
	}
}

func rgbOf(img *models.Image) []byte {
	b := make([]byte, len(img.Pix))
	imageio.ToRGB24(img, b)
	return b
}

// TestZoomResumeAndDeterminism stops a zoom, resumes it, and compares with
// two uninterrupted runs.
func TestZoomResumeAndDeterminism(t *testing.T) {
	net := toyNet(t)
	dir := t.TempDir()
	var full [][][]byte
	for _, name := range []string{"a", "b"} {
		opt := toyZoom(filepath.Join(dir, name))
		opt.Rotate = Constant(20)
		if _, err := RunZoom(context.Background(), net, opt); err != nil {
			t.Fatal(err)
		}
		full = append(full, readPNGFrames(t, opt.Output))
	}
	opt := toyZoom(filepath.Join(dir, "parts"))
	opt.Rotate = Constant(20)
	ctx, cancel := context.WithCancel(context.Background())
	opt.Progress = func(p VideoProgress) {
		if p.Done == 5 {
			cancel()
		}
	}
	_, err := RunZoom(ctx, net, opt)
	var ie *InterruptedError
	if !errors.As(err, &ie) || !errors.Is(err, context.Canceled) || ie.Done != 5 {
		t.Fatalf("interrupted run: err = %v, want an InterruptedError after 5 frames", err)
	}
	if _, err := os.Stat(opt.Output); !os.IsNotExist(err) {
		t.Fatal("interrupted run left an output")
	}
	opt.Progress = nil
	if _, err := RunZoom(context.Background(), net, opt); err == nil || !strings.Contains(err.Error(), "Resume") {
		t.Fatalf("rerun without resume: %v, want advice to use Resume", err)
	}
	other := opt
	other.Resume, other.Zoom = true, Constant(1.2)
	var re *ResumeError
	if _, err := RunZoom(context.Background(), net, other); !errors.As(err, &re) {
		t.Fatalf("resume with another zoom: %v, want a ResumeError", err)
	}
	opt.Resume = true
	res, err := RunZoom(context.Background(), net, opt)
	if err != nil {
		t.Fatal(err)
	}
	if res.Resumed != 5 || res.Frames != 10 {
		t.Fatalf("resumed %d of %d, want 5 of 10", res.Resumed, res.Frames)
	}
	parts := readPNGFrames(t, opt.Output)
	if len(full[0]) != 10 || len(parts) != 10 {
		t.Fatalf("frames: %d and %d, want 10", len(full[0]), len(parts))
	}
	for i := range parts {
		if !bytes.Equal(full[0][i], full[1][i]) {
			t.Fatalf("frame %d differs between two identical runs", i)
		}
		if !bytes.Equal(full[0][i], parts[i]) {
			t.Fatalf("frame %d differs between the resumed and the uninterrupted run", i)
		}
	}
	// Another seed gives another zoom.
	seeded := toyZoom(filepath.Join(dir, "seed2"))
	seeded.Rotate = Constant(20)
	seeded.First.Seed, seeded.Dream.Seed = 2, 2
	seeded.Frames = 1
	if _, err := RunZoom(context.Background(), net, seeded); err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(readPNGFrames(t, seeded.Output)[0], full[0][0]) {
		t.Error("seed 2 gave the same first frame as seed 1")
	}
}

func TestGIFMaxBytes(t *testing.T) {
	net := toyNet(t)
	dir := t.TempDir()
	opt := toyZoom(filepath.Join(dir, "big.gif"))
	opt.Frames, opt.KeyframeEvery = 30, 5
	opt.First.Steps, opt.Dream.Steps = 0, 0 // noise: a GIF's worst case
	res, err := RunZoom(context.Background(), net, opt)
	if err != nil {
		t.Fatal(err)
	}
	opt.Output = filepath.Join(dir, "small.gif")
	opt.MaxBytes = res.Bytes * 6 / 10
	small, err := RunZoom(context.Background(), net, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d bytes -> %d bytes: %s", res.Bytes, small.Bytes, small.Fit)
	if small.Bytes > opt.MaxBytes || small.Fit == "" {
		t.Fatalf("got %d bytes (limit %d), fit note %q", small.Bytes, opt.MaxBytes, small.Fit)
	}
	opt.Output = filepath.Join(dir, "tiny.gif")
	opt.MaxBytes = 1000
	if _, err := RunZoom(context.Background(), net, opt); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Fatalf("impossible limit: err = %v", err)
	}
	if _, err := os.Stat(opt.Output); !os.IsNotExist(err) {
		t.Error("an over-size GIF was left in place")
	}
	// The rendered frames are kept: resuming with a larger limit only encodes.
	opt.MaxBytes, opt.Resume = res.Bytes, true
	again, err := RunZoom(context.Background(), net, opt)
	if err != nil {
		t.Fatal(err)
	}
	if again.Resumed != again.Rendered || again.Keyframes != 0 {
		t.Errorf("resume re-rendered: %d of %d frames resumed, %d keyframes dreamed", again.Resumed, again.Rendered, again.Keyframes)
	}
}

func TestParseSchedule(t *testing.T) {
	s, err := ParseSchedule("1.02@0s, 1.05@5s,2@7.5", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		t    time.Duration
		want float64
	}{{0, 1.02}, {-time.Second, 1.02}, {2500 * time.Millisecond, 1.035}, {5 * time.Second, 1.05}, {7500 * time.Millisecond, 2}, {time.Hour, 2}} {
		if got := s.At(c.t); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("At(%v) = %v, want %v", c.t, got, c.want)
		}
	}
	if c, err := ParseSchedule("1.1", nil); err != nil || c.At(time.Minute) != 1.1 {
		t.Errorf("constant: %v, %v", c, err)
	}
	positive := func(v float64) error {
		if v <= 0 {
			return errors.New("zoom must be above 0")
		}
		return nil
	}
	for _, bad := range []string{"", "x", "1.1,1.2", "1@5s,2@1s", "1@0s,,2@1s", "1@soon", "NaN", "-1"} {
		if _, err := ParseSchedule(bad, positive); err == nil {
			t.Errorf("ParseSchedule(%q) accepted", bad)
		} else if strings.Contains(err.Error(), "\n") {
			t.Errorf("multi-line error %q", err)
		}
	}
}

func TestLayerSchedule(t *testing.T) {
	layers := []dream.LayerInfo{{Name: "mixed3", Channels: 768}, {Name: "mixed5", Channels: 768}}
	s, err := ParseLayerSchedule("mixed3@0s,mixed5=2+mixed3:7@8s", layers)
	if err != nil {
		t.Fatal(err)
	}
	if len(s) != 2 || len(s[1].Objective.Terms) != 2 || s[1].At != 8*time.Second {
		t.Fatalf("parsed %+v", s)
	}
	if o := objectiveAt(s, 2*time.Second, 7*time.Second); len(o.Terms) != 1 || o.Terms[0].Layer != "mixed3" {
		t.Errorf("before the change: %+v", o)
	}
	o := objectiveAt(s, 2*time.Second, 9*time.Second)
	if len(o.Terms) != 3 || math.Abs(o.Terms[0].Weight-0.5) > 1e-9 || math.Abs(o.Terms[1].Weight-1) > 1e-9 {
		t.Errorf("half way through the fade: %+v", o)
	}
	if o := objectiveAt(s, 2*time.Second, 10*time.Second); len(o.Terms) != 2 {
		t.Errorf("after the fade: %+v", o)
	}
	if o := objectiveAt(s, 0, 8*time.Second); len(o.Terms) != 2 {
		t.Errorf("hard switch: %+v", o)
	}
	for _, bad := range []string{"mixed9@0s", "mixed3@0s,mixed5", "mixed3@5s,mixed5@1s", "mixed3@0s,"} {
		if _, err := ParseLayerSchedule(bad, layers); err == nil {
			t.Errorf("ParseLayerSchedule(%q) accepted", bad)
		}
	}
}

func TestZoomBadOptions(t *testing.T) {
	net := toyNet(t)
	dir := t.TempDir()
	existing := filepath.Join(dir, "exists.mp4")
	os.WriteFile(existing, []byte("keep"), 0o644)
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte("not a picture"), 0o644)
	for _, tc := range []struct {
		name string
		edit func(*ZoomOptions)
		want string
	}{
		{"existing output", func(o *ZoomOptions) { o.Output = existing }, "Force"},
		{"unknown format", func(o *ZoomOptions) { o.Output = filepath.Join(dir, "z.doc") }, ".doc"},
		{"missing folder", func(o *ZoomOptions) { o.Output = filepath.Join(dir, "no/z.mp4") }, "does not exist"},
		{"bad from", func(o *ZoomOptions) { o.From = text }, "notes.txt"},
		{"missing from", func(o *ZoomOptions) { o.From = filepath.Join(dir, "nope.png") }, "nope.png"},
		{"tiny", func(o *ZoomOptions) { o.Width = 8 }, "16"},
		{"no frames", func(o *ZoomOptions) { o.Frames = 0 }, "frames"},
		{"centre", func(o *ZoomOptions) { o.CenterX = 2 }, "centre"},
		{"keyframes", func(o *ZoomOptions) { o.KeyframeEvery = 0 }, "keyframe"},
		{"max bytes on mp4", func(o *ZoomOptions) { o.MaxBytes = 10 }, "GIF"},
		{"zoom", func(o *ZoomOptions) { o.Zoom = Constant(0) }, "zoom"},
		{"zoom out", func(o *ZoomOptions) { o.Zoom = Schedule{{0, 1.2}, {time.Second, 0.8}} }, "zooming out is not supported"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opt := toyZoom(filepath.Join(dir, "out.mp4"))
			tc.edit(&opt)
			_, err := RunZoom(context.Background(), net, opt)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("err = %v, want one line mentioning %q", err, tc.want)
			}
			if _, err := os.Stat(workDirFor(opt.Output)); !os.IsNotExist(err) {
				t.Error("a work directory was left behind")
			}
		})
	}
	if b, _ := os.ReadFile(existing); string(b) != "keep" {
		t.Error("existing output damaged")
	}
}

var _ = testnet.Layer

// BenchmarkZoomFrame640x360 renders one in-between frame of a 640x360 zoom
// (two warps of the 2x canvas, the cross-fade and the area downscale).
func BenchmarkZoomFrame640x360(b *testing.B) {
	r := &zoomRun{opt: &ZoomOptions{Width: 640, Height: 360, FrameRate: media.Rational{Num: 30, Den: 1},
		ZoomMotion: ZoomMotion{Zoom: Constant(DefaultZoom), Rotate: Constant(0), CenterX: 0.5, CenterY: 0.5, KeyframeEvery: 3, Supersample: 2}, Frames: 10}}
	r.setup()
	key := r.noiseCanvas()
	next := warpImage(key, r.motion(0, 3), nil, 0)
	rgb := make([]byte, 640*360*3)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.frame(1, 0, key, next, rgb)
	}
}

// TestLayerScheduleRuns checks that an objective schedule reaches the
// network: the frames after the change differ from a run that keeps the
// first layer, the frames before it do not.
func TestLayerScheduleRuns(t *testing.T) {
	net := toyNet(t)
	dir := t.TempDir()
	run := func(name string, sched []TimedObjective) [][]byte {
		opt := toyZoom(filepath.Join(dir, name))
		opt.Frames = 9
		opt.Layers = sched
		if _, err := RunZoom(context.Background(), net, opt); err != nil {
			t.Fatal(err)
		}
		return readPNGFrames(t, opt.Output)
	}
	one := []TimedObjective{{0, models.MeanSquareOf(testnet.Layer)}}
	two := append(one, TimedObjective{At: 200 * time.Millisecond, Objective: models.MeanSquareOf("conv1/relu")})
	a, b := run("one", one), run("two", two)
	if !bytes.Equal(a[3], b[3]) { // keyframes 0 and 3 come before the change at frame 6
		t.Error("frames before the change differ")
	}
	if bytes.Equal(a[8], b[8]) {
		t.Error("the layer change had no effect")
	}
}

// TestZoomSegmentedResume: a plain zoom into an MP4 is encoded in segments
// as it renders; stopped and resumed, it writes the same file byte for byte.
func TestZoomSegmentedResume(t *testing.T) {
	net := toyNet(t)
	dir := t.TempDir()
	opt := toyZoom(filepath.Join(dir, "full.mp4"))
	opt.Frames, opt.SegmentFrames = 11, 4
	if _, err := RunZoom(context.Background(), net, opt); err != nil {
		t.Fatal(err)
	}
	opt.Output = filepath.Join(dir, "parts.mp4")
	ctx, cancel := context.WithCancel(context.Background())
	opt.Progress = func(p VideoProgress) {
		if p.Done == 6 {
			cancel()
		}
	}
	if _, err := RunZoom(ctx, net, opt); err == nil {
		t.Fatal("the cancelled zoom succeeded")
	}
	if segs, _ := filepath.Glob(filepath.Join(workDirFor(opt.Output), "segment_*")); len(segs) == 0 {
		t.Fatal("no finished segment in the checkpoint")
	}
	opt.Progress, opt.Resume = nil, true
	if _, err := RunZoom(context.Background(), net, opt); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(filepath.Join(dir, "full.mp4"))
	b, _ := os.ReadFile(opt.Output)
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Fatalf("resumed zoom (%d bytes) differs from the uninterrupted one (%d bytes)", len(b), len(a))
	}
}
