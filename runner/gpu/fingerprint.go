package gpu

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/runner/results"
)

// GPU converts info to the fingerprint's description of one GPU.
func GPU(info Info) results.GPU {
	g := results.GPU{
		Index:             info.Index,
		Name:              info.Name,
		UUID:              info.UUID,
		MemoryMiB:         int64(info.MemoryBytes >> 20),
		DriverVersion:     info.DriverVersion,
		CUDADriverVersion: info.CUDADriverVersion,
		MIG:               info.MIG,
		PersistenceMode:   info.Persistence,
		PowerLimitW:       watts(info.PowerLimitMW),
		AppSMClockMHz:     int(info.AppSMClockMHz),
		AppMemClockMHz:    int(info.AppMemClockMHz),
	}
	if info.CCMajor > 0 {
		g.ComputeCapability = fmt.Sprintf("%d.%d", info.CCMajor, info.CCMinor)
	}
	return g
}

// Fingerprint describes every GPU src (open) sees, in index order. A device
// that cannot be described is an environment error naming it.
func Fingerprint(src Source) ([]results.GPU, error) {
	n, err := src.DeviceCount()
	if err != nil {
		return nil, errs.Envf("nvml", "", "%s", err)
	}
	out := make([]results.GPU, 0, n)
	for i := range n {
		info, err := src.Info(i)
		if err != nil {
			return out, errs.Envf(fmt.Sprintf("gpu %d", i), "check the GPU with nvidia-smi", "cannot describe the device: %s", err)
		}
		out = append(out, GPU(info))
	}
	return out, nil
}

// ParseDevices reads the --device flag against count visible GPUs: "N"
// (one index), "N,M,..." (several) or "all" (every GPU: one case set per
// GPU, each with its own fingerprint). The result is sorted and free of
// duplicates.
func ParseDevices(flag string, count int) ([]int, error) {
	const fix = `use --device 0, --device 0,1 or --device all`
	flag = strings.TrimSpace(flag)
	if flag == "all" {
		if count <= 0 {
			return nil, errs.Envf("--device", `run "yologate doctor" to see the GPUs, or use --ep cpu`, "--device all, but no GPU is visible")
		}
		out := make([]int, count)
		for i := range out {
			out[i] = i
		}
		return out, nil
	}
	if flag == "" {
		return nil, errs.Usagef("--device", fix, "empty device")
	}
	seen := map[int]bool{}
	var out []int
	for _, f := range strings.Split(flag, ",") {
		i, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || i < 0 {
			return nil, errs.Usagef("--device", fix, "%q is not a GPU index or \"all\"", f)
		}
		if i >= count {
			if count == 0 {
				return nil, errs.Envf("--device", `run "yologate doctor" to see the GPUs, or use --ep cpu`, "GPU %d requested, but no GPU is visible", i)
			}
			return nil, errs.Envf("--device", fmt.Sprintf("use an index from 0 to %d", count-1), "GPU %d requested, but only %d visible", i, count)
		}
		if !seen[i] {
			seen[i] = true
			out = append(out, i)
		}
	}
	slices.Sort(out)
	return out, nil
}
