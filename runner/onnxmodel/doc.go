// Package onnxmodel reads and writes ONNX models in the protobuf wire format
// of onnx.proto, without generated code: typed Go structs for the messages
// yologate needs (ModelProto, GraphProto, NodeProto, AttributeProto,
// TensorProto, ValueInfoProto and its type and shape messages,
// OperatorSetIdProto, StringStringEntryProto), a deterministic Encode and a
// Decode that is safe on untrusted input.
//
// The field numbers follow
// https://github.com/onnx/onnx/blob/main/onnx/onnx.proto; fields yologate does
// not model are skipped on read and never written. Types generated from
// onnx.proto decode a yolov8x no faster and in no less memory, and would
// not check hostile input (docs/BENCHMARKS.md, .ci/bench-codec).
//
// Inspect summarizes any ONNX file for reports and fingerprints: inputs and
// outputs with their shapes (symbolic dimensions by name), opsets, parameter
// count, a GFLOPs estimate, metadata_props and the sha256 of the bytes.
package onnxmodel
