package onnxmodel

// The message types below mirror onnx.proto
// (https://github.com/onnx/onnx/blob/main/onnx/onnx.proto, IR version 9).
// Only the fields yologate reads or writes are modelled.

// DataType is TensorProto.DataType: the element type of a tensor.
type DataType int32

// Element types of onnx.proto's TensorProto.DataType; the zero value is UNDEFINED.
const (
	Undefined  DataType = 0
	Float      DataType = 1
	Uint8      DataType = 2
	Int8       DataType = 3
	Uint16     DataType = 4
	Int16      DataType = 5
	Int32      DataType = 6
	Int64      DataType = 7
	String     DataType = 8
	Bool       DataType = 9
	Float16    DataType = 10
	Double     DataType = 11
	Uint32     DataType = 12
	Uint64     DataType = 13
	Complex64  DataType = 14
	Complex128 DataType = 15
	BFloat16   DataType = 16
)

var dataTypeNames = map[DataType]string{
	Float: "float32", Uint8: "uint8", Int8: "int8", Uint16: "uint16", Int16: "int16",
	Int32: "int32", Int64: "int64", String: "string", Bool: "bool", Float16: "float16",
	Double: "float64", Uint32: "uint32", Uint64: "uint64", Complex64: "complex64",
	Complex128: "complex128", BFloat16: "bfloat16",
	17: "float8e4m3fn", 18: "float8e4m3fnuz", 19: "float8e5m2", 20: "float8e5m2fnuz",
	21: "uint4", 22: "int4", 23: "float4e2m1",
}

// String returns the numpy-style name of t ("float32"), or "type(N)" for an unknown one.
func (t DataType) String() string {
	if s, ok := dataTypeNames[t]; ok {
		return s
	}
	return "type(" + itoa(int64(t)) + ")"
}

// bitsPerElement is the storage width of one element in raw_data; 0 for
// strings and unknown types.
func (t DataType) bitsPerElement() int64 {
	switch t {
	case Float, Int32, Uint32:
		return 32
	case Uint8, Int8, Bool, 17, 18, 19, 20:
		return 8
	case Uint16, Int16, Float16, BFloat16:
		return 16
	case Int64, Double, Uint64, Complex64:
		return 64
	case Complex128:
		return 128
	case 21, 22, 23:
		return 4
	}
	return 0
}

// AttrType is AttributeProto.AttributeType.
type AttrType int32

// Attribute types of onnx.proto; the zero value is UNDEFINED.
const (
	AttrUndefined AttrType = 0
	AttrFloat     AttrType = 1
	AttrInt       AttrType = 2
	AttrString    AttrType = 3
	AttrTensor    AttrType = 4
	AttrGraph     AttrType = 5
	AttrFloats    AttrType = 6
	AttrInts      AttrType = 7
	AttrStrings   AttrType = 8
	AttrTensors   AttrType = 9
	AttrGraphs    AttrType = 10
)

// Model is ModelProto: one ONNX file.
type Model struct {
	IRVersion       int64
	OpsetImport     []OpsetID
	ProducerName    string
	ProducerVersion string
	Domain          string
	ModelVersion    int64
	DocString       string
	Graph           *Graph
	// MetadataProps keeps the file's order; Ultralytics stores its
	// configuration here as Python-repr strings.
	MetadataProps []StringEntry
}

// OpsetID is OperatorSetIdProto; Domain "" is the default ai.onnx domain.
type OpsetID struct {
	Domain  string
	Version int64
}

// StringEntry is StringStringEntryProto: one key/value pair.
type StringEntry struct {
	Key, Value string
}

// Graph is GraphProto: nodes in topological order, initializers, inputs and outputs.
type Graph struct {
	Name        string
	Node        []*Node
	Initializer []*Tensor
	DocString   string
	Input       []*ValueInfo
	Output      []*ValueInfo
	ValueInfo   []*ValueInfo
}

