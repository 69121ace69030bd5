package ort

/*
#cgo LDFLAGS: -ldl
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capi.h"

static char *ygCreateMemoryInfo(const void *api, const char *name, int device, OrtMemoryInfo **out) {
	// OrtDeviceAllocator (0) and OrtMemTypeDefault (0): memory the
	// provider's kernels read and write.
	return ygStatus(api, YG_CALL(api, CreateMemoryInfo)(name, 0, device, 0, out));
}

static char *ygCreateAllocator(const void *api, OrtSession *sess, OrtMemoryInfo *mem, OrtAllocator **out) {
	return ygStatus(api, YG_CALL(api, CreateAllocator)(sess, mem, out));
}

static char *ygCreateTensor(const void *api, OrtAllocator *alloc, int64_t *shape, size_t n, unsigned type, OrtValue **out, void **data) {
	char *err = ygStatus(api, YG_CALL(api, CreateTensorAsOrtValue)(alloc, shape, n, type, out));
	if (err != NULL) {
		return err;
	}
	return ygStatus(api, YG_CALL(api, GetTensorMutableData)(*out, data));
}

static char *ygCreateIoBinding(const void *api, OrtSession *sess, OrtIoBinding **out) {
	return ygStatus(api, YG_CALL(api, CreateIoBinding)(sess, out));
}

static char *ygBind(const void *api, OrtIoBinding *b, const char *name, OrtValue *v, int input) {
	if (input) {
		return ygStatus(api, YG_CALL(api, BindInput)(b, name, v));
	}
	return ygStatus(api, YG_CALL(api, BindOutput)(b, name, v));
}

static char *ygRunWithBinding(const void *api, OrtSession *sess, OrtIoBinding *b) {
	return ygStatus(api, YG_CALL(api, RunWithBinding)(sess, NULL, b));
}

static void ygReleaseValue(const void *api, OrtValue *v) { YG_CALL(api, ReleaseValue)(v); }
static void ygReleaseIoBinding(const void *api, OrtIoBinding *b) { YG_CALL(api, ReleaseIoBinding)(b); }
static void ygReleaseAllocator(const void *api, OrtAllocator *a) { YG_CALL(api, ReleaseAllocator)(a); }
static void ygReleaseMemoryInfo(const void *api, OrtMemoryInfo *m) { YG_CALL(api, ReleaseMemoryInfo)(m); }

// The CUDA runtime that the CUDA provider loaded: its copy functions are
// looked up in the library already in the process, whatever its version.
typedef int (*yg_cudaSetDevice)(int);
typedef int (*yg_cudaMemcpy)(void *, const void *, size_t, int);
typedef int (*yg_cudaDeviceSynchronize)(void);
typedef const char *(*yg_cudaGetErrorString)(int);

typedef struct {
	yg_cudaSetDevice setDevice;
	yg_cudaMemcpy memcpy;
	yg_cudaDeviceSynchronize synchronize;
	yg_cudaGetErrorString errorString;
} ygCUDA;

static int findCudart(struct dl_phdr_info *info, size_t size, void *data) {
	(void)size;
	const char *base = strrchr(info->dlpi_name, '/');
	base = base == NULL ? info->dlpi_name : base + 1;
	if (strncmp(base, "libcudart.so", 12) == 0) {
		*(const char **)data = info->dlpi_name;
		return 1;
	}
	return 0;
}

// ygLoadCUDA fills c from the libcudart in the process; it returns the
// library's path, or NULL when none is loaded or it lacks a function.
static const char *ygLoadCUDA(ygCUDA *c) {
	const char *path = NULL;
	dl_iterate_phdr(findCudart, &path);
	if (path == NULL) {
		return NULL;
	}
	void *h = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
	if (h == NULL) {
		return NULL;
	}
	c->setDevice = (yg_cudaSetDevice)dlsym(h, "cudaSetDevice");
	c->memcpy = (yg_cudaMemcpy)dlsym(h, "cudaMemcpy");
	c->synchronize = (yg_cudaDeviceSynchronize)dlsym(h, "cudaDeviceSynchronize");
	c->errorString = (yg_cudaGetErrorString)dlsym(h, "cudaGetErrorString");
	// The handle is kept: the provider holds the library for the process.
	if (c->setDevice == NULL || c->memcpy == NULL || c->synchronize == NULL || c->errorString == NULL) {
		return NULL;
	}
	return path;
}

// ygCopy copies n bytes on device (cudaMemcpyDefault: the direction follows
// from the pointers) and waits until the copy is done; cuda NULL copies
// host memory. It returns NULL or the CUDA error.
static const char *ygCopy(ygCUDA *c, int device, void *dst, const void *src, size_t n) {
	if (c == NULL) {
		memcpy(dst, src, n);
		return NULL;
	}
	int e = c->setDevice(device);
	if (e == 0) {
		e = c->memcpy(dst, src, n, 4);
	}
	if (e == 0) {
		e = c->synchronize();
	}
	return e == 0 ? NULL : c->errorString(e);
}
*/
import "C"

