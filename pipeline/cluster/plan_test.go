package cluster

import (
	"bytes"
	"math"
	"reflect"
	"strings"
	"testing"
)

// checkCovers asserts the invariants every plan must keep: the parts tile
// the clip in order, each owns at least one frame, warm-ups and tails stay
// inside the clip, and each tail is the next part's head.
func checkCovers(t *testing.T, p *Plan) {
	t.Helper()
	next := 0
	for k, q := range p.Parts {
		if q.Index != k || q.Start != next || q.End <= q.Start {
			t.Fatalf("part %d: %+v does not follow frame %d", k, q, next)
		}
		if q.From() < 0 || q.To() > p.Frames || q.Body() < 1 {
			t.Fatalf("part %d: %+v leaves the clip or has no body", k, q)
		}
		if q.AtCut && (q.Warmup != 0 || q.Head != 0) {
			t.Fatalf("part %d starts at a cut but has a warm-up or cross-fade: %+v", k, q)
		}
		if k > 0 && p.Parts[k-1].Tail != q.Head {
			t.Fatalf("part %d: head %d but the previous tail is %d", k, q.Head, p.Parts[k-1].Tail)
		}
		next = q.End
	}
	if next != p.Frames || p.Parts[len(p.Parts)-1].Tail != 0 {
		t.Fatalf("parts end at %d, want %d, with no tail", next, p.Frames)
	}
}

func TestPlanEvenWithoutCuts(t *testing.T) {
	p, err := NewPlan(100, PlanOptions{Parts: 4, Warmup: 8, Crossfade: 4})
	if err != nil {
		t.Fatal(err)
	}
	checkCovers(t, p)
	want := []Part{
		{Index: 0, Start: 0, End: 25, AtCut: true, Tail: 4},
		{Index: 1, Start: 25, End: 50, Warmup: 8, Head: 4, Tail: 4},
		{Index: 2, Start: 50, End: 75, Warmup: 8, Head: 4, Tail: 4},
		{Index: 3, Start: 75, End: 100, Warmup: 8, Head: 4},
	}
	if !reflect.DeepEqual(p.Parts, want) {
		t.Fatalf("got %+v\nwant %+v", p.Parts, want)
	}
}

func TestPlanSplitsAtNearbyCuts(t *testing.T) {
	// Cuts at 27 (near 25) and 60 (10 from 50, beyond the 6-frame
	// tolerance for 25-frame parts), given out of order with a duplicate.
	p, err := NewPlan(100, PlanOptions{Parts: 4, Warmup: 8, Crossfade: 4, Cuts: []int{60, 27, 27, 0, 100}})
	if err != nil {
		t.Fatal(err)
	}
	checkCovers(t, p)
	if !reflect.DeepEqual(p.Cuts, []int{27, 60}) {
		t.Fatalf("cuts %v", p.Cuts)
	}
	q := p.Parts
	if q[1].Start != 27 || !q[1].AtCut || q[1].Warmup != 0 || q[0].Tail != 0 {
		t.Fatalf("part 1 should start at the cut 27 without warm-up: %+v, part 0 %+v", q[1], q[0])
	}
	// Part 2 starts mid-shot at 50, in the shot 27..59: full warm-up, and
	// the cross-fade fits before the cut at 60.
	if q[2].Start != 50 || q[2].AtCut || q[2].Warmup != 8 || q[2].Head != 4 {
		t.Fatalf("part 2: %+v", q[2])
	}
}

func TestPlanWarmupAndCrossfadeStayInsideTheShot(t *testing.T) {
	// 400 frames in 8 parts: 50-frame parts, cuts snap within 12 frames.
	p, err := NewPlan(400, PlanOptions{Parts: 8, Warmup: 20, Crossfade: 6, Cuts: []int{30, 103}})
	if err != nil {
		t.Fatal(err)
	}
	checkCovers(t, p)
	// Boundary 50 has no cut within 12: warm-up limited by the cut at 30.
	if q := p.Parts[1]; q.Start != 50 || q.Warmup != 20 || q.From() != 30 {
		t.Fatalf("part 1: %+v", q)
	}
	// Boundary 100 snaps to 103.
	if q := p.Parts[2]; q.Start != 103 || !q.AtCut {
		t.Fatalf("part 2: %+v", q)
	}
	// Boundary 150 lies 47 frames into the shot from 103: warm-up 20.
	if q := p.Parts[3]; q.Start != 150 || q.Warmup != 20 {
		t.Fatalf("part 3: %+v", q)
	}

	// A cut 3 frames after a mid-shot boundary (beyond the tolerance of
	// 20/(4·2)=2) limits the cross-fade to those 3 frames.
	p, err = NewPlan(20, PlanOptions{Parts: 2, Warmup: 4, Crossfade: 6, Cuts: []int{13}})
	if err != nil {
		t.Fatal(err)
	}
	checkCovers(t, p)
	if q := p.Parts[1]; q.Start != 10 || q.Head != 3 || p.Parts[0].Tail != 3 {
		t.Fatalf("cross-fade must end at the cut 13: %+v", q)
	}
}

