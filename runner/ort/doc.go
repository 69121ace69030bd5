// Package ort runs ONNX models through ONNX Runtime; it is the only importer of onnxruntime_go and the only cgo in yologate.
package ort