import (
	"errors"
	"reflect"
	"time"
	"unsafe"

	onnx "github.com/yalue/onnxruntime_go"

	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/internal/stat"
)

// deviceIO is a session's inputs and outputs in the memory its provider
// computes in, bound once: Run then moves no data between host and GPU.
// The CPU provider computes in host memory; there the same path runs on
// tensors from the session's CPU allocator, which is how it is tested on
// machines without a GPU.
type deviceIO struct {
	api     unsafe.Pointer
	sess    *C.OrtSession
	device  int
	mem     *C.OrtMemoryInfo
	alloc   *C.OrtAllocator
	binding *C.OrtIoBinding
	cuda    *C.ygCUDA
	values  []*C.OrtValue
	in, out []devTensor
}

// devTensor is one tensor in device memory.
type devTensor struct {
	ptr   unsafe.Pointer
	bytes int
}

// memoryName is ONNX Runtime's name for the memory each provider computes in.
func memoryName(provider string) string {
	if provider == CUDA || provider == TensorRT {
		return "Cuda"
	}
	return "Cpu"
}

// sessionPointer returns the OrtSession behind an onnxruntime_go session.
// onnxruntime_go keeps it unexported and has no API for device memory, so
// it is read by reflection; TestDeviceIO fails if the field moves.
func sessionPointer(s *onnx.DynamicAdvancedSession) (*C.OrtSession, error) {
	v := reflect.ValueOf(s).Elem().FieldByName("s")
	if !v.IsValid() || v.Kind() != reflect.Pointer || v.IsNil() {
		return nil, errs.Envf("onnxruntime", "", "device-resident IO: this onnxruntime_go has no session field")
	}
	f := v.Elem().FieldByName("ortSession")
	if !f.IsValid() || f.Kind() != reflect.Pointer || f.IsNil() {
		return nil, errs.Envf("onnxruntime", "", "device-resident IO: this onnxruntime_go has no OrtSession field")
	}
	return (*C.OrtSession)(f.UnsafePointer()), nil
}

// cError returns a message from the C helpers and frees it.
func cError(msg *C.char) string {
	defer C.free(unsafe.Pointer(msg))
	return cleanMsg(errors.New(C.GoString(msg)))
}

// newDeviceIO allocates device copies of s's input and output tensors
// (same shapes and types), uploads the inputs and binds them all.
func newDeviceIO(s *Session, provider string, device int) (_ *deviceIO, err error) {
	path := C.CString(LibraryPath())
	defer C.free(unsafe.Pointer(path))
	api := C.ygApi(path)
	if api == nil {
		return nil, errs.Envf(LibraryEnv, fixLoad, "device-resident IO: the loaded library offers no ONNX Runtime API version %d", C.YG_ORT_API_VERSION)
	}
	sp, err := sessionPointer(s.sess)
	if err != nil {
		return nil, err
	}
	d := &deviceIO{api: unsafe.Pointer(api), sess: sp, device: device}
	defer func() {
		if err != nil {
			d.close()
		}
	}()
	fail := func(what string, msg *C.char) error {
		return errs.Envf("onnxruntime", "run with --include-copies to bind host memory instead", "device-resident IO: %s: %s", what, cError(msg))
	}
	name := C.CString(memoryName(provider))
	defer C.free(unsafe.Pointer(name))
	if msg := C.ygCreateMemoryInfo(api, name, C.int(device), &d.mem); msg != nil {
		return nil, fail("memory info", msg)
	}
	if msg := C.ygCreateAllocator(api, sp, d.mem, &d.alloc); msg != nil {
		return nil, fail("allocator", msg)
	}
	if memoryName(provider) == "Cuda" {
		d.cuda = (*C.ygCUDA)(C.calloc(1, C.sizeof_ygCUDA))
		if C.ygLoadCUDA(d.cuda) == nil {
			return nil, errs.Envf("onnxruntime", "run with --include-copies", "device-resident IO: no CUDA runtime (libcudart) is loaded in this process")
		}
	}
	if msg := C.ygCreateIoBinding(api, sp, &d.binding); msg != nil {
		return nil, fail("io binding", msg)
	}
	tensor := func(info TensorInfo, shape []int64, input bool) (devTensor, error) {
		typ, size, _ := typeByName(info.Type)
		n := 1
		for _, x := range shape {
			n *= int(x)
		}
		cshape := (*C.int64_t)(C.malloc(C.size_t(len(shape)) * 8))
		defer C.free(unsafe.Pointer(cshape))
		copy(unsafe.Slice((*int64)(unsafe.Pointer(cshape)), len(shape)), shape)
		var v *C.OrtValue
		var data unsafe.Pointer
		if msg := C.ygCreateTensor(api, d.alloc, cshape, C.size_t(len(shape)), C.uint(typ), &v, &data); msg != nil {
			if v != nil {
				C.ygReleaseValue(api, v)
			}
			return devTensor{}, fail("tensor "+info.Name, msg)
		}
		d.values = append(d.values, v)
		cname := C.CString(info.Name)
		defer C.free(unsafe.Pointer(cname))
		if msg := C.ygBind(api, d.binding, cname, v, boolInt(input)); msg != nil {
			return devTensor{}, fail("binding "+info.Name, msg)
		}
		return devTensor{ptr: data, bytes: n * size}, nil
	}
	for i, t := range s.in {
		dt, err := tensor(s.inputs[i], t.GetShape(), true)
		if err != nil {
			return nil, err
		}
		d.in = append(d.in, dt)
		if err := d.copy(dt.ptr, unsafe.Pointer(&s.inData[i][0]), dt.bytes); err != nil {
			return nil, err
		}
	}
	for i, t := range s.out {
		dt, err := tensor(s.outputs[i], t.GetShape(), false)
		if err != nil {
			return nil, err
		}
		d.out = append(d.out, dt)
	}
	return d, nil
}

