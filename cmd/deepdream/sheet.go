package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/deepdream-go/deepdream/dream"
	"github.com/deepdream-go/deepdream/pipeline/imageio"
	"github.com/deepdream-go/deepdream/pipeline/sheet"
)

// maxSheetTiles bounds a contact sheet: beyond this a sheet is too slow to
// be a preview and too small per tile to read.
const maxSheetTiles = 64

// sheetFlags are the flags of `deepdream layers --preview`.
type sheetFlags struct {
	photo    string
	out      string
	channels string
	count    int
	presets  bool
	thumb    int
	columns  int
	force    bool
	quiet    bool
}

func addSheetFlags(fs *flag.FlagSet) *sheetFlags {
	s := &sheetFlags{}
	fs.StringVar(&s.photo, "preview", "", "dream a small copy of this picture on every layer and write a labelled contact sheet to -o")
	fs.StringVar(&s.out, "o", "", "contact sheet to write (.png or .jpg), with --preview")
	fs.StringVar(&s.channels, "channels", "", "with --preview: a sheet of one layer's channels instead of the layers, evenly spaced (mixed4), a range (mixed4:10-25) or a list (mixed4:3,97,120)")
	fs.IntVar(&s.count, "count", 12, "with --channels LAYER: how many evenly spaced channels")
	fs.BoolVar(&s.presets, "presets", false, "with --preview: a sheet of the presets instead of the layers")
	fs.IntVar(&s.thumb, "thumb", 256, "with --preview: longer side of each tile in pixels")
	fs.IntVar(&s.columns, "columns", 0, "with --preview: tiles per row (0: four, more for large sheets)")
	fs.BoolVar(&s.force, "force", false, "with --preview: replace -o if it exists")
	fs.BoolVar(&s.quiet, "quiet", false, "with --preview: no progress output")
	return s
}

// sheetOnlyFlags are the flags that mean nothing without --preview.
var sheetOnlyFlags = []string{"o", "channels", "count", "presets", "thumb", "columns", "force", "quiet",
	"octaves", "octave-scale", "steps", "step-size", "jitter", "tile", "norm", "smooth", "guide", "seed", "preset", "layer"}

// check refuses inconsistent sheet flags before any work is done.
func (s *sheetFlags) check(fs *flag.FlagSet) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	if s.photo == "" {
		for _, n := range sheetOnlyFlags {
			if given[n] {
				return usageErrorf("--%s makes a contact sheet and needs --preview PHOTO", n)
			}
		}
		return nil
	}
	switch {
	case s.out == "":
		return usageErrorf("--preview needs -o SHEET.png (or .jpg)")
	case given["layer"]:
		return usageErrorf("a contact sheet chooses each tile's layer; use --channels LAYER for the channels of one layer")
	case s.channels != "" && s.presets:
		return usageErrorf("--channels and --presets make different sheets; choose one")
	case s.thumb < 64 || s.thumb > 1024:
		return usageErrorf("--thumb %d is outside 64..1024", s.thumb)
	case s.count < 1 || s.count > maxSheetTiles:
		return usageErrorf("--count %d is outside 1..%d", s.count, maxSheetTiles)
	case s.columns < 0 || s.columns > maxSheetTiles:
		return usageErrorf("--columns %d is outside 0..%d", s.columns, maxSheetTiles)
	}
	if _, err := imageio.FormatFor(s.out); err != nil {
		return usageError{err}
	}
	if err := checkOutput(s.photo, s.out, s.force); err != nil {
		return err
	}
	if dir := filepath.Dir(s.out); dir != "" {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return usageErrorf("cannot write %s: folder %s does not exist", s.out, dir)
		}
	}
	return nil
}

// runSheet renders the contact sheet asked for by s.
func runSheet(s *sheetFlags, mf *modelFlags, df *dreamFlags, stderr io.Writer) error {
	pic, err := imageio.Read(s.photo)
	if err != nil {
		return err
	}
	job, err := startDreamJob(mf, df)
	if err != nil {
		return err
	}
	defer job.close()
	img := pic.Image
	if l := max(img.Width, img.Height); l != s.thumb {
		img = dream.Resize(img, max(1, (img.Width*s.thumb+l/2)/l), max(1, (img.Height*s.thumb+l/2)/l))
	}
	if mw, mh := job.exec.MinSize(); img.Width < mw || img.Height < mh {
		return usageErrorf("tiles of %dx%d are smaller than the model's minimum %dx%d; raise --thumb", img.Width, img.Height, mw, mh)
	}
	infos, err := layerInfos(job.model)
	if err != nil {
		return err
	}
	var variants []sheet.Variant
	switch {
	case s.presets:
		variants, err = presetVariants(job, df)
	case s.channels != "":
		variants, err = channelVariants(s.channels, s.count, infos, job.params)
	default:
		variants, err = layerVariants(job.model.Layers, infos, job.params)
	}
	if err != nil {
		return err
	}
	if len(variants) > maxSheetTiles {
		return usageErrorf("a sheet of %d tiles is too large (at most %d); narrow --channels", len(variants), maxSheetTiles)
	}
	bar := newProgress(stderr, fmt.Sprintf("sheet of %d", len(variants)), "steps", 1, s.quiet)
	rgba, err := sheet.Render(job.ctx, job.exec, img, variants, sheet.Options{Columns: s.columns}, func(p sheet.Progress) {
		bar.update(p.Done, p.Total)
	})
	if err != nil {
		if job.ctx.Err() != nil {
			return errors.New("interrupted; nothing was written")
		}
		return err
	}
	bar.finish()
	out, _, _ := imageio.FromImage(rgba)
	if err := imageio.Write(s.out, &imageio.Picture{Image: out, Depth: 8}, imageio.WriteOptions{Force: s.force, Input: s.photo}); err != nil {
		return err
	}
	if !s.quiet {
		fmt.Fprintf(stderr, "wrote %s (%d tiles, %dx%d)\n", s.out, len(variants), out.Width, out.Height)
	}
	return nil
}

