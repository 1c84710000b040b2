// Package cluster renders one clip as independent parts, so that a batch
// engine (Slurm job arrays, Kubernetes Indexed Jobs, AWS Batch array jobs,
// a shell loop) can spread the work over many machines, and joins the parts
// into the same output whatever order they ran in.
//
// The work is plan → parts → join. The plan is a pure function of the
// clip's frame count, its scene cuts and the part count. A part is an
// ordinary video job (pipeline.RunVideo) restricted to its range; it writes
// under OUT.parts/ beside the output. Join checks that every part is there,
// complete and from the same job, cross-fades the seams and concatenates the
// parts without re-encoding them.
//
// Each frame of a dream is seeded from the previous dreamed frame, so a part
// that starts inside a shot first dreams Warmup frames before its start and
// throws them away (its carried dream settles), and the previous part
// renders Crossfade frames past its end, which the join blends into the
// part's first frames. A part that starts at a scene cut needs neither: the
// dream restarts there anyway.
package cluster

import (
	"fmt"
	"sort"
	"strings"
)

// Defaults for PlanOptions, chosen by measuring the seams with the
// built-in model (TestSeamSweep; figures in samples/cluster/README.md):
// without a cross-fade a seam's E_warp is about 2× the median inside the
// parts; a 10-frame cross-fade after a 24-frame warm-up brings it to
// 1.01–1.15×.
const (
	DefaultWarmup    = 24
	DefaultCrossfade = 10
)

// PlanOptions shape a plan.
type PlanOptions struct {
	// Parts is the number of parts, at least 1.
	Parts int
	// Warmup is the number of frames a part that starts inside a shot dreams
	// before its start and throws away (fewer when the shot starts closer).
	Warmup int
	// Crossfade is the number of frames over which a part that starts inside
	// a shot fades in over the previous part's continuation (fewer when the
	// part or the shot is shorter).
	Crossfade int
	// Cuts are the frames that start a new shot (frame indices from the
	// job's first frame). Order and duplicates do not matter; cuts outside
	// 1..frames-1 are ignored.
	Cuts []int
}

// Plan is how one clip is split into parts.
type Plan struct {
	Frames    int    `json:"frames"`
	Warmup    int    `json:"warmup"`
	Crossfade int    `json:"crossfade"`
	Cuts      []int  `json:"cuts"`
	Parts     []Part `json:"parts"`
}

// Part is one part of a plan. Frame numbers count from the job's first frame.
type Part struct {
	Index int `json:"index"`
	// Start and End bound the frames this part owns in the output: [Start, End).
	Start int `json:"start"`
	End   int `json:"end"`
	// AtCut is set when Start is a scene cut or the clip's first frame: the
	// part starts a fresh dream and has no warm-up and no cross-fade.
	AtCut bool `json:"at_cut"`
	// Warmup frames before Start are dreamed and thrown away.
	Warmup int `json:"warmup"`
	// Head is how many frames from Start are cross-faded with the previous
	// part's Tail.
	Head int `json:"head"`
	// Tail is how many frames past End this part dreams for the next part's
	// cross-fade (the next part's Head).
	Tail int `json:"tail"`
}

// From is the first frame the part dreams (warm-up included).
func (p Part) From() int { return p.Start - p.Warmup }

// To is the end (exclusive) of the frames the part dreams (its tail included).
func (p Part) To() int { return p.End + p.Tail }

// Body is the number of frames the part contributes unblended.
func (p Part) Body() int { return p.End - p.Start - p.Head }

