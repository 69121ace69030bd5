// cbench: the minimal C program on the ONNX Runtime C API that yologate's
// Go harness is measured against (.ci/bench-harness, docs/BENCHMARKS.md).
//
// It does what `yologate run --threads 1` does around each inference, and
// nothing more: one session from the model's bytes with 1 intra-op thread
// and all graph optimizations, a seeded random input in [0,1) and the
// output allocated once, a warm-up, then every Run timed with
// CLOCK_MONOTONIC.
//
// Usage: cbench LIBRARY MODEL.onnx WARMUP THREADS [PROVIDER [OPTIONS]]
//
// PROVIDER is cpu (the default), cuda or cuda-copies, OPTIONS the CUDA
// provider's options as key=value,... (the driver passes yologate's). cuda
// does what `yologate run --ep cuda` does: input and output allocated in
// GPU memory by the session's allocator, the input uploaded once and both
// bound with IO binding, so a Run is GPU compute only. cuda-copies binds the
// host buffers, as `--include-copies` does.
//
// After the warm-up it reads iteration counts from stdin, one per line, and
// answers each with one line: the burst's nearest-rank median, mean and
// minimum per-inference latency. A driver can so alternate bursts with
// another harness while both keep their sessions warm (`echo 100 | cbench
// ...` runs one burst). The model must have one float32 input, one output
// and static shapes.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "onnxruntime_c_api.h"

static const OrtApi *ort;

static void check(OrtStatus *s, const char *what) {
  if (s != NULL) {
    fprintf(stderr, "cbench: %s: %s\n", what, ort->GetErrorMessage(s));
    ort->ReleaseStatus(s);
    exit(1);
  }
}

static void *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    perror(path);
    exit(1);
  }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  void *buf = malloc((size_t)n);
  if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
    fprintf(stderr, "cbench: reading %s failed\n", path);
    exit(1);
  }
  fclose(f);
  *len = (size_t)n;
  return buf;
}

// tensor_shape returns the element count of a session input or output and
// fills dims (at most 8).
static int64_t tensor_shape(OrtTypeInfo *info, int64_t *dims, size_t *ndims) {
  const OrtTensorTypeAndShapeInfo *t;
  check(ort->CastTypeInfoToTensorInfo(info, &t), "tensor info");
  check(ort->GetDimensionsCount(t, ndims), "dimension count");
  if (*ndims > 8) {
    fprintf(stderr, "cbench: more than 8 dimensions\n");
    exit(1);
  }
  check(ort->GetDimensions(t, dims, *ndims), "dimensions");
  int64_t n = 1;
  for (size_t i = 0; i < *ndims; i++) {
    if (dims[i] <= 0) {
      fprintf(stderr, "cbench: dynamic dimension %zu: generate a static model\n", i);
      exit(1);
    }
    n *= dims[i];
  }
  return n;
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int find_cudart(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size;
  const char *base = strrchr(info->dlpi_name, '/');
  base = base == NULL ? info->dlpi_name : base + 1;
  if (strncmp(base, "libcudart.so", 12) == 0) {
    *(const char **)data = info->dlpi_name;
    return 1;
  }
  return 0;
}

// upload copies n bytes from the host to the GPU with the CUDA runtime the
// CUDA provider loaded.
static void upload(void *dst, const void *src, size_t n) {
  const char *path = NULL;
  dl_iterate_phdr(find_cudart, &path);
  void *h = path == NULL ? NULL : dlopen(path, RTLD_NOW | RTLD_NOLOAD);
  int (*copy)(void *, const void *, size_t, int) = h == NULL ? NULL : (int (*)(void *, const void *, size_t, int))dlsym(h, "cudaMemcpy");
  int (*sync)(void) = h == NULL ? NULL : (int (*)(void))dlsym(h, "cudaDeviceSynchronize");
  if (copy == NULL || sync == NULL) {
    fprintf(stderr, "cbench: no CUDA runtime loaded\n");
    exit(3);
  }
  if (copy(dst, src, n, 4) != 0 || sync() != 0) { // cudaMemcpyDefault
    fprintf(stderr, "cbench: cudaMemcpy failed\n");
    exit(3);
  }
}

// append_plugin appends the CUDA provider's library next to the ONNX
// Runtime library lib as a plugin, for a core library built without CUDA
// (what yologate does in that case, runner/ort/plugin.go); device_id is
// left out of the options, the device being the one appended.
static void append_plugin(OrtEnv *env, OrtSessionOptions *opts, const char *lib, const char **keys, const char **values, size_t n) {
  char path[4096];
  const char *slash = strrchr(lib, '/');
  int dir = slash == NULL ? 0 : (int)(slash - lib) + 1;
  snprintf(path, sizeof path, "%.*slibonnxruntime_providers_cuda.so", dir, lib);
  check(ort->RegisterExecutionProviderLibrary(env, "cuda", path), "registering the cuda plugin");
  const OrtEpDevice *const *devices;
  size_t count;
  check(ort->GetEpDevices(env, &devices, &count), "ep devices");
  const OrtEpDevice *cuda = NULL;
  for (size_t i = 0; i < count && cuda == NULL; i++) {
    if (strcmp(ort->EpDevice_EpName(devices[i]), "CUDAExecutionProvider") == 0) {
      cuda = devices[i];
    }
  }
  if (cuda == NULL) {
    fprintf(stderr, "cbench: the cuda plugin lists no device\n");
    exit(3);
  }
  const char *k[32], *v[32];
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    if (strcmp(keys[i], "device_id") != 0) {
      k[m] = keys[i];
      v[m++] = values[i];
    }
  }
  check(ort->SessionOptionsAppendExecutionProvider_V2(opts, env, &cuda, 1, k, v, m), "cuda plugin");
}

