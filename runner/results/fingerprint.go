package results

import (
	"fmt"
	"strings"
)

// Fingerprint records the full hardware and software stack a run measured.
type Fingerprint struct {
	Host     Host     `json:"host"`
	GPUs     []GPU    `json:"gpus,omitempty"`
	Runtime  Runtime  `json:"runtime"`
	Yologate Yologate `json:"yologate"`
	// ContainerImage is the image digest when running in a known container.
	ContainerImage string `json:"container_image,omitempty"`
	// CI names the CI system and run, when known.
	CI *CI `json:"ci,omitempty"`
}

// Host describes the CPU machine.
type Host struct {
	CPUModel  string `json:"cpu_model"`
	CPUCores  int    `json:"cpu_cores"` // logical CPUs visible to the process
	OS        string `json:"os"`
	Kernel    string `json:"kernel"`
	Arch      string `json:"arch"`
	GoVersion string `json:"go_version"`
}

// GPU describes one GPU, as NVML reports it.
type GPU struct {
	Index             int     `json:"index"`
	Name              string  `json:"name"`
	UUID              string  `json:"uuid"`
	MemoryMiB         int64   `json:"memory_mib"`
	ComputeCapability string  `json:"compute_capability"`
	DriverVersion     string  `json:"driver_version"`
	CUDADriverVersion string  `json:"cuda_driver_version"`
	MIG               bool    `json:"mig,omitempty"`
	PersistenceMode   bool    `json:"persistence_mode,omitempty"`
	PowerLimitW       float64 `json:"power_limit_w,omitempty"`
	AppSMClockMHz     int     `json:"app_sm_clock_mhz,omitempty"`
	AppMemClockMHz    int     `json:"app_mem_clock_mhz,omitempty"`
}

// Runtime describes ONNX Runtime and its providers.
type Runtime struct {
	ORTVersion string `json:"ort_version"`
	ORTLibrary string `json:"ort_library,omitempty"`
	// Providers lists the execution providers this ORT build offers.
	Providers []string `json:"providers"`
	// TensorRTVersion is set when the TensorRT provider is usable.
	TensorRTVersion string `json:"tensorrt_version,omitempty"`
}

// Yologate identifies the tool that produced the results.
type Yologate struct {
	Version string `json:"version"`
	Commit  string `json:"commit,omitempty"`
}

// CI identifies the CI run that produced the results.
type CI struct {
	System string `json:"system"` // "github-actions"
	RunURL string `json:"run_url,omitempty"`
	Commit string `json:"commit,omitempty"`
	Ref    string `json:"ref,omitempty"`
}

// Profile returns the hardware profile key that baselines are stored under:
// the GPU model for a GPU case ("gpu=NVIDIA A10"), or the CPU model and the
// threads used for a CPU case ("cpu=AMD EPYC 7B13/threads=2"). device is the
// GPU index, or -1 for the CPU; threads is the intra-op thread count used
// (0 means all logical CPUs).
func (f Fingerprint) Profile(device, threads int) string {
	if device >= 0 {
		for _, g := range f.GPUs {
			if g.Index == device {
				return "gpu=" + cleanKey(g.Name)
			}
		}
		return fmt.Sprintf("gpu=unknown-%d", device)
	}
	if threads <= 0 {
		threads = f.Host.CPUCores
	}
	model := cleanKey(f.Host.CPUModel)
	if model == "" {
		model = "unknown-cpu"
	}
	return fmt.Sprintf("cpu=%s/threads=%d", model, threads)
}

// cleanKey collapses whitespace and removes characters that would make a
// profile key awkward in YAML or a case id.
func cleanKey(s string) string {
	s = strings.Map(func(r rune) rune {
		switch r {
		case '/', ':', '\n', '\r', '\t':
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// ShortSHA shortens a commit id to its first 12 hex digits, as the
// reports and the version line show it; a shorter id is returned whole.
func ShortSHA(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}
