package compare

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yologate/yologate/runner/results"
)

// TestEnvironmentOf: a TensorRT case's environment holds its provider
// options but not the cache paths, which change with the model (the engine
// cache is keyed by its sha256) and with the machine.
func TestEnvironmentOf(t *testing.T) {
	fp := results.Fingerprint{
		Host:    results.Host{CPUModel: "AMD EPYC 7B13", OS: "Ubuntu 24.04", Kernel: "6.8.0"},
		GPUs:    []results.GPU{{Index: 0, Name: "NVIDIA A10", DriverVersion: "570.133.20", CUDADriverVersion: "12.8"}},
		Runtime: results.Runtime{ORTVersion: "1.30.0", TensorRTVersion: "10.16.1"},
	}
	c := results.Case{Device: 0, Precision: "fp16", Provider: results.Provider{Name: "tensorrt", Options: map[string]string{
		"device_id": "0", "trt_fp16_enable": "1", "trt_engine_cache_enable": "1",
		"trt_engine_cache_path": "/cache/tensorrt/nvidia-a10/trt-10.16.1/0123456789abcdef",
		"trt_timing_cache_path": "/cache/tensorrt/nvidia-a10/trt-10.16.1",
	}}}
	want := Environment{
		CPUModel: "AMD EPYC 7B13", GPUModel: "NVIDIA A10", Driver: "570.133.20", CUDADriver: "12.8",
		ORTVersion: "1.30.0", TensorRTVersion: "10.16.1", Provider: "tensorrt", Precision: "fp16",
		ProviderOptions: map[string]string{"device_id": "0", "trt_fp16_enable": "1", "trt_engine_cache_enable": "1"},
		OS:              "Ubuntu 24.04", Kernel: "6.8.0",
	}
	if diff := cmp.Diff(want, EnvironmentOf(fp, c)); diff != "" {
		t.Errorf("tensorrt (-want +got):\n%s", diff)
	}

	// A CPU case: no GPU, no TensorRT version, no options.
	cpu := results.Case{Device: -1, Precision: "fp32", Threads: 2, Provider: results.Provider{Name: "cpu"}}
	want = Environment{CPUModel: "AMD EPYC 7B13", Threads: 2, ORTVersion: "1.30.0", Provider: "cpu", Precision: "fp32", OS: "Ubuntu 24.04", Kernel: "6.8.0"}
	if diff := cmp.Diff(want, EnvironmentOf(fp, cpu)); diff != "" {
		t.Errorf("cpu (-want +got):\n%s", diff)
	}
}

// TestGPUStateOf takes per metric the median of the repeats that have GPU
// telemetry; a case without any has no GPU state.
func TestGPUStateOf(t *testing.T) {
	tel := func(util, sm, power, temp, cpu float64) *results.Telemetry {
		return &results.Telemetry{Available: true, Samples: 20, GPUUtilMeanPct: util, SMClockMeanMHz: sm, MemClockMeanMHz: 6251,
			PowerMeanW: power, PowerLimitW: 150, TempMaxC: temp, ProcessCPUPct: cpu}
	}
	c := results.Case{Repeats: []results.Repeat{
		{Telemetry: tel(96, 1695, 148, 70, 99)},
		{Telemetry: tel(97, 1680, 149.96, 72, 101)},
		{Telemetry: tel(90, 1410, 150, 83, 100)},
		{Telemetry: &results.Telemetry{Reason: "gpu lost"}},
		{},
	}}
	// Power's median, 149.96 W, is kept to 0.1 W.
	want := &GPUState{GPUUtilPct: 96, SMClockMHz: 1680, MemClockMHz: 6251, PowerW: 150, PowerLimitW: 150, TempC: 72, HostCPUPct: 100}
	if diff := cmp.Diff(want, GPUStateOf(c)); diff != "" {
		t.Errorf("GPUStateOf (-want +got):\n%s", diff)
	}
	cpu := results.Case{Repeats: []results.Repeat{{Telemetry: &results.Telemetry{Reason: "cpu provider", ProcessCPUPct: 200}}}}
	if g := GPUStateOf(cpu); g != nil {
		t.Errorf("CPU case GPU state = %+v, want nil", g)
	}
}
