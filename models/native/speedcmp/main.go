// Command speedcmp times DeepDream gradient steps of the deepdream binary
// next to a reference command (for example PyTorch), interleaved in one run
// so that both see the same machine load, and prints the ratio.
//
// Our time for N steps is the wall time of
//
//	deepdream image IMG -o OUT --octaves 1 --steps N+1 --jitter 0 --tile 0 --layer L
//
// minus the same run with --steps 1, which cancels start-up, model loading,
// image I/O and the first (warm-up) step. The reference command follows
// "--"; in its arguments {image}, {layer} and {steps} are replaced by the
// picture (resized to --size), the layer and N. If it prints a JSON object
// with "seconds_min" (as ../shared/bench/torch_steps.py does), that number
// is its time; otherwise its wall time is. Example, from the repository
// root:
//
//	go build -o deepdream ./cmd/deepdream
//	go run ./models/native/speedcmp --size 640x360 --layer mixed3 -- \
//	    env OMP_WAIT_POLICY=passive /usr/bin/python3 ../shared/bench/torch_steps.py \
//	    --pb ../shared/models/inception_v3_mixed7.pb --layer {layer} --image {image} --steps {steps}
//
// Without a reference command it prints our times only. The project does
// not depend on the reference: it is whatever the caller passes.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	_ "image/jpeg" // input photos may be JPEG
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"golang.org/x/image/draw"
)

type config struct {
	bins               []string
	photo, layer, size string
	steps, rounds      int
	extra              []string
	ref                []string
}

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "speedcmp:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	var c config
	fs := flag.NewFlagSet("speedcmp", flag.ContinueOnError)
	bins := fs.String("bin", "./deepdream", "the deepdream binary to time; several, comma-separated, are timed in turn (old,new)")
	fs.StringVar(&c.photo, "image", "../shared/testdata/images/chelsea.png", "picture to dream on (resized to --size)")
	fs.StringVar(&c.layer, "layer", "mixed3", "layer whose mean square is maximised")
	fs.StringVar(&c.size, "size", "640x360", "picture size WxH")
	fs.IntVar(&c.steps, "steps", 10, "timed gradient steps")
	fs.IntVar(&c.rounds, "rounds", 3, "interleaved rounds (ours, then the reference)")
	flags := fs.String("flags", "", "extra flags for deepdream image, space-separated")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c.ref = fs.Args()
	if *flags != "" {
		c.extra = strings.Fields(*flags)
	}
	if c.steps < 1 || c.rounds < 1 {
		return errors.New("--steps and --rounds must be at least 1")
	}
	var w, h int
	if _, err := fmt.Sscanf(c.size, "%dx%d", &w, &h); err != nil || w < 1 || h < 1 {
		return fmt.Errorf("--size %q: want WxH, for example 640x360", c.size)
	}
	c.bins = strings.Split(*bins, ",")
	for _, b := range c.bins {
		if _, err := os.Stat(b); err != nil {
			return fmt.Errorf("--bin: %w (build it with: go build -o deepdream ./cmd/deepdream)", err)
		}
	}
	dir, err := os.MkdirTemp("", "speedcmp-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	img := filepath.Join(dir, fmt.Sprintf("input%dx%d.png", w, h))
	if err := resizePNG(c.photo, img, w, h); err != nil {
		return err
	}

	fmt.Fprintf(out, "%d steps, %s, layer %s; load %s\n", c.steps, c.size, c.layer, loadAvg())
	ours := make([][]float64, len(c.bins))
	var refs []float64
	for r := 1; r <= c.rounds; r++ {
		line := fmt.Sprintf("round %d:", r)
		for i, bin := range c.bins {
			t, err := c.ourSteps(bin, img, filepath.Join(dir, "out.png"))
			if err != nil {
				return err
			}
			ours[i] = append(ours[i], t)
			line += fmt.Sprintf("  %s %.3f s", bin, t)
		}
		if len(c.ref) > 0 {
			rt, err := c.reference(img)
			if err != nil {
				return err
			}
			refs = append(refs, rt)
			line += fmt.Sprintf("  reference %.3f s", rt)
			for i := range c.bins {
				line += fmt.Sprintf("  ratio %.2f", ours[i][r-1]/rt)
			}
		}
		fmt.Fprintf(out, "%s  (load %s)\n", line, loadAvg())
	}
	for i, bin := range c.bins {
		fmt.Fprintf(out, "%s: %s s", bin, span(ours[i]))
		if len(refs) > 0 {
			ratios := make([]float64, len(refs))
			for j := range refs {
				ratios[j] = ours[i][j] / refs[j]
			}
			fmt.Fprintf(out, ", reference %s s, ratio per round %s, best/best %.2f", span(refs), span(ratios), minOf(ours[i])/minOf(refs))
		}
		fmt.Fprintln(out)
	}
	return nil
}

