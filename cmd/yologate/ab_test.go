package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yologate/yologate/runner/ort"
	"github.com/yologate/yologate/runner/results"
	"github.com/yologate/yologate/workflow/ab"
)

func TestABBadInput(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"ab", "--a", "yolov8n"}, "--b: missing"},
		{[]string{"ab", "--b", "yolov8n"}, "--a: missing"},
		{[]string{"ab", "--a", "yolov8n", "--b", "--imgsz 63"}, "--b: --imgsz"},
		{[]string{"ab", "--a", "yolov8n", "--b", "--count 3"}, "--b: the sides must share the protocol"},
		{[]string{"ab", "--a", "yolov8n", "--b", "--colour red"}, "--b: flag provided but not defined: -colour"},
		{[]string{"ab", "--a", "yolov8n", "--b", "yolov8s", "--threshold", "-3%"}, `--threshold: "-3%" is negative`},
		{[]string{"ab", "--a", "yolov8n", "--b", "yolov8s", "extra"}, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		code, _, stderr := cmpMain(t, tt.args...)
		if code != 2 || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", tt.args, code, stderr, tt.want)
		}
	}
}

// abModel is the real Ultralytics export, read in place: a file needs no
// generation, which the race detector would slow down tenfold.
const abModel = "../../../shared/testdata/models/yolov8n_int8.onnx"

func needABModel(t *testing.T) {
	t.Helper()
	if p, _ := ort.FindLibrary("", os.Getenv); p == "" {
		t.Skip("ONNX Runtime library not found: run make setup or set YOLOGATE_ORT_LIB")
	}
	if _, err := os.Stat(abModel); err != nil {
		t.Skipf("real model absent (%v): see ../../../shared/testdata/SOURCES.md", err)
	}
}

func TestABMeasurementsLabel(t *testing.T) {
	mk := func(id string, fps float64) *results.File {
		return &results.File{Cases: []results.Case{{ID: id, Profile: "cpu=x/threads=1", Device: -1,
			Model: results.Model{SHA256: id}, Repeats: []results.Repeat{{FPS: fps}}}}}
	}
	a, b := ab.Measurements(mk("model=m/imgsz=640", 10), mk("model=m/imgsz=640x704", 9))
	want := "model=m/imgsz=640 vs model=m/imgsz=640x704"
	if a[0].CaseID != want || b[0].CaseID != want || a[0].Model.SHA256 != "" || b[0].Model.SHA256 != "" {
		t.Errorf("ids %q / %q, models %+v / %+v", a[0].CaseID, b[0].CaseID, a[0].Model, b[0].Model)
	}
}

// TestABInterleaved runs a tiny real A/B on ONNX Runtime's CPU provider:
// the same real model on both sides, repeats interleaved.
func TestABInterleaved(t *testing.T) {
	needABModel(t)
	dir := t.TempDir()
	outA, outB := filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json")
	var stdout, stderr strings.Builder
	c := &Command{Stdout: &stdout, Stderr: &stderr, Getenv: os.Getenv, Ctx: t.Context()}
	code := c.Main([]string{"ab", "--a", abModel, "--b", "--model " + abModel + " --threads 1", "--ep", "cpu",
		"--count", "3", "--benchtime", "1x", "--warmup", "0", "--threads", "2", "--out-a", outA, "--out-b", outB, "--format", "text"})
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	if !strings.Contains(stdout.String(), "model=yolov8n_int8/imgsz=640/batch=1/ep=cpu/precision=int8") {
		t.Errorf("table does not name the case:\n%s", stdout.String())
	}
	if !strings.Contains(stdout.String(), "paired: Δ and p come from the ratios of back-to-back repeats") {
		t.Errorf("the table does not say the comparison is paired:\n%s", stdout.String())
	}
	// Three repeats per side can never be significant: the table says so.
	if !strings.Contains(stdout.String(), "too few samples") {
		t.Errorf("no too-few-samples note:\n%s", stdout.String())
	}
	for i, p := range []string{outA, outB} {
		f, err := results.Read(p)
		if err != nil {
			t.Fatal(err)
		}
		if f.Status != results.StatusComplete || len(f.Cases) != 1 || len(f.Cases[0].Repeats) != 3 {
			t.Fatalf("%s: status %s, %d cases", p, f.Status, len(f.Cases))
		}
		// The shared --threads 2 applies to A; B overrides it.
		if want := 2 - i; f.Cases[0].Threads != want {
			t.Errorf("%s: threads %d, want %d", p, f.Cases[0].Threads, want)
		}
	}
	// The progress shows the interleaving: A's and B's repeats alternate
	// A B, B A, A B.
	var order []string
	for _, line := range strings.Split(stderr.String(), "\n") {
		if strings.HasPrefix(line, "ab: repeat ") {
			order = append(order, line[len(line)-1:])
		}
	}
	if diff := cmp.Diff([]string{"a", "b", "b", "a", "a", "b"}, order); diff != "" {
		t.Errorf("repeat order (-want +got):\n%s\n%s", diff, stderr.String())
	}
}

// TestABFreshSessions checks that --fresh-sessions keeps every repeat and
// the A B, B A order while creating new sessions for each pair.
func TestABFreshSessions(t *testing.T) {
	needABModel(t)
	dir := t.TempDir()
	outB := filepath.Join(dir, "b.json")
	var stdout, stderr strings.Builder
	c := &Command{Stdout: &stdout, Stderr: &stderr, Getenv: os.Getenv, Ctx: t.Context()}
	code := c.Main([]string{"ab", "--a", abModel, "--b", abModel, "--ep", "cpu", "--fresh-sessions",
		"--count", "2", "--benchtime", "1x", "--warmup", "0", "--threads", "1", "--out-b", outB})
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	if n := strings.Count(stderr.String(), "ab: side a: "); n != 2 {
		t.Errorf("%d sessions for side a, want one per pair (2)", n)
	}
	f, err := results.Read(outB)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Cases) != 1 || len(f.Cases[0].Repeats) != 2 {
		t.Errorf("side b: %d cases, want 1 with 2 repeats", len(f.Cases))
	}
	var order []string
	for _, line := range strings.Split(stderr.String(), "\n") {
		if strings.HasPrefix(line, "ab: repeat ") {
			order = append(order, line[len(line)-1:])
		}
	}
	if diff := cmp.Diff([]string{"a", "b", "b", "a"}, order); diff != "" {
		t.Errorf("repeat order (-want +got):\n%s", diff)
	}
}