// append_cuda appends the CUDA provider with options "k=v,k=v".
static void append_cuda(OrtEnv *env, OrtSessionOptions *opts, const char *lib, const char *options) {
  const char *keys[32], *values[32];
  size_t n = 0;
  char *s = strdup(options == NULL ? "" : options), *save = NULL;
  for (char *kv = strtok_r(s, ",", &save); kv != NULL && n < 32; kv = strtok_r(NULL, ",", &save)) {
    char *eq = strchr(kv, '=');
    if (eq == NULL) {
      fprintf(stderr, "cbench: option %s is not key=value\n", kv);
      exit(2);
    }
    *eq = 0;
    keys[n] = kv;
    values[n++] = eq + 1;
  }
  OrtCUDAProviderOptionsV2 *cuda;
  OrtStatus *st = ort->CreateCUDAProviderOptions(&cuda);
  if (st != NULL && strstr(ort->GetErrorMessage(st), "not enabled in this build") != NULL) {
    ort->ReleaseStatus(st);
    append_plugin(env, opts, lib, keys, values, n);
    free(s);
    return;
  }
  check(st, "cuda options");
  check(ort->UpdateCUDAProviderOptions(cuda, keys, values, n), "cuda options");
  check(ort->SessionOptionsAppendExecutionProvider_CUDA_V2(opts, cuda), "cuda provider");
  ort->ReleaseCUDAProviderOptions(cuda);
  free(s);
}

