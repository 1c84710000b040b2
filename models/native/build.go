package native

import (
	"fmt"

	"github.com/deepdream-go/deepdream/models/graphdef"
)

// builder turns NodeDefs into ops, capturing constant operands.
type builder struct {
	e *Executor
	c *compiler
}

// constant returns the value of a constant node (after Identity resolution).
func (b *builder) constant(name string) (*graphdef.Tensor, error) {
	n := b.e.nodes[name]
	if n == nil {
		return nil, fmt.Errorf("no node %q", name)
	}
	if n.Op != "Const" {
		return nil, fmt.Errorf("operand %q is computed by a %s op on constants; constant folding is not supported", name, n.Op)
	}
	v, ok := n.Attrs["value"]
	if !ok || v.Kind != graphdef.AttrTensor || v.Tensor == nil {
		return nil, fmt.Errorf("constant %q has no tensor value", name)
	}
	return v.Tensor, nil
}

func (b *builder) floatConst(name string) (*tensor, error) {
	t, err := b.constant(name)
	if err != nil {
		return nil, err
	}
	if t.DType != graphdef.DTFloat && t.DType != graphdef.DTDouble && t.DType != graphdef.DTHalf {
		return nil, fmt.Errorf("constant %q is %v, want a float type", name, t.DType)
	}
	shape := make([]int, len(t.Shape))
	for i, d := range t.Shape {
		shape[i] = int(d)
	}
	if n, err := numElements(shape); err != nil || n != len(t.Float) {
		return nil, fmt.Errorf("constant %q: shape %v does not match its %d values", name, t.Shape, len(t.Float))
	}
	return &tensor{shape: shape, data: t.Float}, nil
}

func (b *builder) intConst(name string) ([]int64, error) {
	t, err := b.constant(name)
	if err != nil {
		return nil, err
	}
	switch t.DType {
	case graphdef.DTInt32, graphdef.DTInt64, graphdef.DTInt16, graphdef.DTInt8, graphdef.DTUint8:
		return t.Int, nil
	}
	return nil, fmt.Errorf("constant %q is %v, want an integer type", name, t.DType)
}

func attr(n *graphdef.Node, name string) *graphdef.AttrValue {
	if n.Attrs == nil {
		return nil
	}
	return n.Attrs[name]
}

func attrInts(n *graphdef.Node, name string, def []int64) ([]int64, error) {
	a := attr(n, name)
	if a == nil {
		return def, nil
	}
	if a.Kind != graphdef.AttrList || a.List == nil {
		return nil, fmt.Errorf("node %q: attribute %q is not a list of ints", n.Name, name)
	}
	return a.List.I, nil
}

func attrString(n *graphdef.Node, name, def string) (string, error) {
	a := attr(n, name)
	if a == nil {
		return def, nil
	}
	if a.Kind != graphdef.AttrString {
		return "", fmt.Errorf("node %q: attribute %q is not a string", n.Name, name)
	}
	return string(a.S), nil
}

func attrFloat(n *graphdef.Node, name string, def float32) (float32, error) {
	a := attr(n, name)
	if a == nil {
		return def, nil
	}
	switch a.Kind {
	case graphdef.AttrFloat:
		return a.F, nil
	case graphdef.AttrInt:
		return float32(a.I), nil
	}
	return 0, fmt.Errorf("node %q: attribute %q is not a float", n.Name, name)
}

func attrInt(n *graphdef.Node, name string, def int64) (int64, error) {
	a := attr(n, name)
	if a == nil {
		return def, nil
	}
	if a.Kind != graphdef.AttrInt {
		return 0, fmt.Errorf("node %q: attribute %q is not an int", n.Name, name)
	}
	return a.I, nil
}

func attrBool(n *graphdef.Node, name string, def bool) (bool, error) {
	a := attr(n, name)
	if a == nil {
		return def, nil
	}
	if a.Kind != graphdef.AttrBool {
		return false, fmt.Errorf("node %q: attribute %q is not a bool", n.Name, name)
	}
	return a.B, nil
}

