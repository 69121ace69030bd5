package ort

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"

	onnx "github.com/yalue/onnxruntime_go"

	"github.com/yologate/yologate/internal/errs"
)

// LibraryEnv is the environment variable that names the ONNX Runtime shared
// library to load.
const LibraryEnv = "YOLOGATE_ORT_LIB"

// DefaultVersion is the ONNX Runtime version `make setup` fetches.
const DefaultVersion = "1.30.0"

// cachedLibrary is where `make setup` puts the library, relative to the
// repository root.
var cachedLibrary = filepath.Join(".cache", "ort", DefaultVersion, "libonnxruntime.so.1")

// fixLoad is the advice printed with every library error.
const fixLoad = `point ` + LibraryEnv + ` or --ort-lib at libonnxruntime.so.1 of ONNX Runtime >= 1.24 (its release archive, or the yologate image: docs/gpu.md), or run "make setup" in a yologate checkout`

var loaded struct {
	sync.Mutex
	path string
}

// FindLibrary returns the library to load and what named it ("--ort-lib",
// LibraryEnv, or the cache path): flag when not empty, else the environment
// variable, else .cache/ort/<DefaultVersion>/libonnxruntime.so.1 in the
// working directory or the nearest parent that has one. It returns an empty
// path when none of these names a library.
func FindLibrary(flag string, getenv func(string) string) (path, source string) {
	if flag != "" {
		return flag, "--ort-lib"
	}
	if getenv != nil {
		if p := getenv(LibraryEnv); p != "" {
			return p, LibraryEnv
		}
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", ""
	}
	for {
		p := filepath.Join(dir, cachedLibrary)
		if _, err := os.Stat(p); err == nil {
			return p, p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", ""
		}
		dir = parent
	}
}

// Load loads the ONNX Runtime library at path and initializes its
// environment; source names where path came from (a flag or variable) for
// error messages. Loading the same path again is a no-op; a process can hold
// only one library, so a different path is an error. Every failure is an
// environment error (exit 3).
func Load(path, source string) error {
	loaded.Lock()
	defer loaded.Unlock()
	if source == "" {
		source = LibraryEnv
	}
	if path == "" {
		return errs.Envf(LibraryEnv, fixLoad, "no ONNX Runtime library: the variable is not set and %s does not exist", cachedLibrary)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	if st, err := os.Stat(abs); err != nil {
		return errs.Envf(source, fixLoad, "ONNX Runtime library %q does not exist", path)
	} else if st.IsDir() {
		return errs.Envf(source, fixLoad, "%q is a directory, not the ONNX Runtime library", path)
	}
	if loaded.path != "" {
		if loaded.path == abs {
			return nil
		}
		return errs.Envf(source, "use one library per process", "cannot load %q: ONNX Runtime is already loaded from %q", abs, loaded.path)
	}
	onnx.SetSharedLibraryPath(abs)
	if err := onnx.InitializeEnvironment(onnx.WithLogLevelError()); err != nil {
		return errs.Envf(source, fixLoad, "cannot load ONNX Runtime from %q: %s", path, loadMsg(err))
	}
	loaded.path = abs
	return nil
}

// Loaded reports whether Load succeeded in this process.
func Loaded() bool {
	loaded.Lock()
	defer loaded.Unlock()
	return loaded.path != ""
}

// LibraryPath returns the absolute path of the loaded library, or "" before Load.
func LibraryPath() string {
	loaded.Lock()
	defer loaded.Unlock()
	return loaded.path
}

// Version returns the loaded library's version ("1.30.0"), or "" before Load.
func Version() string {
	if !Loaded() {
		return ""
	}
	return onnx.GetVersion()
}

// cleanMsg makes an ONNX Runtime or loader message fit in one lowercase line.
func cleanMsg(err error) string {
	s := strings.Join(strings.Fields(err.Error()), " ")
	if s != "" {
		s = strings.ToLower(s[:1]) + s[1:]
	}
	return s
}

// loadMsg says why a library failed to load, without the wrapper's layers.
func loadMsg(err error) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "OrtGetApiBase"):
		return "not an ONNX Runtime library (no OrtGetApiBase symbol)"
	case strings.Contains(msg, "API base"):
		return "the library is too old for this build (ONNX Runtime >= 1.24 needed)"
	}
	for {
		inner := errors.Unwrap(err)
		if inner == nil {
			break
		}
		err = inner
	}
	return cleanMsg(err)
}
