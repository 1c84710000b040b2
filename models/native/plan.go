package native

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"

	"github.com/deepdream-go/deepdream/models"
	"github.com/deepdream-go/deepdream/models/graphdef"
)

// op is one executable operation over dynamic (input-dependent) tensors.
// Constant operands are captured when the op is built.
type op interface {
	// outShape computes the output shape from the dynamic input shapes.
	outShape(in [][]int) ([]int, error)
	// forward computes out (already allocated with outShape) and may return
	// auxiliary state that backward needs (e.g. argmax indices).
	forward(p *pool, in []*tensor, out *tensor) (aux any, err error)
	// backward adds the gradient of each dynamic input to dIn[i] (zeroed or
	// holding other consumers' contributions). dOut may be modified.
	// in[i] and out are only valid when keep() says so.
	backward(p *pool, in []*tensor, out *tensor, aux any, dOut *tensor, dIn []*tensor) error
	// keep reports whether backward reads the inputs and the output.
	keep() (inputs, output bool)
}

type step struct {
	name string // node whose value this step produces
	op   op
	in   []int // slots of dynamic inputs
	out  int   // slot of the output (= index in plan.steps + 1)
}

// plan is a compiled subgraph from the input placeholder to some outputs.
type plan struct {
	steps       []*step
	input       int // slot of the placeholder (always 0)
	outputs     []int
	outputNames []string
	slots       int
	uses        []int  // forward consumers of each slot (+1 for outputs)
	saved       []bool // slot is read by some backward
	pool        *pool

	memMu sync.Mutex
	mem   map[memKey]*memPlan // arena layouts by input size and mode
}

// run holds the state of one forward (and backward) pass. Its tensors live
// in arena at the offsets of mem.
type run struct {
	p      *plan
	shapes [][]int
	values []*tensor
	aux    []any
	grads  []*tensor
	mem    *memPlan
	arena  []float32
	// indices holds what indexedOps record for backward (max pooling's
	// argmax), reused across calls like arena.
	indices *indexSlab
}

// indexedOp is an op whose forward records int32 indices for its backward
// (max pooling's argmax) in a buffer the run provides, so that a gradient
// call does not allocate and zero them anew.
type indexedOp interface {
	// indexCount is how many indices forward records for an output of
	// the given shape.
	indexCount(out []int) int
	// forwardIndexed is forward with idx (indexCount values) as the
	// record; it returns what backward receives as aux.
	forwardIndexed(p *pool, in []*tensor, out *tensor, idx []int32) (aux any, err error)
}

// indexSlab hands out the int32 buffers of indexedOps for one run at a
// time. Buffers handed out during a run stay valid until the next reset.
type indexSlab struct {
	buf  []int32
	used int // values handed out since reset
	need int // the most values one run has needed
}

// reset starts a run: the whole buffer, sized for the largest run so far,
// is free again.
func (s *indexSlab) reset() {
	if cap(s.buf) < s.need {
		s.buf = make([]int32, s.need)
	}
	s.used = 0
}

// take returns n values of the buffer (contents unspecified).
func (s *indexSlab) take(n int) []int32 {
	s.need = max(s.need, s.used+n)
	if s.used+n > cap(s.buf) {
		// Only the first run at a new size gets here: the buffers handed
		// out so far keep the old array, the rest of the run uses a new one
		// and the next reset allocates for the whole run.
		s.buf = make([]int32, max(n, s.need-s.used))
		s.used = 0
	}
	out := s.buf[s.used : s.used+n : s.used+n]
	s.used += n
	return out
}

// parseInput splits a NodeDef input reference.
func parseInput(s string) (name string, output int, control bool, err error) {
	if strings.HasPrefix(s, "^") {
		return s[1:], 0, true, nil
	}
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		n, err := strconv.Atoi(s[i+1:])
		if err != nil || n < 0 {
			return "", 0, false, fmt.Errorf("bad input reference %q", s)
		}
		return s[:i], n, false, nil
	}
	return s, 0, false, nil
}

// dataInputs returns the node names of n's data inputs (control inputs
// dropped). Only output 0 of any node is supported.
func dataInputs(n *graphdef.Node) ([]string, error) {
	var out []string
	for _, s := range n.Inputs {
		name, idx, control, err := parseInput(s)
		if err != nil {
			return nil, fmt.Errorf("node %q: %w", n.Name, err)
		}
		if control {
			continue
		}
		if idx != 0 {
			return nil, fmt.Errorf("node %q reads output %d of %q; only output 0 is supported", n.Name, idx, name)
		}
		out = append(out, name)
	}
	return out, nil
}

