//go:build tensorflow

package tensorflow

import (
	"fmt"
	"strings"

	"github.com/deepdream-go/deepdream/models/graphdef"
)

// prepare returns a copy of g made ready for a TensorFlow import: device
// pins cleared (Inception5h pins every node to /cpu:0, which would stop a
// GPU build from using its GPU and fails where no such device is named) and
// legacy Concat nodes (axis first) rewritten to ConcatV2 (axis last), for
// which TensorFlow's graph gradient API has a gradient. g itself is not
// modified: it may be shared with another executor.
func prepare(g *graphdef.Graph) (*graphdef.Graph, error) {
	out := &graphdef.Graph{Producer: g.Producer, Nodes: make([]*graphdef.Node, 0, len(g.Nodes))}
	for _, n := range g.Nodes {
		if n == nil {
			continue
		}
		c := copyNode(n)
		c.Device = ""
		if c.Op == "Concat" {
			if err := concatToV2(c); err != nil {
				return nil, err
			}
		}
		out.Nodes = append(out.Nodes, c)
	}
	return out, nil
}

// copyNode copies a node deeply enough that editing its inputs, device or
// attribute map leaves the original alone (attribute values are shared and
// must not be edited in place).
func copyNode(n *graphdef.Node) *graphdef.Node {
	c := *n
	c.Inputs = append([]string(nil), n.Inputs...)
	c.Attrs = make(map[string]*graphdef.AttrValue, len(n.Attrs))
	for k, v := range n.Attrs {
		c.Attrs[k] = v
	}
	return &c
}

// splitInputs separates data inputs from control inputs ("^name"), which
// TensorFlow requires to come last.
func splitInputs(inputs []string) (data, control []string) {
	for _, s := range inputs {
		if strings.HasPrefix(s, "^") {
			control = append(control, s)
		} else {
			data = append(data, s)
		}
	}
	return data, control
}

// concatToV2 turns a legacy Concat(concat_dim, values...) node into
// ConcatV2(values..., axis) in place.
func concatToV2(n *graphdef.Node) error {
	data, control := splitInputs(n.Inputs)
	if len(data) < 2 {
		return fmt.Errorf("node %q (Concat) has %d data inputs, want the axis and at least one value", n.Name, len(data))
	}
	values := data[1:]
	n.Op = "ConcatV2"
	n.Inputs = append(append(append([]string(nil), values...), data[0]), control...)
	n.Attrs["N"] = &graphdef.AttrValue{Kind: graphdef.AttrInt, I: int64(len(values))}
	if _, ok := n.Attrs["T"]; !ok {
		n.Attrs["T"] = &graphdef.AttrValue{Kind: graphdef.AttrType, Type: graphdef.DTFloat}
	}
	n.Attrs["Tidx"] = &graphdef.AttrValue{Kind: graphdef.AttrType, Type: graphdef.DTInt32}
	return nil
}

// concatShapes gives, for a ConcatV2 node, the rank of its output and the
// size of each value input along the (normalised) concatenation axis; the
// caller reads them from TensorFlow's shape inference.
type concatShapes func(n *graphdef.Node, values []string, axis int64) (rank int, sizes []int64, err error)

// concatAxis reads the constant axis input of a ConcatV2 node.
func concatAxis(g *graphdef.Graph, n *graphdef.Node) (values []string, axis int64, err error) {
	data, _ := splitInputs(n.Inputs)
	if len(data) < 2 {
		return nil, 0, fmt.Errorf("node %q (ConcatV2) has %d data inputs, want at least one value and the axis", n.Name, len(data))
	}
	axisName, _, _, err := graphdef.ParseInput(data[len(data)-1])
	if err != nil {
		return nil, 0, fmt.Errorf("node %q: %w", n.Name, err)
	}
	an := g.Node(axisName)
	if an == nil || an.Op != "Const" {
		return nil, 0, fmt.Errorf("node %q (ConcatV2): axis %q is not a constant", n.Name, axisName)
	}
	t, err := an.AttrTensor("value")
	if err != nil {
		return nil, 0, fmt.Errorf("node %q (ConcatV2): axis: %w", n.Name, err)
	}
	if len(t.Int) != 1 {
		return nil, 0, fmt.Errorf("node %q (ConcatV2): axis %q holds %d integers, want 1", n.Name, axisName, len(t.Int))
	}
	return data[:len(data)-1], t.Int[0], nil
}