// Node is NodeProto: one operator application.
type Node struct {
	Input     []string
	Output    []string
	Name      string
	OpType    string
	Domain    string
	Attribute []*Attribute
	DocString string
}

// Attribute is AttributeProto; Type says which value field is meaningful.
type Attribute struct {
	Name    string
	Type    AttrType
	F       float32
	I       int64
	S       []byte
	T       *Tensor
	G       *Graph
	Floats  []float32
	Ints    []int64
	Strings [][]byte
	Tensors []*Tensor
	Graphs  []*Graph
}

// Tensor is TensorProto. Values are in exactly one of RawData (little-endian,
// as yologate writes them), FloatData, Int32Data, Int64Data, DoubleData,
// Uint64Data or StringData; or outside the file when DataLocation is
// external (ExternalData holds "location", "offset", "length").
type Tensor struct {
	Dims         []int64
	DataType     DataType
	Name         string
	DocString    string
	RawData      []byte
	FloatData    []float32
	Int32Data    []int32
	Int64Data    []int64
	DoubleData   []float64
	Uint64Data   []uint64
	StringData   [][]byte
	ExternalData []StringEntry
	// DataLocation is 0 (DEFAULT, in this message) or 1 (EXTERNAL).
	DataLocation int32
}

// ValueInfo is ValueInfoProto: a graph input, output or intermediate value
// with its type. Only tensor types are modelled; Type is nil otherwise.
type ValueInfo struct {
	Name      string
	Type      *TensorType
	DocString string
}

// TensorType is TypeProto.Tensor: element type and optional shape (nil
// Shape means the rank is unknown).
type TensorType struct {
	ElemType DataType
	Shape    []Dim
	// HasShape distinguishes "rank unknown" (false) from a scalar (true, no dims).
	HasShape bool
}

// Dim is TensorShapeProto.Dimension: a fixed size (Value ≥ 0, Param empty),
// a named symbolic size (Param), or unknown (both unset, Value -1).
type Dim struct {
	Value int64
	Param string
}

// String prints the dimension as a number, its symbolic name, or "?".
func (d Dim) String() string {
	switch {
	case d.Param != "":
		return d.Param
	case d.Value >= 0:
		return itoa(d.Value)
	}
	return "?"
}

// Known reports whether the dimension is a fixed size.
func (d Dim) Known() bool { return d.Param == "" && d.Value >= 0 }

func itoa(v int64) string {
	if v == 0 {
		return "0"
	}
	neg := v < 0
	var b [24]byte
	i := len(b)
	u := uint64(v)
	if neg {
		u = uint64(-v)
	}
	for u > 0 {
		i--
		b[i] = byte('0' + u%10)
		u /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// NumElements is the product of t's dims (1 for a scalar), or -1 when a dim
// is negative or the product overflows MaxElements.
func (t *Tensor) NumElements() int64 { return numElements(t.Dims) }

// MaxElements bounds the element count of one tensor (2^40, a terabyte of
// int8): larger declarations are corrupt or hostile, not models.
const MaxElements = int64(1) << 40

func numElements(dims []int64) int64 {
	n := int64(1)
	for _, d := range dims {
		if d < 0 {
			return -1
		}
		if d != 0 && n > MaxElements/d {
			return -1
		}
		n *= d
	}
	return n
}

// Opset returns the model's version of the default (ai.onnx) domain, or 0.
func (m *Model) Opset() int64 {
	for _, o := range m.OpsetImport {
		if o.Domain == "" || o.Domain == "ai.onnx" {
			return o.Version
		}
	}
	return 0
}

// Metadata returns the metadata_props as a map; a repeated key keeps its last value.
func (m *Model) Metadata() map[string]string {
	out := make(map[string]string, len(m.MetadataProps))
	for _, e := range m.MetadataProps {
		out[e.Key] = e.Value
	}
	return out
}

// Attr returns n's attribute with the given name, or nil.
func (n *Node) Attr(name string) *Attribute {
	for _, a := range n.Attribute {
		if a.Name == name {
			return a
		}
	}
	return nil
}
