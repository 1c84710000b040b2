package flow

import (
	"context"
	"os"
	"syscall"
	"testing"
	"time"
)

// TestTune compares option variants on Middlebury (EPE and time); it only
// runs with FLOW_TUNE=1.
func TestTune(t *testing.T) {
	if os.Getenv("FLOW_TUNE") == "" {
		t.Skip("set FLOW_TUNE=1 to compare option variants")
	}
	pairs := loadMiddlebury(t)
	only := os.Getenv("FLOW_TUNE_ONLY")
	for _, v := range tuneVariants() {
		if only != "" && v.name != only {
			continue
		}
		var ru0, ru1 syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
		var sum float64
		var per []float64
		start := time.Now()
		for _, p := range pairs {
			f, err := Compute(context.Background(), p.a, p.b, v.opt)
			if err != nil {
				t.Fatal(err)
			}
			e, _, _ := EndpointError(f, p.gt)
			sum += e
			per = append(per, e)
		}
		el := time.Since(start)
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
		cpu := time.Duration(ru1.Utime.Nano() + ru1.Stime.Nano() - ru0.Utime.Nano() - ru0.Stime.Nano())
		np := float64(len(pairs))
		t.Logf("%-24s EPE %.4f %6.1f ms/pair wall %6.1f ms/pair cpu %.3f", v.name, sum/np, float64(el.Microseconds())/1000/np, float64(cpu.Microseconds())/1000/np, per)
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
	add("medium-nobelow", func(o *Options) { o.RefineBelowFinest = false })
	add("m-grey", func(o *Options) { o.RefineBelowFinest = false; o.Color = false })
	add("m-grey-s4", func(o *Options) { o.RefineBelowFinest = false; o.Color = false; o.PatchStride = 4 })
	add("m-grey-s4-it12", func(o *Options) {
		o.RefineBelowFinest = false
		o.Color = false
		o.PatchStride = 4
		o.SearchIterations = 12
	})
	add("m-grey-fp3", func(o *Options) { o.RefineBelowFinest = false; o.Color = false; o.RefineIterations = 3 })
	add("m-grey-fp2sor8", func(o *Options) {
		o.RefineBelowFinest = false
		o.Color = false
		o.RefineIterations = 2
		o.SORIterations = 8
	})
	add("m-grey-fp1sor10", func(o *Options) {
		o.RefineBelowFinest = false
		o.Color = false
		o.RefineIterations = 1
		o.SORIterations = 10
	})
	add("m-grey-norefine", func(o *Options) { o.RefineBelowFinest = false; o.Color = false; o.RefineIterations = 0 })
	add("fast", func(o *Options) { *o = Fast() })
	add("fast-norefine", func(o *Options) { *o = Fast(); o.RefineIterations = 0 })
	return out
}
