package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestProgressRateCountsThisRunOnly: after a resume the plain-text line
// shows the rate of this run's frames, not of the resumed ones too.
func TestProgressRateCountsThisRunOnly(t *testing.T) {
	var b bytes.Buffer
	p := newProgress(&b, "frames", "frames", 100, false)
	p.resumed(90)
	p.start = p.start.Add(-10e9) // 10 s into this run
	p.update(91, 100)
	line := b.String()
	if !strings.Contains(line, "91/100") || !strings.Contains(line, "0.10/s") {
		t.Errorf("after resuming 90 frames and doing 1 in 10 s: %q; want 91/100 at 0.10/s", line)
	}
}
