package runner

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/runner/onnxmodel"
	"github.com/yologate/yologate/runner/ort"
	"github.com/yologate/yologate/runner/results"
)

// TestProviderOptionsPerCase resolves what each case's provider gets, and
// the precision rules around a calibration table, without a GPU: the
// options are data until a session appends them.
func TestProviderOptionsPerCase(t *testing.T) {
	dir := t.TempDir()
	table := filepath.Join(dir, "calib.cache")
	if err := os.WriteFile(table, []byte("TRT-101601-EntropyCalibration2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	const sha = "0123456789abcdef0123456789abcdef"
	model := func(precision string) *Model {
		return &Model{Name: "yolov8n", Precision: precision, Info: &onnxmodel.Info{SHA256: sha}}
	}
	cache := filepath.Join(dir, "cache")
	engines := ort.TensorRTCacheDir(cache, "NVIDIA L4", "10.16.1", sha)
	gpus := map[int]string{0: "NVIDIA L4", 1: "NVIDIA A10"}
	tests := []struct {
		name      string
		plan      Plan
		provider  string
		model     string // the model's own precision
		asked     string // --precision
		device    int
		want      map[string]string // options that must be there
		absent    []string          // options that must not
		table     string            // the case's calibration table
		kind      errs.Kind
		errSubstr string
	}{
		{name: "cpu has no options", provider: ort.CPU, model: "fp32"},
		{name: "cpu refuses options", plan: Plan{ProviderOptions: map[string]string{"x": "1"}}, provider: ort.CPU, model: "fp32",
			kind: errs.Usage, errSubstr: "CPU provider takes no options"},
		{name: "cuda defaults on gpu 1", provider: ort.CUDA, model: "fp32", device: 1,
			want: map[string]string{"device_id": "1", "cudnn_conv_algo_search": "EXHAUSTIVE"}},
		{name: "cuda takes --ep-options", plan: Plan{ProviderOptions: map[string]string{"cudnn_conv_algo_search": "HEURISTIC"}},
			provider: ort.CUDA, model: "fp32", want: map[string]string{"cudnn_conv_algo_search": "HEURISTIC"}},
		{name: "tensorrt fp16 from fp32, cached per gpu model, trt version and model",
			plan:     Plan{TensorRTCache: cache, GPUNames: gpus, TensorRTVersion: "10.16.1"},
			provider: ort.TensorRT, model: "fp32", asked: "fp16",
			want: map[string]string{"trt_fp16_enable": "1", "trt_engine_cache_enable": "1", "trt_engine_cache_path": engines,
				"trt_timing_cache_path": filepath.Dir(engines), "cudnn_conv_algo_search": "EXHAUSTIVE"}},
		{name: "tensorrt on the second gpu gets its own cache", plan: Plan{TensorRTCache: cache, GPUNames: gpus, TensorRTVersion: "10.16.1"},
			provider: ort.TensorRT, model: "fp32", device: 1,
			want: map[string]string{"device_id": "1", "trt_engine_cache_path": ort.TensorRTCacheDir(cache, "NVIDIA A10", "10.16.1", sha)}},
		{name: "tensorrt without a cache", provider: ort.TensorRT, model: "fp32",
			absent: []string{"trt_engine_cache_enable", "trt_engine_cache_path", "trt_timing_cache_path"}},
		{name: "tensorrt int8 from fp32 with a calibration table",
			plan:     Plan{TensorRTCache: cache, GPUNames: gpus, TensorRTVersion: "10.16.1", CalibrationTable: table},
			provider: ort.TensorRT, model: "fp32", asked: "int8", table: table,
			want: map[string]string{"trt_int8_enable": "1", "trt_int8_calibration_table_name": "calib.cache", "trt_engine_cache_path": engines}},
		{name: "tensorrt int8 from fp32 needs a table", provider: ort.TensorRT, model: "fp32", asked: "int8",
			kind: errs.Usage, errSubstr: "--calibration-table"},
		{name: "a table needs the cache", plan: Plan{CalibrationTable: table}, provider: ort.TensorRT, model: "fp32", asked: "int8",
			kind: errs.Usage, errSubstr: "--trt-cache"},
		{name: "a table is for tensorrt int8 only", plan: Plan{CalibrationTable: table, TensorRTCache: cache}, provider: ort.CUDA, model: "fp32",
			kind: errs.Usage, errSubstr: "TensorRT int8 cases"},
		{name: "a quantized model takes no table", plan: Plan{CalibrationTable: table, TensorRTCache: cache}, provider: ort.TensorRT, model: "int8",
			kind: errs.Usage, errSubstr: "Q/DQ"},
		{name: "a missing table", plan: Plan{CalibrationTable: filepath.Join(dir, "missing.cache"), TensorRTCache: cache},
			provider: ort.TensorRT, model: "fp32", asked: "int8", kind: errs.Input, errSubstr: "missing.cache"},
		{name: "cuda cannot make fp16 from fp32", provider: ort.CUDA, model: "fp32", asked: "fp16",
			kind: errs.Usage, errSubstr: "--precision"},
		{name: "device_id must agree with the case's gpu", plan: Plan{ProviderOptions: map[string]string{"device_id": "0"}},
			provider: ort.CUDA, model: "fp32", device: 1, kind: errs.Usage, errSubstr: "device_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Spec{Model: model(tt.model), Size: Size{640, 640}, Batch: 1, Provider: tt.provider, Device: tt.device}
			var err error
			c.Precision, err = resolvePrecision(tt.asked, c.Model, tt.provider, tt.plan.CalibrationTable)
			if err == nil {
				err = tt.plan.providerOptions(&c)
			}
			if errs.KindOf(err) != tt.kind || (err == nil) != (tt.kind == 0) {
				t.Fatalf("error = %v, want kind %v", err, tt.kind)
			}
			if err != nil {
				if !strings.Contains(err.Error(), tt.errSubstr) || strings.Contains(err.Error(), "\n") {
					t.Errorf("error %q: want one line mentioning %q", err, tt.errSubstr)
				}
				return
			}
			if tt.provider == ort.CPU && c.ProviderOptions != nil {
				t.Errorf("cpu options = %v, want none", c.ProviderOptions)
			}
			for k, v := range tt.want {
				if c.ProviderOptions[k] != v {
					t.Errorf("option %s = %q, want %q", k, c.ProviderOptions[k], v)
				}
			}
			for _, k := range tt.absent {
				if _, ok := c.ProviderOptions[k]; ok {
					t.Errorf("option %s = %q, want it absent", k, c.ProviderOptions[k])
				}
			}
			if c.CalibrationTable != tt.table {
				t.Errorf("calibration table = %q, want %q", c.CalibrationTable, tt.table)
			}
			cfg := c.sessionConfig()
			if cfg.CalibrationTable != c.CalibrationTable || cfg.Provider.Device != c.Device || len(cfg.Provider.Options) != len(c.ProviderOptions) {
				t.Errorf("session config %+v does not carry the case's provider settings", cfg)
			}
		})
	}
}

// TestEngineCache: only a TensorRT case whose engine cache is on has one;
// a cache turned off with --ep-options leaves its folder unread.
func TestEngineCache(t *testing.T) {
	on := map[string]string{"trt_engine_cache_enable": "1", "trt_engine_cache_path": "/cache/tensorrt/x"}
	off := map[string]string{"trt_engine_cache_enable": "0", "trt_engine_cache_path": "/cache/tensorrt/x"}
	for _, tt := range []struct {
		provider string
		opts     map[string]string
		want     string
	}{
		{ort.TensorRT, on, "/cache/tensorrt/x"},
		{ort.TensorRT, off, ""},
		{ort.TensorRT, nil, ""},
		{ort.CUDA, on, ""},
	} {
		s := Spec{Provider: tt.provider, ProviderOptions: tt.opts}
		if got := s.engineCache(); got != tt.want {
			t.Errorf("%s %v: engineCache() = %q, want %q", tt.provider, tt.opts, got, tt.want)
		}
	}
}

// TestEngineState tells a built TensorRT engine from one loaded from the
// cache by the engine files before and after session creation.
func TestEngineState(t *testing.T) {
	dir := t.TempDir()
	if got := engineState("", engineFiles("")); got != "" {
		t.Errorf("no cache = %q", got)
	}
	before := engineFiles(dir)
	if got := engineState(dir, before); got != "" {
		t.Errorf("empty cache, nothing written = %q, want \"\"", got)
	}
	engine := filepath.Join(dir, "TensorrtExecutionProvider_TRTKernel_graph_main_graph_123_0_0_sm89.engine")
	if err := os.WriteFile(engine, []byte("plan"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "x.profile"), []byte("p"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := engineState(dir, before); got != results.EngineBuilt {
		t.Errorf("new engine = %q, want %q", got, results.EngineBuilt)
	}
	before = engineFiles(dir)
	if got := engineState(dir, before); got != results.EngineCached {
		t.Errorf("engine reused = %q, want %q", got, results.EngineCached)
	}
	// An engine rebuilt in place (same name, new contents) is built.
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(engine, later, later); err != nil {
		t.Fatal(err)
	}
	if got := engineState(dir, before); got != results.EngineBuilt {
		t.Errorf("engine rewritten = %q, want %q", got, results.EngineBuilt)
	}
	if len(before) != 1 {
		t.Errorf("engine files = %v, want only the .engine", before)
	}
}
