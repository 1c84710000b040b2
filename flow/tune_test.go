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
	add("medium", func(o *Options) {})
	add("fast", func(o *Options) { *o = Fast() })
	add("m-norefine", func(o *Options) { o.RefineIterations = 0 })
	return out
}
