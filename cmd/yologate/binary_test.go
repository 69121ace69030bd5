package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

var (
	binaryOnce sync.Once
	binaryPath string
	binaryErr  error
)

// builtBinary builds yologate once per test process, for tests that need a
// real process: signals, concurrent writers, exit codes as a shell sees them.
func builtBinary(t *testing.T) string {
	t.Helper()
	binaryOnce.Do(func() {
		dir, err := os.MkdirTemp("", "yologate-bin-")
		if err != nil {
			binaryErr = err
			return
		}
		binaryPath = filepath.Join(dir, "yologate")
		out, err := exec.Command("go", "build", "-o", binaryPath, ".").CombinedOutput()
		if err != nil {
			binaryErr = &buildError{err: err, out: string(out)}
		}
	})
	if binaryErr != nil {
		t.Fatalf("building yologate: %v", binaryErr)
	}
	return binaryPath
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.out }

// ortEnv returns the environment for a child process with the ONNX Runtime
// library, or skips the test when it is absent.
func ortEnv(t *testing.T) []string {
	t.Helper()
	lib := os.Getenv("YOLOGATE_ORT_LIB")
	if lib == "" {
		lib, _ = filepath.Abs("../../.cache/ort/1.30.0/libonnxruntime.so.1")
	}
	if _, err := os.Stat(lib); err != nil {
		t.Skipf("ONNX Runtime library not found at %s: run make setup", lib)
	}
	return append(os.Environ(), "YOLOGATE_ORT_LIB="+lib)
}
