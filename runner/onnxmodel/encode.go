package onnxmodel

import (
	"encoding/binary"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// Encode serializes m in the protobuf wire format. The output depends only
// on m: fields are written in field-number order, repeated fields in slice
// order, and packed where onnx.proto's proto3 rules pack them, so the same
// Model always gives the same bytes.
func Encode(m *Model) []byte {
	b := make([]byte, 0, m.size())
	return m.marshal(b)
}

// Field numbers of onnx.proto.
const (
	modelIRVersion       = 1
	modelProducerName    = 2
	modelProducerVersion = 3
	modelDomain          = 4
	modelModelVersion    = 5
	modelDocString       = 6
	modelGraph           = 7
	modelOpsetImport     = 8
	modelMetadataProps   = 14

	opsetDomain  = 1
	opsetVersion = 2

	entryKey   = 1
	entryValue = 2

	graphNode        = 1
	graphName        = 2
	graphInitializer = 5
	graphDocString   = 10
	graphInput       = 11
	graphOutput      = 12
	graphValueInfo   = 13

	nodeInput     = 1
	nodeOutput    = 2
	nodeName      = 3
	nodeOpType    = 4
	nodeAttribute = 5
	nodeDocString = 6
	nodeDomain    = 7

	attrName    = 1
	attrF       = 2
	attrI       = 3
	attrS       = 4
	attrT       = 5
	attrG       = 6
	attrFloats  = 7
	attrInts    = 8
	attrStrings = 9
	attrTensors = 10
	attrGraphs  = 11
	attrType    = 20

	tensorDims         = 1
	tensorDataType     = 2
	tensorFloatData    = 4
	tensorInt32Data    = 5
	tensorStringData   = 6
	tensorInt64Data    = 7
	tensorName         = 8
	tensorRawData      = 9
	tensorDoubleData   = 10
	tensorUint64Data   = 11
	tensorDocString    = 12
	tensorExternalData = 13
	tensorDataLocation = 14

	valueName      = 1
	valueType      = 2
	valueDocString = 3

	typeTensor = 1

	tensorTypeElem  = 1
	tensorTypeShape = 2

	shapeDim = 1

	dimValue = 1
	dimParam = 2
)

func sizeString(num protowire.Number, s string) int {
	if s == "" {
		return 0
	}
	return protowire.SizeTag(num) + protowire.SizeBytes(len(s))
}

func appendString(b []byte, num protowire.Number, s string) []byte {
	if s == "" {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, s)
}

func sizeVarint(num protowire.Number, v uint64) int {
	if v == 0 {
		return 0
	}
	return protowire.SizeTag(num) + protowire.SizeVarint(v)
}

func appendVarint(b []byte, num protowire.Number, v uint64) []byte {
	if v == 0 {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

func sizeMsg(num protowire.Number, n int) int {
	return protowire.SizeTag(num) + protowire.SizeBytes(n)
}

func appendMsgHeader(b []byte, num protowire.Number, n int) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendVarint(b, uint64(n))
}

func (m *Model) size() int {
	n := sizeVarint(modelIRVersion, uint64(m.IRVersion))
	n += sizeString(modelProducerName, m.ProducerName)
	n += sizeString(modelProducerVersion, m.ProducerVersion)
	n += sizeString(modelDomain, m.Domain)
	n += sizeVarint(modelModelVersion, uint64(m.ModelVersion))
	n += sizeString(modelDocString, m.DocString)
	if m.Graph != nil {
		n += sizeMsg(modelGraph, m.Graph.size())
	}
	for _, o := range m.OpsetImport {
		n += sizeMsg(modelOpsetImport, o.size())
	}
	for _, e := range m.MetadataProps {
		n += sizeMsg(modelMetadataProps, e.size())
	}
	return n
}

func (m *Model) marshal(b []byte) []byte {
	b = appendVarint(b, modelIRVersion, uint64(m.IRVersion))
	b = appendString(b, modelProducerName, m.ProducerName)
	b = appendString(b, modelProducerVersion, m.ProducerVersion)
	b = appendString(b, modelDomain, m.Domain)
	b = appendVarint(b, modelModelVersion, uint64(m.ModelVersion))
	b = appendString(b, modelDocString, m.DocString)
	if m.Graph != nil {
		b = appendMsgHeader(b, modelGraph, m.Graph.size())
		b = m.Graph.marshal(b)
	}
	for _, o := range m.OpsetImport {
		b = appendMsgHeader(b, modelOpsetImport, o.size())
		b = o.marshal(b)
	}
	for _, e := range m.MetadataProps {
		b = appendMsgHeader(b, modelMetadataProps, e.size())
		b = e.marshal(b)
	}
	return b
}

func (o OpsetID) size() int {
	return sizeString(opsetDomain, o.Domain) + sizeVarint(opsetVersion, uint64(o.Version))
}

func (o OpsetID) marshal(b []byte) []byte {
	b = appendString(b, opsetDomain, o.Domain)
	return appendVarint(b, opsetVersion, uint64(o.Version))
}

func (e StringEntry) size() int {
	return sizeString(entryKey, e.Key) + sizeString(entryValue, e.Value)
}

func (e StringEntry) marshal(b []byte) []byte {
	b = appendString(b, entryKey, e.Key)
	return appendString(b, entryValue, e.Value)
}

func (g *Graph) size() int {
	n := 0
	for _, x := range g.Node {
		n += sizeMsg(graphNode, x.size())
	}
	n += sizeString(graphName, g.Name)
	for _, t := range g.Initializer {
		n += sizeMsg(graphInitializer, t.size())
	}
	n += sizeString(graphDocString, g.DocString)
	for _, v := range g.Input {
		n += sizeMsg(graphInput, v.size())
	}
	for _, v := range g.Output {
		n += sizeMsg(graphOutput, v.size())
	}
	for _, v := range g.ValueInfo {
		n += sizeMsg(graphValueInfo, v.size())
	}
	return n
}

func (g *Graph) marshal(b []byte) []byte {
	for _, x := range g.Node {
		b = appendMsgHeader(b, graphNode, x.size())
		b = x.marshal(b)
	}
	b = appendString(b, graphName, g.Name)
	for _, t := range g.Initializer {
		b = appendMsgHeader(b, graphInitializer, t.size())
		b = t.marshal(b)
	}
	b = appendString(b, graphDocString, g.DocString)
	for _, v := range g.Input {
		b = appendMsgHeader(b, graphInput, v.size())
		b = v.marshal(b)
	}
	for _, v := range g.Output {
		b = appendMsgHeader(b, graphOutput, v.size())
		b = v.marshal(b)
	}
	for _, v := range g.ValueInfo {
		b = appendMsgHeader(b, graphValueInfo, v.size())
		b = v.marshal(b)
	}
	return b
}

// repeatedString sizes and appends a repeated string field, where an empty
// element is meaningful (a node's omitted optional input) and is written.
func sizeRepeatedString(num protowire.Number, ss []string) int {
	n := 0
	for _, s := range ss {
		n += protowire.SizeTag(num) + protowire.SizeBytes(len(s))
	}
	return n
}

func appendRepeatedString(b []byte, num protowire.Number, ss []string) []byte {
	for _, s := range ss {
		b = protowire.AppendTag(b, num, protowire.BytesType)
		b = protowire.AppendString(b, s)
	}
	return b
}

func (x *Node) size() int {
	n := sizeRepeatedString(nodeInput, x.Input) + sizeRepeatedString(nodeOutput, x.Output)
	n += sizeString(nodeName, x.Name) + sizeString(nodeOpType, x.OpType)
	for _, a := range x.Attribute {
		n += sizeMsg(nodeAttribute, a.size())
	}
	n += sizeString(nodeDocString, x.DocString) + sizeString(nodeDomain, x.Domain)
	return n
}

func (x *Node) marshal(b []byte) []byte {
	b = appendRepeatedString(b, nodeInput, x.Input)
	b = appendRepeatedString(b, nodeOutput, x.Output)
	b = appendString(b, nodeName, x.Name)
	b = appendString(b, nodeOpType, x.OpType)
	for _, a := range x.Attribute {
		b = appendMsgHeader(b, nodeAttribute, a.size())
		b = a.marshal(b)
	}
	b = appendString(b, nodeDocString, x.DocString)
	return appendString(b, nodeDomain, x.Domain)
}

func packedVarintsSize(vs []int64) int {
	n := 0
	for _, v := range vs {
		n += protowire.SizeVarint(uint64(v))
	}
	return n
}

func (a *Attribute) size() int {
	n := sizeString(attrName, a.Name)
	switch a.Type {
	case AttrFloat:
		n += protowire.SizeTag(attrF) + 4
	case AttrInt:
		n += protowire.SizeTag(attrI) + protowire.SizeVarint(uint64(a.I))
	case AttrString:
		n += protowire.SizeTag(attrS) + protowire.SizeBytes(len(a.S))
	case AttrTensor:
		if a.T != nil {
			n += sizeMsg(attrT, a.T.size())
		}
	case AttrGraph:
		if a.G != nil {
			n += sizeMsg(attrG, a.G.size())
		}
	case AttrFloats:
		if len(a.Floats) > 0 {
			n += sizeMsg(attrFloats, 4*len(a.Floats))
		}
	case AttrInts:
		if len(a.Ints) > 0 {
			n += sizeMsg(attrInts, packedVarintsSize(a.Ints))
		}
	case AttrStrings:
		for _, s := range a.Strings {
			n += protowire.SizeTag(attrStrings) + protowire.SizeBytes(len(s))
		}
	case AttrTensors:
		for _, t := range a.Tensors {
			n += sizeMsg(attrTensors, t.size())
		}
	case AttrGraphs:
		for _, g := range a.Graphs {
			n += sizeMsg(attrGraphs, g.size())
		}
	}
	return n + sizeVarint(attrType, uint64(a.Type))
}

func (a *Attribute) marshal(b []byte) []byte {
	b = appendString(b, attrName, a.Name)
	switch a.Type {
	case AttrFloat:
		b = protowire.AppendTag(b, attrF, protowire.Fixed32Type)
		b = protowire.AppendFixed32(b, math.Float32bits(a.F))
	case AttrInt:
		b = protowire.AppendTag(b, attrI, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(a.I))
	case AttrString:
		b = protowire.AppendTag(b, attrS, protowire.BytesType)
		b = protowire.AppendBytes(b, a.S)
	case AttrTensor:
		if a.T != nil {
			b = appendMsgHeader(b, attrT, a.T.size())
			b = a.T.marshal(b)
		}
	case AttrGraph:
		if a.G != nil {
			b = appendMsgHeader(b, attrG, a.G.size())
			b = a.G.marshal(b)
		}
	case AttrFloats:
		if len(a.Floats) > 0 {
			b = appendMsgHeader(b, attrFloats, 4*len(a.Floats))
			for _, f := range a.Floats {
				b = protowire.AppendFixed32(b, math.Float32bits(f))
			}
		}
	case AttrInts:
		if len(a.Ints) > 0 {
			b = appendMsgHeader(b, attrInts, packedVarintsSize(a.Ints))
			for _, v := range a.Ints {
				b = protowire.AppendVarint(b, uint64(v))
			}
		}
	case AttrStrings:
		for _, s := range a.Strings {
			b = protowire.AppendTag(b, attrStrings, protowire.BytesType)
			b = protowire.AppendBytes(b, s)
		}
	case AttrTensors:
		for _, t := range a.Tensors {
			b = appendMsgHeader(b, attrTensors, t.size())
			b = t.marshal(b)
		}
	case AttrGraphs:
		for _, g := range a.Graphs {
			b = appendMsgHeader(b, attrGraphs, g.size())
			b = g.marshal(b)
		}
	}
	return appendVarint(b, attrType, uint64(a.Type))
}

func (t *Tensor) size() int {
	n := 0
	if len(t.Dims) > 0 {
		n += sizeMsg(tensorDims, packedVarintsSize(t.Dims))
	}
	n += sizeVarint(tensorDataType, uint64(t.DataType))
	if len(t.FloatData) > 0 {
		n += sizeMsg(tensorFloatData, 4*len(t.FloatData))
	}
	if len(t.Int32Data) > 0 {
		s := 0
		for _, v := range t.Int32Data {
			s += protowire.SizeVarint(uint64(int64(v)))
		}
		n += sizeMsg(tensorInt32Data, s)
	}
	for _, s := range t.StringData {
		n += protowire.SizeTag(tensorStringData) + protowire.SizeBytes(len(s))
	}
	if len(t.Int64Data) > 0 {
		n += sizeMsg(tensorInt64Data, packedVarintsSize(t.Int64Data))
	}
	n += sizeString(tensorName, t.Name)
	if len(t.RawData) > 0 {
		n += protowire.SizeTag(tensorRawData) + protowire.SizeBytes(len(t.RawData))
	}
	if len(t.DoubleData) > 0 {
		n += sizeMsg(tensorDoubleData, 8*len(t.DoubleData))
	}
	if len(t.Uint64Data) > 0 {
		s := 0
		for _, v := range t.Uint64Data {
			s += protowire.SizeVarint(v)
		}
		n += sizeMsg(tensorUint64Data, s)
	}
	n += sizeString(tensorDocString, t.DocString)
	for _, e := range t.ExternalData {
		n += sizeMsg(tensorExternalData, e.size())
	}
	return n + sizeVarint(tensorDataLocation, uint64(t.DataLocation))
}

func (t *Tensor) marshal(b []byte) []byte {
	if len(t.Dims) > 0 {
		b = appendMsgHeader(b, tensorDims, packedVarintsSize(t.Dims))
		for _, d := range t.Dims {
			b = protowire.AppendVarint(b, uint64(d))
		}
	}
	b = appendVarint(b, tensorDataType, uint64(t.DataType))
	if len(t.FloatData) > 0 {
		b = appendMsgHeader(b, tensorFloatData, 4*len(t.FloatData))
		for _, f := range t.FloatData {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(f))
		}
	}
	if len(t.Int32Data) > 0 {
		s := 0
		for _, v := range t.Int32Data {
			s += protowire.SizeVarint(uint64(int64(v)))
		}
		b = appendMsgHeader(b, tensorInt32Data, s)
		for _, v := range t.Int32Data {
			b = protowire.AppendVarint(b, uint64(int64(v)))
		}
	}
	for _, s := range t.StringData {
		b = protowire.AppendTag(b, tensorStringData, protowire.BytesType)
		b = protowire.AppendBytes(b, s)
	}
	if len(t.Int64Data) > 0 {
		b = appendMsgHeader(b, tensorInt64Data, packedVarintsSize(t.Int64Data))
		for _, v := range t.Int64Data {
			b = protowire.AppendVarint(b, uint64(v))
		}
	}
	b = appendString(b, tensorName, t.Name)
	if len(t.RawData) > 0 {
		b = protowire.AppendTag(b, tensorRawData, protowire.BytesType)
		b = protowire.AppendBytes(b, t.RawData)
	}
	if len(t.DoubleData) > 0 {
		b = appendMsgHeader(b, tensorDoubleData, 8*len(t.DoubleData))
		for _, f := range t.DoubleData {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(f))
		}
	}
	if len(t.Uint64Data) > 0 {
		s := 0
		for _, v := range t.Uint64Data {
			s += protowire.SizeVarint(v)
		}
		b = appendMsgHeader(b, tensorUint64Data, s)
		for _, v := range t.Uint64Data {
			b = protowire.AppendVarint(b, v)
		}
	}
	b = appendString(b, tensorDocString, t.DocString)
	for _, e := range t.ExternalData {
		b = appendMsgHeader(b, tensorExternalData, e.size())
		b = e.marshal(b)
	}
	return appendVarint(b, tensorDataLocation, uint64(t.DataLocation))
}

