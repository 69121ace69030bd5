package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yologate/yologate/runner/onnxmodel"
	"github.com/yologate/yologate/runner/ort"
	"github.com/yologate/yologate/runner/results"
)

// realModel is a real Ultralytics export (static 1×3×640×640), read in place.
const realModel = "../../../shared/testdata/models/yolov8n_int8.onnx"

// runMain runs the command line args and returns the exit code, stdout and stderr.
func runMain(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	c := &Command{Stdout: &stdout, Stderr: &stderr, Getenv: os.Getenv, Ctx: context.Background()}
	code := c.Main(args)
	return code, stdout.String(), stderr.String()
}

func needORT(t *testing.T) {
	t.Helper()
	if p, _ := ort.FindLibrary("", os.Getenv); p == "" {
		t.Skipf("ONNX Runtime library not found (set %s or run make setup)", ort.LibraryEnv)
	}
}

func needModel(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(realModel); err != nil {
		t.Skipf("%s absent: real test data not available", realModel)
	}
}

func TestRunRealExport(t *testing.T) {
	needORT(t)
	needModel(t)
	out := filepath.Join(t.TempDir(), "results.json")
	code, stdout, stderr := runMain(t, "run", "--model", realModel, "--count", "3", "--benchtime", "5x", "--threads", "1", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	const id = "model=yolov8n_int8/imgsz=640/batch=1/ep=cpu/precision=int8"
	for _, want := range []string{id, "cold start: session", "warm-up:", "repeats: 3 × 5 iterations", "timing: inference only", "results: " + out} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	f, err := results.Read(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Cases) != 1 || f.Cases[0].ID != id || len(f.Cases[0].Repeats) != 3 || f.Status != results.StatusComplete {
		t.Fatalf("results: %+v", f)
	}
	for _, r := range f.Cases[0].Repeats {
		if r.Iterations != 5 || len(r.LatenciesNS) != 5 {
			t.Errorf("repeat has %d iterations, %d latencies; want 5", r.Iterations, len(r.LatenciesNS))
		}
	}
}

func TestRunFormats(t *testing.T) {
	needORT(t)
	for _, tc := range []struct{ format, model string }{
		{"json", "yolov8n"},
		{"bench", realModel},
	} {
		format := tc.format
		t.Run(format, func(t *testing.T) {
			if tc.model == realModel {
				needModel(t)
			}
			args := []string{"run", "--model", tc.model, "--count", "2", "--benchtime", "3x", "--warmup", "0", "--threads", "1", "--format", format}
			if tc.model == "yolov8n" {
				args = append(args, "--imgsz", "64")
			}
			code, stdout, stderr := runMain(t, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			switch format {
			case "json":
				f, err := results.Unmarshal("stdout", []byte(stdout))
				if err != nil {
					t.Fatal(err)
				}
				if c := f.Cases[0]; c.ID != "model=yolov8n/imgsz=64/batch=1/ep=cpu/precision=fp32" || !c.Model.Generated || c.Model.Params != 3151904 {
					t.Errorf("case %s generated=%v params=%d", c.ID, c.Model.Generated, c.Model.Params)
				}
			case "bench":
				lines := strings.Split(strings.TrimSpace(stdout), "\n")
				n := 0
				for _, l := range lines {
					if strings.HasPrefix(l, "BenchmarkYOLO/model=yolov8n_int8/imgsz=640/batch=1/ep=cpu/precision=int8\t3\t") {
						n++
					}
				}
				if n != 2 || !strings.HasPrefix(stdout, "goos: ") {
					t.Errorf("want a header and 2 benchmark lines, got:\n%s", stdout)
				}
			}
		})
	}
}

// noImageModel writes a valid ONNX model whose input is not an image.
func noImageModel(t *testing.T, dir string) string {
	t.Helper()
	m := &onnxmodel.Model{
		IRVersion:   8,
		OpsetImport: []onnxmodel.OpsetID{{Version: 17}},
		Graph: &onnxmodel.Graph{
			Name:   "vector",
			Node:   []*onnxmodel.Node{{OpType: "Identity", Input: []string{"x"}, Output: []string{"y"}}},
			Input:  []*onnxmodel.ValueInfo{{Name: "x", Type: &onnxmodel.TensorType{ElemType: onnxmodel.Float, Shape: []onnxmodel.Dim{{Value: 1}, {Value: 10}}, HasShape: true}}},
			Output: []*onnxmodel.ValueInfo{{Name: "y", Type: &onnxmodel.TensorType{ElemType: onnxmodel.Float, Shape: []onnxmodel.Dim{{Value: 1}, {Value: 10}}, HasShape: true}}},
		},
	}
	path := filepath.Join(dir, "vector.onnx")
	if err := os.WriteFile(path, onnxmodel.Encode(m), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRunBadInput(t *testing.T) {
	needORT(t)
	needModel(t)
	dir := t.TempDir()
	notONNX := filepath.Join(dir, "photo.onnx")
	if err := os.WriteFile(notONNX, []byte("\xff\xd8\xff\xe0 a jpeg, not a model"), 0o644); err != nil {
		t.Fatal(err)
	}
	vector := noImageModel(t, dir)
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"missing model", []string{"--model", filepath.Join(dir, "missing.onnx")}, 2, "no such file"},
		{"not onnx", []string{"--model", notONNX}, 2, "photo.onnx"},
		{"no image input", []string{"--model", vector}, 2, "not a 4-D image input"},
		{"static size", []string{"--model", realModel, "--imgsz", "320"}, 2, "--imgsz 640"},
		{"static batch", []string{"--model", realModel, "--batch", "4"}, 2, "--batch 1"},
		{"count 0", []string{"--model", realModel, "--count", "0"}, 2, "--count"},
		{"benchtime abc", []string{"--model", realModel, "--benchtime", "abc"}, 2, "--benchtime"},
		{"warmup bad", []string{"--model", realModel, "--warmup", "-1"}, 2, "--warmup"},
		{"imgsz bad", []string{"--model", realModel, "--imgsz", "641"}, 2, "--imgsz"},
		{"batch bad", []string{"--model", realModel, "--batch", "0"}, 2, "--batch"},
		{"unknown provider", []string{"--model", realModel, "--ep", "tpu"}, 2, "--ep"},
		{"unknown model name", []string{"--model", "yolov99"}, 2, "--model"},
		{"format", []string{"--model", realModel, "--format", "xml"}, 2, "--format"},
		{"precision", []string{"--model", realModel, "--ep", "cpu", "--precision", "fp16"}, 2, "--precision"},
		{"unknown flag", []string{"--modle", realModel}, 2, "modle"},
		{"stray argument", []string{realModel}, 2, "unexpected argument"},
		{"provider not available", []string{"--model", realModel, "--ep", "cuda"}, 3, "cuda"},
		{"library missing", []string{"--model", realModel, "--ort-lib", filepath.Join(dir, "libonnxruntime.so.1")}, 3, "make setup"},
		{"out folder missing", []string{"--model", realModel, "--out", filepath.Join(dir, "no", "r.json")}, 2, "--out"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, "r.json")
			args := append([]string{"run", "--warmup", "0", "--count", "1", "--benchtime", "1x", "--out", out}, tc.args...)
			code, stdout, stderr := runMain(t, args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, stdout, stderr)
			}
			if lines := strings.Count(stderr, "\n"); lines != 1 || !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr %q: want one line containing %q", stderr, tc.want)
			}
			if _, err := os.Stat(out); err == nil {
				os.Remove(out)
				t.Error("a results file was written")
			}
		})
	}
}

