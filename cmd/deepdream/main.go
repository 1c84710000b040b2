// Command deepdream dreams over video clips, renders infinite-zoom
// animations and writes shareable GIFs. Run `deepdream help` for the commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// exitInterrupted is the exit code after Ctrl-C or SIGTERM, as shells
// report a process killed by SIGINT (128+2).
const exitInterrupted = 130

// interruptedError is a stop on Ctrl-C with a message for the user; it
// matches context.Canceled (exit code 130) without printing it.
type interruptedError struct{ msg string }

func (e interruptedError) Error() string { return e.msg }
func (e interruptedError) Unwrap() error { return context.Canceled }

func interruptedf(format string, a ...any) error {
	return interruptedError{fmt.Sprintf(format, a...)}
}

// usageError marks errors in how the command was called (exit code 2).
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

func usageErrorf(format string, a ...any) error {
	return usageError{fmt.Errorf(format, a...)}
}

type command struct {
	name, summary string
	run           func(args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"image", "dream over one picture", cmdImage},
		{"video", "dream over a clip, with its sound and timing", cmdVideo},
		{"zoom", "render an endless zoom into dream structures (or a looping GIF)", cmdZoom},
		{"flow", "optical flow between two pictures, as .flo or a colour PNG", cmdFlow},
		{"layers", "list the layers of a model and their channel counts", cmdLayers},
		{"models", "list, download and verify models", cmdModels},
		{"stability", "measure how steady a dreamed clip is (flicker metric)", cmdStability},
		{"react", "plot a track's loudness, onsets, bands and beats (for --react)", cmdReact},
	}
}

// run executes one command line and returns the process exit code.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) > 1 {
			return run([]string{args[1], "--help"}, stdout, stderr)
		}
		printUsage(stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(args[1:], stdout, stderr)
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		}
		fmt.Fprintf(stderr, "deepdream %s: %s\n", c.name, oneLine(err.Error()))
		if errors.Is(err, context.Canceled) {
			return exitInterrupted
		}
		var u usageError
		if errors.As(err, &u) {
			return 2
		}
		return 1
	}
	fmt.Fprintf(stderr, "deepdream: unknown command %q; run `deepdream help` for the list\n", args[0])
	return 2
}

// badValue matches the flag package's message for a value that Set refused.
var badValue = regexp.MustCompile(`^invalid value (".*") for flag -([^:]+): (.*)$`)

// flagValueError rewrites `invalid value "x" for flag -name: why` as
// `--name "x": why`, the form the rest of the CLI uses.
func flagValueError(err error) error {
	m := badValue.FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	if strings.Contains(m[3], m[1]) {
		return fmt.Errorf("--%s: %s", m[2], m[3])
	}
	return fmt.Errorf("--%s %s: %s", m[2], m[1], m[3])
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func printUsage(w io.Writer) {
	fmt.Fprint(w, `deepdream — DeepDream for video clips, infinite zooms and GIFs

Usage: deepdream COMMAND [flags]     (deepdream help COMMAND for details)

Commands:
`)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s  %s\n", c.name, c.summary)
	}
}

// newFlagSet returns a flag set that prints the command's usage text to w
// (stdout: help the user asked for can be piped to less) and reports
// errors instead of exiting.
func newFlagSet(name, usage string, w io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprint(w, usage)
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	return fs
}

// parseFlags parses args, allowing flags after positional arguments. The
// usage text is printed for -h/--help only; a bad flag is a one-line error.
func parseFlags(fs *flag.FlagSet, args []string) error {
	usage := fs.Usage
	fs.Usage = func() {}
	defer func() { fs.Usage = usage }()
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				usage()
				return err
			}
			return usageError{flagValueError(err)}
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	return fs.Parse(append([]string{"--"}, positional...))
}
