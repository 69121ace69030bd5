package runner

import (
	"github.com/yologate/yologate/runner/gpu"
	"github.com/yologate/yologate/runner/results"
)

// Sampler samples a device's telemetry while one repeat runs, on its own
// goroutine, off the timed loop. The runner calls Start right before a
// repeat's first iteration and Stop right after its last; a Sampler is
// reused for every repeat of a case.
type Sampler interface {
	// Start begins sampling for one repeat.
	Start()
	// Stop ends the sampling begun by Start and returns its summary; frames
	// is the repeat's frame count (for energy per frame). It never returns
	// nil: Available is false, with a Reason, when nothing was sampled.
	Stop(frames int) *results.Telemetry
}

// Unavailable returns the Sampler of a device without telemetry: every
// repeat records Available false with reason.
func Unavailable(reason string) Sampler { return unavailable(reason) }

type unavailable string

var (
	_ Sampler = unavailable("")
	_ Sampler = (*gpu.Sampler)(nil)
)

func (unavailable) Start() {}

func (u unavailable) Stop(int) *results.Telemetry {
	return &results.Telemetry{Available: false, Reason: string(u)}
}

// telemetryMarks returns the repeat marks that a telemetry summary calls
// for: throttling, foreign processes on the GPU, a lost GPU.
func telemetryMarks(t *results.Telemetry, device int) []string {
	if t == nil || !t.Available || device < 0 {
		return nil
	}
	return gpu.Marks(t, device)
}
