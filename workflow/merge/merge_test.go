package merge

import (
	"testing"

	"github.com/yologate/yologate/compare"
	"github.com/yologate/yologate/report"
)

func TestOutcome(t *testing.T) {
	gate := func(v compare.Verdict, fps float64) *report.GateReport {
		return &report.GateReport{Key: "perf/gate/" + string(v), Verdict: v, Fail: v == compare.Regression,
			Cases: []report.MatrixEntry{{Profile: "gpu=NVIDIA A10", Model: "yolov8n", CaseID: "model=yolov8n", FPS: fps, Verdict: v}}}
	}
	for _, tt := range []struct {
		name        string
		in          report.MatrixInput
		verdict     string
		failed      bool
		annotations int
	}{
		{"all unchanged", report.MatrixInput{Gates: []*report.GateReport{gate(compare.Unchanged, 400), gate(compare.Unchanged, 380)}}, "unchanged", false, 0},
		{"one regression", report.MatrixInput{Gates: []*report.GateReport{gate(compare.Unchanged, 400), gate(compare.Regression, 300)}}, "regression", true, 0},
		{"below the target", report.MatrixInput{TargetFPS: 390, Gates: []*report.GateReport{gate(compare.Unchanged, 400), gate(compare.Unchanged, 380)}}, "below-target", true, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o, failed := Outcome(tt.in, "perf/matrix")
			if o.Verdict != tt.verdict || failed != tt.failed || len(o.Annotations) != tt.annotations {
				t.Errorf("verdict %q, failed %v, %d annotations; want %q, %v, %d", o.Verdict, failed, len(o.Annotations), tt.verdict, tt.failed, tt.annotations)
			}
			if o.Key != "perf/matrix" || o.Markdown == "" || o.FPS != 400 {
				t.Errorf("key %q, FPS %v, markdown %d bytes", o.Key, o.FPS, len(o.Markdown))
			}
			if failed != (o.State == report.StateFailure) {
				t.Errorf("state %q with failed=%v", o.State, failed)
			}
		})
	}
}
