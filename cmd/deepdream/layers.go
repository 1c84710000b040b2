package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/deepdream-go/deepdream/models/native"
	"github.com/deepdream-go/deepdream/models/zoo"
)

const layersUsage = `Usage: deepdream layers [flags]

Lists the layers of a model that are worth dreaming on, with their channel
counts (use a channel with --layer NAME:CHANNEL) and their spatial size for a
299×299 input. For a GraphDef file, every concatenation and ReLU is listed.

With --preview PHOTO it shows instead of telling: it dreams a small copy of
the photo once per layer (or per channel of one layer with --channels, or
per preset with --presets) and writes a contact sheet, each tile labelled
with the flag that reproduces it. The dream flags (--steps, --octaves,
--seed …) apply to every tile.

Examples:
  deepdream layers
  deepdream layers --model inception5h
  deepdream layers --model my_graph.pb --input-node images --all
  deepdream layers --preview cat.jpg -o layers.png
  deepdream layers --preview cat.jpg -o mixed4.png --channels mixed4 --count 16
  deepdream layers --preview cat.jpg -o picks.png --channels mixed4:10-25
  deepdream layers --preview cat.jpg -o presets.jpg --presets

Flags:
`

func cmdLayers(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("layers", layersUsage, stdout)
	mf := addModelFlags(fs)
	all := fs.Bool("all", false, "list every node with a 4-d output, not only the usual dream layers")
	size := fs.Int("size", 299, "input size used to report spatial sizes")
	sf := addSheetFlags(fs)
	df := addDreamFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("layers takes no arguments, got %q", fs.Arg(0))
	}
	if err := sf.check(fs); err != nil {
		return err
	}
	if sf.photo != "" {
		if sf.channels != "" {
			// The tiles set their own objective; this only lets the
			// parameters build for a GraphDef file without a default layer.
			df.layer, _, _ = strings.Cut(sf.channels, ":")
		}
		return runSheet(sf, mf, df, stderr)
	}
	src, err := mf.source()
	if err != nil {
		return usageError{err}
	}
	m, err := zoo.Open(src)
	if err != nil {
		return err
	}
	ex, err := native.New(m.Graph, m.Spec, native.Options{})
	if err != nil {
		return err
	}
	defer ex.Close()
	minW, minH := ex.MinSize()
	if *size < max(minW, minH) {
		return usageErrorf("--size %d is below the model's minimum input %dx%d", *size, minW, minH)
	}
	var names []string
	ops := []string{"ConcatV2", "Concat", "Relu", "Relu6"}
	if *all {
		ops = allLayerOps
	}
	if len(m.Layers) > 0 && !*all {
		names = m.Layers
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "LAYER\tCHANNELS\tSIZE AT %dx%d\n", *size, *size)
	if names != nil {
		for _, n := range names {
			s, err := ex.OutputShape(n, *size, *size)
			if err != nil {
				return err
			}
			printLayer(tw, n, s, n == m.DefaultLayer)
		}
	} else {
		list, err := ex.Layers(ops, *size, *size)
		if err != nil {
			return err
		}
		for _, a := range list {
			printLayer(tw, a.Layer, []int{1, a.Height, a.Width, a.Channels}, a.Layer == m.DefaultLayer)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "minimum input: %dx%d\n", minW, minH)
	return nil
}

func printLayer(w io.Writer, name string, shape []int, def bool) {
	mark := ""
	if def {
		mark = "  (default)"
	}
	if len(shape) == 4 {
		fmt.Fprintf(w, "%s\t%d\t%dx%d%s\n", name, shape[3], shape[2], shape[1], mark)
		return
	}
	fmt.Fprintf(w, "%s\t%d\t%v%s\n", name, shape[len(shape)-1], shape, mark)
}
