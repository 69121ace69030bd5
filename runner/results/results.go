// Package results holds the plain data types a benchmark run produces and
// that compare, report and baselines read: cases, per-repeat samples,
// telemetry and the machine fingerprint. Of yologate's own packages it
// imports only internal/errs (its errors) and internal/atomicfile (Write),
// so readers of results never depend on cgo, ONNX Runtime or NVML.
//
// The JSON form is versioned by Schema; see docs/results.md.
package results

import "time"

// Schema is the version tag of the results JSON written by this package.
const Schema = "yologate/results/v1"

// File is one results file: everything one `yologate run` measured.
type File struct {
	Schema string `json:"schema"`
	// Status is "complete", or "incomplete" when the run was interrupted or
	// failed part-way; readers must not treat an incomplete file as a result.
	Status string `json:"status"`
	// StatusReason says why a run is incomplete.
	StatusReason string      `json:"status_reason,omitempty"`
	Started      time.Time   `json:"started"`
	Finished     time.Time   `json:"finished"`
	Fingerprint  Fingerprint `json:"fingerprint"`
	Cases        []Case      `json:"cases"`
	// Recommendations holds advice derived from the cases (sweep, capacity).
	Recommendations []Recommendation `json:"recommendations,omitempty"`
}

// Status values of File.Status.
const (
	StatusComplete   = "complete"
	StatusIncomplete = "incomplete"
)

// Recommendation is one piece of advice derived from several cases, such as
// the best batch size under a latency budget.
type Recommendation struct {
	Kind   string `json:"kind"`
	CaseID string `json:"case_id,omitempty"`
	Text   string `json:"text"`
}

// Case is one benchmarked configuration and all its samples.
type Case struct {
	// ID identifies the case across runs, e.g.
	// "model=yolov8n/imgsz=640/batch=1/ep=cpu/precision=fp32".
	ID string `json:"id"`
	// Profile is the hardware profile the case ran on (see Fingerprint.Profile);
	// baselines are keyed by it.
	Profile   string    `json:"profile"`
	Model     Model     `json:"model"`
	Height    int       `json:"height"`
	Width     int       `json:"width"`
	Batch     int       `json:"batch"`
	Precision string    `json:"precision"`
	Provider  Provider  `json:"provider"`
	Mode      string    `json:"mode"` // "infer" (default) or "e2e"
	Streams   int       `json:"streams,omitempty"`
	Threads   int       `json:"threads"` // intra-op threads; 0 = ONNX Runtime's default
	Device    int       `json:"device"`  // GPU index; -1 on the CPU provider
	Includes  string    `json:"includes"`
	ColdStart ColdStart `json:"cold_start"`
	Warmup    Warmup    `json:"warmup"`
	Repeats   []Repeat  `json:"repeats"`
	// Unstable is set when warm-up never reached a steady state.
	Unstable bool `json:"unstable,omitempty"`
	// Marks lists conditions that make the case's numbers suspect
	// (e.g. "throttled: sw_thermal", "foreign process on GPU 0").
	Marks []string `json:"marks,omitempty"`
	// Diagnosis holds one-line bottleneck hints derived from the telemetry
	// ("compute-bound: ...", "host-bound: ...", "throttled: ...").
	Diagnosis []string `json:"diagnosis,omitempty"`
	// Stages holds per-stage latencies in e2e mode, summed over repeats.
	Stages []Stage `json:"stages,omitempty"`
	// Accuracy holds the correctness check on reference images, if any.
	Accuracy *Accuracy `json:"accuracy,omitempty"`
	// Transfer is what the host-device copies that a GPU case keeps out of
	// its timed loop cost, measured before timing; nil on the CPU and when
	// the copies are timed (--include-copies).
	Transfer *Transfer `json:"transfer,omitempty"`
}

// Transfer is one iteration's host-device copies, measured on the case's
// own buffers: synchronous copies from and to pageable host memory, the way
// ONNX Runtime copies host-bound tensors.
type Transfer struct {
	InputBytes  int64 `json:"input_bytes"`
	OutputBytes int64 `json:"output_bytes"`
	// HostToDeviceGBps and DeviceToHostGBps are the median rates, in 1e9
	// bytes per second.
	HostToDeviceGBps float64 `json:"host_to_device_gbps"`
	DeviceToHostGBps float64 `json:"device_to_host_gbps"`
	// PerIterationMS is the median time of both copies: about what
	// --include-copies adds to one iteration.
	PerIterationMS float64 `json:"per_iteration_ms"`
}

