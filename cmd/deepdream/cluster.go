package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/deepdream-go/deepdream/dream"
	"github.com/deepdream-go/deepdream/pipeline"
	"github.com/deepdream-go/deepdream/pipeline/cluster"
	"github.com/deepdream-go/deepdream/pipeline/scenecut"
)

// arrayIndexVars are the environment variables batch engines set to the
// index of an array task, in the order --part auto/N reads them.
var arrayIndexVars = []string{"SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX"}

// clusterFlags are video's flags for rendering a clip in parts.
type clusterFlags struct {
	parts     int
	part      string
	plan      bool
	warmup    int
	crossfade int
}

func addClusterFlags(fs *flag.FlagSet) *clusterFlags {
	c := &clusterFlags{}
	fs.IntVar(&c.parts, "parts", 0, "render the clip as N parts in this process and join them (what a cluster run reproduces)")
	fs.StringVar(&c.part, "part", "", "render only part K of N (K/N, K from 0), writing under OUT.parts/; auto/N takes K from "+strings.Join(arrayIndexVars, ", ")+"; join with deepdream join OUT")
	fs.BoolVar(&c.plan, "plan", false, "with --parts or --part: print how the clip is split and render nothing")
	fs.IntVar(&c.warmup, "warmup", cluster.DefaultWarmup, "with parts: frames dreamed and thrown away before a part that starts inside a shot")
	fs.IntVar(&c.crossfade, "crossfade", cluster.DefaultCrossfade, "with parts: frames over which a part fades in over the previous part's continuation")
	return c
}

func (c *clusterFlags) active() bool { return c.parts != 0 || c.part != "" }

// check validates the flags and returns the part count and the part to
// render (-1: every part).
func (c *clusterFlags) check(getenv func(string) string) (n, k int, err error) {
	if c.plan && !c.active() {
		return 0, 0, usageErrorf("--plan needs --parts N or --part K/N")
	}
	if !c.active() {
		return 0, 0, nil
	}
	if c.warmup < 0 || c.crossfade < 0 {
		return 0, 0, usageErrorf("--warmup and --crossfade must not be negative")
	}
	if c.part == "" {
		if c.parts < 1 {
			return 0, 0, usageErrorf("--parts %d: want at least 1", c.parts)
		}
		return c.parts, -1, nil
	}
	if c.parts != 0 {
		return 0, 0, usageErrorf("give either --parts N (all parts here) or --part K/N (one part), not both")
	}
	return parsePart(c.part, getenv)
}

// parsePart reads K/N or auto/N.
func parsePart(s string, getenv func(string) string) (n, k int, err error) {
	ks, ns, ok := strings.Cut(s, "/")
	n, nerr := strconv.Atoi(ns)
	if !ok || nerr != nil || n < 1 {
		return 0, 0, usageErrorf("--part %q: want K/N or auto/N, such as 0/4", s)
	}
	if ks == "auto" {
		for _, v := range arrayIndexVars {
			if val := getenv(v); val != "" {
				ks = val
				if k, err := strconv.Atoi(val); err != nil || k < 0 || k >= n {
					return 0, 0, usageErrorf("--part auto/%d: %s=%s is not a part index 0..%d (submit the array as 0-%d)", n, v, val, n-1, n-1)
				}
				if v == "SLURM_ARRAY_TASK_ID" {
					if cnt := getenv("SLURM_ARRAY_TASK_COUNT"); cnt != "" && cnt != strconv.Itoa(n) {
						return 0, 0, usageErrorf("--part auto/%d: the Slurm array has %s tasks; submit it with --array=0-%d", n, cnt, n-1)
					}
				}
				break
			}
		}
		if ks == "auto" {
			return 0, 0, usageErrorf("--part auto/%d: none of %s is set; run it as an array task or give the index (--part 0/%d)", n, strings.Join(arrayIndexVars, ", "), n)
		}
	}
	k, err = strconv.Atoi(ks)
	if err != nil || k < 0 || k >= n {
		return 0, 0, usageErrorf("--part %q: K must be a number from 0 to %d", s, n-1)
	}
	return n, k, nil
}

