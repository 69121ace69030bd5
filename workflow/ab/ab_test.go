package ab

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/yologate/yologate/compare"
	"github.com/yologate/yologate/runner"
	"github.com/yologate/yologate/runner/results"
	"github.com/yologate/yologate/workflow/workflowtest"
)

func input(r *workflowtest.Runner, count int, fresh bool) Input {
	opt := runner.DefaultOptions()
	opt.Count = count
	return Input{Runner: r, A: []runner.Spec{workflowtest.Spec("yolov8n", 640)}, B: []runner.Spec{workflowtest.Spec("yolov8n", 672)},
		Options: opt, Fresh: fresh}
}

// TestOrder checks the interleaving: both sessions warmed up, then A B,
// B A, A B, ...; with fresh sessions, new ones for every pair.
func TestOrder(t *testing.T) {
	a, b := workflowtest.ID("yolov8n", 640), workflowtest.ID("yolov8n", 672)
	tests := []struct {
		name  string
		fresh bool
		want  []string
	}{
		{"shared sessions", false, []string{"prepare " + a, "prepare " + b, "warm-up " + a, "warm-up " + b,
			"repeat " + a, "repeat " + b, "repeat " + b, "repeat " + a, "repeat " + a, "repeat " + b, "repeat " + b, "repeat " + a}},
		{"fresh sessions", true, []string{
			"prepare " + a, "prepare " + b, "warm-up " + a, "warm-up " + b, "repeat " + a, "repeat " + b,
			"prepare " + a, "prepare " + b, "warm-up " + a, "warm-up " + b, "repeat " + b, "repeat " + a,
			"prepare " + a, "prepare " + b, "warm-up " + a, "warm-up " + b, "repeat " + a, "repeat " + b,
			"prepare " + a, "prepare " + b, "warm-up " + a, "warm-up " + b, "repeat " + b, "repeat " + a}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &workflowtest.Runner{FPS: func(string, int, int) float64 { return 100 }}
			res, err := Run(context.Background(), input(r, 4, tt.fresh), compare.DefaultOptions())
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(r.Log, tt.want) {
				t.Errorf("steps:\n%s\nwant:\n%s", strings.Join(r.Log, "\n"), strings.Join(tt.want, "\n"))
			}
			for _, f := range []*results.File{res.A, res.B} {
				if f.Status != results.StatusComplete || len(f.Cases) != 1 || len(f.Cases[0].Repeats) != 4 {
					t.Errorf("side: status %s, cases %d", f.Status, len(f.Cases))
				}
			}
		})
	}
}

func TestVerdict(t *testing.T) {
	b := workflowtest.ID("yolov8n", 672)
	tests := []struct {
		name string
		bFPS float64
		want compare.Verdict
	}{
		{"same", 100, compare.Unchanged},
		{"b slower", 80, compare.Regression},
		{"b faster", 120, compare.Improvement},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &workflowtest.Runner{FPS: func(id string, _, _ int) float64 {
				if id == b {
					return tt.bFPS
				}
				return 100
			}}
			res, err := Run(context.Background(), input(r, 10, false), compare.DefaultOptions())
			if err != nil {
				t.Fatal(err)
			}
			if res.Report.Verdict != tt.want || !res.Report.Options.Paired {
				t.Errorf("verdict %s (paired %v), want %s", res.Report.Verdict, res.Report.Options.Paired, tt.want)
			}
			if got := res.Report.Cases[0].ID; !strings.Contains(got, " vs ") {
				t.Errorf("case %q does not name both sides", got)
			}
		})
	}
}

// TestBudget stops at the runner's error, keeps what both sides measured
// and marks them incomplete.
func TestBudget(t *testing.T) {
	r := &workflowtest.Runner{FPS: func(string, int, int) float64 { return 100 }, Budget: 5}
	res, err := Run(context.Background(), input(r, 4, false), compare.DefaultOptions())
	if !errors.Is(err, workflowtest.ErrBudget) {
		t.Fatalf("err = %v, want %v", err, workflowtest.ErrBudget)
	}
	if res.Report != nil {
		t.Error("a failed run has a report")
	}
	for _, f := range []*results.File{res.A, res.B} {
		if f.Status != results.StatusIncomplete || !strings.Contains(f.StatusReason, "budget") || len(f.Cases) != 1 {
			t.Errorf("side: status %s (%s), %d cases", f.Status, f.StatusReason, len(f.Cases))
		}
	}
	if n := len(res.A.Cases[0].Repeats) + len(res.B.Cases[0].Repeats); n != 5 {
		t.Errorf("%d repeats kept, want the 5 measured", n)
	}
}

// TestLog says each step on Log, and nothing without one (--quiet).
func TestLog(t *testing.T) {
	in := input(&workflowtest.Runner{FPS: func(string, int, int) float64 { return 100 }}, 2, false)
	var log strings.Builder
	in.Log = &log
	if _, err := Run(context.Background(), in, compare.DefaultOptions()); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(log.String(), "ab: "); n != 8 {
		t.Errorf("%d log lines, want 8:\n%s", n, log.String())
	}
}
