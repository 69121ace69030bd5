package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yologate/yologate/runner/ort"
	"github.com/yologate/yologate/runner/results"
)

// detectTestdata is the shared real model and photo (see SOURCES.md there).
const detectTestdata = "../../../shared/testdata"

func detectMain(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	c := &Command{Stdout: &out, Stderr: &errb, Getenv: os.Getenv, Ctx: context.Background()}
	code = c.Main(args)
	return out.String(), errb.String(), code
}

func needRealModel(t *testing.T) (model, bus string) {
	t.Helper()
	model = filepath.Join(detectTestdata, "models", "yolov8n_int8.onnx")
	bus = filepath.Join(detectTestdata, "images", "bus.jpg")
	for _, p := range []string{model, bus} {
		if _, err := os.Stat(p); err != nil {
			t.Skipf("real test data absent (%v); it lives in ../shared/testdata", err)
		}
	}
	if p, _ := ort.FindLibrary("", os.Getenv); p == "" {
		t.Skip("ONNX Runtime library not found: run make setup or set " + ort.LibraryEnv)
	}
	return model, bus
}

// TestDetectBus checks the real yolov8n int8 export on bus.jpg against the
// detections SOURCES.md records for it (Ultralytics' pipeline).
func TestDetectBus(t *testing.T) {
	model, bus := needRealModel(t)
	dump := filepath.Join(t.TempDir(), "out.f32")
	stdout, stderr, code := detectMain(t, "detect", "--model", model, "--format", "json", "--dump-output", dump, bus)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var acc results.Accuracy
	if err := json.Unmarshal([]byte(stdout), &acc); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, stdout)
	}
	if len(acc.Images) != 1 || acc.Images[0].Width != 800 || acc.Images[0].Height != 445 {
		t.Fatalf("images = %+v, want one 800x445 image", acc.Images)
	}
	dets := acc.Images[0].Detections
	buses, cars := 0, 0
	for _, d := range dets {
		if d.Name == "bus" && d.Score >= 0.85 {
			buses++
		}
		if d.Name == "car" && d.Score >= 0.7 {
			cars++
		}
		if d.X1 < 0 || d.Y1 < 0 || d.X2 > 800 || d.Y2 > 445 || d.X1 >= d.X2 || d.Y1 >= d.Y2 {
			t.Errorf("box outside the image or empty: %+v", d)
		}
	}
	if buses < 1 || cars < 3 {
		t.Errorf("found %d buses ≥ 0.85 and %d cars ≥ 0.7, want ≥ 1 and ≥ 3: %+v", buses, cars, dets)
	}
	// SOURCES.md: car 0.95, bus 0.91, cars 0.89, 0.83, 0.73, bus 0.79, person 0.58.
	want := []struct {
		name  string
		score float64
	}{{"car", 0.95}, {"bus", 0.91}, {"car", 0.89}, {"car", 0.83}, {"car", 0.73}, {"bus", 0.79}, {"person", 0.58}}
	used := make([]bool, len(dets))
	for _, w := range want {
		found := false
		for i, d := range dets {
			if !used[i] && d.Name == w.name && math.Abs(d.Score-w.score) <= 0.03 {
				used[i], found = true, true
				break
			}
		}
		if !found {
			t.Errorf("no %s within 0.03 of %.2f among %+v", w.name, w.score, dets)
		}
	}
	st, err := os.Stat(dump)
	if err != nil || st.Size() != 4*84*8400 {
		t.Errorf("output dump: %v, size %v, want %d bytes", err, st, 4*84*8400)
	}
}

func TestDetectBadInput(t *testing.T) {
	model, bus := needRealModel(t)
	notImage := filepath.Join(t.TempDir(), "notes.jpg")
	os.WriteFile(notImage, []byte("not a picture"), 0o644)
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no model", []string{"detect", bus}, ExitUsage, "--model"},
		{"no image", []string{"detect", "--model", model}, ExitUsage, "no images given"},
		{"not an image", []string{"detect", "--model", model, notImage}, ExitUsage, "not a JPEG or PNG image"},
		{"missing image", []string{"detect", "--model", model, "missing.png"}, ExitUsage, "missing.png"},
		{"bad conf", []string{"detect", "--model", model, "--conf", "1.5", bus}, ExitUsage, "--conf"},
		{"bad iou", []string{"detect", "--model", model, "--iou", "0", bus}, ExitUsage, "--iou"},
		{"missing model", []string{"detect", "--model", "nothere.onnx", bus}, ExitUsage, "nothere.onnx"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, code := detectMain(t, tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.msg) || strings.Count(stderr, "\n") != 1 {
				t.Errorf("exit %d, stderr %q; want exit %d and one line naming %q", code, stderr, tc.code, tc.msg)
			}
		})
	}
}
