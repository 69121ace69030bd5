package compare

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yologate/yologate/runner/results"
)

func TestGPUChanges(t *testing.T) {
	a10 := GPUState{GPUUtilPct: 97, SMClockMHz: 1695, MemClockMHz: 6251, PowerW: 140, PowerLimitW: 150, TempC: 70, HostCPUPct: 100}
	with := func(f func(g *GPUState)) *GPUState {
		g := a10
		f(&g)
		return &g
	}
	tests := []struct {
		name     string
		old, cur *GPUState
		want     []string
	}{
		{"no baseline state", nil, &a10, nil},
		{"no state now", &a10, nil, nil},
		{"nothing moved", &a10, with(func(g *GPUState) { g.SMClockMHz, g.GPUUtilPct, g.TempC = 1680, 92, 75 }), nil},
		{"power-capped", &a10, with(func(g *GPUState) { g.SMClockMHz, g.PowerW = 1395, 149 }),
			[]string{"SM clock 1695 → 1395 MHz (-300 MHz, -17.7%): the GPU drew 149 W of its 150 W limit, it was power-capped"}},
		{"a lower power limit", &a10, with(func(g *GPUState) { g.SMClockMHz, g.PowerW, g.PowerLimitW = 1410, 118, 120 }),
			[]string{"SM clock 1695 → 1410 MHz (-285 MHz, -16.8%): the GPU drew 118 W of its 120 W limit, it was power-capped", "power limit 150 → 120 W"}},
		{"hot", &a10, with(func(g *GPUState) { g.SMClockMHz, g.TempC = 1500, 88 }),
			[]string{"SM clock 1695 → 1500 MHz (-195 MHz, -11.5%): the GPU ran hot (70 → 88 °C), its clocks were held down"}},
		{"lower clock, cause unknown", &a10, with(func(g *GPUState) { g.SMClockMHz = 1500 }),
			[]string{"SM clock 1695 → 1500 MHz (-195 MHz, -11.5%)"}},
		{"faster clocks", &a10, with(func(g *GPUState) { g.SMClockMHz, g.MemClockMHz = 1755, 7001 }),
			[]string{"SM clock 1695 → 1755 MHz (+60 MHz, +3.5%)", "memory clock 6251 → 7001 MHz (+12.0%)"}},
		{"host-bound", &a10, with(func(g *GPUState) { g.GPUUtilPct, g.HostCPUPct = 61, 190 }),
			[]string{"GPU busy 97% → 61% of the time while the benchmark's own CPU use rose 100% → 190% of a core: more host work (pre/post-processing, copies, launches)"}},
		{"less busy, host as before", &a10, with(func(g *GPUState) { g.GPUUtilPct = 80 }),
			[]string{"GPU busy 97% → 80% of the time"}},
		{"unknown fields are never a change", &GPUState{GPUUtilPct: 97}, &GPUState{SMClockMHz: 1200, GPUUtilPct: 95}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, GPUChanges(tt.old, tt.cur)); diff != "" {
				t.Errorf("GPUChanges (-want +got):\n%s", diff)
			}
		})
	}
}

// TestGPUChangesFromResults follows the GPU state from two results files
// through FromResults into the comparison of a case.
func TestGPUChangesFromResults(t *testing.T) {
	run := func(fps, smClock, power float64) *results.File {
		c := results.Case{ID: "model=yolov8n/imgsz=640/batch=1/ep=tensorrt/precision=fp16", Profile: "gpu=NVIDIA A10", Device: 0}
		for i := 0; i < 10; i++ {
			c.Repeats = append(c.Repeats, results.Repeat{FPS: fps * (1 + 0.001*float64(i%3)), Telemetry: &results.Telemetry{
				Available: true, Samples: 50, GPUUtilMeanPct: 97, SMClockMeanMHz: smClock, PowerMeanW: power, PowerLimitW: 150}})
		}
		return &results.File{Cases: []results.Case{c}}
	}
	old, cur := FromResults(run(1000, 1695, 140)), FromResults(run(850, 1395, 149))
	if old[0].GPU == nil || old[0].GPU.SMClockMHz != 1695 {
		t.Fatalf("GPU state from the results = %+v", old[0].GPU)
	}
	r := Compare(old, cur, DefaultOptions())
	want := []string{"SM clock 1695 → 1395 MHz (-300 MHz, -17.7%): the GPU drew 149 W of its 150 W limit, it was power-capped"}
	if diff := cmp.Diff(want, r.Cases[0].GPUChanges); diff != "" {
		t.Errorf("GPU changes (-want +got):\n%s", diff)
	}
	if r.Cases[0].Verdict != Regression {
		t.Errorf("verdict %s, want regression (the explanation does not change it)", r.Cases[0].Verdict)
	}
}