// compiler builds a plan.
type compiler struct {
	e        *Executor
	state    map[string]int // 0 unseen, 1 visiting, 2 done
	dynamic  map[string]bool
	order    []*graphdef.Node // dynamic nodes in topological order
	inputs   map[string][]string
	lenient  bool
	resolved map[string]string
}

// resolve follows Identity chains so that aliases cost nothing.
func (c *compiler) resolve(name string) (string, error) {
	seen := 0
	for {
		n, ok := c.e.nodes[name]
		if !ok {
			return "", fmt.Errorf("graph has no node %q", name)
		}
		if n.Op != "Identity" && n.Op != "StopGradient" && n.Op != "Snapshot" {
			return name, nil
		}
		ins, err := dataInputs(n)
		if err != nil {
			return "", err
		}
		if len(ins) != 1 {
			return "", fmt.Errorf("node %q (%s) has %d inputs, want 1", name, n.Op, len(ins))
		}
		name = ins[0]
		if seen++; seen > len(c.e.nodes) {
			return "", fmt.Errorf("node %q: Identity cycle", name)
		}
	}
}

// visit classifies nodes reachable from name as dynamic or constant.
func (c *compiler) visit(name string) error {
	switch c.state[name] {
	case 1:
		return fmt.Errorf("node %q is part of a cycle", name)
	case 2:
		return nil
	}
	n, ok := c.e.nodes[name]
	if !ok {
		return fmt.Errorf("graph has no node %q", name)
	}
	c.state[name] = 1
	defer func() { c.state[name] = 2 }()
	if name == c.e.spec.InputNode {
		c.dynamic[name] = true
		c.order = append(c.order, n)
		return nil
	}
	switch n.Op {
	case "Const":
		return nil
	case "Placeholder", "PlaceholderWithDefault":
		return fmt.Errorf("node %q is a second input placeholder; only %q can be fed", name, c.e.spec.InputNode)
	}
	raw, err := dataInputs(n)
	if err != nil {
		return err
	}
	ins := make([]string, len(raw))
	dyn := false
	for i, in := range raw {
		r, err := c.resolve(in)
		if err != nil {
			return fmt.Errorf("node %q: %w", name, err)
		}
		ins[i] = r
		if err := c.visit(r); err != nil {
			return err
		}
		dyn = dyn || c.dynamic[r]
	}
	c.inputs[name] = ins
	if !dyn {
		return nil // a constant expression; only used as an operand
	}
	c.dynamic[name] = true
	c.order = append(c.order, n)
	return nil
}

// compile builds a plan computing outputs. In lenient mode, outputs that do
// not depend on the input are dropped instead of reported.
func (e *Executor) compile(outputs []string, lenient bool) (*plan, error) {
	c := &compiler{e: e, state: map[string]int{}, dynamic: map[string]bool{}, inputs: map[string][]string{}, lenient: lenient}
	var outs []string
	var names []string
	for _, o := range outputs {
		r, err := c.resolve(o)
		if err != nil {
			return nil, err
		}
		if err := c.visit(r); err != nil {
			if lenient {
				continue
			}
			return nil, err
		}
		if !c.dynamic[r] {
			if lenient {
				continue
			}
			return nil, fmt.Errorf("node %q does not depend on the input %q", o, e.spec.InputNode)
		}
		outs = append(outs, r)
		names = append(names, o)
	}
	if len(outs) == 0 && !lenient {
		return nil, errors.New("no outputs requested")
	}
	// Forward consumers among dynamic nodes, to decide fusion.
	consumers := map[string][]string{}
	for _, n := range c.order {
		for _, in := range c.inputs[n.Name] {
			if c.dynamic[in] {
				consumers[in] = append(consumers[in], n.Name)
			}
		}
	}
	requested := map[string]bool{}
	for _, o := range outs {
		requested[o] = true
	}
	p := &plan{pool: e.pool, slots: 1}
	slot := map[string]int{e.spec.InputNode: 0}
	absorbed := map[string]bool{}
	b := &builder{e: e, c: c}
	for _, n := range c.order {
		if n.Name == e.spec.InputNode || absorbed[n.Name] {
			continue
		}
		o, last, err := b.build(n, consumers, requested, absorbed)
		if err != nil {
			return nil, err
		}
		s := &step{name: last, op: o, out: p.slots}
		p.slots++
		for _, in := range c.inputs[n.Name] {
			if c.dynamic[in] {
				si, ok := slot[in]
				if !ok {
					return nil, fmt.Errorf("node %q: input %q is not computed before it", n.Name, in)
				}
				s.in = append(s.in, si)
			}
		}
		slot[last] = s.out
		p.steps = append(p.steps, s)
	}
	for _, o := range outs {
		si, ok := slot[o]
		if !ok {
			return nil, fmt.Errorf("node %q was fused away", o)
		}
		p.outputs = append(p.outputs, si)
	}
	p.outputNames = names
	p.uses = make([]int, p.slots)
	p.saved = make([]bool, p.slots)
	for _, s := range p.steps {
		ki, ko := s.op.keep()
		for _, in := range s.in {
			p.uses[in]++
			if ki {
				p.saved[in] = true
			}
		}
		if ko {
			p.saved[s.out] = true
		}
	}
	for _, o := range p.outputs {
		p.uses[o]++
	}
	return p, nil
}

