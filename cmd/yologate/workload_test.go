package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yologate/yologate/runner/ort"
	"github.com/yologate/yologate/runner/results"
)

func needORTForWorkload(t *testing.T) {
	t.Helper()
	if p, _ := ort.FindLibrary("", os.Getenv); p == "" {
		t.Skip("ONNX Runtime library not found: run make setup or set " + ort.LibraryEnv)
	}
}

// TestWorkloadBadInput checks that every bad e2e, streams, capacity and
// sweep input is one line naming the flag or file, with exit 2.
func TestWorkloadBadInput(t *testing.T) {
	needORTForWorkload(t)
	empty := t.TempDir()
	junk := t.TempDir()
	os.WriteFile(filepath.Join(junk, "a.jpg"), []byte("not a jpeg"), 0o644)
	tests := []struct {
		name string
		args []string
		msg  string
	}{
		{"e2e without input", []string{"run", "--mode", "e2e"}, "--input"},
		{"input without e2e", []string{"run", "--input", empty}, "--input"},
		{"unknown mode", []string{"run", "--mode", "fast"}, "--mode"},
		{"empty folder", []string{"run", "--mode", "e2e", "--input", empty}, empty},
		{"no usable image", []string{"run", "--mode", "e2e", "--input", junk}, "no usable image"},
		{"missing input", []string{"run", "--mode", "e2e", "--input", filepath.Join(empty, "x")}, "cannot read"},
		{"zero streams", []string{"run", "--streams", "0"}, "--streams"},
		{"too many streams", []string{"run", "--streams", "100000"}, "--streams"},
		{"bad sessions", []string{"run", "--streams", "2", "--sessions", "some"}, "--sessions"},
		{"negative target", []string{"capacity", "--target-fps", "-1"}, "--target-fps"},
		{"no target", []string{"capacity"}, "--target-fps"},
		{"bad p99 bound", []string{"capacity", "--target-fps", "15", "--max-p99", "-1ms"}, "--max-p99"},
		{"two sizes for capacity", []string{"capacity", "--target-fps", "15", "--imgsz", "320,640"}, "one case"},
		{"sweep size not a multiple of 32", []string{"sweep", "--imgsz", "320,500"}, "--imgsz"},
		{"sweep size not a number", []string{"sweep", "--imgsz", "big"}, "--imgsz"},
		{"sweep batch zero", []string{"sweep", "--batch", "1,0"}, "--batch"},
		{"sweep negative budget", []string{"sweep", "--latency-budget", "-50ms"}, "--latency-budget"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, code := detectMain(t, tc.args...)
			lines := strings.Split(strings.TrimSpace(stderr), "\n")
			last := lines[len(lines)-1]
			if code != ExitUsage || !strings.Contains(last, tc.msg) || !strings.HasPrefix(last, "yologate: ") {
				t.Errorf("exit %d, stderr %q; want exit %d and a line naming %q", code, stderr, ExitUsage, tc.msg)
			}
		})
	}
}

// TestCapacityAnswers runs capacity on the generated yolov8n at 64 with a
// target every count meets and one none meets.
func TestCapacityAnswers(t *testing.T) {
	needORTForWorkload(t)
	base := []string{"capacity", "--model", "yolov8n", "--imgsz", "64", "--ep", "cpu", "--threads", "1", "--warmup", "0", "--benchtime", "3x", "--count", "1", "--max-streams", "3"}
	for _, tc := range []struct {
		target string
		want   int
		counts []int
	}{
		{"0.001", 3, []int{1, 2, 3}},
		{"1000000", 0, []int{1}},
	} {
		t.Run(tc.target, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "cap.json")
			stdout, stderr, code := detectMain(t, append(base, "--target-fps", tc.target, "--out", out)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if !strings.Contains(stdout, "capacity curve") {
				t.Errorf("no curve in output:\n%s", stdout)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			var f results.File
			if err := json.Unmarshal(data, &f); err != nil {
				t.Fatal(err)
			}
			var counts []int
			for _, c := range f.Cases {
				counts = append(counts, max(c.Streams, 1))
			}
			if len(counts) != len(tc.counts) {
				t.Errorf("measured stream counts %v, want %v", counts, tc.counts)
			}
			if len(f.Recommendations) != 1 || f.Recommendations[0].Kind != "capacity" {
				t.Fatalf("recommendations %+v", f.Recommendations)
			}
			text := f.Recommendations[0].Text
			if tc.want == 0 && !strings.Contains(text, "not even one") || tc.want > 0 && !strings.HasPrefix(text, "3 concurrent") {
				t.Errorf("recommendation %q, want %d streams", text, tc.want)
			}
		})
	}
}

// TestSweepRecommends runs a two-size sweep on the generated yolov8n.
func TestSweepRecommends(t *testing.T) {
	needORTForWorkload(t)
	out := filepath.Join(t.TempDir(), "sweep.json")
	stdout, stderr, code := detectMain(t, "sweep", "--model", "yolov8n", "--imgsz", "32,64", "--batch", "1", "--ep", "cpu", "--threads", "1",
		"--warmup", "0", "--benchtime", "3x", "--count", "1", "--latency-budget", "10s", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var f results.File
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Cases) != 2 {
		t.Errorf("%d cases, want 2", len(f.Cases))
	}
	if len(f.Recommendations) != 3 || f.Recommendations[0].Kind != "sweep" || f.Recommendations[0].CaseID == "" {
		t.Errorf("recommendations %+v, want the overall best and one per size", f.Recommendations)
	}
	if !strings.Contains(stdout, "best throughput within latency budget 10000 ms") {
		t.Errorf("no recommendation line in:\n%s", stdout)
	}
}
