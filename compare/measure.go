package compare

import (
	"math"

	"github.com/yologate/yologate/internal/stat"
	"github.com/yologate/yologate/runner/results"
)

// locationOptions are provider options that only say where a provider
// keeps its files: they differ between machines and, for TensorRT's
// engine cache, between models, without changing what is measured.
var locationOptions = map[string]bool{
	"trt_engine_cache_path": true,
	"trt_timing_cache_path": true,
}

// EnvironmentOf extracts the environment of case c from the fingerprint of
// the run that measured it.
func EnvironmentOf(fp results.Fingerprint, c results.Case) Environment {
	e := Environment{
		CPUModel:        fp.Host.CPUModel,
		Threads:         c.Threads,
		ORTVersion:      fp.Runtime.ORTVersion,
		TensorRTVersion: fp.Runtime.TensorRTVersion,
		Provider:        c.Provider.Name,
		Precision:       c.Precision,
		OS:              fp.Host.OS,
		Kernel:          fp.Host.Kernel,
		Yologate:        fp.Yologate.Version,
		ContainerImage:  fp.ContainerImage,
	}
	for k, v := range c.Provider.Options {
		if locationOptions[k] {
			continue
		}
		if e.ProviderOptions == nil {
			e.ProviderOptions = make(map[string]string, len(c.Provider.Options))
		}
		e.ProviderOptions[k] = v
	}
	if c.Device >= 0 {
		for _, g := range fp.GPUs {
			if g.Index == c.Device {
				e.GPUModel = g.Name
				e.Driver = g.DriverVersion
				e.CUDADriver = g.CUDADriverVersion
			}
		}
	}
	if e.Provider != "tensorrt" {
		// The TensorRT library is irrelevant to a case that did not use it.
		e.TensorRTVersion = ""
	}
	return e
}

// SamplesOf extracts the per-repeat samples of the gated metrics of c.
// P99MS is set only when every repeat measured the 99th percentile; a
// metric without samples is absent.
func SamplesOf(c results.Case) map[Metric][]float64 {
	var fps, p50, p99 []float64
	allP99 := len(c.Repeats) > 0
	for _, r := range c.Repeats {
		fps = append(fps, r.FPS)
		p50 = append(p50, r.Latency.P50MS)
		if r.Latency.P99MS == nil {
			allP99 = false
		}
	}
	m := map[Metric][]float64{}
	if len(fps) > 0 {
		m[FPS], m[P50MS] = fps, p50
	}
	if allP99 {
		for _, r := range c.Repeats {
			p99 = append(p99, *r.Latency.P99MS)
		}
		m[P99MS] = p99
	}
	return m
}

// GPUStateOf summarizes the GPU telemetry of c's repeats, or returns nil
// when no repeat had any (CPU cases, machines without NVML).
func GPUStateOf(c results.Case) *GPUState {
	var util, sm, mem, power, limit, temp, cpu []float64
	for _, r := range c.Repeats {
		t := r.Telemetry
		if t == nil || !t.Available || t.Samples == 0 {
			continue
		}
		util, sm, mem = append(util, t.GPUUtilMeanPct), append(sm, t.SMClockMeanMHz), append(mem, t.MemClockMeanMHz)
		power, limit, temp = append(power, t.PowerMeanW), append(limit, t.PowerLimitW), append(temp, t.TempMaxC)
		cpu = append(cpu, t.ProcessCPUPct)
	}
	if len(util) == 0 {
		return nil
	}
	return &GPUState{
		GPUUtilPct: medianOf(util), SMClockMHz: medianOf(sm), MemClockMHz: medianOf(mem),
		PowerW: medianOf(power), PowerLimitW: medianOf(limit), TempC: medianOf(temp), HostCPUPct: medianOf(cpu),
	}
}

// medianOf returns the median of v, rounded to 0.1, which is finer than
// any of the telemetry's own resolutions; v is not modified.
func medianOf(v []float64) float64 {
	return math.Round(stat.Median(v)*10) / 10
}

// MarksOf returns every mark of c and of its repeats, without duplicates,
// plus "unstable" when warm-up never reached a steady state.
func MarksOf(c results.Case) []string {
	var out []string
	seen := map[string]bool{}
	add := func(m string) {
		if !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
	}
	if c.Unstable {
		add("unstable")
	}
	for _, m := range c.Marks {
		add(m)
	}
	for _, r := range c.Repeats {
		for _, m := range r.Marks {
			add(m)
		}
	}
	return out
}
