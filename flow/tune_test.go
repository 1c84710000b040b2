//go:build unix

package flow

import (
	"context"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// TestTune compares option variants on Middlebury: average EPE, and the
// fastest of FLOW_TUNE_REPS runs (default 3) per pair in wall and process
// CPU time, which is steadier than wall time on a shared machine. It only
// runs with FLOW_TUNE=1; FLOW_TUNE_ONLY=name selects one variant.
func TestTune(t *testing.T) {
	if os.Getenv("FLOW_TUNE") == "" {
		t.Skip("set FLOW_TUNE=1 to compare option variants")
	}
	pairs := loadMiddlebury(t)
	only := os.Getenv("FLOW_TUNE_ONLY")
	reps := 3
	if r, err := strconv.Atoi(os.Getenv("FLOW_TUNE_REPS")); err == nil && r > 0 {
		reps = r
	}
	cpuNow := func() time.Duration {
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	for _, v := range tuneVariants() {
		if only != "" && v.name != only {
			continue
		}
		var sum, cpuSum, wallSum float64
		var per []float64
		for _, p := range pairs {
			minCPU, minWall := time.Duration(1<<62), time.Duration(1<<62)
			var e float64
			for r := 0; r < reps; r++ {
				c0, w0 := cpuNow(), time.Now()
				f, err := Compute(context.Background(), p.a, p.b, v.opt)
				if err != nil {
					t.Fatal(err)
				}
				minCPU = min(minCPU, cpuNow()-c0)
				minWall = min(minWall, time.Since(w0))
				e, _, _ = EndpointError(f, p.gt)
			}
			sum += e
			per = append(per, e)
			cpuSum += float64(minCPU.Microseconds()) / 1000
			wallSum += float64(minWall.Microseconds()) / 1000
		}
		np := float64(len(pairs))
		t.Logf("%-20s EPE %.4f %6.1f ms/pair wall %6.1f ms/pair cpu (min of %d) %.3f", v.name, sum/np, wallSum/np, cpuSum/np, reps, per)
	}
}

type tuneVariant struct {
	name string
	opt  Options
}

func tuneVariants() []tuneVariant {
	var out []tuneVariant
	add := func(name string, f func(o *Options)) {
		o := Medium()
		f(&o)
		out = append(out, tuneVariant{name, o})
	}
	add("fast", func(o *Options) { *o = Fast() })
	add("medium", func(o *Options) {})
	add("accurate", func(o *Options) { *o = Accurate() })
	// Cheaper variants of Medium, for reference.
	add("m-stride4", func(o *Options) { o.PatchStride = 4 })
	add("m-fp2-sor6", func(o *Options) { o.RefineIterations = 2; o.SORIterations = 6 })
	return out
}
