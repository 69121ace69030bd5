package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yologate/yologate/internal/golden"
)

func TestModelsList(t *testing.T) {
	code, out, errOut := runMain(t, "models", "list")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	golden.Check(t, "models_list.golden", out)
}

const realONNX = "../../../shared/testdata/models/yolov8n_int8.onnx"

func TestModelsInspectRealExport(t *testing.T) {
	if _, err := os.Stat(realONNX); err != nil {
		t.Skipf("real model not available: %v", err)
	}
	code, out, errOut := runMain(t, "models", "inspect", realONNX)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"names:   80 classes", "imgsz:   [640, 640]", "stride:  32", "task:    detect"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	golden.Check(t, "models_inspect_int8.golden", strings.ReplaceAll(out, realONNX, "yolov8n_int8.onnx"))
}

func TestModelsGenerateAndInspect(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "yolo11n.onnx")
	code, out, errOut := runMain(t, "models", "generate", "yolo11n", "--imgsz", "320x256", "--batch", "2", "-o", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.HasPrefix(out, "wrote "+path+": yolo11n, input [2 3 320 256], 2,616,248 params") {
		t.Errorf("generate printed %q", out)
	}
	code, out, errOut = runMain(t, "models", "inspect", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	golden.Check(t, "models_inspect_yolo11n.golden", strings.ReplaceAll(out, path, "yolo11n.onnx"))
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("%d files in the output folder, want only the model (no temporary left)", len(entries))
	}
}

func TestModelsErrors(t *testing.T) {
	dir := t.TempDir()
	notONNX := filepath.Join(dir, "notes.onnx")
	if err := os.WriteFile(notONNX, []byte("just some text\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.onnx")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	readOnly := filepath.Join(dir, "ro")
	if err := os.Mkdir(readOnly, 0o555); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "m.onnx")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown model", []string{"generate", "yolov5s", "-o", out}, "yologate: yolov5s: unknown standard model (valid models: yolov8n, yolov8s, yolov8m, yolov8l, yolov8x, yolo11n, yolo11s, yolo11m, yolo11l, yolo11x)"},
		{"imgsz not a multiple of 32", []string{"generate", "yolov8n", "--imgsz", "500", "-o", out}, "yologate: --imgsz: image side 500"},
		{"imgsz below 32", []string{"generate", "yolov8n", "--imgsz", "0", "-o", out}, "yologate: --imgsz: image side 0"},
		{"imgsz garbage", []string{"generate", "yolov8n", "--imgsz", "big", "-o", out}, "yologate: --imgsz: bad image size \"big\""},
		{"batch zero", []string{"generate", "yolov8n", "--batch", "0", "-o", out}, "yologate: --batch: bad batch size \"0\""},
		{"no output", []string{"generate", "yolov8n"}, "yologate: -o: missing output file (add -o FILE.onnx)"},
		{"no name", []string{"generate", "-o", out}, "yologate: models generate: missing model NAME"},
		{"missing folder", []string{"generate", "yolov8n", "--imgsz", "64", "-o", filepath.Join(dir, "no", "m.onnx")}, "cannot write"},
		{"read-only folder", []string{"generate", "yolov8n", "--imgsz", "64", "-o", filepath.Join(readOnly, "m.onnx")}, "cannot write"},
		{"output is a folder", []string{"generate", "yolov8n", "--imgsz", "64", "-o", dir}, "is a directory"},
		{"inspect text", []string{"inspect", notONNX}, "yologate: " + notONNX + ": not an ONNX model"},
		{"inspect empty", []string{"inspect", empty}, "yologate: " + empty + ": empty file, not an ONNX model"},
		{"inspect missing", []string{"inspect", filepath.Join(dir, "nope.onnx")}, "no such file"},
		{"inspect two", []string{"inspect", empty, empty}, "want one FILE"},
		{"unknown subcommand", []string{"convert"}, "yologate: models convert: unknown subcommand"},
		{"no subcommand", nil, "missing subcommand"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "read-only folder" && os.Geteuid() == 0 {
				t.Skip("root writes into read-only folders")
			}
			code, _, errOut := runMain(t, append([]string{"models"}, tc.args...)...)
			if code != ExitUsage {
				t.Errorf("exit %d, want %d", code, ExitUsage)
			}
			if !strings.Contains(errOut, tc.want) {
				t.Errorf("stderr %q lacks %q", errOut, tc.want)
			}
			if strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
				t.Errorf("stderr spans lines: %q", errOut)
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("%s was written", out)
			}
			entries, _ := os.ReadDir(readOnly)
			if len(entries) > 0 {
				t.Errorf("files left in the read-only folder: %v", entries)
			}
		})
	}
}