func TestPlanShortParts(t *testing.T) {
	// One frame per part: no room for a cross-fade, every part still owns
	// its frame.
	p, err := NewPlan(5, PlanOptions{Parts: 5, Warmup: 3, Crossfade: 4})
	if err != nil {
		t.Fatal(err)
	}
	checkCovers(t, p)
	for _, q := range p.Parts {
		if q.End-q.Start != 1 || q.Head != 0 {
			t.Fatalf("%+v", q)
		}
	}
	// Many cuts close together never produce an empty part.
	cuts := []int{}
	for c := 1; c < 40; c++ {
		cuts = append(cuts, c)
	}
	p, err = NewPlan(40, PlanOptions{Parts: 7, Warmup: 3, Crossfade: 2, Cuts: cuts})
	if err != nil {
		t.Fatal(err)
	}
	checkCovers(t, p)
}

func TestPlanIsDeterministicAndCoversManyShapes(t *testing.T) {
	for frames := 1; frames < 90; frames += 7 {
		for n := 1; n <= frames && n <= 9; n++ {
			cuts := []int{frames / 3, frames / 2, frames - 2}
			a, err := NewPlan(frames, PlanOptions{Parts: n, Warmup: 5, Crossfade: 3, Cuts: cuts})
			if err != nil {
				t.Fatalf("%d frames, %d parts: %v", frames, n, err)
			}
			checkCovers(t, a)
			b, _ := NewPlan(frames, PlanOptions{Parts: n, Warmup: 5, Crossfade: 3, Cuts: []int{frames - 2, frames / 2, frames / 3}})
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("%d frames, %d parts: the plan depends on the order of the cuts", frames, n)
			}
		}
	}
}

func TestPlanRejectsBadInput(t *testing.T) {
	for _, c := range []struct {
		frames int
		opt    PlanOptions
		want   string
	}{
		{10, PlanOptions{Parts: 0}, "at least 1"},
		{0, PlanOptions{Parts: 1}, "no frames"},
		{3, PlanOptions{Parts: 4}, "use at most 3 parts"},
		{30, PlanOptions{Parts: 2, Warmup: -1}, "must not be negative"},
	} {
		_, err := NewPlan(c.frames, c.opt)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("NewPlan(%d, %+v) = %v, want an error with %q", c.frames, c.opt, err, c.want)
		}
	}
}

func TestPlanString(t *testing.T) {
	p, _ := NewPlan(100, PlanOptions{Parts: 2, Warmup: 8, Crossfade: 4, Cuts: []int{80}})
	s := p.String()
	for _, want := range []string{"100 frames in 2 parts", "scene cuts at 80", "0-49", "0-53", "42-99", "mid-shot"} {
		if !strings.Contains(s, want) {
			t.Errorf("plan text lacks %q:\n%s", want, s)
		}
	}
}

func TestFadeHallucinationKeepsStrength(t *testing.T) {
	// Two unrelated hallucinations of ±40 over a mid-grey source: half-way,
	// a linear fade leaves an RMS of 40·√(1/4+1/4) = 28; the equal-power
	// fade keeps 40, and its ends are the inputs.
	const n = 6000
	src, a, b := make([]byte, n), make([]byte, n), make([]byte, n)
	for i := range src {
		src[i] = 128
		a[i] = byte(128 + 40*(1-2*(i%2)))
		b[i] = byte(128 + 40*(1-2*((i/2)%2)))
	}
	strength := func(x []byte) float64 {
		s := 0.0
		for i := range x {
			d := float64(x[i]) - float64(src[i])
			s += d * d
		}
		return math.Sqrt(s / n)
	}
	for num := 0; num <= 4; num++ {
		out := append([]byte(nil), a...)
		FadeHallucination(out, b, src, num, 4)
		if s := strength(out); s < 0.97*40 || s > 1.03*40 {
			t.Errorf("α=%d/4: RMS hallucination %.1f, want about 40", num, s)
		}
		if num == 0 && !bytes.Equal(out, a) || num == 4 && !bytes.Equal(out, b) {
			t.Errorf("α=%d/4 must give the unfaded frame", num)
		}
	}
}
