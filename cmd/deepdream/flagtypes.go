package main

import (
	"flag"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// floatFlag is a float64 flag that takes only finite numbers inside
// [min, max], so that NaN, Inf and out-of-range values are refused when the
// command line is parsed, with the range in the one-line message. Every
// float flag of the CLI is one of these.
type floatFlag struct {
	p        *float64
	min, max float64
}

// floatVar defines a floatFlag with the given default and range.
func floatVar(fs *flag.FlagSet, p *float64, name string, value, lo, hi float64, usage string) {
	*p = value
	fs.Var(&floatFlag{p: p, min: lo, max: hi}, name, usage)
}

// floatFlagP is floatVar that allocates the variable, like fs.Float64.
func floatFlagP(fs *flag.FlagSet, name string, value, lo, hi float64, usage string) *float64 {
	p := new(float64)
	floatVar(fs, p, name, value, lo, hi, usage)
	return p
}

func (f *floatFlag) String() string {
	if f.p == nil {
		return "0"
	}
	return strconv.FormatFloat(*f.p, 'g', -1, 64)
}

// Get returns the value (flag.Getter).
func (f *floatFlag) Get() any { return *f.p }

func (f *floatFlag) Set(s string) error {
	v, err := parseFinite(s)
	if err != nil || v < f.min || v > f.max {
		return fmt.Errorf("want a number in %s", rangeText(f.min, f.max))
	}
	*f.p = v
	return nil
}

// parseFinite parses a decimal number and refuses NaN and ±Inf.
func parseFinite(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return 0, err
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%q is not a finite number", s)
	}
	return v, nil
}

func rangeText(lo, hi float64) string {
	g := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	return g(lo) + ".." + g(hi)
}
