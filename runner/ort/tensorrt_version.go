package ort

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>

// inferLibVersion loads path with the dynamic loader's own search and
// returns what its getInferLibVersion() says, or -1 when the library does
// not load and -2 when it lacks the function.
static int64_t inferLibVersion(const char *path) {
	void *h = dlopen(path, RTLD_LAZY | RTLD_LOCAL);
	if (h == NULL) {
		return -1;
	}
	int32_t (*get)(void) = (int32_t (*)(void))dlsym(h, "getInferLibVersion");
	int64_t v = get == NULL ? -2 : (int64_t)get();
	dlclose(h);
	return v;
}
*/
import "C"

import (
	"errors"
	"fmt"
	"sync"
	"unsafe"
)

// TensorRTLibrary is the TensorRT runtime library that ONNX Runtime's
// TensorRT provider links against (TensorRT 10).
const TensorRTLibrary = "libnvinfer.so.10"

var tensorRT struct {
	once    sync.Once
	version string
	err     error
}

// TensorRTVersion returns the version of the TensorRT library the dynamic
// loader finds for TensorRTLibrary ("10.16.1"), as the library itself
// reports it. The TensorRT engine cache is keyed by it: an engine built by
// one TensorRT version cannot be loaded by another. The library is loaded
// once per process, so call it only where TensorRT is about to be used.
func TensorRTVersion() (string, error) {
	tensorRT.once.Do(func() {
		tensorRT.version, tensorRT.err = tensorRTVersionAt(TensorRTLibrary)
	})
	return tensorRT.version, tensorRT.err
}

// tensorRTVersionAt asks the TensorRT library at path (a file name the
// loader searches for, or a path) for its version.
func tensorRTVersionAt(path string) (string, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	switch v := int64(C.inferLibVersion(cpath)); {
	case v == -1:
		return "", fmt.Errorf("%s: not found by the dynamic loader", path)
	case v == -2:
		return "", fmt.Errorf("%s: no getInferLibVersion: not a TensorRT library", path)
	default:
		return decodeTensorRTVersion(v)
	}
}

// decodeTensorRTVersion turns getInferLibVersion's integer into
// "major.minor.patch": major×10000 + minor×100 + patch since TensorRT 10
// (NV_TENSORRT_VERSION_INT), major×1000 + minor×100 + patch before.
func decodeTensorRTVersion(v int64) (string, error) {
	switch {
	case v >= 100000:
		return fmt.Sprintf("%d.%d.%d", v/10000, v/100%100, v%100), nil
	case v >= 1000:
		return fmt.Sprintf("%d.%d.%d", v/1000, v/100%10, v%100), nil
	}
	return "", errors.New("TensorRT reports a version of " + fmt.Sprint(v))
}
