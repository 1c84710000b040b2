package graphdef

import "fmt"

// Node returns the node called name, or nil. Graphs from Decode look the
// name up in an index; a Graph built by hand, or whose Nodes were edited
// after Decode, is searched in order when the index does not answer.
func (g *Graph) Node(name string) *Node {
	if g == nil {
		return nil
	}
	if n := g.index[name]; n != nil && n.Name == name && len(g.index) == len(g.Nodes) {
		return n
	}
	for _, n := range g.Nodes {
		if n != nil && n.Name == name {
			return n
		}
	}
	return nil
}

// String names the kind, e.g. "int" or "list".
func (k AttrKind) String() string {
	switch k {
	case AttrNone:
		return "unset"
	case AttrString:
		return "string"
	case AttrInt:
		return "int"
	case AttrFloat:
		return "float"
	case AttrBool:
		return "bool"
	case AttrType:
		return "type"
	case AttrShape:
		return "shape"
	case AttrTensor:
		return "tensor"
	case AttrList:
		return "list"
	case AttrPlaceholder:
		return "placeholder"
	case AttrFunc:
		return "func"
	}
	return fmt.Sprintf("AttrKind(%d)", int(k))
}

// attr returns the attribute name of n if it has kind want. It wraps
// ErrNoAttr if n has no such attribute and ErrInvalid if it is of another kind.
func (n *Node) attr(name string, want AttrKind) (*AttrValue, error) {
	v := n.Attrs[name]
	if v == nil {
		return nil, fmt.Errorf("graphdef: node %q (%s): attr %q: %w", n.Name, n.Op, name, ErrNoAttr)
	}
	if v.Kind != want {
		return nil, fmt.Errorf("graphdef: node %q (%s): attr %q: %w: is %v, want %v", n.Name, n.Op, name, ErrInvalid, v.Kind, want)
	}
	return v, nil
}

// has reports whether n has the attribute name.
func (n *Node) has(name string) bool { return n.Attrs[name] != nil }

// AttrInt returns the int attribute name.
func (n *Node) AttrInt(name string) (int64, error) {
	v, err := n.attr(name, AttrInt)
	if err != nil {
		return 0, err
	}
	return v.I, nil
}

// AttrIntOr is AttrInt returning def when the attribute is absent.
func (n *Node) AttrIntOr(name string, def int64) (int64, error) {
	if !n.has(name) {
		return def, nil
	}
	return n.AttrInt(name)
}

// AttrFloat returns the float attribute name.
func (n *Node) AttrFloat(name string) (float32, error) {
	v, err := n.attr(name, AttrFloat)
	if err != nil {
		return 0, err
	}
	return v.F, nil
}

// AttrFloatOr is AttrFloat returning def when the attribute is absent.
func (n *Node) AttrFloatOr(name string, def float32) (float32, error) {
	if !n.has(name) {
		return def, nil
	}
	return n.AttrFloat(name)
}

// AttrBool returns the bool attribute name.
func (n *Node) AttrBool(name string) (bool, error) {
	v, err := n.attr(name, AttrBool)
	if err != nil {
		return false, err
	}
	return v.B, nil
}

// AttrBoolOr is AttrBool returning def when the attribute is absent.
func (n *Node) AttrBoolOr(name string, def bool) (bool, error) {
	if !n.has(name) {
		return def, nil
	}
	return n.AttrBool(name)
}

// AttrString returns the string attribute name (e.g. padding "SAME").
func (n *Node) AttrString(name string) (string, error) {
	v, err := n.attr(name, AttrString)
	if err != nil {
		return "", err
	}
	return string(v.S), nil
}

// AttrStringOr is AttrString returning def when the attribute is absent.
func (n *Node) AttrStringOr(name, def string) (string, error) {
	if !n.has(name) {
		return def, nil
	}
	return n.AttrString(name)
}

// AttrType returns the type attribute name (e.g. T or dtype).
func (n *Node) AttrType(name string) (DataType, error) {
	v, err := n.attr(name, AttrType)
	if err != nil {
		return DTInvalid, err
	}
	return v.Type, nil
}

// AttrTypeOr is AttrType returning def when the attribute is absent.
func (n *Node) AttrTypeOr(name string, def DataType) (DataType, error) {
	if !n.has(name) {
		return def, nil
	}
	return n.AttrType(name)
}

// AttrInts returns the list-of-int attribute name (e.g. strides). An empty
// list is an empty list of ints. The slice is the node's own: do not modify it.
func (n *Node) AttrInts(name string) ([]int64, error) {
	v, err := n.attr(name, AttrList)
	if err != nil {
		return nil, err
	}
	l := v.List
	if l == nil {
		return []int64{}, nil
	}
	if len(l.I) == 0 {
		if other := l.kind(); other != "" {
			return nil, fmt.Errorf("graphdef: node %q (%s): attr %q: %w: is a list of %s, want a list of int", n.Name, n.Op, name, ErrInvalid, other)
		}
		return []int64{}, nil
	}
	return l.I, nil
}

// AttrIntsOr is AttrInts returning def when the attribute is absent.
func (n *Node) AttrIntsOr(name string, def []int64) ([]int64, error) {
	if !n.has(name) {
		return def, nil
	}
	return n.AttrInts(name)
}

// kind names the first non-empty field of l, or returns "" if l is empty.
func (l *AttrListValue) kind() string {
	switch {
	case len(l.S) > 0:
		return "string"
	case len(l.I) > 0:
		return "int"
	case len(l.F) > 0:
		return "float"
	case len(l.B) > 0:
		return "bool"
	case len(l.Type) > 0:
		return "type"
	case len(l.Shape) > 0:
		return "shape"
	case len(l.Tensor) > 0:
		return "tensor"
	}
	return ""
}

// AttrShape returns the shape attribute name (e.g. a Placeholder's shape).
func (n *Node) AttrShape(name string) (*Shape, error) {
	v, err := n.attr(name, AttrShape)
	if err != nil {
		return nil, err
	}
	if v.Shape == nil {
		return &Shape{}, nil
	}
	return v.Shape, nil
}

// AttrTensor returns the tensor attribute name (e.g. a Const's value).
func (n *Node) AttrTensor(name string) (*Tensor, error) {
	v, err := n.attr(name, AttrTensor)
	if err != nil {
		return nil, err
	}
	if v.Tensor == nil {
		return nil, fmt.Errorf("graphdef: node %q (%s): attr %q: %w: tensor is nil", n.Name, n.Op, name, ErrInvalid)
	}
	return v.Tensor, nil
}
