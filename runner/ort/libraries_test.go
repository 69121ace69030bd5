package ort

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestProviderNeeds builds a shared library that links a stand-in for a
// CUDA runtime by soname, names it as the CUDA provider next to a stand-in
// ONNX Runtime, and reads its needs back from the ELF file.
func TestProviderNeeds(t *testing.T) {
	cc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("gcc not found")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "x.c")
	if err := os.WriteFile(src, []byte("int yg_stand_in(void) { return 1; }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	build := func(out string, args ...string) {
		t.Helper()
		cmd := exec.Command(cc, append([]string{"-shared", "-fPIC", "-o", filepath.Join(dir, out), src}, args...)...)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%v: %s", err, b)
		}
	}
	build("libcudart.so.13", "-Wl,-soname,libcudart.so.13")
	build(ProviderLibrary(CUDA), "-L"+dir, "-Wl,--no-as-needed", "-l:libcudart.so.13", "-lm")
	ortPath := filepath.Join(dir, "libonnxruntime.so.1")
	if err := os.WriteFile(ortPath, nil, 0o644); err != nil {
		t.Fatal(err)
	}

	libs, ok := ProviderNeeds(ortPath, CUDA)
	if !ok {
		t.Fatal("ProviderNeeds found no CUDA provider")
	}
	if want := []string{"libcudart.so.13", cudnnLibrary}; !slices.Equal(libs, want) {
		t.Errorf("ProviderNeeds = %v, want %v (system libraries left out, cuDNN added)", libs, want)
	}
	if _, ok := ProviderNeeds(ortPath, TensorRT); ok {
		t.Error("ProviderNeeds found a TensorRT provider that is not there")
	}
	if _, ok := ProviderNeeds("", CUDA); ok {
		t.Error("ProviderNeeds without a library path found something")
	}

	// The loader finds the stand-in through its path, and says why not
	// for a name it cannot find.
	if p, err := LocateLibrary(filepath.Join(dir, "libcudart.so.13")); err != nil || !strings.HasSuffix(p, "libcudart.so.13") {
		t.Errorf("LocateLibrary(stand-in) = %q, %v", p, err)
	}
	if p, err := LocateLibrary("libyologate-absent.so.7"); err == nil || p != "" {
		t.Errorf("LocateLibrary(absent) = %q, %v; want an error", p, err)
	}
	if p, err := LocateLibrary("libc.so.6"); err != nil || !strings.Contains(p, "libc.so.6") {
		t.Errorf("LocateLibrary(libc.so.6) = %q, %v", p, err)
	}
}
