// cbench: the minimal C program on the ONNX Runtime C API that yologate's
// Go harness is measured against (.ci/bench-harness, docs/BENCHMARKS.md).
//
// It does what `yologate run --threads 1` does around each inference, and
// nothing more: one session from the model's bytes with 1 intra-op thread
// and all graph optimizations, a seeded random input in [0,1) and the
// output allocated once, a warm-up, then every Run timed with
// CLOCK_MONOTONIC.
//
// Usage: cbench LIBRARY MODEL.onnx WARMUP THREADS
//
// After the warm-up it reads iteration counts from stdin, one per line, and
// answers each with one line: the burst's nearest-rank median, mean and
// minimum per-inference latency. A driver can so alternate bursts with
// another harness while both keep their sessions warm (`echo 100 | cbench
// ...` runs one burst). The model must have one float32 input, one output
// and static shapes.
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
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

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: cbench LIBRARY MODEL.onnx WARMUP THREADS\n");
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
  const char *in_names[1] = {in_name}, *out_names[1] = {out_name};
  const OrtValue *ins[1] = {in_val};

  for (int i = 0; i < warmup; i++) {
    check(ort->Run(session, NULL, in_names, ins, 1, out_names, 1, &out_val), "run");
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
      check(ort->Run(session, NULL, in_names, ins, 1, out_names, 1, &out_val), "run");
      lat[i] = now_ns() - t0;
    }
    double sum = 0;
    for (int i = 0; i < iterations; i++) sum += (double)lat[i];
    qsort(lat, (size_t)iterations, sizeof(int64_t), cmp_i64);
    int rank = (iterations + 1) / 2; // nearest rank of the 50th percentile
    printf("iterations=%d p50_ms=%.6f mean_ms=%.6f min_ms=%.6f\n", iterations, (double)lat[rank - 1] / 1e6,
           sum / iterations / 1e6, (double)lat[0] / 1e6);
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
