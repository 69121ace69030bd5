package gpu

import (
	"fmt"
	"slices"
	"strings"

	"github.com/yologate/yologate/internal/stat"
	"github.com/yologate/yologate/runner/results"
)

// Thresholds of the bottleneck hints. The standard protocol calls a GPU busy
// 85% of the time compute-bound; below half busy the GPU mostly waits.
const (
	// ComputeBoundPct is the GPU utilization, in percent, at and above
	// which a case is compute-bound.
	ComputeBoundPct = 85
	// LowUtilPct is the GPU utilization, in percent, below which the GPU
	// waits on the host or on synchronization.
	LowUtilPct = 50
	// HostBusyPct is this process's CPU use, in percent of one core, at and
	// above which a waiting GPU is blamed on the host: the feeding thread
	// is saturated.
	HostBusyPct = 80
	// ThrottleClockRatio: an SM clock below this fraction of the
	// application clock counts as held down (a 3% margin absorbs clock
	// steps of 15 MHz on a ~1.4 GHz clock).
	ThrottleClockRatio = 0.97
)

// Diagnose returns one-line bottleneck hints for a GPU case from its
// repeats' telemetry, using medians over the repeats: compute-bound (GPU
// busy >= ComputeBoundPct), host-bound (GPU below LowUtilPct while this
// process keeps a core busy), latency-bound (GPU below LowUtilPct and the
// host idle), throttled (SM clock below the application clock of gpu).
// gpu may be nil when the fingerprint lacks the device. A case without
// telemetry gets one line saying why.
func Diagnose(c *results.Case, gpu *results.GPU) []string {
	var util, cpu, clock []float64
	var reason string
	reasons := map[string]bool{}
	for _, r := range c.Repeats {
		t := r.Telemetry
		if t == nil {
			continue
		}
		if !t.Available {
			reason = t.Reason
			continue
		}
		if t.Samples > 0 {
			util = append(util, t.GPUUtilMeanPct)
			cpu = append(cpu, t.ProcessCPUPct)
			if t.SMClockMeanMHz > 0 {
				clock = append(clock, t.SMClockMeanMHz)
			}
		}
		for _, n := range t.ThrottleReasons {
			if throttleNames[n] {
				reasons[n] = true
			}
		}
	}
	if len(util) == 0 {
		if reason == "" {
			reason = "no samples"
		}
		return []string{"no GPU telemetry (" + reason + "): bottleneck unknown"}
	}
	u, h := stat.Median(util), stat.Median(cpu)
	var out []string
	switch {
	case u >= ComputeBoundPct:
		out = append(out, fmt.Sprintf("compute-bound: the GPU was busy %.0f%% of the time; a faster engine (TensorRT, fp16, int8) or a faster GPU raises FPS", u))
	case u < LowUtilPct && h >= HostBusyPct:
		out = append(out, fmt.Sprintf("host-bound: the GPU was busy only %.0f%% of the time while yologate kept %.1f CPU cores busy; pre/post-processing, host-device copies or kernel launches limit FPS", u, h/100))
	case u < LowUtilPct:
		out = append(out, fmt.Sprintf("latency-bound: the GPU was busy only %.0f%% of the time and the host was mostly idle; synchronization dominates, a larger --batch would use the GPU better", u))
	default:
		out = append(out, fmt.Sprintf("mixed: the GPU was busy %.0f%% of the time; part compute, part host work or synchronization", u))
	}
	if gpu != nil && gpu.AppSMClockMHz > 0 && len(clock) > 0 {
		sm := stat.Median(clock)
		if sm < ThrottleClockRatio*float64(gpu.AppSMClockMHz) && (u >= LowUtilPct || len(reasons) > 0) {
			line := fmt.Sprintf("throttled: SM clock %.0f MHz, below the %d MHz application clock", sm, gpu.AppSMClockMHz)
			if len(reasons) > 0 {
				names := make([]string, 0, len(reasons))
				for n := range reasons {
					names = append(names, n)
				}
				slices.Sort(names)
				line += " (" + strings.Join(names, ", ") + " seen)"
			}
			out = append(out, line)
		}
	}
	return out
}