func boolInt(b bool) C.int {
	if b {
		return 1
	}
	return 0
}

// copy copies n bytes between host and device memory, either way, and
// waits for it to finish.
func (d *deviceIO) copy(dst, src unsafe.Pointer, n int) error {
	if msg := C.ygCopy(d.cuda, C.int(d.device), dst, src, C.size_t(n)); msg != nil {
		return errs.Envf("onnxruntime", "", "device-resident IO: copy of %d bytes: %s", n, C.GoString(msg))
	}
	return nil
}

func (d *deviceIO) run() error {
	if msg := C.ygRunWithBinding(d.api, d.sess, d.binding); msg != nil {
		return errs.Envf("onnxruntime", "", "inference failed: %s", cError(msg))
	}
	return nil
}

func (d *deviceIO) close() {
	api := d.api
	if d.binding != nil {
		C.ygReleaseIoBinding(api, d.binding)
	}
	for _, v := range d.values {
		C.ygReleaseValue(api, v)
	}
	if d.alloc != nil {
		C.ygReleaseAllocator(api, d.alloc)
	}
	if d.mem != nil {
		C.ygReleaseMemoryInfo(api, d.mem)
	}
	if d.cuda != nil {
		C.free(unsafe.Pointer(d.cuda))
	}
	*d = deviceIO{}
}

// Transfer is what moving one inference's inputs and outputs between host
// and device memory costs, measured on the session's own buffers.
type Transfer struct {
	// InputBytes and OutputBytes are one inference's inputs and outputs.
	InputBytes, OutputBytes int
	// HostToDevice and DeviceToHost are the median times of one copy of
	// all inputs and of all outputs (synchronous, from and to the pageable
	// Go buffers, as ONNX Runtime copies them without device-resident IO).
	HostToDevice, DeviceToHost time.Duration
}

// MeasureTransfer times n copies of the inputs to the device and n of the
// outputs back, on a session bound to device memory (Config.DeviceIO on a
// GPU provider). It leaves the device inputs as they were.
func (s *Session) MeasureTransfer(n int) (Transfer, error) {
	d := s.dev
	if d == nil || d.cuda == nil {
		return Transfer{}, errs.Envf("onnxruntime", "", "MeasureTransfer needs a GPU session with device-resident IO")
	}
	var tr Transfer
	for _, t := range d.in {
		tr.InputBytes += t.bytes
	}
	for _, t := range d.out {
		tr.OutputBytes += t.bytes
	}
	h2d := make([]time.Duration, 0, n)
	d2h := make([]time.Duration, 0, n)
	for range n {
		t0 := time.Now()
		for i, t := range d.in {
			if err := d.copy(t.ptr, unsafe.Pointer(&s.inData[i][0]), t.bytes); err != nil {
				return tr, err
			}
		}
		h2d = append(h2d, time.Since(t0))
		t0 = time.Now()
		for i, t := range d.out {
			if err := d.copy(unsafe.Pointer(&s.outData[i][0]), t.ptr, t.bytes); err != nil {
				return tr, err
			}
		}
		d2h = append(d2h, time.Since(t0))
	}
	tr.HostToDevice, tr.DeviceToHost = time.Duration(stat.Median(h2d)), time.Duration(stat.Median(d2h))
	return tr, nil
}
