package ort

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestDecodeTensorRTVersion(t *testing.T) {
	tests := []struct {
		in   int64
		want string
	}{
		{101601, "10.16.1"},
		{100900, "10.9.0"},
		{100001, "10.0.1"},
		{110200, "11.2.0"},
		{8601, "8.6.1"},
		{8510, "8.5.10"},
		{0, ""},
		{-5, ""},
	}
	for _, tt := range tests {
		got, err := decodeTensorRTVersion(tt.in)
		if got != tt.want || (err == nil) != (tt.want != "") {
			t.Errorf("decodeTensorRTVersion(%d) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

// TestTensorRTVersionFromLibrary loads shared libraries built here with the
// C compiler: one that answers getInferLibVersion as TensorRT 10.16.1 does,
// one without the function, and a path that does not exist.
func TestTensorRTVersionFromLibrary(t *testing.T) {
	cc := os.Getenv("CC")
	if cc == "" {
		cc = "gcc"
	}
	if _, err := exec.LookPath(cc); err != nil {
		t.Skipf("no C compiler (%s) to build a stand-in TensorRT library: %v", cc, err)
	}
	dir := t.TempDir()
	build := func(name, src string) string {
		t.Helper()
		c := filepath.Join(dir, name+".c")
		if err := os.WriteFile(c, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		lib := filepath.Join(dir, name)
		if out, err := exec.Command(cc, "-shared", "-fPIC", "-o", lib, c).CombinedOutput(); err != nil {
			t.Fatalf("building %s: %v\n%s", name, err, out)
		}
		return lib
	}
	trt := build("libnvinfer.so.10", "int getInferLibVersion(void) { return 101601; }\n")
	other := build("libother.so", "int something(void) { return 1; }\n")

	if v, err := tensorRTVersionAt(trt); v != "10.16.1" || err != nil {
		t.Errorf("stand-in TensorRT = %q, %v; want 10.16.1", v, err)
	}
	if v, err := tensorRTVersionAt(other); v != "" || err == nil || !strings.Contains(err.Error(), "not a TensorRT library") {
		t.Errorf("library without getInferLibVersion = %q, %v", v, err)
	}
	if v, err := tensorRTVersionAt(filepath.Join(dir, "missing.so")); v != "" || err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("missing library = %q, %v", v, err)
	}
}

// TestTensorRTVersionHere asks the real loader for TensorRT 10; it needs
// a machine with TensorRT installed.
func TestTensorRTVersionHere(t *testing.T) {
	v, err := TensorRTVersion()
	if err != nil {
		t.Skipf("no TensorRT on this machine: %v", err)
	}
	if !regexp.MustCompile(`^\d+\.\d+\.\d+$`).MatchString(v) {
		t.Errorf("TensorRTVersion() = %q", v)
	}
	t.Logf("TensorRT %s", v)
}