// ourSteps returns the time of c.steps gradient steps of deepdream: a run
// with steps+1 steps minus a run with one step.
func (c *config) ourSteps(bin, img, outPNG string) (float64, error) {
	long, err := c.timeImage(bin, img, outPNG, c.steps+1)
	if err != nil {
		return 0, err
	}
	short, err := c.timeImage(bin, img, outPNG, 1)
	if err != nil {
		return 0, err
	}
	return long - short, nil
}

func (c *config) timeImage(bin, img, outPNG string, steps int) (float64, error) {
	args := append([]string{"image", img, "-o", outPNG, "--force", "--quiet",
		"--octaves", "1", "--steps", fmt.Sprint(steps), "--jitter", "0", "--tile", "0",
		"--layer", c.layer}, c.extra...)
	start := time.Now()
	if b, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		return 0, fmt.Errorf("%s %s: %w\n%s", bin, strings.Join(args, " "), err, b)
	}
	return time.Since(start).Seconds(), nil
}

// reference runs the reference command and returns its time.
func (c *config) reference(img string) (float64, error) {
	r := strings.NewReplacer("{image}", img, "{layer}", c.layer, "{steps}", fmt.Sprint(c.steps))
	args := make([]string, len(c.ref))
	for i, a := range c.ref {
		args[i] = r.Replace(a)
	}
	var stdout bytes.Buffer
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdout = &stdout
	cmd.Stderr = os.Stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("reference %s: %w", strings.Join(args, " "), err)
	}
	wall := time.Since(start).Seconds()
	for _, line := range strings.Split(stdout.String(), "\n") {
		var v struct {
			SecondsMin *float64 `json:"seconds_min"`
		}
		if json.Unmarshal([]byte(strings.TrimSpace(line)), &v) == nil && v.SecondsMin != nil {
			return *v.SecondsMin, nil
		}
	}
	return wall, nil
}

// resizePNG writes the picture at src, resized to w×h, as a PNG at dst.
func resizePNG(src, dst string, w, h int) error {
	f, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("--image: %w", err)
	}
	defer f.Close()
	m, _, err := image.Decode(f)
	if err != nil {
		return fmt.Errorf("--image %s: %w", src, err)
	}
	r := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.CatmullRom.Scale(r, r.Bounds(), m, m.Bounds(), draw.Src, nil)
	o, err := os.Create(dst)
	if err != nil {
		return err
	}
	if err := png.Encode(o, r); err != nil {
		o.Close()
		return err
	}
	return o.Close()
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}

// span formats the range of v as "lo–hi" (or one value).
func span(v []float64) string {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s) == 1 || fmt.Sprintf("%.2f", s[0]) == fmt.Sprintf("%.2f", s[len(s)-1]) {
		return fmt.Sprintf("%.2f", s[0])
	}
	return fmt.Sprintf("%.2f–%.2f", s[0], s[len(s)-1])
}

func minOf(v []float64) float64 {
	m := v[0]
	for _, x := range v[1:] {
		m = min(m, x)
	}
	return m
}
