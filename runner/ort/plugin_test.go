package ort

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	onnx "github.com/yalue/onnxruntime_go"
)

// TestAppendDevice appends the CPU provider's device the way a plugin
// provider's device is appended (GetEpDevices, then
// SessionOptionsAppendExecutionProvider_V2 on the environment that
// onnxruntime_go created) and runs the model on it: the outputs equal
// those of the plain CPU session.
func TestAppendDevice(t *testing.T) {
	loadORT(t)
	model := readModel(t)
	want, _ := runModel(t, model, Config{IntraOpThreads: 1})

	in, out, err := Inspect(model)
	if err != nil {
		t.Fatal(err)
	}
	names := func(ts []TensorInfo) []string {
		var n []string
		for _, x := range ts {
			n = append(n, x.Name)
		}
		return n
	}
	opts, err := onnx.NewSessionOptions()
	if err != nil {
		t.Fatal(err)
	}
	defer opts.Destroy()
	if err := opts.SetIntraOpNumThreads(1); err != nil {
		t.Fatal(err)
	}
	if err := appendDevice(opts, "CPUExecutionProvider", 0, map[string]string{"device_id": "0"}); err != nil {
		t.Fatalf("appendDevice(CPUExecutionProvider): %v", err)
	}
	sess, err := onnx.NewDynamicAdvancedSessionWithONNXData(model, names(in), names(out), opts)
	if err != nil {
		t.Fatal(err)
	}
	s := &Session{sess: sess, inputs: in, outputs: out}
	defer s.Close()
	if err := s.Allocate([][]int64{{1, 3, 640, 640}}); err != nil {
		t.Fatal(err)
	}
	fillPattern(s.InputData(0))
	if err := s.First(); err != nil {
		t.Fatal(err)
	}
	if err := s.Run(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(s.OutputData(0), want) {
		t.Fatal("outputs of the appended device differ from the CPU session's")
	}

	err = appendDevice(opts, "CPUExecutionProvider", 5, nil)
	if err == nil || !strings.Contains(err.Error(), "no such device") {
		t.Errorf("appendDevice(device 5) = %v, want no such device", err)
	}
}

// TestRegisterPlugin registers a provider library that is not one: the
// registration is tried and its failure reported, and a folder without the
// library is no plugin at all.
func TestRegisterPlugin(t *testing.T) {
	loadORT(t)
	cc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("gcc not found")
	}
	dir := t.TempDir()
	if ok, err := registerPlugin(dir, CUDA); ok || err != nil {
		t.Fatalf("registerPlugin(empty folder) = %v, %v; want no plugin", ok, err)
	}
	src := filepath.Join(dir, "x.c")
	if err := os.WriteFile(src, []byte("int yg_not_a_provider(void) { return 1; }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(cc, "-shared", "-fPIC", "-o", filepath.Join(dir, ProviderLibrary(CUDA)), src).CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	ok, err := registerPlugin(dir, CUDA)
	if !ok || err == nil {
		t.Fatalf("registerPlugin(not a provider) = %v, %v; want a failed registration", ok, err)
	}
	if again, err2 := registerPlugin(dir, CUDA); !again || err2 == nil || err2.Error() != err.Error() {
		t.Errorf("a second registration = %v, %v; want the first one's failure", again, err2)
	}
}

func TestNotInBuild(t *testing.T) {
	for msg, want := range map[string]bool{
		"CUDA execution provider is not enabled in this build.": true,
		"Failed to load library libcudart.so.13":                false,
	} {
		if got := notInBuild(errors.New(msg)); got != want {
			t.Errorf("notInBuild(%q) = %v, want %v", msg, got, want)
		}
	}
	if notInBuild(nil) {
		t.Error("notInBuild(nil)")
	}
}
