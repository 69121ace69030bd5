package ort

/*
#cgo LDFLAGS: -ldl
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>

// locate asks the dynamic loader for name, as a provider library that
// needs it would, and returns the file it found (malloc'ed), or NULL with
// the loader's reason in *why.
static char *locate(const char *name, char **why) {
	void *h = dlopen(name, RTLD_LAZY | RTLD_LOCAL);
	if (h == NULL) {
		const char *e = dlerror();
		*why = strdup(e == NULL ? "not found" : e);
		return NULL;
	}
	struct link_map *lm = NULL;
	char *path = NULL;
	if (dlinfo(h, RTLD_DI_LINKMAP, &lm) == 0 && lm != NULL && lm->l_name != NULL) {
		path = strdup(lm->l_name);
	}
	dlclose(h);
	if (path == NULL) {
		path = strdup(name);
	}
	return path;
}
*/
import "C"

import (
	"debug/elf"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unsafe"
)

// ProviderLibrary is the file of provider name's library that ONNX
// Runtime loads from its own folder ("libonnxruntime_providers_cuda.so").
func ProviderLibrary(name string) string {
	return "libonnxruntime_providers_" + name + ".so"
}

// cuDNN is loaded by the CUDA provider at run time rather than linked, so
// its ELF file does not name it. ONNX Runtime's CUDA 12 and 13 builds both
// use cuDNN 9.
const cudnnLibrary = "libcudnn.so.9"

// systemLibrary reports whether a needed library is part of the C and C++
// runtimes that every Linux machine has.
func systemLibrary(name string) bool {
	for _, p := range []string{"libc.so", "libm.so", "libdl.so", "librt.so", "libpthread.so", "libstdc++.so", "libgcc_s.so", "ld-linux"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// ProviderNeeds returns the GPU libraries that provider name's library
// next to the ONNX Runtime library at ortPath needs, as its ELF dynamic
// section names them (libcudart.so.13 for a CUDA 13 build, .so.12 for CUDA
// 12), with cuDNN added for CUDA; ok is false when that provider library
// is not there or not an ELF file.
func ProviderNeeds(ortPath, name string) (libs []string, ok bool) {
	if ortPath == "" {
		return nil, false
	}
	f, err := elf.Open(filepath.Join(filepath.Dir(ortPath), ProviderLibrary(name)))
	if err != nil {
		return nil, false
	}
	defer f.Close()
	needed, err := f.ImportedLibraries()
	if err != nil {
		return nil, false
	}
	for _, l := range needed {
		if !systemLibrary(l) && !strings.HasPrefix(l, "libonnxruntime") {
			libs = append(libs, l)
		}
	}
	if name == CUDA && !slices.Contains(libs, cudnnLibrary) {
		libs = append(libs, cudnnLibrary)
	}
	return libs, true
}

// LocateLibrary returns the file the dynamic loader loads for name (with
// LD_LIBRARY_PATH, its cache and default folders), or why it cannot. It
// loads the library for the moment it looks, so call it only to check a
// machine, not on a timed path.
func LocateLibrary(name string) (string, error) {
	if strings.ContainsRune(name, '/') {
		if _, err := os.Stat(name); err != nil {
			return "", err
		}
	}
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	var why *C.char
	path := C.locate(cname, &why)
	if path == nil {
		defer C.free(unsafe.Pointer(why))
		return "", errors.New(C.GoString(why))
	}
	defer C.free(unsafe.Pointer(path))
	return C.GoString(path), nil
}