func (p *plan) inferShapes(h, w int) ([][]int, error) {
	shapes := make([][]int, p.slots)
	shapes[0] = []int{1, h, w, 3}
	in := make([][]int, 0, 4)
	for _, s := range p.steps {
		in = in[:0]
		for _, i := range s.in {
			in = append(in, shapes[i])
		}
		out, err := s.op.outShape(in)
		if err != nil {
			return nil, fmt.Errorf("input %dx%d: node %q: %w", w, h, s.name, err)
		}
		if _, err := numElements(out); err != nil {
			return nil, fmt.Errorf("input %dx%d: node %q: %w", w, h, s.name, err)
		}
		for _, d := range out {
			if d == 0 {
				return nil, fmt.Errorf("input %dx%d is too small: node %q would be empty (shape %v)", w, h, s.name, out)
			}
		}
		shapes[s.out] = out
	}
	return shapes, nil
}

// maxMemPlans bounds the arena layouts a plan caches (a few KB each): a
// dream uses a handful of input sizes (octaves, tiles), but nothing stops a
// caller from using many.
const maxMemPlans = 64

// memPlan returns the arena layout of a run with the given slot shapes,
// computing it on first use for an input size and mode.
func (p *plan) memPlan(shapes [][]int, gradient bool) *memPlan {
	key := memKey{h: shapes[0][1], w: shapes[0][2], gradient: gradient}
	p.memMu.Lock()
	defer p.memMu.Unlock()
	m := p.mem[key]
	if m == nil {
		if p.mem == nil || len(p.mem) >= maxMemPlans {
			p.mem = map[memKey]*memPlan{}
		}
		m = p.layout(shapes, gradient)
		p.mem[key] = m
	}
	return m
}

// newRun prepares a run with the given slot shapes whose tensors live in
// arena at the offsets of m; arena must hold at least m.size floats. The
// input tensor (slot 0) is placed, not filled.
func (p *plan) newRun(shapes [][]int, m *memPlan, arena []float32, indices *indexSlab) *run {
	indices.reset()
	r := &run{p: p, shapes: shapes, values: make([]*tensor, p.slots), aux: make([]any, p.slots), mem: m, arena: arena, indices: indices}
	r.values[0] = r.tensorAt(0, m.value[0])
	return r
}

// tensorAt is the tensor of slot's shape at arena offset off. Its contents
// are whatever the arena held.
func (r *run) tensorAt(slot, off int) *tensor {
	n := mustElements(r.shapes[slot])
	return &tensor{shape: r.shapes[slot], data: r.arena[off : off+n : off+n]}
}

// forward runs the plan on the run's input. With keep, values needed by
// backward are retained.
func (p *plan) forward(ctx context.Context, r *run, keep bool) error {
	uses := append([]int(nil), p.uses...)
	in := make([]*tensor, 0, 4)
	for _, s := range p.steps {
		if err := ctx.Err(); err != nil {
			return err
		}
		in = in[:0]
		for _, i := range s.in {
			in = append(in, r.values[i])
		}
		// Every op writes all of its output, so stale arena contents never
		// show through.
		out := r.tensorAt(s.out, r.mem.value[s.out])
		var aux any
		var err error
		if io, ok := s.op.(indexedOp); ok {
			aux, err = io.forwardIndexed(p.pool, in, out, r.indices.take(io.indexCount(out.shape)))
		} else {
			aux, err = s.op.forward(p.pool, in, out)
		}
		if err != nil {
			return fmt.Errorf("node %q: %w", s.name, err)
		}
		r.values[s.out] = out
		r.aux[s.out] = aux
		for _, i := range s.in {
			uses[i]--
			if uses[i] == 0 && !(keep && p.saved[i]) {
				r.values[i] = nil
			}
		}
	}
	return nil
}