int main(int argc, char **argv) {
  if (argc < 5 || argc > 7) {
    fprintf(stderr, "usage: cbench LIBRARY MODEL.onnx WARMUP THREADS [cpu|cuda|cuda-copies [OPTIONS]]\n");
    return 2;
  }
  const char *provider = argc > 5 ? argv[5] : "cpu";
  int cuda = strcmp(provider, "cuda") == 0, cuda_copies = strcmp(provider, "cuda-copies") == 0;
  if (!cuda && !cuda_copies && strcmp(provider, "cpu") != 0) {
    fprintf(stderr, "cbench: unknown provider %s\n", provider);
    return 2;
  }
  int warmup = atoi(argv[3]), threads = atoi(argv[4]);
  if (warmup < 0 || threads < 0) {
    fprintf(stderr, "cbench: bad counts\n");
    return 2;
  }
  void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (lib == NULL) {
    fprintf(stderr, "cbench: %s\n", dlerror());
    return 3;
  }
  const OrtApiBase *(*get_base)(void) = (const OrtApiBase *(*)(void))dlsym(lib, "OrtGetApiBase");
  if (get_base == NULL) {
    fprintf(stderr, "cbench: %s has no OrtGetApiBase\n", argv[1]);
    return 3;
  }
  ort = get_base()->GetApi(ORT_API_VERSION);
  if (ort == NULL) {
    fprintf(stderr, "cbench: library does not offer API version %d\n", ORT_API_VERSION);
    return 3;
  }

  OrtEnv *env;
  check(ort->CreateEnv(ORT_LOGGING_LEVEL_ERROR, "cbench", &env), "env");
  OrtSessionOptions *opts;
  check(ort->CreateSessionOptions(&opts), "session options");
  check(ort->SetSessionGraphOptimizationLevel(opts, ORT_ENABLE_ALL), "graph optimization");
  if (threads > 0) {
    check(ort->SetIntraOpNumThreads(opts, threads), "intra-op threads");
  }
  if (cuda || cuda_copies) {
    append_cuda(env, opts, argv[1], argc > 6 ? argv[6] : NULL);
  }
  size_t model_len;
  void *model = read_file(argv[2], &model_len);
  OrtSession *session;
  check(ort->CreateSessionFromArray(env, model, model_len, opts, &session), "session");

  OrtAllocator *alloc;
  check(ort->GetAllocatorWithDefaultOptions(&alloc), "allocator");
  char *in_name, *out_name;
  check(ort->SessionGetInputName(session, 0, alloc, &in_name), "input name");
  check(ort->SessionGetOutputName(session, 0, alloc, &out_name), "output name");
  size_t n_out;
  check(ort->SessionGetOutputCount(session, &n_out), "output count");
  if (n_out != 1) {
    fprintf(stderr, "cbench: %zu outputs, want 1\n", n_out);
    return 2;
  }

  int64_t in_dims[8], out_dims[8];
  size_t in_nd, out_nd;
  OrtTypeInfo *ti;
  check(ort->SessionGetInputTypeInfo(session, 0, &ti), "input type");
  int64_t in_n = tensor_shape(ti, in_dims, &in_nd);
  ort->ReleaseTypeInfo(ti);
  check(ort->SessionGetOutputTypeInfo(session, 0, &ti), "output type");
  int64_t out_n = tensor_shape(ti, out_dims, &out_nd);
  ort->ReleaseTypeInfo(ti);

  float *in_data = malloc((size_t)in_n * sizeof(float));
  float *out_data = malloc((size_t)out_n * sizeof(float));
  uint64_t x = 0x9e3779b97f4a7c15u; // xorshift64*: a seeded uniform [0,1) input
  for (int64_t i = 0; i < in_n; i++) {
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    in_data[i] = (float)((x * 2685821657736338717u) >> 40) / (float)(1 << 24);
  }
  OrtMemoryInfo *mem;
  check(ort->CreateCpuMemoryInfo(OrtArenaAllocator, OrtMemTypeDefault, &mem), "memory info");
  OrtValue *in_val = NULL, *out_val = NULL;
  check(ort->CreateTensorWithDataAsOrtValue(mem, in_data, (size_t)in_n * sizeof(float), in_dims, in_nd,
                                            ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, &in_val), "input tensor");
  check(ort->CreateTensorWithDataAsOrtValue(mem, out_data, (size_t)out_n * sizeof(float), out_dims, out_nd,
                                            ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, &out_val), "output tensor");
  // Both sides bind once and run the binding, as yologate does: the host
  // buffers (cpu, cuda-copies), or tensors in GPU memory (cuda).
  OrtIoBinding *binding;
  check(ort->CreateIoBinding(session, &binding), "io binding");
  OrtMemoryInfo *dev_mem = NULL;
  OrtAllocator *dev_alloc = NULL;
  OrtValue *dev_in = NULL, *dev_out = NULL;
  if (cuda) {
    check(ort->CreateMemoryInfo("Cuda", OrtDeviceAllocator, 0, OrtMemTypeDefault, &dev_mem), "cuda memory info");
    check(ort->CreateAllocator(session, dev_mem, &dev_alloc), "cuda allocator");
    check(ort->CreateTensorAsOrtValue(dev_alloc, in_dims, in_nd, ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, &dev_in), "device input");
    check(ort->CreateTensorAsOrtValue(dev_alloc, out_dims, out_nd, ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, &dev_out), "device output");
    void *dev_in_data;
    check(ort->GetTensorMutableData(dev_in, &dev_in_data), "device input data");
    upload(dev_in_data, in_data, (size_t)in_n * sizeof(float));
    check(ort->BindInput(binding, in_name, dev_in), "bind input");
    check(ort->BindOutput(binding, out_name, dev_out), "bind output");
  } else {
    check(ort->BindInput(binding, in_name, in_val), "bind input");
    check(ort->BindOutput(binding, out_name, out_val), "bind output");
  }

  for (int i = 0; i < warmup; i++) {
    check(ort->RunWithBinding(session, NULL, binding), "run");
  }
  int64_t *lat = NULL;
  int capacity = 0, iterations;
  setvbuf(stdout, NULL, _IOLBF, 0);
  while (scanf("%d", &iterations) == 1 && iterations > 0) {
    if (iterations > capacity) {
      free(lat);
      capacity = iterations;
      lat = malloc((size_t)capacity * sizeof(int64_t));
    }
    for (int i = 0; i < iterations; i++) {
      int64_t t0 = now_ns();
      check(ort->RunWithBinding(session, NULL, binding), "run");
      lat[i] = now_ns() - t0;
    }
    double sum = 0;
    for (int i = 0; i < iterations; i++) sum += (double)lat[i];
    qsort(lat, (size_t)iterations, sizeof(int64_t), cmp_i64);
    int rank = (iterations + 1) / 2; // nearest rank of the 50th percentile
    printf("iterations=%d p50_ms=%.6f mean_ms=%.6f min_ms=%.6f\n", iterations, (double)lat[rank - 1] / 1e6,
           sum / iterations / 1e6, (double)lat[0] / 1e6);
  }

  ort->ReleaseIoBinding(binding);
  if (cuda) {
    ort->ReleaseValue(dev_in);
    ort->ReleaseValue(dev_out);
    ort->ReleaseAllocator(dev_alloc);
    ort->ReleaseMemoryInfo(dev_mem);
  }
  ort->ReleaseValue(in_val);
  ort->ReleaseValue(out_val);
  ort->ReleaseMemoryInfo(mem);
  alloc->Free(alloc, in_name);
  alloc->Free(alloc, out_name);
  ort->ReleaseSession(session);
  ort->ReleaseSessionOptions(opts);
  ort->ReleaseEnv(env);
  free(lat);
  free(in_data);
  free(out_data);
  free(model);
  return 0;
}
