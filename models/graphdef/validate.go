package graphdef

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// ParseInput splits a NodeDef input reference: "name" and "name:0" are
// output 0 of node "name", "name:2" is its output 2, and "^name" is a
// control dependency on node "name", for which output is -1.
func ParseInput(s string) (node string, output int, control bool, err error) {
	if strings.HasPrefix(s, "^") {
		node = s[1:]
		if node == "" || strings.ContainsAny(node, ":^") {
			return "", 0, false, fmt.Errorf("%w: bad control input %q", ErrInvalid, s)
		}
		return node, -1, true, nil
	}
	node, port, hasPort := strings.Cut(s, ":")
	if node == "" || strings.Contains(port, ":") {
		return "", 0, false, fmt.Errorf("%w: bad input %q", ErrInvalid, s)
	}
	if !hasPort {
		return node, 0, false, nil
	}
	// Only plain decimal digits: no sign, no spaces, no underscores.
	if port == "" || strings.Trim(port, "0123456789") != "" {
		return "", 0, false, fmt.Errorf("%w: bad output index in input %q", ErrInvalid, s)
	}
	output, err = strconv.Atoi(port)
	if err != nil || output > 1<<30 {
		return "", 0, false, fmt.Errorf("%w: output index out of range in input %q", ErrInvalid, s)
	}
	return node, output, false, nil
}

// Validate checks what an executor relies on: every node is non-nil and has
// a unique, non-empty name without ':' and not starting with '^'; every
// input parses (see ParseInput), comes before the node's control inputs
// and names a node of the graph; and data inputs form no cycle. Edges out
// of NextIteration nodes, the back edges of TensorFlow's while loops, are
// not followed when looking for cycles. Decode calls Validate; errors name
// the offending node and wrap ErrInvalid.
func (g *Graph) Validate() error {
	return g.validate(make(map[string]*Node, len(g.Nodes)))
}

// validate is Validate filling index, which must be empty, with the nodes.
func (g *Graph) validate(index map[string]*Node) error {
	pos := make(map[string]int, len(g.Nodes))
	for i, n := range g.Nodes {
		switch {
		case n == nil:
			return fmt.Errorf("graphdef: %w: node #%d is nil", ErrInvalid, i)
		case n.Name == "":
			return fmt.Errorf("graphdef: %w: node #%d (op %q) has no name", ErrInvalid, i, n.Op)
		case strings.Contains(n.Name, ":") || strings.HasPrefix(n.Name, "^"):
			return fmt.Errorf("graphdef: node %q: %w: a node name may not contain ':' or start with '^'", n.Name, ErrInvalid)
		}
		if j, dup := pos[n.Name]; dup {
			return fmt.Errorf("graphdef: node %q: %w: duplicate node name (nodes #%d and #%d)", n.Name, ErrInvalid, j, i)
		}
		pos[n.Name] = i
		index[n.Name] = n
	}

	// Check inputs and build the data edges: consumers[i] lists the nodes
	// reading an output of node i, once per input.
	consumers := make([][]int32, len(g.Nodes))
	pending := make([]int, len(g.Nodes)) // data inputs not yet ordered
	for i, n := range g.Nodes {
		sawControl := false
		for _, in := range n.Inputs {
			src, _, control, err := ParseInput(in)
			if err != nil {
				return fmt.Errorf("graphdef: node %q: %w", n.Name, err)
			}
			if !control && sawControl {
				return fmt.Errorf("graphdef: node %q: %w: data input %q comes after a control input", n.Name, ErrInvalid, in)
			}
			sawControl = sawControl || control
			j, ok := pos[src]
			if !ok {
				return fmt.Errorf("graphdef: node %q: %w: input %q refers to missing node %q", n.Name, ErrInvalid, in, src)
			}
			if control || g.Nodes[j].Op == "NextIteration" {
				continue
			}
			consumers[j] = append(consumers[j], int32(i))
			pending[i]++
		}
	}

	// Kahn's algorithm: whatever cannot be ordered lies on or behind a cycle.
	queue := make([]int32, 0, len(g.Nodes))
	for i, p := range pending {
		if p == 0 {
			queue = append(queue, int32(i))
		}
	}
	for k := 0; k < len(queue); k++ {
		for _, c := range consumers[queue[k]] {
			if pending[c]--; pending[c] == 0 {
				queue = append(queue, c)
			}
		}
	}
	if len(queue) == len(g.Nodes) {
		return nil
	}
	return g.cycleError(pending, pos)
}

// cycleError finds a cycle among the nodes that Kahn's algorithm left with
// pending inputs and describes it. Each such node has an unordered data
// input, so walking unordered inputs must come back to a node already seen.
func (g *Graph) cycleError(pending []int, pos map[string]int) error {
	start := -1
	for i, p := range pending {
		if p > 0 {
			start = i
			break
		}
	}
	step := make(map[int]int) // node -> position in path
	var path []int
	for cur := start; cur >= 0; {
		if k, seen := step[cur]; seen {
			path = path[k:]
			break
		}
		step[cur] = len(path)
		path = append(path, cur)
		next := -1
		for _, in := range g.Nodes[cur].Inputs {
			src, _, control, _ := ParseInput(in)
			if j := pos[src]; !control && pending[j] > 0 && g.Nodes[j].Op != "NextIteration" {
				next = j
				break
			}
		}
		cur = next
	}
	// path[i+1] feeds path[i], and path[0] feeds the last: list the cycle
	// in the direction of data flow, from path[0].
	order := append([]int{path[0]}, path[1:]...)
	slices.Reverse(order[1:])
	names := make([]string, 0, 10)
	for _, i := range order {
		if len(names) == 8 {
			names = append(names, "...")
			break
		}
		names = append(names, strconv.Quote(g.Nodes[i].Name))
	}
	names = append(names, strconv.Quote(g.Nodes[path[0]].Name))
	return fmt.Errorf("graphdef: node %q: %w: data inputs form a cycle (%s)",
		g.Nodes[path[0]].Name, ErrInvalid, strings.Join(names, " feeds "))
}