// checkFloatT refuses ops whose element type is not float32.
func checkFloatT(n *graphdef.Node) error {
	a := attr(n, "T")
	if a == nil {
		return nil
	}
	if a.Kind != graphdef.AttrType || a.Type != graphdef.DTFloat {
		return fmt.Errorf("node %q (%s): element type %v is not supported (only DT_FLOAT)", n.Name, n.Op, a.Type)
	}
	return nil
}

func checkNHWC(n *graphdef.Node) error {
	f, err := attrString(n, "data_format", "NHWC")
	if err != nil {
		return err
	}
	if f != "NHWC" {
		return fmt.Errorf("node %q (%s): data_format %q is not supported (only NHWC)", n.Name, n.Op, f)
	}
	return nil
}

// window reads ksize/strides/padding style attributes ([1,h,w,1]).
func window(n *graphdef.Node, name string) (h, w int, err error) {
	v, err := attrInts(n, name, nil)
	if err != nil {
		return 0, 0, err
	}
	if len(v) != 4 || v[0] != 1 || v[3] != 1 || v[1] < 1 || v[2] < 1 || v[1] > 1<<16 || v[2] > 1<<16 {
		return 0, 0, fmt.Errorf("node %q: attribute %s = %v is not supported (want [1,h,w,1])", n.Name, name, v)
	}
	return int(v[1]), int(v[2]), nil
}

func padding(n *graphdef.Node) (same bool, err error) {
	p, err := attrString(n, "padding", "")
	if err != nil {
		return false, err
	}
	switch p {
	case "SAME":
		return true, nil
	case "VALID":
		return false, nil
	}
	return false, fmt.Errorf("node %q: padding %q is not supported (SAME or VALID)", n.Name, p)
}

// operands splits a node's resolved inputs into dynamic ones and constants.
func (b *builder) operands(n *graphdef.Node) (dyn []string, consts []string, pos []bool) {
	for _, in := range b.c.inputs[n.Name] {
		d := b.c.dynamic[in]
		pos = append(pos, d)
		if d {
			dyn = append(dyn, in)
		} else {
			consts = append(consts, in)
		}
	}
	return
}

