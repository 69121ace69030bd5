package compare

import (
	"fmt"
	"math"
)

// Thresholds of GPUChanges: smaller moves are within what the same GPU
// does from run to run (clock boost steps of 15 MHz, a few percent of
// utilization), so reporting them would only add noise.
const (
	// ClockChangePct is the smallest SM or memory clock change named, in percent.
	ClockChangePct = 3
	// UtilChangePoints is the smallest GPU utilization change named, in percentage points.
	UtilChangePoints = 10
	// HostCPUChangePct is the smallest change of the benchmark's own CPU use named, in percent.
	HostCPUChangePct = 20
	// PowerCapRatio: a power draw at or above this share of the enforced
	// limit means the GPU ran at its power cap.
	PowerCapRatio = 0.95
	// HotC is the temperature, in °C, at and above which a GPU is hot
	// enough for its clocks to be held down.
	HotC = 85
)

// GPUChanges says in one line each what changed on the GPU between the
// baseline (old) and this run (cur): SM and memory clocks, the power limit,
// utilization and the benchmark's own CPU use, with the likely cause of a lower
// clock (power cap, heat). It returns nil when either side has no GPU
// state or nothing moved beyond the thresholds.
func GPUChanges(old, cur *GPUState) []string {
	if old == nil || cur == nil {
		return nil
	}
	var out []string
	if pct, ok := change(old.SMClockMHz, cur.SMClockMHz); ok && math.Abs(pct) >= ClockChangePct {
		line := fmt.Sprintf("SM clock %.0f → %.0f MHz (%+.0f MHz, %+.1f%%)", old.SMClockMHz, cur.SMClockMHz, cur.SMClockMHz-old.SMClockMHz, pct)
		if pct < 0 {
			switch {
			case cur.PowerLimitW > 0 && cur.PowerW >= PowerCapRatio*cur.PowerLimitW:
				line += fmt.Sprintf(": the GPU drew %.0f W of its %.0f W limit, it was power-capped", cur.PowerW, cur.PowerLimitW)
			case cur.TempC >= HotC && cur.TempC > old.TempC:
				line += fmt.Sprintf(": the GPU ran hot (%.0f → %.0f °C), its clocks were held down", old.TempC, cur.TempC)
			}
		}
		out = append(out, line)
	}
	if pct, ok := change(old.MemClockMHz, cur.MemClockMHz); ok && math.Abs(pct) >= ClockChangePct {
		out = append(out, fmt.Sprintf("memory clock %.0f → %.0f MHz (%+.1f%%)", old.MemClockMHz, cur.MemClockMHz, pct))
	}
	if old.PowerLimitW > 0 && cur.PowerLimitW > 0 && old.PowerLimitW != cur.PowerLimitW {
		out = append(out, fmt.Sprintf("power limit %.0f → %.0f W", old.PowerLimitW, cur.PowerLimitW))
	}
	if old.GPUUtilPct > 0 && cur.GPUUtilPct > 0 && math.Abs(cur.GPUUtilPct-old.GPUUtilPct) >= UtilChangePoints {
		line := fmt.Sprintf("GPU busy %.0f%% → %.0f%% of the time", old.GPUUtilPct, cur.GPUUtilPct)
		if pct, ok := change(old.HostCPUPct, cur.HostCPUPct); ok && cur.GPUUtilPct < old.GPUUtilPct && pct >= HostCPUChangePct {
			line += fmt.Sprintf(" while the benchmark's own CPU use rose %.0f%% → %.0f%% of a core: more host work (pre/post-processing, copies, launches)", old.HostCPUPct, cur.HostCPUPct)
		}
		out = append(out, line)
	}
	return out
}

// change is the relative change from a to b in percent; false when either is unknown (0).
func change(a, b float64) (float64, bool) {
	if a <= 0 || b <= 0 {
		return 0, false
	}
	return 100 * (b - a) / a, true
}
