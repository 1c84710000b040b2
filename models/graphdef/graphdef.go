// Package graphdef decodes and encodes TensorFlow frozen GraphDef protobufs
// without TensorFlow: it reads the protobuf wire format directly, keeps only
// what an inference executor needs (nodes, their inputs, attributes and
// constant tensors), and refuses hostile files with an error that names the
// offending node instead of panicking or allocating without bound.
//
// Decode reads a file into a validated Graph; Graph.Node finds a node by
// name, ParseInput splits its input references ("name", "name:1", "^ctrl")
// and the Node.Attr* getters read attributes with errors that name the node
// and the attribute. Encode writes a Graph back, for tests that build
// synthetic networks. The limits Decode enforces are MaxElements,
// MaxFillElements and MaxRank. A decoded Graph is not modified by this
// package afterwards, so it may be read from several goroutines at once.
package graphdef

import "strconv"

// DataType is a TensorFlow DataType enum value (tensorflow/core/framework/types.proto).
type DataType int32

// The data types an executor of image networks meets.
const (
	DTInvalid DataType = 0
	DTFloat   DataType = 1
	DTDouble  DataType = 2
	DTInt32   DataType = 3
	DTUint8   DataType = 4
	DTInt16   DataType = 5
	DTInt8    DataType = 6
	DTString  DataType = 7
	DTInt64   DataType = 9
	DTBool    DataType = 10
	DTHalf    DataType = 19
)

// String returns TensorFlow's name for the type, e.g. "DT_FLOAT".
func (t DataType) String() string {
	switch t {
	case DTInvalid:
		return "DT_INVALID"
	case DTFloat:
		return "DT_FLOAT"
	case DTDouble:
		return "DT_DOUBLE"
	case DTInt32:
		return "DT_INT32"
	case DTUint8:
		return "DT_UINT8"
	case DTInt16:
		return "DT_INT16"
	case DTInt8:
		return "DT_INT8"
	case DTString:
		return "DT_STRING"
	case DTInt64:
		return "DT_INT64"
	case DTBool:
		return "DT_BOOL"
	case DTHalf:
		return "DT_HALF"
	}
	return "DT_" + strconv.Itoa(int(t))
}

// Graph is a decoded GraphDef: its nodes in file order and the producer version.
type Graph struct {
	Nodes    []*Node
	Producer int32

	// index maps node names to nodes; Decode builds it for Graph.Node.
	index map[string]*Node
}

// Node is one NodeDef.
type Node struct {
	Name string
	Op   string
	// Inputs as written in the file: "node", "node:1" or "^control".
	Inputs []string
	Device string
	Attrs  map[string]*AttrValue
}

// AttrKind says which field of an AttrValue is set.
type AttrKind int

// The kinds of attribute values.
const (
	AttrNone AttrKind = iota
	AttrString
	AttrInt
	AttrFloat
	AttrBool
	AttrType
	AttrShape
	AttrTensor
	AttrList
	// AttrPlaceholder is a function-attribute placeholder; its name is in S.
	AttrPlaceholder
	// AttrFunc names a function (NameAttrList); its name is in S and the
	// function's own attributes are not kept.
	AttrFunc
)

// AttrValue is one attribute value. Exactly the field named by Kind is meaningful.
type AttrValue struct {
	Kind   AttrKind
	S      []byte
	I      int64
	F      float32
	B      bool
	Type   DataType
	Shape  *Shape
	Tensor *Tensor
	List   *AttrListValue
}

// AttrListValue is the list form of an attribute (AttrValue.ListValue).
type AttrListValue struct {
	S      [][]byte
	I      []int64
	F      []float32
	B      []bool
	Type   []DataType
	Shape  []*Shape
	Tensor []*Tensor
}

// Shape is a TensorShapeProto. Dims of -1 are unknown; UnknownRank marks a shape
// of unknown rank.
type Shape struct {
	Dims        []int64
	UnknownRank bool
}

// Tensor is a decoded TensorProto. Values are expanded to the full element count
// of Shape: typed *_val fields shorter than the shape repeat their last value,
// as TensorFlow does. Float holds DT_FLOAT (and DT_DOUBLE/DT_HALF converted);
// Int holds the integer types and DT_BOOL (0 or 1); Strings holds DT_STRING
// (elements filled by repetition share the bytes of the last given value).
type Tensor struct {
	DType   DataType
	Shape   []int64
	Float   []float32
	Int     []int64
	Strings [][]byte
}

// NumElements is the product of the tensor's dimensions (1 for a scalar).
func (t *Tensor) NumElements() int64 {
	n := int64(1)
	for _, d := range t.Shape {
		n *= d
	}
	return n
}