// build returns the op for node n and the name of the node whose value the
// op produces (a later node when Conv2D+BiasAdd+Relu are fused).
func (b *builder) build(n *graphdef.Node, consumers map[string][]string, requested map[string]bool, absorbed map[string]bool) (op, string, error) {
	if err := checkFloatT(n); err != nil {
		return nil, "", err
	}
	ins := b.c.inputs[n.Name]
	_, _, isDyn := b.operands(n)
	need := func(k int) error {
		if len(ins) != k {
			return fmt.Errorf("node %q (%s) has %d inputs, want %d", n.Name, n.Op, len(ins), k)
		}
		return nil
	}
	firstDynamic := func() error {
		if !isDyn[0] {
			return fmt.Errorf("node %q (%s): input %q must depend on the image and the others must be constants", n.Name, n.Op, ins[0])
		}
		for _, d := range isDyn[1:] {
			if d {
				return fmt.Errorf("node %q (%s): only the first input may depend on the image", n.Name, n.Op)
			}
		}
		return nil
	}
	switch n.Op {
	case "Conv2D":
		if err := need(2); err != nil {
			return nil, "", err
		}
		if err := firstDynamic(); err != nil {
			return nil, "", err
		}
		cv, err := b.conv(n, ins[1])
		if err != nil {
			return nil, "", err
		}
		last := n.Name
		// Fuse a following BiasAdd and Relu when nothing else reads the
		// intermediate values.
		if cs := consumers[last]; len(cs) == 1 && !requested[last] {
			bn := b.e.nodes[cs[0]]
			if bn.Op == "BiasAdd" && len(b.c.inputs[bn.Name]) == 2 && !b.c.dynamic[b.c.inputs[bn.Name][1]] && checkNHWC(bn) == nil {
				bias, err := b.floatConst(b.c.inputs[bn.Name][1])
				if err != nil {
					return nil, "", fmt.Errorf("node %q: %w", bn.Name, err)
				}
				if len(bias.shape) != 1 || bias.shape[0] != cv.cout {
					return nil, "", fmt.Errorf("node %q: bias shape %v does not match %d channels", bn.Name, bias.shape, cv.cout)
				}
				cv.bias = bias.data
				absorbed[bn.Name] = true
				last = bn.Name
				if cs := consumers[last]; len(cs) == 1 && !requested[last] {
					if rn := b.e.nodes[cs[0]]; rn.Op == "Relu" {
						cv.relu = true
						absorbed[rn.Name] = true
						last = rn.Name
					}
				}
			}
		}
		return cv, last, nil
	case "Relu":
		if err := need(1); err != nil {
			return nil, "", err
		}
		return &relu{limit: 0}, n.Name, nil
	case "Relu6":
		if err := need(1); err != nil {
			return nil, "", err
		}
		return &relu{limit: 6}, n.Name, nil
	case "BiasAdd":
		if err := need(2); err != nil {
			return nil, "", err
		}
		if err := checkNHWC(n); err != nil {
			return nil, "", err
		}
		if err := firstDynamic(); err != nil {
			return nil, "", err
		}
		bias, err := b.floatConst(ins[1])
		if err != nil {
			return nil, "", fmt.Errorf("node %q: %w", n.Name, err)
		}
		if len(bias.shape) != 1 {
			return nil, "", fmt.Errorf("node %q: bias must be a vector, got shape %v", n.Name, bias.shape)
		}
		return &affine{shift: bias.data}, n.Name, nil
	case "MaxPool", "AvgPool":
		if err := need(1); err != nil {
			return nil, "", err
		}
		if err := checkNHWC(n); err != nil {
			return nil, "", err
		}
		kh, kw, err := window(n, "ksize")
		if err != nil {
			return nil, "", err
		}
		sh, sw, err := window(n, "strides")
		if err != nil {
			return nil, "", err
		}
		same, err := padding(n)
		if err != nil {
			return nil, "", err
		}
		return &pool2d{kh: kh, kw: kw, sh: sh, sw: sw, same: same, max: n.Op == "MaxPool"}, n.Name, nil
	case "LRN":
		if err := need(1); err != nil {
			return nil, "", err
		}
		r, err := attrInt(n, "depth_radius", 5)
		if err != nil {
			return nil, "", err
		}
		bias, err := attrFloat(n, "bias", 1)
		if err != nil {
			return nil, "", err
		}
		alpha, err := attrFloat(n, "alpha", 1)
		if err != nil {
			return nil, "", err
		}
		beta, err := attrFloat(n, "beta", 0.5)
		if err != nil {
			return nil, "", err
		}
		if r < 0 || r > 1<<16 {
			return nil, "", fmt.Errorf("node %q: depth_radius %d out of range", n.Name, r)
		}
		return &lrn{radius: int(r), bias: bias, alpha: alpha, beta: beta}, n.Name, nil
	case "ConcatV2", "Concat":
		if len(ins) < 2 {
			return nil, "", fmt.Errorf("node %q (%s) needs at least 2 inputs", n.Name, n.Op)
		}
		axisName := ins[len(ins)-1]
		parts := ins[:len(ins)-1]
		if n.Op == "Concat" { // legacy: axis first
			axisName, parts = ins[0], ins[1:]
		}
		if b.c.dynamic[axisName] {
			return nil, "", fmt.Errorf("node %q: the concat axis must be a constant", n.Name)
		}
		axis, err := b.intConst(axisName)
		if err != nil || len(axis) != 1 {
			return nil, "", fmt.Errorf("node %q: bad concat axis: %v", n.Name, err)
		}
		cc := &concat{axis: int(axis[0])}
		for _, p := range parts {
			if b.c.dynamic[p] {
				cc.dynamic = append(cc.dynamic, true)
				cc.consts = append(cc.consts, nil)
				continue
			}
			t, err := b.floatConst(p)
			if err != nil {
				return nil, "", fmt.Errorf("node %q: %w", n.Name, err)
			}
			cc.dynamic = append(cc.dynamic, false)
			cc.consts = append(cc.consts, t)
		}
		// The step's inputs are the dynamic operands in order; for legacy
		// Concat the axis comes first, so reorder the compiler's list.
		if n.Op == "Concat" {
			b.c.inputs[n.Name] = append(append([]string(nil), parts...), axisName)
		}
		return cc, n.Name, nil
	case "Add", "AddV2", "Sub", "Mul", "RealDiv", "Maximum", "Minimum":
		if err := need(2); err != nil {
			return nil, "", err
		}
		bo := &binary{kind: n.Op}
		for i, in := range ins {
			if isDyn[i] {
				continue
			}
			t, err := b.floatConst(in)
			if err != nil {
				return nil, "", fmt.Errorf("node %q: %w", n.Name, err)
			}
			bo.consts[i] = t
		}
		return bo, n.Name, nil
	case "Reshape":
		if err := need(2); err != nil {
			return nil, "", err
		}
		if err := firstDynamic(); err != nil {
			return nil, "", err
		}
		shape, err := b.intConst(ins[1])
		if err != nil {
			return nil, "", fmt.Errorf("node %q: %w", n.Name, err)
		}
		return &reshape{kind: "Reshape", target: shape}, n.Name, nil
	case "Squeeze":
		if err := need(1); err != nil {
			return nil, "", err
		}
		dims, err := attrInts(n, "squeeze_dims", nil)
		if err != nil {
			return nil, "", err
		}
		return &reshape{kind: "Squeeze", target: dims}, n.Name, nil
	case "ExpandDims":
		if err := need(2); err != nil {
			return nil, "", err
		}
		if err := firstDynamic(); err != nil {
			return nil, "", err
		}
		dim, err := b.intConst(ins[1])
		if err != nil || len(dim) != 1 {
			return nil, "", fmt.Errorf("node %q: bad ExpandDims axis: %v", n.Name, err)
		}
		return &reshape{kind: "ExpandDims", target: dim}, n.Name, nil
	case "Mean":
		if err := need(2); err != nil {
			return nil, "", err
		}
		if err := firstDynamic(); err != nil {
			return nil, "", err
		}
		axes, err := b.intConst(ins[1])
		if err != nil {
			return nil, "", fmt.Errorf("node %q: %w", n.Name, err)
		}
		keep, err := attrBool(n, "keep_dims", false)
		if err != nil {
			return nil, "", err
		}
		return &mean{axes: axes, keepDims: keep}, n.Name, nil
	case "MatMul":
		if err := need(2); err != nil {
			return nil, "", err
		}
		if err := firstDynamic(); err != nil {
			return nil, "", err
		}
		w, err := b.floatConst(ins[1])
		if err != nil {
			return nil, "", fmt.Errorf("node %q: %w", n.Name, err)
		}
		ta, err := attrBool(n, "transpose_a", false)
		if err != nil {
			return nil, "", err
		}
		tb, err := attrBool(n, "transpose_b", false)
		if err != nil {
			return nil, "", err
		}
		if ta {
			return nil, "", fmt.Errorf("node %q: MatMul with transpose_a is not supported", n.Name)
		}
		return newMatMul(n.Name, w, tb)
	case "Softmax":
		if err := need(1); err != nil {
			return nil, "", err
		}
		return &softmax{}, n.Name, nil
	case "FusedBatchNorm", "FusedBatchNormV3", "BatchNormWithGlobalNormalization":
		return b.batchNorm(n, ins, isDyn)
	}
	return nil, "", fmt.Errorf("node %q: op %s is not supported by the native executor", n.Name, n.Op)
}

