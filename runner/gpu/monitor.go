package gpu

import (
	"github.com/yologate/yologate/runner/results"
)

// LibraryEnv names the environment variable that points at another NVML
// library than DefaultNVMLLibrary.
const LibraryEnv = "YOLOGATE_NVML_LIB"

// Monitor is this machine's GPU telemetry for one run: NVML opened once,
// a Sampler per case and the GPUs for the fingerprint. On a machine
// without NVML it still works, and every sampler says why it has nothing.
type Monitor struct {
	src    Source
	reason string
}

// OpenMonitor opens NVML (the library named by LibraryEnv, or the default).
// It never fails: when NVML is unavailable, Reason says why.
func OpenMonitor(getenv func(string) string) *Monitor {
	path := ""
	if getenv != nil {
		path = getenv(LibraryEnv)
	}
	return NewMonitor(NewNVML(path))
}

// NewMonitor opens src; tests pass a Fake.
func NewMonitor(src Source) *Monitor {
	if err := src.Open(); err != nil {
		reason := Unavailable(err)
		if reason == "" {
			reason = err.Error()
		}
		return &Monitor{reason: reason}
	}
	return &Monitor{src: src}
}

// Reason says why telemetry is unavailable; "" when NVML is open.
func (m *Monitor) Reason() string { return m.reason }

// Sampler returns a sampler for a case on device (a GPU index; -1 for the
// CPU provider, whose cases record only this process's CPU use).
func (m *Monitor) Sampler(device int, opt Options) *Sampler {
	switch {
	case device < 0:
		return UnavailableSampler("cpu provider: no GPU to sample", opt)
	case m.src == nil:
		return UnavailableSampler(m.reason, opt)
	}
	return NewSampler(m.src, device, opt)
}

// GPUs describes every GPU for the fingerprint; nil without NVML.
func (m *Monitor) GPUs() ([]results.GPU, error) {
	if m.src == nil {
		return nil, nil
	}
	return Fingerprint(m.src)
}

// Close releases NVML.
func (m *Monitor) Close() error {
	if m.src == nil {
		return nil
	}
	return m.src.Close()
}
