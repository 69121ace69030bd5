package gpu

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/yologate/yologate/runner/results"
)

// Summarize turns the readings of one repeat into its telemetry: mean and
// extreme of each metric over the readings that carry it, the energy used
// between the first and last reading, every throttle reason seen, the
// narrowest PCIe link and the raw series. start is when the repeat began
// (the series' time origin); frames, when > 0, gives joules per frame.
// Foreign processes are left to the Sampler, which knows its own pid.
func Summarize(readings []Reading, start time.Time, frames int, interval time.Duration) *results.Telemetry {
	t := &results.Telemetry{Available: true, SampleIntervalMS: ms(interval), Samples: len(readings)}
	var (
		seen                      Field
		util, memUtil, sm, memClk mean
		power                     mean
		reasons                   uint64
		firstEnergy, lastEnergy   *Reading
		link                      *Reading
	)
	t.SMClockMinMHz = math.Inf(1)
	for i := range readings {
		r := &readings[i]
		seen |= r.Valid
		if r.Valid&FieldUtil != 0 {
			util.add(float64(r.GPUUtilPct))
			memUtil.add(float64(r.MemUtilPct))
			t.GPUUtilMaxPct = max(t.GPUUtilMaxPct, float64(r.GPUUtilPct))
		}
		if r.Valid&FieldMemUsed != 0 {
			t.MemUsedMaxMiB = max(t.MemUsedMaxMiB, mib(r.MemUsedBytes))
		}
		if r.Valid&FieldSMClock != 0 {
			sm.add(float64(r.SMClockMHz))
			t.SMClockMinMHz = min(t.SMClockMinMHz, float64(r.SMClockMHz))
			t.SMClockMaxMHz = max(t.SMClockMaxMHz, float64(r.SMClockMHz))
		}
		if r.Valid&FieldMemClock != 0 {
			memClk.add(float64(r.MemClockMHz))
		}
		if r.Valid&FieldPower != 0 {
			power.add(watts(r.PowerMW))
			t.PowerMaxW = max(t.PowerMaxW, watts(r.PowerMW))
		}
		if r.Valid&FieldPowerLimit != 0 {
			t.PowerLimitW = watts(r.PowerLimitMW)
		}
		if r.Valid&FieldTemp != 0 {
			t.TempMaxC = max(t.TempMaxC, float64(r.TempC))
		}
		if r.Valid&FieldEnergy != 0 {
			if firstEnergy == nil {
				firstEnergy = r
			}
			lastEnergy = r
		}
		if r.Valid&FieldReasons != 0 {
			reasons |= r.Reasons
		}
		if r.Valid&FieldPCIe != 0 && (link == nil || r.PCIeGen*100+r.PCIeWidth < link.PCIeGen*100+link.PCIeWidth) {
			link = r
		}
	}
	if math.IsInf(t.SMClockMinMHz, 1) {
		t.SMClockMinMHz = 0
	}
	t.GPUUtilMeanPct = util.value()
	t.MemUtilMeanPct = memUtil.value()
	t.SMClockMeanMHz = sm.value()
	t.MemClockMeanMHz = memClk.value()
	t.PowerMeanW = power.value()
	if firstEnergy != nil && lastEnergy != firstEnergy && lastEnergy.EnergyMJ >= firstEnergy.EnergyMJ {
		joules := float64(lastEnergy.EnergyMJ-firstEnergy.EnergyMJ) / 1000
		t.EnergyJ = round2(joules)
		if frames > 0 {
			t.JoulesPerFrame = round4(joules / float64(frames))
		}
	}
	// Only throttling counts here; idle and clock-setting events stay in
	// the series, so that a reader can mark a repeat by this list alone.
	t.ThrottleReasons = ReasonNames(reasons & ThrottleMask)
	if link != nil {
		t.PCIeLink = fmt.Sprintf("gen%d x%d", link.PCIeGen, link.PCIeWidth)
	}
	t.Unsupported = seen.Missing(AllFields)
	t.Series = series(readings, start)
	return t
}

