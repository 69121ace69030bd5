package onnxmodel

import (
	"encoding/binary"
	"fmt"
	"math"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/yologate/yologate/internal/errs"
)

// Limits that keep Decode bounded on hostile input. Real exports stay far
// below each of them.
const (
	// maxGraphDepth bounds subgraph nesting (If/Loop bodies); exports nest 2–3 deep.
	maxGraphDepth = 16
	// maxRank bounds a tensor's number of dimensions; ONNX operators use ≤ 8.
	maxRank = 64
)

// field is one decoded protobuf field.
type field struct {
	num protowire.Number
	typ protowire.Type
	u   uint64 // varint, fixed32 or fixed64 payload
	b   []byte // bytes payload
}

// decoder walks nested messages and remembers the path for error messages.
type decoder struct {
	path []string
}

func (d *decoder) errf(format string, args ...any) error {
	where := "model"
	for _, p := range d.path {
		where += "." + p
	}
	return errs.Inputf("", "give an .onnx file, or re-export the model", "not an ONNX model: %s: %s", where, fmt.Sprintf(format, args...))
}

func (d *decoder) push(name string, i int) {
	if i >= 0 {
		name = fmt.Sprintf("%s[%d]", name, i)
	}
	d.path = append(d.path, name)
}

func (d *decoder) pop() { d.path = d.path[:len(d.path)-1] }

// fields calls fn for each field of the message in b.
func (d *decoder) fields(b []byte, fn func(f field) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return d.errf("bad field tag: %v", protowire.ParseError(n))
		}
		b = b[n:]
		f := field{num: num, typ: typ}
		switch typ {
		case protowire.VarintType:
			f.u, n = protowire.ConsumeVarint(b)
		case protowire.Fixed32Type:
			var v uint32
			v, n = protowire.ConsumeFixed32(b)
			f.u = uint64(v)
		case protowire.Fixed64Type:
			f.u, n = protowire.ConsumeFixed64(b)
		case protowire.BytesType:
			f.b, n = protowire.ConsumeBytes(b)
		case protowire.StartGroupType:
			n = protowire.ConsumeFieldValue(num, typ, b)
		default:
			return d.errf("field %d: unsupported wire type %d", num, typ)
		}
		if n < 0 {
			return d.errf("field %d: %v", num, protowire.ParseError(n))
		}
		b = b[n:]
		if err := fn(f); err != nil {
			return err
		}
	}
	return nil
}

func (d *decoder) want(f field, typ protowire.Type, name string) error {
	if f.typ != typ {
		return d.errf("%s: wrong wire type %d", name, f.typ)
	}
	return nil
}

func (d *decoder) str(f field, name string) (string, error) {
	if err := d.want(f, protowire.BytesType, name); err != nil {
		return "", err
	}
	if !utf8.Valid(f.b) {
		return "", d.errf("%s: not valid UTF-8", name)
	}
	return string(f.b), nil
}

// int64s reads a repeated int64 field, packed or not, appending to dst.
func (d *decoder) int64s(f field, dst []int64, name string) ([]int64, error) {
	switch f.typ {
	case protowire.VarintType:
		return append(dst, int64(f.u)), nil
	case protowire.BytesType:
		b := f.b
		for len(b) > 0 {
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return nil, d.errf("%s: %v", name, protowire.ParseError(n))
			}
			dst = append(dst, int64(v))
			b = b[n:]
		}
		return dst, nil
	}
	return nil, d.errf("%s: wrong wire type %d", name, f.typ)
}

// float32s reads a repeated float field, packed or not.
func (d *decoder) float32s(f field, dst []float32, name string) ([]float32, error) {
	switch f.typ {
	case protowire.Fixed32Type:
		return append(dst, math.Float32frombits(uint32(f.u))), nil
	case protowire.BytesType:
		if len(f.b)%4 != 0 {
			return nil, d.errf("%s: packed length %d is not a multiple of 4", name, len(f.b))
		}
		for i := 0; i < len(f.b); i += 4 {
			dst = append(dst, math.Float32frombits(binary.LittleEndian.Uint32(f.b[i:])))
		}
		return dst, nil
	}
	return nil, d.errf("%s: wrong wire type %d", name, f.typ)
}

func (d *decoder) float64s(f field, dst []float64, name string) ([]float64, error) {
	switch f.typ {
	case protowire.Fixed64Type:
		return append(dst, math.Float64frombits(f.u)), nil
	case protowire.BytesType:
		if len(f.b)%8 != 0 {
			return nil, d.errf("%s: packed length %d is not a multiple of 8", name, len(f.b))
		}
		for i := 0; i < len(f.b); i += 8 {
			dst = append(dst, math.Float64frombits(binary.LittleEndian.Uint64(f.b[i:])))
		}
		return dst, nil
	}
	return nil, d.errf("%s: wrong wire type %d", name, f.typ)
}

