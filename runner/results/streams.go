package results

// StreamResult is one stream's share of a multi-stream repeat.
type StreamResult struct {
	// Stream is the stream's index, from 0.
	Stream     int `json:"stream"`
	Iterations int `json:"iterations"`
	// Frames is Iterations × batch.
	Frames int `json:"frames"`
	// FPS is Frames over this stream's own wall time, frames per second.
	FPS float64 `json:"fps"`
	// Latency summarizes this stream's iterations (percentiles only above
	// the MinIterations floors, as for a whole repeat).
	Latency Latency `json:"latency"`
}

// Stage names of end-to-end mode, in pipeline order (Ultralytics'
// "preprocess / inference / postprocess").
const (
	StagePreprocess  = "preprocess"
	StageInference   = "inference"
	StagePostprocess = "postprocess"
)

// Case modes: inference alone on a random tensor, or the whole pipeline on
// real images.
const (
	ModeInfer = "infer"
	ModeE2E   = "e2e"
)