// Model describes the ONNX model a case ran.
type Model struct {
	// Name is a standard model name ("yolov8n") or the file's base name.
	Name   string `json:"name"`
	Path   string `json:"path,omitempty"`
	SHA256 string `json:"sha256"`
	Opset  int    `json:"opset"`
	Params int64  `json:"params"`
	// Generated is true for a model from the built-in zoo.
	Generated bool `json:"generated,omitempty"`
}

// Provider is the execution provider a case ran on, with its options.
type Provider struct {
	Name    string            `json:"name"` // "cpu", "cuda", "tensorrt"
	Options map[string]string `json:"options,omitempty"`
}

// ColdStart times the one-off costs before the steady state, in milliseconds.
type ColdStart struct {
	SessionCreateMS  float64 `json:"session_create_ms"`
	FirstInferenceMS float64 `json:"first_inference_ms"`
	// TensorRTEngine says where a TensorRT case's engine came from:
	// EngineBuilt (the build is inside the cold start) or EngineCached
	// (loaded from the engine cache); empty for other providers and
	// without a cache.
	TensorRTEngine string `json:"tensorrt_engine,omitempty"`
}

// TensorRT engine origins in ColdStart.TensorRTEngine.
const (
	EngineBuilt  = "built"
	EngineCached = "cached"
)

// EngineNote says in words where the TensorRT engine came from, as a
// parenthesis to append to the session time; "" when there is nothing to say.
func (c ColdStart) EngineNote() string {
	switch c.TensorRTEngine {
	case EngineBuilt:
		return " (TensorRT engine built)"
	case EngineCached:
		return " (TensorRT engine from the cache)"
	}
	return ""
}

// Warmup records the warm-up phase and its steady-state check.
type Warmup struct {
	Iterations int     `json:"iterations"`
	DurationMS float64 `json:"duration_ms"`
	Stable     bool    `json:"stable"`
	// Detail explains the steady-state verdict (window medians and tolerance).
	Detail string `json:"detail,omitempty"`
}

// Repeat is one timed repeat of a case: one sample of each gated metric.
type Repeat struct {
	Iterations int `json:"iterations"`
	// Frames is Iterations × batch (× streams).
	Frames int `json:"frames"`
	// WallNS is the wall time of the whole repeat in nanoseconds.
	WallNS int64 `json:"wall_ns"`
	// FPS is Frames / wall time, frames per second.
	FPS float64 `json:"fps"`
	// LatenciesNS holds every iteration's latency in nanoseconds, in order.
	LatenciesNS []int64 `json:"latencies_ns"`
	Latency     Latency `json:"latency"`
	// Telemetry is the GPU telemetry sampled during the repeat, if any.
	Telemetry *Telemetry `json:"telemetry,omitempty"`
	// Marks lists conditions seen during this repeat (throttling, foreign processes).
	Marks []string `json:"marks,omitempty"`
	// Streams holds each stream's share of a multi-stream repeat
	// (Case.Streams > 1); LatenciesNS then holds all streams' iterations.
	Streams []StreamResult `json:"streams,omitempty"`
}

// Latency summarizes one repeat's per-iteration latencies in milliseconds.
// A percentile is nil when the repeat had too few iterations to measure it
// (MinIterationsP90, MinIterationsP95, MinIterationsP99).
type Latency struct {
	MinMS  float64  `json:"min_ms"`
	MeanMS float64  `json:"mean_ms"`
	P50MS  float64  `json:"p50_ms"`
	P90MS  *float64 `json:"p90_ms,omitempty"`
	P95MS  *float64 `json:"p95_ms,omitempty"`
	P99MS  *float64 `json:"p99_ms,omitempty"`
	MaxMS  float64  `json:"max_ms"`
	// CV is the coefficient of variation (stddev / mean), unitless.
	CV float64 `json:"cv"`
}

// Minimum iterations in a repeat before a percentile is reported: MLPerf
// LoadGen's early-stopping floors for the 90th, 95th and 99th percentiles.
const (
	MinIterationsP90 = 64
	MinIterationsP95 = 130
	MinIterationsP99 = 662
)

// Stage is one stage of the end-to-end pipeline (preprocess, inference, postprocess).
type Stage struct {
	Name   string  `json:"name"`
	P50MS  float64 `json:"p50_ms"`
	P99MS  float64 `json:"p99_ms,omitempty"`
	MeanMS float64 `json:"mean_ms"`
}
