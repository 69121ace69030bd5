package history_test

import (
	"fmt"
	"os"
	"time"

	"github.com/yologate/yologate/baselines"
	"github.com/yologate/yologate/changepoint"
	"github.com/yologate/yologate/compare"
	"github.com/yologate/yologate/history"
)

// Record runs of main into a store folder, read them back, and find where
// the case got slower and whether it spent a 10% drift budget.
func Example() {
	dir, _ := os.MkdirTemp("", "history")
	defer os.RemoveAll(dir)
	env := baselines.Environment{GPUModel: "NVIDIA A10", Driver: "550.54.15", ORTVersion: "1.30.0", Provider: "tensorrt", Precision: "fp16"}
	for i := 0; i < 30; i++ {
		fps := 200.0
		if i >= 20 {
			fps = 176 // a 12% drop at run 20
		}
		fps *= 1 + 0.002*float64(i%3-1)
		run := &history.Run{ID: fmt.Sprintf("run-%02d", i), Commit: fmt.Sprintf("%02d00000", i),
			Date: time.Date(2026, 12, 1, i, 0, 0, 0, time.UTC),
			Records: []history.Record{{Profile: "gpu=NVIDIA A10", Case: "model=yolov8s/imgsz=640/batch=1/ep=tensorrt/precision=fp16",
				Env: env, N: 1, Samples: baselines.Samples{FPS: []float64{fps}}}}}
		if _, err := history.Save(dir, run); err != nil {
			fmt.Println(err)
		}
	}
	h, err := history.Read(dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	key := h.Keys()[0]
	series := h.Series(key, compare.FPS)
	for _, c := range history.ChangePoints(series, compare.FPS, changepoint.Options{Seed: 1}) {
		fmt.Printf("change at commit %s: %.0f → %.0f FPS (%+.1f%%), regression %v\n", c.Commit, c.Before, c.After, c.DeltaPct, c.Regression)
	}
	b, _ := history.Drift(series, compare.FPS, 200, 0.10, changepoint.Options{Seed: 1})
	fmt.Printf("drift %.1f%% of a %.0f%% budget: spent %v, %d culprit\n", b.DriftPct, b.BudgetPct, b.Spent, len(b.Culprits))
	// Output:
	// change at commit 2000000: 200 → 176 FPS (-12.0%), regression true
	// drift 12.0% of a 10% budget: spent true, 1 culprit
}
