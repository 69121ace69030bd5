package ort

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yologate/yologate/internal/errs"
)

// int8Model is a real Ultralytics export, read in place.
const int8Model = "../../../shared/testdata/models/yolov8n_int8.onnx"

// loadORT loads the library or skips the test with the reason.
func loadORT(t testing.TB) {
	t.Helper()
	path, source := FindLibrary("", os.Getenv)
	if path == "" {
		t.Skipf("ONNX Runtime library not found (set %s or run make setup)", LibraryEnv)
	}
	if err := Load(path, source); err != nil {
		t.Fatalf("Load(%q): %v", path, err)
	}
}

func readModel(t testing.TB) []byte {
	t.Helper()
	data, err := os.ReadFile(int8Model)
	if os.IsNotExist(err) {
		t.Skipf("%s absent: real test data not available", int8Model)
	}
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestLoadErrors(t *testing.T) {
	loadORT(t) // a loaded library stays; other paths are refused
	dir := t.TempDir()
	notLib := filepath.Join(dir, "libnot.so")
	if err := os.WriteFile(notLib, []byte("not a library"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, path, want string }{
		// A team's repository has no Makefile of ours: the fix leads with
		// the library to point at.
		{"empty", "", `point YOLOGATE_ORT_LIB or --ort-lib at libonnxruntime.so.1 of ONNX Runtime >= 1.24 (its release archive, or the yologate image: docs/gpu.md), or run "make setup" in a yologate checkout`},
		{"missing", filepath.Join(dir, "nope.so"), "does not exist"},
		{"directory", dir, "is a directory"},
		{"second library", notLib, "already loaded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Load(tc.path, LibraryEnv)
			if err == nil || errs.KindOf(err) != errs.Env || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Load(%q) = %v, want an environment error containing %q", tc.path, err, tc.want)
			}
			if !strings.Contains(err.Error(), LibraryEnv) {
				t.Errorf("error %q does not name %s", err, LibraryEnv)
			}
		})
	}
}

// TestLoadWrongLibrary loads a file that is not ONNX Runtime in a fresh
// process (a process keeps the first library it loads).
func TestLoadWrongLibrary(t *testing.T) {
	if p := os.Getenv("YOLOGATE_TEST_LOAD"); p != "" {
		err := Load(p, "--ort-lib")
		fmt.Printf("kind=%v err=%v\n", errs.KindOf(err), err)
		return
	}
	dir := t.TempDir()
	for _, tc := range []struct{ name, content string }{
		{"not an elf file", "garbage"},
		{"shared library without onnx runtime", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".so")
			if tc.content != "" {
				if err := os.WriteFile(path, []byte(tc.content), 0o644); err != nil {
					t.Fatal(err)
				}
			} else {
				// libc is a real shared library that lacks OrtGetApiBase.
				libc := "/lib/x86_64-linux-gnu/libc.so.6"
				if _, err := os.Stat(libc); err != nil {
					t.Skipf("%s absent", libc)
				}
				path = libc
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestLoadWrongLibrary$")
			cmd.Env = append(os.Environ(), "YOLOGATE_TEST_LOAD="+path)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			got := string(out)
			if !strings.Contains(got, "kind=environment") || !strings.Contains(got, "--ort-lib:") || !strings.Contains(got, "make setup") {
				t.Errorf("loading %s: got %q, want an environment error naming --ort-lib and make setup", path, got)
			}
		})
	}
}

func TestVersionAndProviders(t *testing.T) {
	loadORT(t)
	if v := Version(); !strings.HasPrefix(v, "1.") {
		t.Errorf("Version() = %q, want 1.x", v)
	}
	p := Providers()
	if len(p) == 0 || p[len(p)-1] != CPU {
		t.Errorf("Providers() = %v, want the CPU provider last", p)
	}
	if err := Available("cpu"); err != nil {
		t.Errorf("Available(cpu) = %v", err)
	}
	if err := Available("tpu"); errs.KindOf(err) != errs.Usage {
		t.Errorf("Available(tpu) = %v, want a usage error", err)
	}
	// The CPU-only library has no CUDA provider: cuda is an environment
	// error, never a crash.
	if err := Available(CUDA); errs.KindOf(err) != errs.Env {
		t.Errorf("Available(cuda) = %v, want an environment error", err)
	}
}

func TestSessionRunsRealModel(t *testing.T) {
	loadORT(t)
	model := readModel(t)
	in, out, err := Inspect(model)
	if err != nil {
		t.Fatal(err)
	}
	if len(in) != 1 || in[0].Type != "float32" || len(in[0].Shape) != 4 {
		t.Fatalf("inputs = %v, want one float32 4-D image input", in)
	}
	s, err := NewSession(model, in, out, Config{IntraOpThreads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	shape := append([]int64(nil), in[0].Shape...)
	for i, d := range shape {
		if d < 0 {
			shape[i] = map[int]int64{0: 1, 1: 3}[i]
			if shape[i] == 0 {
				shape[i] = 640
			}
		}
	}
	if err := s.Allocate([][]int64{shape}); err != nil {
		t.Fatal(err)
	}
	buf := s.InputData(0)
	for i := 0; i < len(buf); i += 4 {
		binary.NativeEndian.PutUint32(buf[i:], math.Float32bits(float32(i%1021)/1021))
	}
	if err := s.First(); err != nil {
		t.Fatal(err)
	}
	if got := s.Outputs()[0].Shape; len(got) != 3 || got[0] != shape[0] {
		t.Fatalf("output shape %v, want [batch, 84, anchors]", got)
	}
	allocs := testing.AllocsPerRun(3, func() {
		if err := s.Run(); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Run allocates %v times per call, want 0", allocs)
	}
	// The output must be real numbers that depend on the input.
	outBuf := s.OutputData(0)
	nonZero := 0
	for i := 0; i < len(outBuf); i += 4 {
		f := math.Float32frombits(binary.NativeEndian.Uint32(outBuf[i:]))
		if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
			t.Fatalf("output[%d] = %v", i/4, f)
		}
		if f != 0 {
			nonZero++
		}
	}
	if nonZero == 0 {
		t.Fatal("output is all zeros")
	}
}

func TestAllocateRejectsOtherSize(t *testing.T) {
	loadORT(t)
	model := readModel(t)
	in, out, err := Inspect(model)
	if err != nil {
		t.Fatal(err)
	}
	if in[0].Shape[2] < 0 {
		t.Skip("model has a dynamic height")
	}
	s, err := NewSession(model, in, out, Config{IntraOpThreads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.Allocate([][]int64{{1, 3, in[0].Shape[2] + 32, in[0].Shape[3]}})
	if errs.KindOf(err) != errs.Input || !strings.Contains(err.Error(), "fixed at") {
		t.Fatalf("Allocate(other size) = %v, want an input error", err)
	}
}

func TestInspectRejectsGarbage(t *testing.T) {
	loadORT(t)
	_, _, err := Inspect([]byte("not an onnx model"))
	if errs.KindOf(err) != errs.Input {
		t.Fatalf("Inspect(garbage) = %v, want an input error", err)
	}
}

func TestCPUOptionsRejected(t *testing.T) {
	loadORT(t)
	model := readModel(t)
	in, out, err := Inspect(model)
	if err != nil {
		t.Fatal(err)
	}
	_, err = NewSession(model, in, out, Config{Provider: Provider{Name: CPU, Options: map[string]string{"x": "1"}}})
	if errs.KindOf(err) != errs.Usage {
		t.Fatalf("NewSession(cpu with options) = %v, want a usage error", err)
	}
}
