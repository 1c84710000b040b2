package cluster_test

import (
	"fmt"

	"github.com/deepdream-go/deepdream/pipeline/cluster"
)

// A 300-frame clip with a scene cut at frame 110, split into 3 parts: the
// first boundary moves onto the cut (no warm-up or fade needed there); the
// part that starts inside a shot dreams a warm-up and fades in.
func ExampleNewPlan() {
	plan, err := cluster.NewPlan(300, cluster.PlanOptions{Parts: 3, Warmup: 24, Crossfade: 10, Cuts: []int{110}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range plan.Parts {
		fmt.Printf("part %d: frames %d-%d, at a cut %v, warm-up %d, fade in %d\n", p.Index, p.Start, p.End-1, p.AtCut, p.Warmup, p.Head)
	}
	// Output:
	// part 0: frames 0-109, at a cut true, warm-up 0, fade in 0
	// part 1: frames 110-199, at a cut true, warm-up 0, fade in 0
	// part 2: frames 200-299, at a cut false, warm-up 24, fade in 10
}
