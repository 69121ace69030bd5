package baselines

import (
	"math"
	"time"

	"github.com/yologate/yologate/internal/stat"
	"github.com/yologate/yologate/runner/results"
)

// Schema is the version tag a baseline file starts with. A file with another
// version is refused, never guessed at.
const Schema = "yologate/baselines/v1"

// File is one parsed baseline file.
type File struct {
	// Path is the file name the baseline was read from, for messages.
	Path string
	// Schema is the file's version tag (Schema).
	Schema string
	// Profiles holds the cases per hardware profile, in file order.
	Profiles []Profile
}

// Profile is the set of baseline cases measured on one hardware profile
// ("gpu=NVIDIA A10", "cpu=AMD EPYC 7B13/threads=2"; see
// results.Fingerprint.Profile).
type Profile struct {
	Name  string
	Cases []Case
}

// Case is the baseline of one case id on one profile.
type Case struct {
	// ID is the case id, e.g. "model=yolov8n/imgsz=640/batch=1/ep=cpu/precision=fp32".
	ID string
	// ThresholdPct overrides the comparison threshold for this case, in
	// percent (5 = 5%); nil uses the comparison's default.
	ThresholdPct *float64
	// Model is the model the samples were measured with.
	Model Model
	// Samples holds the raw per-repeat values of each gated metric, in
	// repeat order. FPS is required; the latency percentiles are present
	// only where they were measured.
	Samples Samples
	// Environment is the stack the samples were measured on.
	Environment Environment
	// Provenance says where the samples came from and why they were accepted.
	Provenance Provenance
	// Marks lists conditions of the measurement that made it suspect; set
	// only when the baseline was recorded with --force.
	Marks []string
	// Detections holds reference detections on the user's images for an
	// accuracy check; nil when none were recorded.
	Detections []results.ImageDetections
	// GPU is what the GPU was doing while the samples were measured; nil
	// for CPU cases and where NVML was unavailable.
	GPU *GPUState
}

// GPUState is a GPU case's telemetry in brief: per metric, the median over
// the repeats of each repeat's mean (the hottest reading for the
// temperature). It lets a comparison say what changed on the GPU along
// with the speed ("SM clock 1695 → 1395 MHz at the power limit"). A zero
// field was not measured.
type GPUState struct {
	// GPUUtilPct is the share of time a kernel ran, in percent.
	GPUUtilPct float64
	// SMClockMHz and MemClockMHz are the SM and memory clocks in MHz.
	SMClockMHz, MemClockMHz float64
	// PowerW is the board power draw and PowerLimitW the enforced limit, in watts.
	PowerW, PowerLimitW float64
	// TempC is the GPU temperature in degrees Celsius.
	TempC float64
	// HostCPUPct is yologate's own CPU use, in percent of one core.
	HostCPUPct float64
}

// Samples holds per-repeat values of the gated metrics.
type Samples struct {
	// FPS is frames per second per repeat; higher is better.
	FPS []float64
	// P50MS is the median latency per repeat in milliseconds; lower is better.
	P50MS []float64
	// P99MS is the 99th-percentile latency per repeat in milliseconds; nil
	// when the repeats were too short to measure it.
	P99MS []float64
}

// Model identifies the model of a baseline case.
type Model struct {
	Name   string
	SHA256 string
}

// Environment is the hardware and software stack a measurement ran on: the
// part of the fingerprint that decides whether two measurements are
// comparable. Empty fields are unknown and never count as a difference.
type Environment struct {
	CPUModel        string
	Threads         int // intra-op threads; 0 = ONNX Runtime's default
	GPUModel        string
	Driver          string // GPU driver version
	CUDADriver      string // CUDA driver API version
	ORTVersion      string
	TensorRTVersion string
	Provider        string            // "cpu", "cuda", "tensorrt"
	ProviderOptions map[string]string // as the provider was configured
	Precision       string
	// OS, Kernel, Yologate and ContainerImage are informational: they are
	// shown but never make a comparison inconclusive.
	OS             string
	Kernel         string
	Yologate       string
	ContainerImage string
}

// Provenance records who accepted a baseline, when, from which commit and run.
type Provenance struct {
	Commit string
	// Date is when the samples were measured (UTC); zero when unknown.
	Date   time.Time
	RunURL string
	Author string
	Reason string
	// Forced is set when the samples were accepted with --force despite
	// marks or instability.
	Forced bool
}

// Lookup returns the baseline case of profile and id, or nil.
func (f *File) Lookup(profile, id string) *Case {
	for i := range f.Profiles {
		if f.Profiles[i].Name != profile {
			continue
		}
		for j := range f.Profiles[i].Cases {
			if f.Profiles[i].Cases[j].ID == id {
				return &f.Profiles[i].Cases[j]
			}
		}
	}
	return nil
}

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
// P99MS is set only when every repeat measured the 99th percentile.
func SamplesOf(c results.Case) Samples {
	var s Samples
	allP99 := len(c.Repeats) > 0
	for _, r := range c.Repeats {
		s.FPS = append(s.FPS, r.FPS)
		s.P50MS = append(s.P50MS, r.Latency.P50MS)
		if r.Latency.P99MS == nil {
			allP99 = false
		}
	}
	if allP99 {
		for _, r := range c.Repeats {
			s.P99MS = append(s.P99MS, *r.Latency.P99MS)
		}
	}
	return s
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
