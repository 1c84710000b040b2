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
	if done > 0 && done < p.total {
		per := el / time.Duration(done)
		line += fmt.Sprintf(", %.2f/s, about %v left", float64(done)/el.Seconds(), (per * time.Duration(p.total-done)).Round(time.Second))
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

// finish ends the bar (if any).
func (p *progress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}
