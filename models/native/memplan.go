package native

import (
	"cmp"
	"slices"
)

// memPlan places every tensor of one run (activations and, for a gradient,
// their gradients) in one arena, reused from call to call: tensors whose
// lifetimes overlap never share memory, the others may. A run with a given
// plan, input size and mode always follows the same schedule (the one
// plan.forward and run.backward implement: a value dies after its last
// forward consumer unless backward needs it, a gradient is born at its
// first backward contribution and dies after its producer's backward), so
// the placement is computed once per shape.
type memPlan struct {
	size  int   // arena floats needed
	value []int // arena offset of each slot's value
	grad  []int // arena offset of each slot's gradient, -1 if none
}

// memKey selects a memPlan: input height, width and whether the run is a
// gradient (values kept for backward, gradients placed too).
type memKey struct {
	h, w     int
	gradient bool
}

// memAlign is the alignment of every tensor in the arena, in floats (one
// 64-byte cache line), so that vector loops never straddle lines needlessly.
const memAlign = 16

type memBlock struct {
	size        int // floats, rounded up to memAlign
	first, last int // lifetime, inclusive, in schedule ticks
	off         int
}

// layout computes the memPlan of plan p for the given slot shapes. Ticks:
// 0 input conversion, k+1 forward step k, S+1 objective seeding, S+2+j the
// j-th backward step (steps in reverse), 2S+2 the copy-out of the results.
func (p *plan) layout(shapes [][]int, gradient bool) *memPlan {
	S := len(p.steps)
	end := 2*S + 2
	if !gradient {
		end = S + 1
	}
	producer := make([]int, p.slots) // step index producing a slot, -1 for the input
	producer[0] = -1
	for k, s := range p.steps {
		producer[s.out] = k
	}
	backTick := func(k int) int { return S + 2 + (S - 1 - k) }
	isOutput := make([]bool, p.slots)
	for _, o := range p.outputs {
		isOutput[o] = true
	}

	// Values: born when produced; die after the last forward consumer
	// unless kept for backward (or requested), then after the producer's
	// backward step (the input and non-gradient runs: at the end).
	vFirst := make([]int, p.slots)
	vLast := make([]int, p.slots)
	for i := range vLast {
		vLast[i] = -1
	}
	uses := append([]int(nil), p.uses...)
	for k, s := range p.steps {
		vFirst[s.out] = k + 1
		for _, i := range s.in {
			uses[i]--
			if uses[i] == 0 && !(gradient && p.saved[i]) {
				vLast[i] = k + 1
			}
		}
	}
	// Gradients: the outputs' at seeding, the others at the first backward
	// step (in backward order) that adds to them.
	gFirst := make([]int, p.slots)
	has := make([]bool, p.slots)
	if gradient {
		for _, o := range p.outputs {
			has[o] = true
			gFirst[o] = S + 1
		}
		for k := S - 1; k >= 0; k-- {
			s := p.steps[k]
			if !has[s.out] {
				continue // backward skips it: its value stays to the end
			}
			for _, i := range s.in {
				if !has[i] {
					has[i] = true
					gFirst[i] = backTick(k)
				}
			}
		}
	}
	var blocks []memBlock
	var owners []int // slot for values, -(slot+1) for gradients
	for i := 0; i < p.slots; i++ {
		n := mustElements(shapes[i])
		size := (n + memAlign - 1) / memAlign * memAlign
		last := vLast[i]
		if last < 0 {
			last = end
			if k := producer[i]; gradient && k >= 0 && has[i] {
				last = backTick(k)
			}
		}
		blocks = append(blocks, memBlock{size: size, first: vFirst[i], last: last})
		owners = append(owners, i)
		if has[i] {
			last := end
			if k := producer[i]; k >= 0 {
				last = backTick(k)
			}
			blocks = append(blocks, memBlock{size: size, first: gFirst[i], last: last})
			owners = append(owners, -(i + 1))
		}
	}
	size := placeBlocks(blocks)
	m := &memPlan{size: size, value: make([]int, p.slots), grad: make([]int, p.slots)}
	for i := range m.grad {
		m.grad[i] = -1
	}
	for j, b := range blocks {
		if o := owners[j]; o >= 0 {
			m.value[o] = b.off
		} else {
			m.grad[-o-1] = b.off
		}
	}
	return m
}

// placeBlocks assigns offsets so that blocks alive at the same tick never
// overlap, largest blocks first, each at the lowest offset that fits
// (greedy by size), and returns the arena size.
func placeBlocks(blocks []memBlock) int {
	order := make([]int, len(blocks))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(blocks[b].size, blocks[a].size) })
	var placed []int // indices of placed blocks, sorted by offset
	total := 0
	for _, i := range order {
		b := &blocks[i]
		off := 0
		for _, j := range placed {
			q := &blocks[j]
			if q.last < b.first || b.last < q.first {
				continue // not alive together
			}
			if q.off >= off+b.size {
				break // the gap before q fits b
			}
			off = max(off, q.off+q.size)
		}
		b.off = off
		total = max(total, off+b.size)
		at, _ := slices.BinarySearchFunc(placed, off, func(j, off int) int { return cmp.Compare(blocks[j].off, off) })
		placed = slices.Insert(placed, at, i)
	}
	return total
}
