package ort

/*
#include <stdlib.h>
#include <string.h>

#include "capi.h"

// ygAppendPlugin appends the first-but-skip devices of the plugin provider
// named ep (as registered with the environment) to opts, with options.
static char *ygAppendPlugin(const void *api, OrtSessionOptions *opts, const char *ep, int skip,
                            const char *const *keys, const char *const *values, size_t n) {
	OrtEnv *env = NULL;
	// CreateEnv returns the process's one environment, the one
	// onnxruntime_go created, with its reference count raised.
	char *err = ygStatus(api, YG_CALL(api, CreateEnv)(3, "yologate", &env));
	if (err != NULL) {
		return err;
	}
	const OrtEpDevice *const *devices = NULL;
	size_t count = 0;
	err = ygStatus(api, YG_CALL(api, GetEpDevices)(env, &devices, &count));
	const OrtEpDevice *found = NULL;
	for (size_t i = 0; err == NULL && i < count; i++) {
		if (strcmp(YG_CALL(api, EpDevice_EpName)(devices[i]), ep) == 0 && skip-- == 0) {
			found = devices[i];
		}
	}
	if (err == NULL && found == NULL) {
		err = strdup("no such device of the provider");
	}
	if (err == NULL) {
		err = ygStatus(api, YG_CALL(api, SessionOptionsAppendExecutionProvider_V2)(opts, env, &found, 1, keys, values, n));
	}
	YG_CALL(api, ReleaseEnv)(env);
	return err;
}
*/
import "C"

import (
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"unsafe"

	onnx "github.com/yalue/onnxruntime_go"

	"github.com/yologate/yologate/internal/errs"
)

// Plugin execution providers: some ONNX Runtime packages pair a core
// library built without CUDA with the CUDA provider's library from the GPU
// release. Such a core refuses the CUDA provider ("not enabled in this
// build"), but loads the provider library as a plugin (ONNX Runtime 1.23
// and later): registered with the environment, it lists its devices, and
// sessions append the device they run on.

// pluginNames maps yologate's provider names to ONNX Runtime's.
var pluginNames = map[string]string{CUDA: "CUDAExecutionProvider"}

var plugins struct {
	sync.Mutex
	registered map[string]error
}

// registerPlugin registers provider name's library in dir (the loaded
// ONNX Runtime library's folder) once per process; it reports false when
// there is no such library.
func registerPlugin(dir, name string) (bool, error) {
	lib := filepath.Join(dir, ProviderLibrary(name))
	if _, err := os.Stat(lib); err != nil {
		return false, nil
	}
	plugins.Lock()
	defer plugins.Unlock()
	if plugins.registered == nil {
		plugins.registered = map[string]error{}
	}
	err, done := plugins.registered[lib]
	if !done {
		err = onnx.RegisterExecutionProviderLibrary(name, lib)
		plugins.registered[lib] = err
	}
	return true, err
}

// notInBuild reports whether ONNX Runtime refused a provider because the
// core library was built without it.
func notInBuild(err error) bool {
	return err != nil && strings.Contains(strings.ToLower(err.Error()), "not enabled in this build")
}

// appendPlugin appends provider name as a plugin on device (its index
// among the provider's devices) with options o; ok is false when there is
// no plugin library to fall back on.
func appendPlugin(opts *onnx.SessionOptions, name string, device int, o map[string]string) (ok bool, err error) {
	ok, err = registerPlugin(filepath.Dir(LibraryPath()), name)
	if !ok {
		return false, nil
	}
	if err != nil {
		return true, providerErr(name, err)
	}
	return true, appendDevice(opts, pluginNames[name], device, o)
}

// appendDevice appends the device-th device of the execution provider that
// ONNX Runtime calls ep (its name in GetEpDevices) to opts, with options o.
func appendDevice(opts *onnx.SessionOptions, ep string, device int, o map[string]string) error {
	path := C.CString(LibraryPath())
	defer C.free(unsafe.Pointer(path))
	api := C.ygApi(path)
	if api == nil {
		return errs.Envf(LibraryEnv, fixLoad, "the loaded library offers no ONNX Runtime API version %d", C.YG_ORT_API_VERSION)
	}
	so, err := sessionOptionsPointer(opts)
	if err != nil {
		return err
	}
	keys := make([]string, 0, len(o))
	for k := range o {
		if k != "device_id" { // the device is the one appended
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	n := len(keys)
	ck := (*[1 << 20]*C.char)(C.malloc(C.size_t(max(n, 1)) * C.size_t(unsafe.Sizeof((*C.char)(nil)))))[:n:n]
	cv := (*[1 << 20]*C.char)(C.malloc(C.size_t(max(n, 1)) * C.size_t(unsafe.Sizeof((*C.char)(nil)))))[:n:n]
	defer func() {
		for i := range n {
			C.free(unsafe.Pointer(ck[i]))
			C.free(unsafe.Pointer(cv[i]))
		}
		C.free(unsafe.Pointer(unsafe.SliceData(ck)))
		C.free(unsafe.Pointer(unsafe.SliceData(cv)))
	}()
	for i, k := range keys {
		ck[i], cv[i] = C.CString(k), C.CString(o[k])
	}
	cep := C.CString(ep)
	defer C.free(unsafe.Pointer(cep))
	if msg := C.ygAppendPlugin(api, so, cep, C.int(device), unsafe.SliceData(ck), unsafe.SliceData(cv), C.size_t(n)); msg != nil {
		return errs.Envf("--ep", `run "yologate doctor"`, "%s device %d: %s", ep, device, cError(msg))
	}
	return nil
}

// sessionOptionsPointer returns the OrtSessionOptions behind
// onnxruntime_go's SessionOptions, which keeps it unexported.
func sessionOptionsPointer(opts *onnx.SessionOptions) (*C.OrtSessionOptions, error) {
	f := reflect.ValueOf(opts).Elem().FieldByName("o")
	if !f.IsValid() || f.Kind() != reflect.Pointer || f.IsNil() {
		return nil, errs.Envf("onnxruntime", "", "this onnxruntime_go has no OrtSessionOptions field")
	}
	return (*C.OrtSessionOptions)(f.UnsafePointer()), nil
}