// Decode parses an ONNX model from the protobuf bytes in data. The result
// shares no memory with data. It rejects empty input, malformed protobuf,
// tensors whose declared size does not match their data or exceeds
// MaxElements, negative dimensions, and models without a graph; every error
// is an *errs.Error of kind Input whose Where the caller fills with the file
// name.
func Decode(data []byte) (*Model, error) {
	d := &decoder{}
	if len(data) == 0 {
		return nil, errs.Inputf("", "give the path of an .onnx file", "empty file, not an ONNX model")
	}
	m := &Model{}
	err := d.fields(data, func(f field) error {
		var err error
		switch f.num {
		case modelIRVersion:
			err = d.want(f, protowire.VarintType, "ir_version")
			m.IRVersion = int64(f.u)
		case modelProducerName:
			m.ProducerName, err = d.str(f, "producer_name")
		case modelProducerVersion:
			m.ProducerVersion, err = d.str(f, "producer_version")
		case modelDomain:
			m.Domain, err = d.str(f, "domain")
		case modelModelVersion:
			err = d.want(f, protowire.VarintType, "model_version")
			m.ModelVersion = int64(f.u)
		case modelDocString:
			m.DocString, err = d.str(f, "doc_string")
		case modelGraph:
			if err = d.want(f, protowire.BytesType, "graph"); err == nil {
				d.push("graph", -1)
				m.Graph, err = d.graph(f.b, 0)
				d.pop()
			}
		case modelOpsetImport:
			if err = d.want(f, protowire.BytesType, "opset_import"); err == nil {
				var o OpsetID
				err = d.fields(f.b, func(f field) error {
					var err error
					switch f.num {
					case opsetDomain:
						o.Domain, err = d.str(f, "opset_import.domain")
					case opsetVersion:
						err = d.want(f, protowire.VarintType, "opset_import.version")
						o.Version = int64(f.u)
					}
					return err
				})
				m.OpsetImport = append(m.OpsetImport, o)
			}
		case modelMetadataProps:
			var e StringEntry
			e, err = d.entry(f, "metadata_props")
			m.MetadataProps = append(m.MetadataProps, e)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if m.Graph == nil {
		return nil, errs.Inputf("", "the file is not a valid ONNX model; re-export it", "no graph: not an ONNX model")
	}
	if m.IRVersion <= 0 || m.IRVersion > 1000 {
		return nil, errs.Inputf("", "the file is not a valid ONNX model; re-export it", "ir_version %d is not a valid ONNX IR version", m.IRVersion)
	}
	return m, nil
}

func (d *decoder) entry(f field, name string) (StringEntry, error) {
	var e StringEntry
	if err := d.want(f, protowire.BytesType, name); err != nil {
		return e, err
	}
	err := d.fields(f.b, func(f field) error {
		var err error
		switch f.num {
		case entryKey:
			e.Key, err = d.str(f, name+".key")
		case entryValue:
			e.Value, err = d.str(f, name+".value")
		}
		return err
	})
	return e, err
}

func (d *decoder) graph(b []byte, depth int) (*Graph, error) {
	if depth > maxGraphDepth {
		return nil, d.errf("subgraphs nested deeper than %d", maxGraphDepth)
	}
	g := &Graph{}
	err := d.fields(b, func(f field) error {
		var err error
		switch f.num {
		case graphNode:
			if err = d.want(f, protowire.BytesType, "node"); err == nil {
				d.push("node", len(g.Node))
				var n *Node
				n, err = d.node(f.b, depth)
				d.pop()
				g.Node = append(g.Node, n)
			}
		case graphName:
			g.Name, err = d.str(f, "name")
		case graphInitializer:
			if err = d.want(f, protowire.BytesType, "initializer"); err == nil {
				d.push("initializer", len(g.Initializer))
				var t *Tensor
				t, err = d.tensor(f.b)
				d.pop()
				g.Initializer = append(g.Initializer, t)
			}
		case graphDocString:
			g.DocString, err = d.str(f, "doc_string")
		case graphInput, graphOutput, graphValueInfo:
			name := map[protowire.Number]string{graphInput: "input", graphOutput: "output", graphValueInfo: "value_info"}[f.num]
			if err = d.want(f, protowire.BytesType, name); err == nil {
				list := map[protowire.Number]*[]*ValueInfo{graphInput: &g.Input, graphOutput: &g.Output, graphValueInfo: &g.ValueInfo}[f.num]
				d.push(name, len(*list))
				var v *ValueInfo
				v, err = d.valueInfo(f.b)
				d.pop()
				*list = append(*list, v)
			}
		}
		return err
	})
	return g, err
}

func (d *decoder) node(b []byte, depth int) (*Node, error) {
	n := &Node{}
	err := d.fields(b, func(f field) error {
		var err error
		var s string
		switch f.num {
		case nodeInput:
			s, err = d.str(f, "input")
			n.Input = append(n.Input, s)
		case nodeOutput:
			s, err = d.str(f, "output")
			n.Output = append(n.Output, s)
		case nodeName:
			n.Name, err = d.str(f, "name")
		case nodeOpType:
			n.OpType, err = d.str(f, "op_type")
		case nodeDomain:
			n.Domain, err = d.str(f, "domain")
		case nodeDocString:
			n.DocString, err = d.str(f, "doc_string")
		case nodeAttribute:
			if err = d.want(f, protowire.BytesType, "attribute"); err == nil {
				d.push("attribute", len(n.Attribute))
				var a *Attribute
				a, err = d.attribute(f.b, depth)
				d.pop()
				n.Attribute = append(n.Attribute, a)
			}
		}
		return err
	})
	return n, err
}

func (d *decoder) attribute(b []byte, depth int) (*Attribute, error) {
	a := &Attribute{}
	err := d.fields(b, func(f field) error {
		var err error
		switch f.num {
		case attrName:
			a.Name, err = d.str(f, "name")
		case attrType:
			err = d.want(f, protowire.VarintType, "type")
			a.Type = AttrType(f.u)
		case attrF:
			err = d.want(f, protowire.Fixed32Type, "f")
			a.F = math.Float32frombits(uint32(f.u))
		case attrI:
			err = d.want(f, protowire.VarintType, "i")
			a.I = int64(f.u)
		case attrS:
			err = d.want(f, protowire.BytesType, "s")
			a.S = append([]byte(nil), f.b...)
		case attrT:
			if err = d.want(f, protowire.BytesType, "t"); err == nil {
				a.T, err = d.tensor(f.b)
			}
		case attrG:
			if err = d.want(f, protowire.BytesType, "g"); err == nil {
				a.G, err = d.graph(f.b, depth+1)
			}
		case attrFloats:
			a.Floats, err = d.float32s(f, a.Floats, "floats")
		case attrInts:
			a.Ints, err = d.int64s(f, a.Ints, "ints")
		case attrStrings:
			err = d.want(f, protowire.BytesType, "strings")
			a.Strings = append(a.Strings, append([]byte(nil), f.b...))
		case attrTensors:
			if err = d.want(f, protowire.BytesType, "tensors"); err == nil {
				var t *Tensor
				t, err = d.tensor(f.b)
				a.Tensors = append(a.Tensors, t)
			}
		case attrGraphs:
			if err = d.want(f, protowire.BytesType, "graphs"); err == nil {
				var g *Graph
				g, err = d.graph(f.b, depth+1)
				a.Graphs = append(a.Graphs, g)
			}
		}
		return err
	})
	return a, err
}

func (d *decoder) tensor(b []byte) (*Tensor, error) {
	t := &Tensor{}
	err := d.fields(b, func(f field) error {
		var err error
		switch f.num {
		case tensorDims:
			t.Dims, err = d.int64s(f, t.Dims, "dims")
			if len(t.Dims) > maxRank {
				err = d.errf("dims: rank %d exceeds %d", len(t.Dims), maxRank)
			}
		case tensorDataType:
			err = d.want(f, protowire.VarintType, "data_type")
			t.DataType = DataType(int32(f.u))
		case tensorFloatData:
			t.FloatData, err = d.float32s(f, t.FloatData, "float_data")
		case tensorInt32Data:
			var vs []int64
			vs, err = d.int64s(f, nil, "int32_data")
			for _, v := range vs {
				t.Int32Data = append(t.Int32Data, int32(v))
			}
		case tensorStringData:
			err = d.want(f, protowire.BytesType, "string_data")
			t.StringData = append(t.StringData, append([]byte(nil), f.b...))
		case tensorInt64Data:
			t.Int64Data, err = d.int64s(f, t.Int64Data, "int64_data")
		case tensorName:
			t.Name, err = d.str(f, "name")
		case tensorRawData:
			err = d.want(f, protowire.BytesType, "raw_data")
			t.RawData = append([]byte(nil), f.b...)
		case tensorDoubleData:
			t.DoubleData, err = d.float64s(f, t.DoubleData, "double_data")
		case tensorUint64Data:
			var vs []int64
			vs, err = d.int64s(f, nil, "uint64_data")
			for _, v := range vs {
				t.Uint64Data = append(t.Uint64Data, uint64(v))
			}
		case tensorDocString:
			t.DocString, err = d.str(f, "doc_string")
		case tensorExternalData:
			var e StringEntry
			e, err = d.entry(f, "external_data")
			t.ExternalData = append(t.ExternalData, e)
		case tensorDataLocation:
			err = d.want(f, protowire.VarintType, "data_location")
			t.DataLocation = int32(f.u)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return t, d.checkTensor(t)
}

// checkTensor rejects a tensor whose dims are absurd or disagree with the
// data it carries.
func (d *decoder) checkTensor(t *Tensor) error {
	n := t.NumElements()
	if n < 0 {
		return d.errf("tensor %q: dims %v are negative or hold more than %d elements", t.Name, t.Dims, MaxElements)
	}
	if t.DataLocation == 1 {
		return nil // the data lives in another file; see CheckExternalData
	}
	if len(t.RawData) > 0 {
		bits := t.DataType.bitsPerElement()
		if bits == 0 {
			return d.errf("tensor %q: raw_data for element type %v", t.Name, t.DataType)
		}
		if want := (n*bits + 7) / 8; int64(len(t.RawData)) != want {
			return d.errf("tensor %q: raw_data holds %d bytes, dims %v of %v need %d", t.Name, len(t.RawData), t.Dims, t.DataType, want)
		}
		return nil
	}
	have := int64(len(t.FloatData) + len(t.Int32Data) + len(t.Int64Data) + len(t.DoubleData) + len(t.Uint64Data) + len(t.StringData))
	if t.DataType == Complex64 || t.DataType == Complex128 {
		have /= 2
	}
	if t.DataType == Float16 || t.DataType == BFloat16 || t.DataType == Int8 || t.DataType == Uint8 ||
		t.DataType == Int16 || t.DataType == Uint16 || t.DataType == Bool || t.DataType >= 17 {
		// these types pack into int32_data, one (or for 4-bit types two) per entry
		if have != 0 && have != n && have != (n+1)/2 {
			return d.errf("tensor %q: holds %d values, dims %v need %d", t.Name, have, t.Dims, n)
		}
		return nil
	}
	if have != 0 && have != n {
		return d.errf("tensor %q: holds %d values, dims %v need %d", t.Name, have, t.Dims, n)
	}
	return nil
}

func (d *decoder) valueInfo(b []byte) (*ValueInfo, error) {
	v := &ValueInfo{}
	err := d.fields(b, func(f field) error {
		var err error
		switch f.num {
		case valueName:
			v.Name, err = d.str(f, "name")
		case valueDocString:
			v.DocString, err = d.str(f, "doc_string")
		case valueType:
			if err = d.want(f, protowire.BytesType, "type"); err != nil {
				return err
			}
			err = d.fields(f.b, func(f field) error {
				if f.num != typeTensor {
					return nil // sequence, map, optional: not modelled
				}
				if err := d.want(f, protowire.BytesType, "type.tensor_type"); err != nil {
					return err
				}
				tt, err := d.tensorType(f.b)
				v.Type = tt
				return err
			})
		}
		return err
	})
	return v, err
}

func (d *decoder) tensorType(b []byte) (*TensorType, error) {
	t := &TensorType{}
	err := d.fields(b, func(f field) error {
		switch f.num {
		case tensorTypeElem:
			if err := d.want(f, protowire.VarintType, "elem_type"); err != nil {
				return err
			}
			t.ElemType = DataType(int32(f.u))
		case tensorTypeShape:
			if err := d.want(f, protowire.BytesType, "shape"); err != nil {
				return err
			}
			t.HasShape = true
			return d.fields(f.b, func(f field) error {
				if f.num != shapeDim {
					return nil
				}
				if err := d.want(f, protowire.BytesType, "shape.dim"); err != nil {
					return err
				}
				if len(t.Shape) >= maxRank {
					return d.errf("shape: rank exceeds %d", maxRank)
				}
				dim := Dim{Value: -1}
				err := d.fields(f.b, func(f field) error {
					switch f.num {
					case dimValue:
						if err := d.want(f, protowire.VarintType, "dim_value"); err != nil {
							return err
						}
						if int64(f.u) < 0 {
							return d.errf("shape: negative dim_value %d", int64(f.u))
						}
						dim.Value = int64(f.u)
					case dimParam:
						s, err := d.str(f, "dim_param")
						dim.Param = s
						return err
					}
					return nil
				})
				t.Shape = append(t.Shape, dim)
				return err
			})
		}
		return nil
	})
	if err == nil && knownElements(t.Shape) < 0 {
		err = d.errf("shape %v: known dims hold more than %d elements", t.Shape, MaxElements)
	}
	return t, err
}

// knownElements is the product of shape's known dims (symbolic ones count
// as 1), or -1 when it exceeds MaxElements: a declared input or output
// that large is corrupt or hostile, and a runtime would try to allocate it.
func knownElements(shape []Dim) int64 {
	dims := make([]int64, 0, len(shape))
	for _, d := range shape {
		if d.Known() {
			dims = append(dims, d.Value)
		}
	}
	return numElements(dims)
}
