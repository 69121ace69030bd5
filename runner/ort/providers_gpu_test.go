package ort

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yologate/yologate/internal/errs"
)

func TestProviderOptions(t *testing.T) {
	cuda0 := map[string]string{
		"device_id": "0", "cudnn_conv_algo_search": "EXHAUSTIVE", "cudnn_conv_use_max_workspace": "1",
		"do_copy_in_default_stream": "1", "arena_extend_strategy": "kNextPowerOfTwo",
	}
	with := func(base map[string]string, kv ...string) map[string]string {
		out := map[string]string{}
		for k, v := range base {
			out[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}
	trt0 := with(cuda0, "trt_max_workspace_size", "4294967296", "trt_fp16_enable", "0", "trt_int8_enable", "0")
	cacheDir := filepath.Join("/cache", "tensorrt", "nvidia-a10", "trt-10.9.0.34", "0123456789abcdef")
	tests := []struct {
		name     string
		provider string
		user     map[string]string
		s        GPUSettings
		want     map[string]string
		kind     errs.Kind
	}{
		{name: "cpu has no options", provider: CPU},
		{name: "cpu refuses options", provider: CPU, user: map[string]string{"x": "1"}, kind: errs.Usage},
		{name: "cuda defaults", provider: CUDA, want: cuda0},
		{name: "cuda on gpu 3 with heuristic search", provider: CUDA, s: GPUSettings{Device: 3},
			user: map[string]string{"cudnn_conv_algo_search": "HEURISTIC", "device_id": "3"},
			want: with(cuda0, "device_id", "3", "cudnn_conv_algo_search", "HEURISTIC")},
		{name: "cuda refuses a bad search", provider: CUDA, user: map[string]string{"cudnn_conv_algo_search": "FAST"}, kind: errs.Usage},
		{name: "cuda refuses trt options", provider: CUDA, user: map[string]string{"trt_fp16_enable": "1"}, kind: errs.Usage},
		{name: "device_id must agree with --device", provider: CUDA, s: GPUSettings{Device: 1}, user: map[string]string{"device_id": "0"}, kind: errs.Usage},
		{name: "negative device", provider: CUDA, s: GPUSettings{Device: -1}, kind: errs.Usage},
		{name: "tensorrt fp32 without cache", provider: TensorRT, want: trt0},
		{name: "tensorrt fp16 with engine and timing cache", provider: TensorRT,
			s: GPUSettings{Precision: FP16, CacheDir: "/cache", GPUModel: "NVIDIA A10", TensorRTVersion: "10.9.0.34", ModelSHA256: "0123456789ABCDEF0123"},
			want: with(trt0, "trt_fp16_enable", "1", "trt_engine_cache_enable", "1", "trt_engine_cache_path", cacheDir,
				"trt_timing_cache_enable", "1", "trt_timing_cache_path", filepath.Dir(cacheDir))},
		{name: "tensorrt int8 with calibration table and 1 GiB workspace", provider: TensorRT,
			s: GPUSettings{Precision: INT8, CacheDir: "/cache", GPUModel: "NVIDIA A10", TensorRTVersion: "10.9.0.34", ModelSHA256: "0123456789ABCDEF0123",
				CalibrationTable: "/data/yolov8n.cache", WorkspaceBytes: 1 << 30},
			want: with(trt0, "trt_int8_enable", "1", "trt_fp16_enable", "1", "trt_max_workspace_size", "1073741824",
				"trt_int8_calibration_table_name", "yolov8n.cache", "trt_int8_use_native_calibration_table", "0",
				"trt_engine_cache_enable", "1", "trt_engine_cache_path", cacheDir,
				"trt_timing_cache_enable", "1", "trt_timing_cache_path", filepath.Dir(cacheDir))},
		{name: "tensorrt calibration table needs the cache", provider: TensorRT,
			s: GPUSettings{Precision: INT8, CalibrationTable: "/data/yolov8n.cache"}, kind: errs.Usage},
		{name: "tensorrt user option wins", provider: TensorRT, s: GPUSettings{Precision: FP16},
			user: map[string]string{"trt_fp16_enable": "0", "trt_builder_optimization_level": "5"},
			want: with(trt0, "trt_builder_optimization_level", "5")},
		{name: "tensorrt boolean checked", provider: TensorRT, user: map[string]string{"trt_engine_cache_enable": "yes"}, kind: errs.Usage},
		{name: "tensorrt workspace checked", provider: TensorRT, user: map[string]string{"trt_max_workspace_size": "4G"}, kind: errs.Usage},
		{name: "unknown provider", provider: "rocm", kind: errs.Usage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ProviderOptions(tt.provider, tt.user, tt.s)
			if errs.KindOf(err) != tt.kind || (err == nil) != (tt.kind == 0) {
				t.Fatalf("ProviderOptions error = %v, want kind %v", err, tt.kind)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSplitTensorRTOptions(t *testing.T) {
	o, err := ProviderOptions(TensorRT, nil, GPUSettings{Device: 1, Precision: FP16})
	if err != nil {
		t.Fatal(err)
	}
	trt, cuda := SplitTensorRTOptions(o)
	if trt["device_id"] != "1" || cuda["device_id"] != "1" || trt["trt_fp16_enable"] != "1" {
		t.Errorf("trt = %v, cuda = %v", trt, cuda)
	}
	for k := range cuda {
		if strings.HasPrefix(k, "trt_") {
			t.Errorf("TensorRT option %q went to CUDA", k)
		}
	}
	if len(trt)+len(cuda) != len(o)+1 {
		t.Errorf("split lost options: %d + %d from %d", len(trt), len(cuda), len(o))
	}
}

func TestTensorRTCacheDir(t *testing.T) {
	tests := []struct{ gpu, trt, sha, want string }{
		{"NVIDIA GeForce RTX 4090", "10.9.0", "ABCDEF0123456789abcdef", "r/tensorrt/nvidia-geforce-rtx-4090/trt-10.9.0/abcdef0123456789"},
		{"", "", "", "r/tensorrt/unknown/trt-unknown/unknown"},
		{"../../etc", "10/x", "sha", "r/tensorrt/..-..-etc/trt-10-x/sha"},
	}
	for _, tt := range tests {
		if got := TensorRTCacheDir("r", tt.gpu, tt.trt, tt.sha); got != tt.want {
			t.Errorf("TensorRTCacheDir(%q, %q, %q) = %q, want %q", tt.gpu, tt.trt, tt.sha, got, tt.want)
		}
		if got := TensorRTCacheDir("r", tt.gpu, tt.trt, tt.sha); !strings.HasPrefix(filepath.Clean(got), "r/tensorrt/") {
			t.Errorf("cache dir %q escapes its root", got)
		}
	}
}

func TestCheckPrecision(t *testing.T) {
	fp32 := ModelPrecision{}
	q := ModelPrecision{Quantized: true}
	half := ModelPrecision{Float16: true}
	tests := []struct {
		provider, precision string
		m                   ModelPrecision
		table               string
		ok                  bool
		msg                 string
	}{
		{CPU, FP32, fp32, "", true, ""},
		{CPU, "", fp32, "", true, ""},
		{CPU, FP16, fp32, "", false, "the CPU provider has no fp16 mode"},
		{CPU, INT8, fp32, "", false, "needs a model that is already quantized"},
		{CPU, INT8, q, "", true, ""},
		{CPU, FP32, q, "", false, "the model is quantized (int8) but --precision is fp32"},
		{CPU, "bf16", fp32, "", false, `unknown precision "bf16"`},
		{CUDA, FP16, fp32, "", false, "runs the model as stored"},
		{CUDA, FP16, half, "", true, ""},
		{CUDA, INT8, q, "", true, ""},
		{TensorRT, FP16, fp32, "", true, ""},
		{TensorRT, INT8, q, "", true, ""},
		{TensorRT, INT8, fp32, "", false, "needs Q/DQ nodes in the model or a calibration table"},
		{TensorRT, INT8, fp32, "calib.cache", true, ""},
		{TensorRT, INT8, q, "calib.cache", false, "refuses a calibration table"},
	}
	for _, tt := range tests {
		t.Run(tt.provider+"/"+tt.precision, func(t *testing.T) {
			err := CheckPrecision(tt.provider, tt.precision, tt.m, tt.table)
			if tt.ok != (err == nil) {
				t.Fatalf("CheckPrecision = %v, want ok %v", err, tt.ok)
			}
			if err != nil && (errs.KindOf(err) != errs.Usage || !strings.Contains(err.Error(), tt.msg) || !strings.HasPrefix(err.Error(), "--precision: ")) {
				t.Errorf("error %q: want a --precision usage error containing %q", err, tt.msg)
			}
		})
	}
}

func TestQuantizedOps(t *testing.T) {
	if QuantizedOps([]string{"Conv", "Sigmoid", "Mul"}) {
		t.Error("fp32 graph reported quantized")
	}
	for _, op := range []string{"DequantizeLinear", "QLinearConv", "ConvInteger", "MatMulInteger"} {
		if !QuantizedOps([]string{"Conv", op}) {
			t.Errorf("%s not recognized as quantized", op)
		}
	}
}

func TestChooseProvider(t *testing.T) {
	tests := []struct {
		req       string
		available []string
		want      string
		kind      errs.Kind
	}{
		{"auto", []string{CPU}, CPU, 0},
		{"auto", []string{CUDA, CPU}, CUDA, 0},
		{"auto", []string{TensorRT, CUDA, CPU}, TensorRT, 0},
		{"", nil, CPU, 0},
		{"cpu", nil, CPU, 0},
		{"cuda", []string{CPU}, "", errs.Env},
		{"tensorrt", []string{CUDA, CPU}, "", errs.Env},
		{"cuda", []string{CUDA, CPU}, CUDA, 0},
		{"npu", []string{CPU}, "", errs.Usage},
	}
	for _, tt := range tests {
		got, err := ChooseProvider(tt.req, tt.available)
		if got != tt.want || errs.KindOf(err) != tt.kind || (err == nil) != (tt.kind == 0) {
			t.Errorf("ChooseProvider(%q, %v) = %q, %v; want %q, kind %v", tt.req, tt.available, got, err, tt.want, tt.kind)
		}
	}
}

func TestParseProviderOptions(t *testing.T) {
	got, err := ParseProviderOptions(" trt_fp16_enable=1, trt_builder_optimization_level=5")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"trt_fp16_enable": "1", "trt_builder_optimization_level": "5"}, got); diff != "" {
		t.Error(diff)
	}
	for _, bad := range []string{"trt_fp16_enable", "=1", "a=1,a=2"} {
		if _, err := ParseProviderOptions(bad); errs.KindOf(err) != errs.Usage {
			t.Errorf("ParseProviderOptions(%q) = %v, want a usage error", bad, err)
		}
	}
	if m, err := ParseProviderOptions(""); m != nil || err != nil {
		t.Errorf("empty = %v, %v", m, err)
	}
}

func FuzzParseProviderOptions(f *testing.F) {
	for _, s := range []string{"", "a=b", "trt_fp16_enable=1,device_id=0", "x=,=y", "a=1,a=2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseProviderOptions(s)
		if err != nil {
			if errs.KindOf(err) != errs.Usage || strings.Contains(err.Error(), "\n") {
				t.Fatalf("bad error %q", err)
			}
			return
		}
		for k := range m {
			if k == "" || strings.ContainsAny(k, ",=") {
				t.Fatalf("bad key %q from %q", k, s)
			}
		}
	})
}

// TestPrepareTensorRTCache checks what the session does with the files of
// a TensorRT case before appending the provider: the engine and timing
// cache directories are created and the calibration table is copied where
// ONNX Runtime reads it.
func TestPrepareTensorRTCache(t *testing.T) {
	dir := t.TempDir()
	table := filepath.Join(dir, "yolov8n_calib.cache")
	if err := os.WriteFile(table, []byte("TRT-8601-EntropyCalibration2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := GPUSettings{Precision: INT8, CacheDir: filepath.Join(dir, "cache"), GPUModel: "NVIDIA T4", TensorRTVersion: "10.16.1", ModelSHA256: "feedface", CalibrationTable: table}
	o, err := ProviderOptions(TensorRT, nil, s)
	if err != nil {
		t.Fatal(err)
	}
	engineDir := o["trt_engine_cache_path"]
	if engineDir != TensorRTCacheDir(s.CacheDir, s.GPUModel, s.TensorRTVersion, s.ModelSHA256) {
		t.Errorf("engine cache = %q", engineDir)
	}
	if o["trt_int8_calibration_table_name"] != "yolov8n_calib.cache" {
		t.Errorf("calibration table option = %q", o["trt_int8_calibration_table_name"])
	}
	if err := prepareTensorRTCache(o, table); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(o["trt_timing_cache_path"]); err != nil || !st.IsDir() {
		t.Errorf("timing cache directory not created: %v", err)
	}
	copied, err := os.ReadFile(filepath.Join(engineDir, "yolov8n_calib.cache"))
	if err != nil || string(copied) != "TRT-8601-EntropyCalibration2\n" {
		t.Errorf("calibration table not copied into the cache: %v", err)
	}

	// A missing table is an input error; a table without a cache a usage
	// error, both from the options and from the session.
	if err := prepareTensorRTCache(o, filepath.Join(dir, "missing.cache")); errs.KindOf(err) != errs.Input {
		t.Errorf("missing table = %v, want an input error", err)
	}
	if _, err := ProviderOptions(TensorRT, nil, GPUSettings{Precision: INT8, CalibrationTable: table}); errs.KindOf(err) != errs.Usage {
		t.Errorf("options with a table and no cache = %v, want a usage error", err)
	}
	if err := prepareTensorRTCache(map[string]string{}, table); errs.KindOf(err) != errs.Usage {
		t.Errorf("table without cache = %v, want a usage error", err)
	}

	// A cache root that cannot be created is an environment error.
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := prepareTensorRTCache(map[string]string{"trt_engine_cache_path": filepath.Join(file, "x")}, ""); errs.KindOf(err) != errs.Env {
		t.Errorf("unwritable cache = %v, want an environment error", err)
	}
}

func TestProviderUnavailableReason(t *testing.T) {
	tests := map[string]string{
		"CUDA execution provider is not enabled in this build.":                                                   "not in this ONNX Runtime build (the CPU-only release)",
		"/usr/lib/libonnxruntime_providers_cuda.so: libcudart.so.12: cannot open shared object file":              "CUDA or cuDNN libraries not found (libcudart.so.12)",
		"libnvinfer.so.10: cannot open shared object file":                                                        "TensorRT libraries not found (libnvinfer.so.10)",
		"Failed to load library /x/libonnxruntime_providers_shared.so with error: cannot open shared object file": "no GPU provider libraries next to the ONNX Runtime library (libonnxruntime_providers_shared.so missing): this ONNX Runtime package has no CUDA or TensorRT provider",
		"something else": "something else",
	}
	for msg, want := range tests {
		if got := ProviderUnavailableReason(msg); got != want {
			t.Errorf("ProviderUnavailableReason(%q) = %q, want %q", msg, got, want)
		}
	}
}

// TestGPUProvidersOnThisBuild appends CUDA and TensorRT through the real
// library. With the CPU-only release it must be an environment error that
// says why, never a crash; with a GPU build and a GPU, both are available.
func TestGPUProvidersOnThisBuild(t *testing.T) {
	loadORT(t)
	for _, name := range []string{CUDA, TensorRT} {
		err := Available(name)
		if err == nil {
			t.Logf("%s is available here", name)
			continue
		}
		if errs.KindOf(err) != errs.Env || !strings.Contains(err.Error(), "is not available: ") {
			t.Errorf("Available(%s) = %v, want an environment error with the reason", name, err)
		}
		t.Logf("%s: %v", name, err)
	}
}