func (b *builder) conv(n *graphdef.Node, filterName string) (*conv2d, error) {
	if err := checkNHWC(n); err != nil {
		return nil, err
	}
	sh, sw, err := window(n, "strides")
	if err != nil {
		return nil, err
	}
	if d, err := attrInts(n, "dilations", nil); err != nil {
		return nil, err
	} else if len(d) > 0 {
		for _, v := range d {
			if v != 1 {
				return nil, fmt.Errorf("node %q: dilations %v are not supported", n.Name, d)
			}
		}
	}
	same, err := padding(n)
	if err != nil {
		return nil, err
	}
	f, err := b.floatConst(filterName)
	if err != nil {
		return nil, fmt.Errorf("node %q: %w", n.Name, err)
	}
	if len(f.shape) != 4 {
		return nil, fmt.Errorf("node %q: filter shape %v is not [h,w,in,out]", n.Name, f.shape)
	}
	return newConv2D(b.e.kernel, b.e.conv3x3, f, sh, sw, same), nil
}

func (b *builder) batchNorm(n *graphdef.Node, ins []string, isDyn []bool) (op, string, error) {
	want := 5
	if len(ins) != want {
		return nil, "", fmt.Errorf("node %q (%s) has %d inputs, want %d", n.Name, n.Op, len(ins), want)
	}
	if !isDyn[0] {
		return nil, "", fmt.Errorf("node %q: input must depend on the image", n.Name)
	}
	vals := make([][]float32, 4)
	for i := 1; i < 5; i++ {
		if isDyn[i] {
			return nil, "", fmt.Errorf("node %q: batch-norm parameters must be constants", n.Name)
		}
		t, err := b.floatConst(ins[i])
		if err != nil {
			return nil, "", fmt.Errorf("node %q: %w", n.Name, err)
		}
		vals[i-1] = t.data
	}
	c := len(vals[0])
	for _, v := range vals {
		if len(v) != c {
			return nil, "", fmt.Errorf("node %q: batch-norm parameters have different lengths", n.Name)
		}
	}
	var scale, shift []float32
	scale, shift = make([]float32, c), make([]float32, c)
	if n.Op == "BatchNormWithGlobalNormalization" {
		// inputs: t, mean, variance, beta, gamma
		eps, err := attrFloat(n, "variance_epsilon", 0.001)
		if err != nil {
			return nil, "", err
		}
		scaleAfter, err := attrBool(n, "scale_after_normalization", false)
		if err != nil {
			return nil, "", err
		}
		mean, variance, beta, gamma := vals[0], vals[1], vals[2], vals[3]
		for i := 0; i < c; i++ {
			inv := 1 / sqrt64(float64(variance[i])+float64(eps))
			if scaleAfter {
				inv *= float64(gamma[i])
			}
			scale[i] = float32(inv)
			shift[i] = float32(float64(beta[i]) - float64(mean[i])*inv)
		}
	} else {
		// inputs: x, scale, offset, mean, variance
		training, err := attrBool(n, "is_training", true)
		if err != nil {
			return nil, "", err
		}
		if training {
			return nil, "", fmt.Errorf("node %q: %s in training mode is not supported (freeze the graph for inference)", n.Name, n.Op)
		}
		if err := checkNHWC(n); err != nil {
			return nil, "", err
		}
		eps, err := attrFloat(n, "epsilon", 0.0001)
		if err != nil {
			return nil, "", err
		}
		gamma, beta, mean, variance := vals[0], vals[1], vals[2], vals[3]
		for i := 0; i < c; i++ {
			inv := float64(gamma[i]) / sqrt64(float64(variance[i])+float64(eps))
			scale[i] = float32(inv)
			shift[i] = float32(float64(beta[i]) - float64(mean[i])*inv)
		}
	}
	return &affine{scale: scale, shift: shift}, n.Name, nil
}