// series converts readings to the results' raw series, thinned evenly to
// at most MaxSeries points.
func series(readings []Reading, start time.Time) []results.TelemetrySample {
	step := 1
	if len(readings) > MaxSeries {
		step = (len(readings) + MaxSeries - 1) / MaxSeries
	}
	out := make([]results.TelemetrySample, 0, len(readings)/step+1)
	for i := 0; i < len(readings); i += step {
		r := readings[i]
		s := results.TelemetrySample{TMS: ms(r.At.Sub(start))}
		if r.Valid&FieldUtil != 0 {
			s.GPUUtilPct, s.MemUtilPct = float64(r.GPUUtilPct), float64(r.MemUtilPct)
		}
		if r.Valid&FieldSMClock != 0 {
			s.SMClockMHz = float64(r.SMClockMHz)
		}
		if r.Valid&FieldMemClock != 0 {
			s.MemClockMHz = float64(r.MemClockMHz)
		}
		if r.Valid&FieldPower != 0 {
			s.PowerW = watts(r.PowerMW)
		}
		if r.Valid&FieldTemp != 0 {
			s.TempC = float64(r.TempC)
		}
		if r.Valid&FieldMemUsed != 0 {
			s.MemUsedMiB = mib(r.MemUsedBytes)
		}
		if r.Valid&FieldReasons != 0 {
			s.Reasons = ReasonNames(r.Reasons)
		}
		out = append(out, s)
	}
	return out
}

// Marks returns the marks one repeat's telemetry earns on GPU device:
// throttling (power cap, thermal, hardware slowdown, power brake), a foreign
// process, a lost device. Each starts with a results.Mark* kind.
func Marks(t *results.Telemetry, device int) []string {
	if t == nil {
		return nil
	}
	var out []string
	var throttled []string
	for _, name := range t.ThrottleReasons {
		if throttleNames[name] {
			throttled = append(throttled, name)
		}
	}
	if len(throttled) > 0 {
		out = append(out, fmt.Sprintf("%s: gpu %d %s", results.MarkThrottled, device, strings.Join(throttled, ",")))
	}
	if len(t.ForeignProcesses) > 0 {
		out = append(out, fmt.Sprintf("%s: gpu %d %s", results.MarkForeignProcess, device, strings.Join(t.ForeignProcesses, ", ")))
	}
	if t.DeviceLost {
		out = append(out, fmt.Sprintf("%s: gpu %d", results.MarkGPULost, device))
	}
	return out
}

// throttleNames are the names of the ThrottleMask reasons.
var throttleNames = func() map[string]bool {
	m := map[string]bool{}
	for _, n := range ReasonNames(ThrottleMask) {
		m[n] = true
	}
	return m
}()

// CaseMarks merges the kinds of the repeats' marks into case marks: one
// line per kind with how many repeats carried it ("throttled: 3 of 10
// repeats"), in a stable order.
func CaseMarks(repeats []results.Repeat) []string {
	counts := map[string]int{}
	var kinds []string
	for _, r := range repeats {
		seen := map[string]bool{}
		for _, m := range r.Marks {
			k := results.MarkKind(m)
			if seen[k] {
				continue
			}
			seen[k] = true
			if counts[k] == 0 {
				kinds = append(kinds, k)
			}
			counts[k]++
		}
	}
	slices.Sort(kinds)
	out := make([]string, len(kinds))
	for i, k := range kinds {
		out[i] = fmt.Sprintf("%s: %d of %d repeats", k, counts[k], len(repeats))
	}
	return out
}

type mean struct {
	sum float64
	n   int
}

func (m *mean) add(v float64) { m.sum += v; m.n++ }

func (m *mean) value() float64 {
	if m.n == 0 {
		return 0
	}
	return round2(m.sum / float64(m.n))
}

func ms(d time.Duration) float64 { return round2(float64(d) / float64(time.Millisecond)) }
func watts(mw uint32) float64    { return round2(float64(mw) / 1000) }
func mib(b uint64) float64       { return round2(float64(b) / (1 << 20)) }
func round2(v float64) float64   { return math.Round(v*100) / 100 }
func round4(v float64) float64   { return math.Round(v*1e4) / 1e4 }
func itoa(v int) string          { return strconv.Itoa(v) }
