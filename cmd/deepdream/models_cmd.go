package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/deepdream-go/deepdream/models/zoo"
)

const modelsUsage = `Usage: deepdream models [list | fetch NAME | verify [NAME...]] [--cache-dir DIR]

Lists the models deepdream knows, downloads the ones that are not built in,
and checks that what is installed is intact.

  list              every model: built in, downloaded or not downloaded,
                    its default layer and what it is (the default command)
  fetch NAME        download NAME into the cache with a progress bar. An
                    interrupted download (Ctrl-C, lost connection) resumes
                    where it stopped when you run the same command again.
                    The archive must have the SHA-256 pinned in deepdream;
                    a corrupt or failed download leaves nothing behind.
  verify [NAME...]  re-check the SHA-256 of the named models (default: all
                    of them, skipping those not downloaded); exits with
                    status 1 if any is corrupt or a named one is missing

Downloaded models live in %s/NAME/.
Other commands read models from there; to move it for all of them, set
XDG_CACHE_HOME rather than passing --cache-dir here.

Examples:
  deepdream models
  deepdream models fetch inception5h
  deepdream models verify
  deepdream layers --model inception5h
  deepdream video clip.mp4 -o dream.mp4 --model inception5h

Flags:
`

// modelsCmd runs `deepdream models`. Its fields let tests stand in for the
// network; the zero value uses the real registry and HTTP.
type modelsCmd struct {
	// registry lists the models; nil means zoo.Registry.
	registry func() []zoo.Entry
	// client downloads; nil means the zoo's default client.
	client *http.Client
	// terminal reports whether w is an interactive terminal (progress bar
	// instead of log lines); nil means a check of the file descriptor.
	terminal func(w io.Writer) bool
}

func cmdModels(args []string, stdout, stderr io.Writer) error {
	return modelsCmd{}.run(args, stdout, stderr)
}

func (c modelsCmd) run(args []string, stdout, stderr io.Writer) error {
	defDir, err := zoo.DefaultCacheDir()
	if err != nil {
		defDir = "$XDG_CACHE_HOME/deepdream/models"
	}
	fs := newFlagSet("models", fmt.Sprintf(modelsUsage, defDir), stdout)
	cacheDir := fs.String("cache-dir", "", "directory of downloaded models (default "+defDir+")")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	sub, rest := "list", fs.Args()
	if len(rest) > 0 {
		sub, rest = rest[0], rest[1:]
	}
	if sub == "help" {
		fs.Usage()
		return flag.ErrHelp
	}
	dir := *cacheDir
	if dir == "" {
		if dir, err = zoo.DefaultCacheDir(); err != nil {
			return err
		}
	}
	switch sub {
	case "list":
		if len(rest) > 0 {
			return usageErrorf("models list takes no arguments, got %q", rest[0])
		}
		return c.list(dir, stdout)
	case "fetch":
		if len(rest) != 1 {
			return usageErrorf("models fetch takes one model name, e.g. `deepdream models fetch inception5h`")
		}
		return c.fetch(rest[0], dir, stdout, stderr)
	case "verify":
		return c.verify(rest, dir, stdout)
	}
	return usageErrorf("unknown models command %q; use list, fetch or verify", sub)
}

func (c modelsCmd) entries() []zoo.Entry {
	if c.registry != nil {
		return c.registry()
	}
	return zoo.Registry()
}

func (c modelsCmd) lookup(name string) (zoo.Entry, error) {
	var names []string
	for _, e := range c.entries() {
		if e.Name == name {
			return e, nil
		}
		names = append(names, e.Name)
	}
	return zoo.Entry{}, usageErrorf("unknown model %q (known: %s)", name, strings.Join(names, ", "))
}

