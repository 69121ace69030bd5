// Package ort runs ONNX models through ONNX Runtime's C library. It is the
// only importer of github.com/yalue/onnxruntime_go and the only cgo in
// yologate.
//
// The library is loaded once per process with Load (from YOLOGATE_ORT_LIB,
// the --ort-lib flag, or the copy `make setup` puts in .cache/ort). A Session
// holds one model on one execution provider with preallocated input and
// output tensors bound once, so that Session.Run — a synchronous call into
// ONNX Runtime — allocates nothing on the Go side. With Config.DeviceIO the
// tensors live in the provider's memory (devio.go), so a GPU Run moves no
// data between host and GPU; the few C API functions this needs beyond
// onnxruntime_go are called by their OrtApi slot (capi.h).
//
// Execution providers are named by Provider. The CPU provider is built in;
// CUDA and TensorRT are appended with the options of providers_gpu.go, and
// a core library built without CUDA loads the CUDA provider library next to
// it as a plugin (plugin.go).
package ort