// concatsToPadAddN rewrites every ConcatV2 node of g, in place, into zero
// padding of each value to the full output size followed by AddN. It is the
// fallback for libtensorflow builds whose graph gradient registry has no
// ConcatV2 gradient (2.x releases before about 2.11): Pad and AddN have had
// C++ gradients for long. The rewritten node keeps its name, so layers
// that are concatenations (InceptionV3's mixed*) can still be read and
// dreamed on. It needs static sizes along the axis, which shapes reports.
// On error g is left unchanged.
func concatsToPadAddN(g *graphdef.Graph, shapes concatShapes) error {
	names := make(map[string]bool, len(g.Nodes))
	for _, n := range g.Nodes {
		names[n.Name] = true
	}
	nodes := make([]*graphdef.Node, 0, len(g.Nodes))
	for _, n := range g.Nodes {
		if n.Op != "ConcatV2" {
			nodes = append(nodes, n)
			continue
		}
		values, axis, err := concatAxis(g, n)
		if err != nil {
			return err
		}
		rank, sizes, err := shapes(n, values, axis)
		if err != nil {
			return err
		}
		if axis < 0 {
			axis += int64(rank)
		}
		if axis < 0 || axis >= int64(rank) {
			return fmt.Errorf("node %q (ConcatV2): axis %d out of range for rank %d", n.Name, axis, rank)
		}
		if len(sizes) != len(values) {
			return fmt.Errorf("node %q (ConcatV2): %d sizes for %d values", n.Name, len(sizes), len(values))
		}
		total := int64(0)
		for i, s := range sizes {
			if s < 0 {
				return fmt.Errorf("node %q (ConcatV2): size of input %q along axis %d is not known before running, so the concatenation cannot be rewritten for this libtensorflow's gradient API (upgrade libtensorflow)", n.Name, values[i], axis)
			}
			total += s
		}
		typ := n.Attrs["T"]
		if typ == nil {
			typ = &graphdef.AttrValue{Kind: graphdef.AttrType, Type: graphdef.DTFloat}
		}
		_, control := splitInputs(n.Inputs)
		pads := make([]string, 0, len(values)+len(control))
		offset := int64(0)
		for i, v := range values {
			padName := fmt.Sprintf("%s/deepdream_pad_%d", n.Name, i)
			amountName := padName + "/paddings"
			if names[padName] || names[amountName] {
				return fmt.Errorf("node %q (ConcatV2): cannot rewrite it, the graph already has a node %q", n.Name, padName)
			}
			names[padName], names[amountName] = true, true
			amounts := make([]int64, 2*rank)
			amounts[2*axis] = offset
			amounts[2*axis+1] = total - offset - sizes[i]
			offset += sizes[i]
			nodes = append(nodes,
				&graphdef.Node{Name: amountName, Op: "Const", Attrs: map[string]*graphdef.AttrValue{
					"dtype": {Kind: graphdef.AttrType, Type: graphdef.DTInt32},
					"value": {Kind: graphdef.AttrTensor, Tensor: &graphdef.Tensor{DType: graphdef.DTInt32, Shape: []int64{int64(rank), 2}, Int: amounts}},
				}},
				&graphdef.Node{Name: padName, Op: "Pad", Inputs: []string{v, amountName}, Attrs: map[string]*graphdef.AttrValue{
					"T":         typ,
					"Tpaddings": {Kind: graphdef.AttrType, Type: graphdef.DTInt32},
				}},
			)
			pads = append(pads, padName)
		}
		sum := &graphdef.Node{
			Name:   n.Name,
			Op:     "AddN",
			Inputs: append(pads, control...),
			Attrs: map[string]*graphdef.AttrValue{
				"N": {Kind: graphdef.AttrInt, I: int64(len(values))},
				"T": typ,
			},
		}
		nodes = append(nodes, sum)
	}
	g.Nodes = nodes
	return nil
}

// dependsOn reports, for each node of g, whether it depends on the node
// named input (through data inputs).
func dependsOn(g *graphdef.Graph, input string) map[string]bool {
	byName := make(map[string]*graphdef.Node, len(g.Nodes))
	for _, n := range g.Nodes {
		byName[n.Name] = n
	}
	memo := map[string]bool{}
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(name string) bool
	visit = func(name string) bool {
		if state[name] == 2 {
			return memo[name]
		}
		if state[name] == 1 { // a cycle: TensorFlow rejects it on import
			return false
		}
		state[name] = 1
		dep := name == input
		if n := byName[name]; n != nil && !dep {
			for _, in := range n.Inputs {
				src, _, control, err := graphdef.ParseInput(in)
				if err == nil && !control && visit(src) {
					dep = true
					break
				}
			}
		}
		state[name] = 2
		memo[name] = dep
		return dep
	}
	for _, n := range g.Nodes {
		visit(n.Name)
	}
	return memo
}
