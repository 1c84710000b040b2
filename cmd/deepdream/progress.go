package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progress shows how far a long job is: a bar on a terminal, a few plain
// lines otherwise, nothing when quiet.
type progress struct {
	bar      *progressbar.ProgressBar
	w        io.Writer
	label    string
	total    int
	done     int // last count set
	base     int // units done before this run (resumed), for the rate
	based    bool
	lastLine time.Time
	start    time.Time
	quiet    bool
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func newProgress(w io.Writer, label, unit string, total int, quiet bool) *progress {
	p := &progress{w: w, label: label, total: total, quiet: quiet, start: time.Now()}
	if quiet {
		return p
	}
	if isTerminal(w) {
		p.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription(label),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString(unit),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionFullWidth(),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
		)
	}
	return p
}

// set records that done of total units are finished.
func (p *progress) set(done int) {
	p.done = done
	if p.quiet {
		return
	}
	if p.bar != nil {
		_ = p.bar.Set(done)
		return
	}
	if done < p.total && time.Since(p.lastLine) < 5*time.Second {
		return
	}
	p.lastLine = time.Now()
	el := time.Since(p.start)
	line := fmt.Sprintf("%s: %d/%d (%d%%) after %v", p.label, done, p.total, done*100/max(p.total, 1), el.Round(time.Second))
	if n := done - p.base; n > 0 && done < p.total {
		per := el / time.Duration(n)
		line += fmt.Sprintf(", %.2f/s, about %v left", float64(n)/el.Seconds(), (per * time.Duration(p.total-done)).Round(time.Second))
	}
	fmt.Fprintln(p.w, line)
}

// update records progress against a total that may change as a job learns
// more (a clip's frame count is an estimate until decoding ends).
func (p *progress) update(done, total int) {
	if total != p.total {
		p.total = total
		if p.bar != nil {
			p.bar.ChangeMax(total)
		}
	}
	p.set(done)
}

// resumed tells the bar that n units were done by an earlier run: it
// starts there, and rates count only this run's work. Only the first call
// counts.
func (p *progress) resumed(n int) {
	if p.based || n <= 0 {
		p.based = true
		return
	}
	p.based, p.base = true, n
	p.start = time.Now()
	if p.bar != nil {
		_ = p.bar.Set(n)
	}
}

// finish ends the bar (if any): full when the job finished, left where it
// stopped otherwise (after Ctrl-C it must not claim 100%).
func (p *progress) finish() {
	if p.bar == nil {
		return
	}
	if p.done >= p.total && p.total > 0 {
		_ = p.bar.Finish()
		return
	}
	_ = p.bar.Exit()
	fmt.Fprintln(p.w)
}