func mustElements(shape []int) int {
	n, err := numElements(shape)
	if err != nil {
		panic(err) // shapes were validated by inferShapes
	}
	return n
}

func (r *run) grad(slot int) *tensor {
	if r.grads[slot] == nil {
		t := r.tensorAt(slot, r.mem.grad[slot])
		clear(t.data) // gradients accumulate
		r.grads[slot] = t
	}
	return r.grads[slot]
}

// seedObjective computes the objective's value and its gradient with
// respect to each output layer.
func (r *run) seedObjective(obj models.Objective, layers []string) (float64, error) {
	r.grads = make([]*tensor, r.p.slots)
	slotOf := map[string]int{}
	for i, name := range layers {
		slotOf[name] = r.p.outputs[i]
	}
	total := 0.0
	for _, t := range obj.Terms {
		slot := slotOf[t.Layer]
		a := r.values[slot]
		w := t.Weight
		if w == 0 {
			w = 1
		}
		g := r.grad(slot)
		v, err := termValueGrad(t, a, float32(w), g.data)
		if err != nil {
			return 0, fmt.Errorf("objective on %q: %w", t.Layer, err)
		}
		total += w * v
	}
	if math.IsNaN(total) || math.IsInf(total, 0) {
		return total, errors.New("objective is not finite (the input holds NaN or huge values)")
	}
	return total, nil
}

func termValueGrad(t models.Term, a *tensor, w float32, g []float32) (float64, error) {
	ch := 1
	if len(a.shape) > 0 {
		ch = a.shape[len(a.shape)-1]
	}
	n := len(a.data)
	switch t.Kind {
	case models.MeanSquare:
		sum := 0.0
		scale := 2 * w / float32(n)
		for i, v := range a.data {
			sum += float64(v) * float64(v)
			g[i] += scale * v
		}
		return sum / float64(n), nil
	case models.MeanChannel:
		if t.Channel < 0 || t.Channel >= ch {
			return 0, fmt.Errorf("channel %d out of range 0..%d", t.Channel, ch-1)
		}
		positions := n / ch
		sum := 0.0
		inv := w / float32(positions)
		for i := t.Channel; i < n; i += ch {
			sum += float64(a.data[i])
			g[i] += inv
		}
		return sum / float64(positions), nil
	case models.GuideDot:
		if len(t.Guide) == 0 || len(t.Guide)%ch != 0 {
			return 0, fmt.Errorf("guide has %d values, want a multiple of the %d channels", len(t.Guide), ch)
		}
		count := len(t.Guide) / ch
		positions := n / ch
		inv := w / float32(positions)
		sum := 0.0
		for p := 0; p < positions; p++ {
			x := a.data[p*ch : (p+1)*ch]
			best, bestDot := 0, math.Inf(-1)
			for j := 0; j < count; j++ {
				gv := t.Guide[j*ch : (j+1)*ch]
				d := 0.0
				for k, v := range x {
					d += float64(v) * float64(gv[k])
				}
				if d > bestDot {
					best, bestDot = j, d
				}
			}
			sum += bestDot
			gv := t.Guide[best*ch : (best+1)*ch]
			gp := g[p*ch : (p+1)*ch]
			for k, v := range gv {
				gp[k] += inv * v
			}
		}
		return sum / float64(positions), nil
	}
	return 0, fmt.Errorf("unknown objective kind %d", t.Kind)
}

// backward propagates the seeded gradients back to the input slot.
func (r *run) backward(ctx context.Context) error {
	p := r.p
	dIn := make([]*tensor, 0, 4)
	in := make([]*tensor, 0, 4)
	for k := len(p.steps) - 1; k >= 0; k-- {
		if err := ctx.Err(); err != nil {
			return err
		}
		s := p.steps[k]
		g := r.grads[s.out]
		if g == nil {
			continue
		}
		dIn, in = dIn[:0], in[:0]
		for _, i := range s.in {
			dIn = append(dIn, r.grad(i))
			in = append(in, r.values[i])
		}
		if err := s.op.backward(p.pool, in, r.values[s.out], r.aux[s.out], g, dIn); err != nil {
			return fmt.Errorf("gradient of node %q: %w", s.name, err)
		}
		r.grads[s.out] = nil
		r.values[s.out] = nil
		r.aux[s.out] = nil
	}
	return nil
}
