// Command deepdream dreams over video clips, renders infinite-zoom
// animations and writes shareable GIFs. Run `deepdream help` for the commands.
package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes one command line and returns the process exit code.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "deepdream: unknown command %q; run `deepdream help` for the list\n", args[0])
	return 2
}

const usage = `deepdream — DeepDream for video clips, infinite zooms and GIFs

Usage: deepdream COMMAND [flags]

Commands:
  help      show this text
`