// runClusterVideo renders a clip in parts: one part (--part), or all of
// them followed by the join (--parts), or only prints the plan (--plan).
func runClusterVideo(ctx context.Context, net dream.Network, opt pipeline.VideoOptions, c *clusterFlags, n, k int, quiet bool, stdout, stderr io.Writer) error {
	if opt.React != nil {
		return usageErrorf("--react cannot be combined with --parts or --part yet (its schedules count frames from the clip's start, a part's from its own)")
	}
	if n > 0 && k < 0 && !c.plan && !opt.Force {
		if _, err := os.Stat(opt.Output); err == nil {
			return fmt.Errorf("output %s exists; use --force to replace it", opt.Output)
		}
	}
	job := &cluster.Job{Video: opt, Plan: cluster.PlanOptions{Parts: n, Warmup: c.warmup, Crossfade: c.crossfade},
		NewDetector: func() cluster.CutDetector { return scenecut.NewDetector(scenecut.DefaultOptions()) }}
	job.Video.Progress, job.Video.Resume = nil, false
	m, err := job.Prepare(ctx)
	if err != nil {
		return err
	}
	if c.plan {
		fmt.Fprint(stdout, m.Plan.String())
		return nil
	}
	start := time.Now()
	todo := []int{k}
	if k < 0 {
		todo = todo[:0]
		for i := 0; i < n; i++ {
			todo = append(todo, i)
		}
	}
	for _, i := range todo {
		q := m.Plan.Parts[i]
		bar := newProgress(stderr, fmt.Sprintf("part %d/%d", i, n), "frames", q.To()-q.From(), quiet)
		job.Video.Progress = func(pr pipeline.VideoProgress) { bar.update(pr.Done, pr.Total) }
		res, err := job.RunPart(ctx, net, m, i)
		bar.finish()
		var ie *pipeline.InterruptedError
		if errors.As(err, &ie) {
			return fmt.Errorf("part %d of %d stopped after %d frames (%v); run the same command again to continue it", i, n, ie.Done, ie.Err)
		}
		if err != nil {
			return err
		}
		if !quiet {
			switch {
			case res.Done:
				fmt.Fprintf(stderr, "part %d/%d is already done (%s)\n", i, n, cluster.PartDir(opt.Output, i))
			default:
				fmt.Fprintf(stderr, "part %d/%d: frames %d-%d in %v (%s)\n", i, n, q.Start, q.End-1, res.Video.Wall.Round(time.Second), cluster.PartDir(opt.Output, i))
			}
		}
	}
	if k >= 0 {
		return nil
	}
	if err := cluster.Join(ctx, opt.Output, cluster.JoinOptions{Force: opt.Force, Clean: true, Logger: opt.Logger}); err != nil {
		return err
	}
	if !quiet {
		fmt.Fprintf(stderr, "wrote %s: %d frames in %d parts in %v\n", opt.Output, m.Plan.Frames, n, time.Since(start).Round(time.Second))
	}
	return nil
}

const joinUsage = `Usage: deepdream join OUT [flags]

Joins the parts of OUT rendered with deepdream video IN -o OUT --part K/N
(on one machine or many, in any order) into OUT: it checks that every part
is there, finished and from the same input and settings, cross-fades the
seams, concatenates the video without re-encoding it, adds the source's
sound in sync, and writes OUT atomically. The parts are read from OUT.parts/
on a filesystem every worker shares.

Examples:
  deepdream join dream.mp4
  deepdream join dream.mp4 --clean     # and remove dream.mp4.parts/

Flags:
`

func cmdJoin(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("join", joinUsage, stderr)
	force := fs.Bool("force", false, "replace OUT if it exists")
	clean := fs.Bool("clean", false, "remove OUT.parts/ after a successful join")
	quiet := fs.Bool("quiet", false, "print nothing on success")
	verbose := fs.Bool("verbose", false, "log the ffmpeg commands")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErrorf("want exactly one output to join, got %d arguments (see deepdream join --help)", fs.NArg())
	}
	out := fs.Arg(0)
	ctx, stop := signalContext()
	defer stop()
	of := outputFlags{verbose: *verbose}
	start := time.Now()
	if err := cluster.Join(ctx, out, cluster.JoinOptions{Force: *force, Clean: *clean, Logger: of.logger(stderr)}); err != nil {
		return err
	}
	if !*quiet {
		fmt.Fprintf(stderr, "wrote %s in %v\n", out, time.Since(start).Round(time.Millisecond))
	}
	return nil
}
