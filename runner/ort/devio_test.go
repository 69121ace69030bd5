package ort

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// fillPattern fills a float32 input with a fixed pattern in [0, 1).
func fillPattern(buf []byte) {
	for i := 0; i < len(buf); i += 4 {
		binary.NativeEndian.PutUint32(buf[i:], math.Float32bits(float32(i%997)/997))
	}
}

// openSession opens the int8 test model with cfg at 640, fills its input
// with the pattern and runs First; the session is closed with the test.
func openSession(t *testing.T, model []byte, cfg Config) *Session {
	t.Helper()
	in, out, err := Inspect(model)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSession(model, in, out, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Allocate([][]int64{{1, 3, 640, 640}}); err != nil {
		t.Fatal(err)
	}
	fillPattern(s.InputData(0))
	if err := s.First(); err != nil {
		t.Fatal(err)
	}
	return s
}

// runModel returns the model's outputs after two Runs with cfg, and
// whether the session was device-resident.
func runModel(t *testing.T, model []byte, cfg Config) ([]byte, bool) {
	t.Helper()
	s := openSession(t, model, cfg)
	// Zero the host output so that only a Run's result can fill it.
	clear(s.outData[0])
	for range 2 {
		if err := s.Run(); err != nil {
			t.Fatal(err)
		}
	}
	return bytes.Clone(s.OutputData(0)), s.DeviceResident()
}

// TestDeviceIO runs the device-resident path on the CPU provider, where the
// provider's memory is host memory: tensors from the session's allocator,
// bound through the C API by slot, the session pointer read by reflection.
// Its outputs must equal those of the host-bound session bit for bit.
func TestDeviceIO(t *testing.T) {
	loadORT(t)
	model := readModel(t)
	want, dev := runModel(t, model, Config{IntraOpThreads: 1})
	if dev {
		t.Fatal("a session without DeviceIO says it is device-resident")
	}
	got, dev := runModel(t, model, Config{IntraOpThreads: 1, DeviceIO: true})
	if !dev {
		t.Fatal("a session with DeviceIO is not device-resident")
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("device-resident outputs differ from host-bound ones (%d bytes)", len(want))
	}
	if bytes.Equal(want, make([]byte, len(want))) {
		t.Fatal("outputs are all zeros")
	}
}

func TestDeviceIORunAllocatesNothing(t *testing.T) {
	loadORT(t)
	s := openSession(t, readModel(t), Config{IntraOpThreads: 1, DeviceIO: true})
	if allocs := testing.AllocsPerRun(3, func() {
		if err := s.Run(); err != nil {
			t.Fatal(err)
		}
	}); allocs != 0 {
		t.Errorf("Run allocates %v times per call, want 0", allocs)
	}
	// Host memory has no transfer to measure.
	if _, err := s.MeasureTransfer(3); err == nil {
		t.Error("MeasureTransfer on the CPU provider succeeded")
	}
}

// TestCAPISlots compiles capi.h against the C API header that
// onnxruntime_go ships and checks every slot and function type there.
func TestCAPISlots(t *testing.T) {
	cc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("gcc not found")
	}
	dir, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/yalue/onnxruntime_go").Output()
	if err != nil {
		t.Skipf("onnxruntime_go's source not found: %v", err)
	}
	header, err := os.ReadFile("capi.h")
	if err != nil {
		t.Fatal(err)
	}
	var checks strings.Builder
	for _, line := range strings.Split(string(header), "\n") {
		name, ok := strings.CutPrefix(line, "#define YG_SLOT_")
		if !ok {
			continue
		}
		name = strings.Fields(name)[0]
		checks.WriteString("_Static_assert(offsetof(OrtApi, " + name + ") == YG_SLOT_" + name + " * sizeof(void *), \"slot of " + name + "\");\n")
		checks.WriteString("_Static_assert(__builtin_types_compatible_p(__typeof__(((OrtApi *)0)->" + name + "), yg_" + name + "), \"type of " + name + "\");\n")
	}
	if checks.Len() == 0 {
		t.Fatal("capi.h declares no slots")
	}
	src := filepath.Join(t.TempDir(), "slots.c")
	prog := "#include <stddef.h>\n#include \"onnxruntime_c_api.h\"\n#include \"capi.h\"\n" + checks.String()
	if err := os.WriteFile(src, []byte(prog), 0o644); err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	cmd := exec.Command(cc, "-std=gnu11", "-fsyntax-only", "-I", strings.TrimSpace(string(dir)), "-I", wd, src)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("capi.h disagrees with onnxruntime_c_api.h:\n%s", out)
	}
}