// TestQuietPrintsNothing: with --quiet, run and ab print nothing but
// errors; the results still go to --out.
func TestQuietPrintsNothing(t *testing.T) {
	needORT(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "r.json")
	protocol := []string{"--model", "yolov8n", "--imgsz", "64", "--ep", "cpu", "--threads", "1", "--count", "2", "--benchtime", "2x", "--warmup", "0", "--quiet"}
	code, stdout, stderr := runMain(t, append([]string{"run", "--out", out}, protocol...)...)
	if code != 0 || stdout != "" || stderr != "" {
		t.Errorf("run: exit %d, stdout %q, stderr %q; want 0 and nothing printed", code, stdout, stderr)
	}
	if f, err := results.Read(out); err != nil || len(f.Cases) != 1 {
		t.Errorf("run --out: %v", err)
	}
	code, stdout, stderr = runMain(t, append([]string{"ab", "--a", "--batch 1", "--b", "--batch 1", "--out-b", out}, protocol...)...)
	// An A/A comparison passes, or fails by chance with one error line.
	if code == 0 && stderr != "" || code == 1 && strings.Count(stderr, "\n") != 1 || code > 1 || stdout != "" {
		t.Errorf("ab: exit %d, stdout %q, stderr %q; want nothing but an error", code, stdout, stderr)
	}
}
