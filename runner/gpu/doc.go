// Package gpu reads GPU telemetry and the GPU fingerprint through NVML. It is
// the only importer of github.com/NVIDIA/go-nvml.
//
// Everything is written against Source, a small interface over the few NVML
// calls yologate needs: NVML (the real library, loaded at run time with
// dlopen) and Fake (scripted devices) implement it, so that the sampler,
// the per-repeat summary, the marks and the bottleneck hints are tested on
// machines without a GPU.
//
// No library, no driver or no GPU is not an error for a benchmark: Open
// returns an *UnavailableError whose reason ends up in the results as
// telemetry "unavailable", and the run goes on. Calls that older drivers
// lack (clock-event reasons, energy, MIG) are looked up in the loaded library
// before use and skipped, or replaced by their older form, when absent. A
// GPU that disappears mid-run ends sampling for that device and marks the
// repeat; the run finishes.
//
// A Sampler reads one device every DefaultInterval on its own goroutine
// between Start and Stop, which bracket one timed repeat; Stop returns the
// repeat's results.Telemetry. Marks turns it into the repeat's marks
// (throttling, foreign process, lost device) and Diagnose turns a case's
// telemetry into one-line bottleneck hints.
package gpu