func (c modelsCmd) list(dir string, stdout io.Writer) error {
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSTATUS\tDEFAULT LAYER\tDESCRIPTION")
	var where []string
	for _, e := range c.entries() {
		status := "built in"
		if !e.Builtin() {
			p := zoo.CachedPath(dir, e)
			if _, err := os.Stat(p); err == nil {
				status = "downloaded"
				where = append(where, fmt.Sprintf("%s: %s", e.Name, p))
			} else if partial, _ := filepath.Glob(filepath.Join(dir, e.Name, "*.partial")); len(partial) > 0 {
				status = "partly downloaded"
				where = append(where, fmt.Sprintf("%s: partly downloaded; `deepdream models fetch %s` resumes and installs it as %s", e.Name, e.Name, p))
			} else {
				status = "not downloaded"
				where = append(where, fmt.Sprintf("%s: not downloaded; `deepdream models fetch %s` installs it as %s", e.Name, e.Name, p))
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", e.Name, status, e.DefaultLayer, e.Description)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(where) > 0 {
		fmt.Fprintln(stdout)
		for _, w := range where {
			fmt.Fprintln(stdout, w)
		}
	}
	return nil
}

func (c modelsCmd) fetch(name, dir string, stdout, stderr io.Writer) error {
	e, err := c.lookup(name)
	if err != nil {
		return err
	}
	if e.Builtin() {
		fmt.Fprintf(stdout, "%s is built into deepdream: nothing to download, it works offline\n", e.Name)
		return nil
	}
	path := zoo.CachedPath(dir, e)
	if st, _ := zoo.Verify(e, dir); st == zoo.StatusOK {
		fmt.Fprintf(stdout, "%s is already installed and intact: %s\n", e.Name, path)
		return nil
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	terminal := c.terminal
	if terminal == nil {
		terminal = isTerminal
	}
	var p downloadProgress
	if terminal(stderr) {
		p = &barProgress{name: e.Name, w: stderr}
	} else {
		p = &logProgress{name: e.Name, w: stderr}
	}
	fmt.Fprintf(stderr, "fetching %s from %s\n", e.Name, e.URL)
	err = zoo.Fetch(ctx, e, dir, zoo.FetchOptions{Client: c.client, Progress: p.update})
	p.end(err == nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "installed %s: %s\n", e.Name, path)
	return nil
}

func (c modelsCmd) verify(names []string, dir string, stdout io.Writer) error {
	var list []zoo.Entry
	for _, n := range names {
		e, err := c.lookup(n)
		if err != nil {
			return err
		}
		list = append(list, e)
	}
	named := len(list) > 0
	if !named {
		list = c.entries()
	}
	var bad []string
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	for _, e := range list {
		st, err := zoo.Verify(e, dir)
		switch {
		case st == zoo.StatusOK && e.Builtin():
			fmt.Fprintf(tw, "%s\tok\tbuilt in, SHA-256 %s\n", e.Name, e.SHA256)
		case st == zoo.StatusOK:
			fmt.Fprintf(tw, "%s\tok\t%s\n", e.Name, zoo.CachedPath(dir, e))
		case st == zoo.StatusMissing:
			fmt.Fprintf(tw, "%s\tnot downloaded\t`deepdream models fetch %s` installs it\n", e.Name, e.Name)
			if named {
				bad = append(bad, e.Name+" is not downloaded")
			}
		default:
			fmt.Fprintf(tw, "%s\tcorrupt\t%s\n", e.Name, oneLine(err.Error()))
			fix := "fetch it again"
			if e.Builtin() {
				fix = "reinstall deepdream"
			}
			bad = append(bad, fmt.Sprintf("%s is corrupt (%s)", e.Name, fix))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(bad) > 0 {
		return errors.New(strings.Join(bad, "; "))
	}
	return nil
}

// downloadProgress shows a download's progress.
type downloadProgress interface {
	update(done, total int64)
	end(ok bool)
}

// barProgress draws a progress bar on a terminal.
type barProgress struct {
	name string
	w    io.Writer
	bar  *progressbar.ProgressBar
	max  int64
}

func (b *barProgress) update(done, total int64) {
	if b.bar == nil || total != b.max {
		if b.bar != nil {
			_ = b.bar.Exit()
			fmt.Fprintln(b.w)
		}
		b.max = total
		b.bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(b.w),
			progressbar.OptionSetDescription(b.name),
			progressbar.OptionShowBytes(true),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(b.w) }),
		)
	}
	_ = b.bar.Set64(done)
}

func (b *barProgress) end(ok bool) {
	if b.bar == nil {
		return
	}
	if ok {
		_ = b.bar.Finish()
		return
	}
	_ = b.bar.Exit()
	fmt.Fprintln(b.w)
}

// logProgress writes a few plain lines when stderr is not a terminal.
type logProgress struct {
	name    string
	w       io.Writer
	started bool
	next    int64 // log again once done reaches this
}

const logEvery = 16 << 20 // bytes between lines when the size is unknown

func (l *logProgress) update(done, total int64) {
	if !l.started {
		l.started = true
		if done > 0 {
			fmt.Fprintf(l.w, "%s: resuming at %s of %s\n", l.name, mib(done), sizeOrUnknown(total))
		}
		l.next = l.step(done, total)
		return
	}
	if done < l.next && done != total {
		return
	}
	if total > 0 {
		fmt.Fprintf(l.w, "%s: %3d%% (%s of %s)\n", l.name, done*100/total, mib(done), mib(total))
	} else {
		fmt.Fprintf(l.w, "%s: %s\n", l.name, mib(done))
	}
	l.next = l.step(done, total)
}

// step is the next amount worth a line: the next quarter of the total.
func (l *logProgress) step(done, total int64) int64 {
	if total <= 0 {
		return done + logEvery
	}
	q := total / 4
	if q == 0 {
		return total
	}
	return (done/q + 1) * q
}

func (l *logProgress) end(bool) {}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

func sizeOrUnknown(n int64) string {
	if n < 0 {
		return "an unknown size"
	}
	return mib(n)
}
