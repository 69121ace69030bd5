// Package runner executes yologate's standardized benchmark protocol on ONNX
// Runtime and produces results.File values.
//
// A Spec is one case: model × image size × batch × provider × precision,
// identified as "model=yolov8n/imgsz=640/batch=1/ep=cpu/precision=fp32".
// A Plan expands several models, sizes and batches into Specs.
//
// The protocol for each case:
//
//  1. Cold start: session creation and the first inference, each timed.
//  2. Warm-up by count (--warmup 10) or duration (--warmup 2s), then a
//     steady-state check: the medians of the last three windows must agree
//     within Protocol.Tolerance; warm-up goes on window by window up to
//     MaxExtraWindows, after which the case is marked unstable.
//  3. Protocol.Count repeats of Protocol.Benchtime each. Every iteration is
//     one synchronous Run, timed with Go's monotonic clock; every latency is
//     kept. Per repeat, FPS = frames / wall time of the repeat.
//
// The input is a seeded random tensor in [0,1], filled once and reused; the
// timed loop allocates nothing. A context cancels a run between iterations.
//
// Prepare, Prepared.WarmUp and Prepared.RunRepeat are the building blocks:
// Run uses them case after case, and an interleaved A/B comparison can
// alternate RunRepeat between two prepared cases.
package runner