// NewPlan splits a job of the given number of frames into parts.
//
// The part boundaries are first placed evenly (part k starts at k·frames/N);
// a boundary with a scene cut within a quarter of a part's length moves to
// the nearest such cut, where coherence restarts anyway and the seam costs
// nothing. The other boundaries stay inside their shot and get a warm-up and
// a cross-fade. The result depends only on the arguments.
func NewPlan(frames int, opt PlanOptions) (*Plan, error) {
	n := opt.Parts
	switch {
	case n < 1:
		return nil, fmt.Errorf("cluster: %d parts: need at least 1", n)
	case frames < 1:
		return nil, fmt.Errorf("cluster: the clip has no frames to split")
	case frames < n:
		return nil, fmt.Errorf("cluster: the clip has %d frames, too few for %d parts; use at most %d parts", frames, n, frames)
	case opt.Warmup < 0 || opt.Crossfade < 0:
		return nil, fmt.Errorf("cluster: warm-up %d and cross-fade %d must not be negative", opt.Warmup, opt.Crossfade)
	}
	cuts := normalCuts(opt.Cuts, frames)
	starts := make([]int, n+1)
	starts[n] = frames
	tol := frames / (4 * n)
	for k := 1; k < n; k++ {
		even := (2*k*frames + n) / (2 * n) // round(k·frames/n)
		b := even
		if c, ok := nearestCut(cuts, even, tol); ok && c > starts[k-1] {
			b = c
		}
		// Every part keeps at least one frame.
		starts[k] = min(max(b, starts[k-1]+1), frames-(n-k))
	}
	p := &Plan{Frames: frames, Warmup: opt.Warmup, Crossfade: opt.Crossfade, Cuts: cuts, Parts: make([]Part, n)}
	for k := range p.Parts {
		s, e := starts[k], starts[k+1]
		part := Part{Index: k, Start: s, End: e, AtCut: s == 0 || isCut(cuts, s)}
		if !part.AtCut {
			shot, next := shotAround(cuts, s, frames)
			part.Warmup = min(opt.Warmup, s-shot)
			// The previous part's continuation must stay inside the shot,
			// and this part must keep at least one frame of its own.
			part.Head = min(opt.Crossfade, next-s, e-s-1)
		}
		p.Parts[k] = part
		if k > 0 {
			p.Parts[k-1].Tail = part.Head
		}
	}
	return p, nil
}

// normalCuts sorts the cuts, drops duplicates and those outside 1..frames-1.
func normalCuts(in []int, frames int) []int {
	out := make([]int, 0, len(in))
	for _, c := range in {
		if c > 0 && c < frames {
			out = append(out, c)
		}
	}
	sort.Ints(out)
	uniq := out[:0]
	for i, c := range out {
		if i == 0 || c != out[i-1] {
			uniq = append(uniq, c)
		}
	}
	return uniq
}

// nearestCut returns the cut closest to x within tol (the earlier one on a tie).
func nearestCut(cuts []int, x, tol int) (int, bool) {
	best, found := 0, false
	for _, c := range cuts {
		d := c - x
		if d < 0 {
			d = -d
		}
		if d <= tol && (!found || d < abs(best-x)) {
			best, found = c, true
		}
	}
	return best, found
}

func abs(a int) int {
	if a < 0 {
		return -a
	}
	return a
}

func isCut(cuts []int, f int) bool {
	i := sort.SearchInts(cuts, f)
	return i < len(cuts) && cuts[i] == f
}

// shotAround returns the first frame of the shot holding frame f and the
// first frame of the next shot (frames when none).
func shotAround(cuts []int, f, frames int) (start, next int) {
	i := sort.SearchInts(cuts, f+1) // first cut after f
	if i > 0 {
		start = cuts[i-1]
	}
	next = frames
	if i < len(cuts) {
		next = cuts[i]
	}
	return start, next
}

// String prints the plan as a table, one line per part.
func (p *Plan) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d frames in %d parts (warm-up %d, cross-fade %d; %d scene cuts", p.Frames, len(p.Parts), p.Warmup, p.Crossfade, len(p.Cuts))
	if len(p.Cuts) > 0 {
		fmt.Fprintf(&b, " at %s", joinInts(p.Cuts, 12))
	}
	b.WriteString(")\n")
	b.WriteString("part  frames         dreams         warm-up  cross-fade in  continues  starts at\n")
	for _, q := range p.Parts {
		where := "a cut"
		switch {
		case q.Start == 0:
			where = "the start"
		case !q.AtCut:
			where = "mid-shot"
		}
		fmt.Fprintf(&b, "%4d  %-13s  %-13s  %7d  %13d  %9d  %s\n", q.Index,
			fmt.Sprintf("%d-%d", q.Start, q.End-1), fmt.Sprintf("%d-%d", q.From(), q.To()-1),
			q.Warmup, q.Head, q.Tail, where)
	}
	return b.String()
}

func joinInts(v []int, most int) string {
	s := make([]string, 0, min(len(v), most)+1)
	for i, x := range v {
		if i == most {
			s = append(s, fmt.Sprintf("… %d more", len(v)-most))
			break
		}
		s = append(s, fmt.Sprint(x))
	}
	return strings.Join(s, ", ")
}
