package gate

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/yologate/yologate/baselines"
	"github.com/yologate/yologate/compare"
	"github.com/yologate/yologate/runner"
	"github.com/yologate/yologate/runner/results"
	"github.com/yologate/yologate/workflow"
	"github.com/yologate/yologate/workflow/workflowtest"
)

var fingerprint = results.Fingerprint{
	Host:     results.Host{CPUModel: "fake", CPUCores: 1, OS: "linux", Arch: "amd64"},
	Runtime:  results.Runtime{ORTVersion: "1.30.0", Providers: []string{"cpu"}},
	Yologate: results.Yologate{Version: "test"},
}

// job returns a job of the given cases on r, ten repeats each.
func job(r workflow.Runner, log *strings.Builder, specs ...runner.Spec) *workflow.Job {
	opt := runner.DefaultOptions()
	opt.Fingerprint = fingerprint
	j := &workflow.Job{Runner: r, Specs: specs, Options: opt, Workload: runner.Workload{Streams: 1}}
	if log != nil {
		j.Log = log
	}
	return j
}

// baseline records the cases of specs at 100 fps.
func baseline(t *testing.T, specs ...runner.Spec) *baselines.File {
	t.Helper()
	r := &workflowtest.Runner{FPS: func(string, int, int) float64 { return 100 }}
	f, err := job(r, nil, specs...).Run(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "b.yaml")
	if _, err := baselines.Update(path, f, baselines.UpdateOptions{Reason: "test"}); err != nil {
		t.Fatal(err)
	}
	b, err := baselines.ReadPath(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestGate(t *testing.T) {
	v8, v11 := workflowtest.Spec("yolov8n", 640), workflowtest.Spec("yolo11n", 640)
	base := baseline(t, v8, v11)
	// slowV8 is yolov8n at 80 fps in the measurements listed, 100 otherwise.
	slowV8 := func(calls ...int) func(string, int, int) float64 {
		return func(id string, _ int, call int) float64 {
			if id == v8.ID() && slices.Contains(calls, call) {
				return 80
			}
			return 100
		}
	}
	tests := []struct {
		name      string
		fps       func(string, int, int) float64
		confirm   bool
		verdict   compare.Verdict
		confirmed []string
		runs      []string
	}{
		{"unchanged", slowV8(), true, compare.Unchanged, nil,
			[]string{"run " + v8.ID() + " x 1", "run " + v11.ID() + " x 1"}},
		{"regression confirmed", slowV8(0, 1), true, compare.Regression, []string{v8.ID()},
			[]string{"run " + v8.ID() + " x 1", "run " + v11.ID() + " x 1", "run " + v8.ID() + " x 1"}},
		{"regression that does not hold", slowV8(0), true, compare.Unchanged, []string{v8.ID()},
			[]string{"run " + v8.ID() + " x 1", "run " + v11.ID() + " x 1", "run " + v8.ID() + " x 1"}},
		{"no confirmation", slowV8(0), false, compare.Regression, nil,
			[]string{"run " + v8.ID() + " x 1", "run " + v11.ID() + " x 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &workflowtest.Runner{FPS: tt.fps}
			var log strings.Builder
			res, err := Run(context.Background(), Input{Job: job(r, &log, v8, v11), Baseline: base, Options: compare.DefaultOptions(), Confirm: tt.confirm})
			if err != nil {
				t.Fatal(err)
			}
			if res.Report.Verdict != tt.verdict || !slices.Equal(res.Confirmed, tt.confirmed) {
				t.Errorf("verdict %s, confirmed %v; want %s, %v", res.Report.Verdict, res.Confirmed, tt.verdict, tt.confirmed)
			}
			if !slices.Equal(r.Log, tt.runs) {
				t.Errorf("runs %q, want %q", r.Log, tt.runs)
			}
			if len(tt.confirmed) > 0 != strings.Contains(log.String(), "again to confirm") {
				t.Errorf("log %q", log.String())
			}
			if len(res.Current.Cases) != 2 || res.Current.Cases[0].ID != v8.ID() {
				t.Errorf("current cases %v, want both in plan order", res.Current.Cases)
			}
		})
	}
}

// TestGateGivenResults compares a results file without measuring.
func TestGateGivenResults(t *testing.T) {
	v8 := workflowtest.Spec("yolov8n", 640)
	base := baseline(t, v8)
	slow := &workflowtest.Runner{FPS: func(string, int, int) float64 { return 80 }}
	cur, err := job(slow, nil, v8).Run(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	idle := &workflowtest.Runner{FPS: func(string, int, int) float64 { return 100 }}
	res, err := Run(context.Background(), Input{Job: job(idle, nil, v8), Current: cur, Baseline: base, Options: compare.DefaultOptions(), Confirm: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Report.Verdict != compare.Regression || len(idle.Log) != 0 {
		t.Errorf("verdict %s, runs %v; want a regression and no run", res.Report.Verdict, idle.Log)
	}
}

// TestGateBudget stops when the runner fails in the confirmation.
func TestGateBudget(t *testing.T) {
	v8 := workflowtest.Spec("yolov8n", 640)
	base := baseline(t, v8)
	r := &workflowtest.Runner{FPS: func(string, int, int) float64 { return 80 }, Budget: 15}
	_, err := Run(context.Background(), Input{Job: job(r, nil, v8), Baseline: base, Options: compare.DefaultOptions(), Confirm: true})
	if err != workflowtest.ErrBudget {
		t.Errorf("err = %v, want the runner's %v", err, workflowtest.ErrBudget)
	}
}

func TestGateRefusesBadOptions(t *testing.T) {
	opt := compare.DefaultOptions()
	opt.Alpha = 2
	if _, err := Run(context.Background(), Input{Options: opt}); err == nil {
		t.Error("alpha 2 accepted")
	}
}
