package capacity

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/yologate/yologate/runner"
	"github.com/yologate/yologate/runner/results"
	"github.com/yologate/yologate/workflow"
	"github.com/yologate/yologate/workflow/workflowtest"
)

// TestSearch doubles until a stream count misses the target, then bisects.
func TestSearch(t *testing.T) {
	tests := []struct {
		name    string
		total   float64 // fps the machine shares among its streams
		max     int
		best    int
		streams []int
	}{
		{"bisects", 130, 64, 8, []int{1, 2, 4, 8, 16, 12, 10, 9}},
		{"not one", 10, 64, 0, []int{1}},
		{"limit", 1000, 4, 4, []int{1, 2, 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &workflowtest.Runner{FPS: func(_ string, streams, _ int) float64 { return tt.total / float64(streams) }}
			opt := runner.DefaultOptions()
			opt.Count = 3
			var log strings.Builder
			job := &workflow.Job{Runner: r, Specs: []runner.Spec{workflowtest.Spec("yolov8n", 640)}, Options: opt, Log: &log}
			res, err := Search(context.Background(), job, runner.CapacityTarget{FPS: 15}, tt.max)
			if err != nil {
				t.Fatal(err)
			}
			// The order of measurement, from the runner's log.
			var streams []int
			for _, l := range r.Log {
				_, n, _ := strings.Cut(l, " x ")
				k, _ := strconv.Atoi(n)
				streams = append(streams, k)
			}
			if res.Best != tt.best || !equal(streams, tt.streams) {
				t.Errorf("best %d after %v, want %d after %v", res.Best, streams, tt.best, tt.streams)
			}
			if res.File.Status != results.StatusComplete || len(res.File.Cases) != len(tt.streams) || len(res.File.Recommendations) != 1 {
				t.Errorf("file: status %s, %d cases, %d recommendations", res.File.Status, len(res.File.Cases), len(res.File.Recommendations))
			}
			if strings.Count(log.String(), "capacity: ") != len(tt.streams) {
				t.Errorf("log:\n%s", log.String())
			}
		})
	}
}

// TestSearchBudget stops at the runner's error and keeps the counts
// measured so far.
func TestSearchBudget(t *testing.T) {
	r := &workflowtest.Runner{FPS: func(_ string, streams, _ int) float64 { return 130 / float64(streams) }, Budget: 7}
	opt := runner.DefaultOptions()
	opt.Count = 3
	job := &workflow.Job{Runner: r, Specs: []runner.Spec{workflowtest.Spec("yolov8n", 640)}, Options: opt}
	res, err := Search(context.Background(), job, runner.CapacityTarget{FPS: 15}, 64)
	if err != workflowtest.ErrBudget {
		t.Fatalf("err = %v, want %v", err, workflowtest.ErrBudget)
	}
	if res.File.Status != results.StatusIncomplete || len(res.File.Cases) != 3 || len(res.File.Recommendations) != 0 {
		t.Errorf("file: status %s, %d cases (want 2 whole and 1 partial), %d recommendations", res.File.Status, len(res.File.Cases), len(res.File.Recommendations))
	}
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