// layerVariants gives one tile per dreamable layer: the model's own list,
// or every concatenation for a GraphDef file without one.
func layerVariants(names []string, infos []dream.LayerInfo, base dream.Params) ([]sheet.Variant, error) {
	if len(names) == 0 {
		for _, l := range infos {
			if strings.Contains(l.Name, "mixed") || strings.Contains(strings.ToLower(l.Name), "concat") {
				names = append(names, l.Name)
			}
		}
	}
	if len(names) == 0 {
		return nil, usageErrorf("this model lists no dreamable layers; use --channels LAYER")
	}
	var out []sheet.Variant
	for _, n := range names {
		v, err := objectiveVariant(n, "--layer "+n, infos, base)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// channelVariants gives one tile per channel picked by spec: LAYER (count
// evenly spaced channels), LAYER:A-B (a range) or LAYER:A,B,C (a list).
func channelVariants(spec string, count int, infos []dream.LayerInfo, base dream.Params) ([]sheet.Variant, error) {
	layer, list, hasList := strings.Cut(spec, ":")
	var info *dream.LayerInfo
	for i := range infos {
		if infos[i].Name == layer {
			info = &infos[i]
		}
	}
	if info == nil {
		return nil, usageErrorf("--channels: unknown layer %q; see deepdream layers", layer)
	}
	channels, err := pickChannels(list, hasList, count, info.Channels)
	if err != nil {
		return nil, usageError{fmt.Errorf("--channels %s: %w", spec, err)}
	}
	var out []sheet.Variant
	for _, c := range channels {
		name := fmt.Sprintf("%s:%d", layer, c)
		v, err := objectiveVariant(name, "--layer "+name, infos, base)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// pickChannels parses the channel part of --channels for a layer with n
// channels.
func pickChannels(list string, hasList bool, count, n int) ([]int, error) {
	if !hasList {
		count = min(count, n)
		out := make([]int, count)
		for i := range out {
			// The centre of the i-th of count equal slices of 0..n-1.
			out[i] = (2*i + 1) * n / (2 * count)
		}
		return out, nil
	}
	parse := func(s string) (int, error) {
		c, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return 0, fmt.Errorf("%q is not a channel number", s)
		}
		if c < 0 || c >= n {
			return 0, fmt.Errorf("channel %d is outside 0..%d", c, n-1)
		}
		return c, nil
	}
	if a, b, ok := strings.Cut(list, "-"); ok {
		lo, err := parse(a)
		if err != nil {
			return nil, err
		}
		hi, err := parse(b)
		if err != nil {
			return nil, err
		}
		if hi < lo {
			return nil, fmt.Errorf("range %d-%d is backwards", lo, hi)
		}
		if hi-lo+1 > maxSheetTiles {
			return nil, fmt.Errorf("range of %d channels is more than a sheet holds (%d)", hi-lo+1, maxSheetTiles)
		}
		var out []int
		for c := lo; c <= hi; c++ {
			out = append(out, c)
		}
		return out, nil
	}
	var out []int
	for _, s := range strings.Split(list, ",") {
		c, err := parse(s)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// presetVariants gives one tile per preset, each with the preset's own
// settings and the user's seed.
func presetVariants(job *dreamJob, user *dreamFlags) ([]sheet.Variant, error) {
	var names []string
	for n := range presets() {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []sheet.Variant
	for _, n := range names {
		fs := flag.NewFlagSet(n, flag.ContinueOnError)
		df := addDreamFlags(fs)
		df.preset, df.seed = n, user.seed
		p, err := df.params(job.ctx, job.model, job.exec)
		if err != nil {
			return nil, fmt.Errorf("preset %s: %w", n, err)
		}
		out = append(out, sheet.Variant{Title: n, Hint: "--preset " + n, Params: p})
	}
	return out, nil
}

func objectiveVariant(spec, hint string, infos []dream.LayerInfo, base dream.Params) (sheet.Variant, error) {
	obj, err := dream.ParseObjective(spec, infos)
	if err != nil {
		return sheet.Variant{}, err
	}
	p := base
	p.Objective = obj
	return sheet.Variant{Title: spec, Hint: hint, Params: p}, nil
}
