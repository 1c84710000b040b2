package main

import (
	"math"
	"testing"

	"github.com/deepdream-go/deepdream/pipeline/media"
)

// FuzzSizeAndRateFlags: whatever the text, --size gives sides in
// 16..media.MaxSide or an error, --fps a rate in (0, 1000] or an error,
// and a float flag a finite number in its range or an error.
func FuzzSizeAndRateFlags(f *testing.F) {
	for _, s := range []string{"640x360", "2147483647x16", "16x16", "8192x8192", "8193x100", "-5x10", "1e9x1", "30", "1/0", "NaN", "Inf", "30000/1001", "0.5", "-0", "1e400"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var size sizeFlag
		if err := size.Set(s); err == nil && (size.w < 16 || size.h < 16 || size.w > media.MaxSide || size.h > media.MaxSide) {
			t.Fatalf("--size %q accepted as %dx%d", s, size.w, size.h)
		}
		var rate rateFlag
		if err := rate.Set(s); err == nil {
			if v := rate.r.Float64(); !rate.r.Valid() || !(v > 0 && v <= 1000) {
				t.Fatalf("--fps %q accepted as %v", s, rate.r)
			}
		}
		var v float64
		fl := &floatFlag{p: &v, min: 0, max: 1}
		if err := fl.Set(s); err == nil && (math.IsNaN(v) || v < 0 || v > 1) {
			t.Fatalf("float %q accepted as %v", s, v)
		}
		if d, err := parseClock(s); err == nil && (d < 0 || d.Seconds() > maxClockSeconds+1) {
			t.Fatalf("time %q accepted as %v", s, d)
		}
	})
}
