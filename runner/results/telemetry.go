package results

// Telemetry summarizes GPU telemetry sampled during one repeat. When NVML is
// not available, Available is false and Reason says why; the other fields are
// then zero.
type Telemetry struct {
	Available bool   `json:"available"`
	Reason    string `json:"reason,omitempty"`
	// SampleIntervalMS is the sampler period in milliseconds.
	SampleIntervalMS float64 `json:"sample_interval_ms,omitempty"`
	Samples          int     `json:"samples,omitempty"`

	GPUUtilMeanPct  float64 `json:"gpu_util_mean_pct,omitempty"`
	GPUUtilMaxPct   float64 `json:"gpu_util_max_pct,omitempty"`
	MemUtilMeanPct  float64 `json:"mem_util_mean_pct,omitempty"`
	MemUsedMaxMiB   float64 `json:"mem_used_max_mib,omitempty"`
	SMClockMeanMHz  float64 `json:"sm_clock_mean_mhz,omitempty"`
	SMClockMinMHz   float64 `json:"sm_clock_min_mhz,omitempty"`
	MemClockMeanMHz float64 `json:"mem_clock_mean_mhz,omitempty"`
	PowerMeanW      float64 `json:"power_mean_w,omitempty"`
	PowerMaxW       float64 `json:"power_max_w,omitempty"`
	PowerLimitW     float64 `json:"power_limit_w,omitempty"`
	TempMaxC        float64 `json:"temp_max_c,omitempty"`
	EnergyJ         float64 `json:"energy_j,omitempty"`
	JoulesPerFrame  float64 `json:"joules_per_frame,omitempty"`
	// ThrottleReasons lists every throttling clock-event reason seen
	// ("sw_power_cap", "hw_slowdown", "sw_thermal", "hw_thermal",
	// "hw_power_brake"); idle and clock-setting events are only in Series.
	ThrottleReasons []string `json:"throttle_reasons,omitempty"`
	// ForeignProcesses lists other processes seen on the GPU ("pid 1234 python").
	ForeignProcesses []string `json:"foreign_processes,omitempty"`
	// Series keeps the raw samples for charts.
	Series []TelemetrySample `json:"series,omitempty"`

	// SMClockMaxMHz is the highest SM clock sampled, in MHz.
	SMClockMaxMHz float64 `json:"sm_clock_max_mhz,omitempty"`
	// PCIeLink is the narrowest PCIe link seen during the repeat ("gen4 x16").
	PCIeLink string `json:"pcie_link,omitempty"`
	// ProcessCPUPct is the CPU time this process used during the repeat
	// divided by its wall time, in percent of one core (200 = two cores busy).
	// It is measured even when GPU telemetry is unavailable.
	ProcessCPUPct float64 `json:"process_cpu_pct,omitempty"`
	// Unsupported lists the metrics the device did not report ("energy", "power").
	Unsupported []string `json:"unsupported,omitempty"`
	// DeviceLost is set when the GPU disappeared during the repeat; sampling
	// stopped there and the summary covers the samples before it.
	DeviceLost bool `json:"device_lost,omitempty"`
	// SamplerCostMS is the total time the sampler spent reading NVML during
	// the repeat, in milliseconds (on its own goroutine, off the timed loop).
	SamplerCostMS float64 `json:"sampler_cost_ms,omitempty"`
}

// TelemetrySample is one sampler reading.
type TelemetrySample struct {
	TMS         float64 `json:"t_ms"` // milliseconds since the repeat started
	GPUUtilPct  float64 `json:"gpu_util_pct"`
	SMClockMHz  float64 `json:"sm_clock_mhz"`
	PowerW      float64 `json:"power_w"`
	TempC       float64 `json:"temp_c"`
	MemUsedMiB  float64 `json:"mem_used_mib"`
	MemUtilPct  float64 `json:"mem_util_pct,omitempty"`
	MemClockMHz float64 `json:"mem_clock_mhz,omitempty"`
	// Reasons lists the throttle reasons active at this reading.
	Reasons []string `json:"reasons,omitempty"`
}