func (v *ValueInfo) size() int {
	n := sizeString(valueName, v.Name)
	if v.Type != nil {
		n += sizeMsg(valueType, sizeMsg(typeTensor, v.Type.size()))
	}
	return n + sizeString(valueDocString, v.DocString)
}

func (v *ValueInfo) marshal(b []byte) []byte {
	b = appendString(b, valueName, v.Name)
	if v.Type != nil {
		ts := v.Type.size()
		b = appendMsgHeader(b, valueType, sizeMsg(typeTensor, ts))
		b = appendMsgHeader(b, typeTensor, ts)
		b = v.Type.marshal(b)
	}
	return appendString(b, valueDocString, v.DocString)
}

func (d Dim) size() int {
	if d.Param != "" {
		return sizeString(dimParam, d.Param)
	}
	if d.Value >= 0 {
		return protowire.SizeTag(dimValue) + protowire.SizeVarint(uint64(d.Value))
	}
	return 0
}

func (d Dim) marshal(b []byte) []byte {
	if d.Param != "" {
		return appendString(b, dimParam, d.Param)
	}
	if d.Value >= 0 {
		b = protowire.AppendTag(b, dimValue, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(d.Value))
	}
	return b
}

func (t *TensorType) shapeSize() int {
	n := 0
	for _, d := range t.Shape {
		n += sizeMsg(shapeDim, d.size())
	}
	return n
}

func (t *TensorType) size() int {
	n := sizeVarint(tensorTypeElem, uint64(t.ElemType))
	if t.HasShape || len(t.Shape) > 0 {
		n += sizeMsg(tensorTypeShape, t.shapeSize())
	}
	return n
}

func (t *TensorType) marshal(b []byte) []byte {
	b = appendVarint(b, tensorTypeElem, uint64(t.ElemType))
	if t.HasShape || len(t.Shape) > 0 {
		b = appendMsgHeader(b, tensorTypeShape, t.shapeSize())
		for _, d := range t.Shape {
			b = appendMsgHeader(b, shapeDim, d.size())
			b = d.marshal(b)
		}
	}
	return b
}
