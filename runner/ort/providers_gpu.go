package ort

import (
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	onnx "github.com/yalue/onnxruntime_go"

	"github.com/yologate/yologate/internal/errs"
)

// This file holds the CUDA and TensorRT providers: the option maps built
// from a case's device and precision, the precision rules of each provider,
// and the functions that append them to a session. Option construction is
// pure and tested without a GPU; appending needs an ONNX Runtime GPU build.

// Precisions a case can ask for with --precision.
const (
	FP32 = "fp32"
	FP16 = "fp16"
	INT8 = "int8"
)

// DefaultTensorRTWorkspace is the TensorRT builder's workspace limit in
// bytes when none is given: 4 GiB lets TensorRT pick its fastest tactics
// for YOLO at 640–1280 and still fits the smallest data-center GPUs (T4, 16 GB).
const DefaultTensorRTWorkspace int64 = 4 << 30

// GPUSettings are the parts of a case that shape the CUDA and TensorRT
// options. The zero value is device 0 at fp32 without caches.
type GPUSettings struct {
	// Device is the GPU index (device_id).
	Device int
	// Precision is FP32, FP16 or INT8; "" means FP32.
	Precision string
	// CacheDir is the root of TensorRT's engine and timing caches; "" turns
	// the caches off (every session then rebuilds its engines).
	CacheDir string
	// GPUModel, TensorRTVersion and ModelSHA256 key the engine cache: an
	// engine is valid only for the GPU model, TensorRT version and model it
	// was built from.
	GPUModel, TensorRTVersion, ModelSHA256 string
	// CalibrationTable is an int8 calibration table for a model without
	// Q/DQ nodes; the session copies it (Config.CalibrationTable) into the
	// engine cache directory, where ONNX Runtime looks for it.
	CalibrationTable string
	// WorkspaceBytes is TensorRT's workspace limit; 0 means DefaultTensorRTWorkspace.
	WorkspaceBytes int64
	// Model says what precision the model file itself holds.
	Model ModelPrecision
}

// ModelPrecision is what an ONNX file holds, as far as precision goes.
type ModelPrecision struct {
	// Float16 is set when the model's inputs or weights are float16 (an
	// export with half=True).
	Float16 bool
	// Quantized is set when the model has quantization operators (Q/DQ or
	// QLinear*/Integer ops): an int8 model such as yolov8n_int8.onnx.
	Quantized bool
}

// QuantizedOps reports whether a graph with these operator types is a
// quantized (int8) model.
func QuantizedOps(opTypes []string) bool {
	for _, op := range opTypes {
		switch {
		case op == "QuantizeLinear", op == "DequantizeLinear", op == "DynamicQuantizeLinear",
			strings.HasPrefix(op, "QLinear"), strings.HasSuffix(op, "Integer"):
			return true
		}
	}
	return false
}

// CheckPrecision says whether provider can run precision on a model
// holding m. The CPU provider has no precision switch: it runs the model
// as stored, so fp16 is refused and int8 needs an already quantized model.
// CUDA likewise runs the model as stored. TensorRT builds fp16 or int8
// engines from an fp32 model (int8 from Q/DQ nodes or a calibration table).
// A refusal is a usage error (exit 2) that says what would work.
func CheckPrecision(provider, precision string, m ModelPrecision, calibrationTable string) error {
	if precision == "" {
		precision = FP32
	}
	switch precision {
	case FP32, FP16, INT8:
	default:
		return errs.Usagef("--precision", "use fp32, fp16 or int8", "unknown precision %q", precision)
	}
	switch provider {
	case CPU, "":
		switch {
		case precision == FP16:
			return errs.Usagef("--precision", "use --precision fp32 on the CPU provider, or --ep cuda or tensorrt for fp16",
				"the CPU provider has no fp16 mode (ONNX Runtime's CPU kernels are fp32 and int8)")
		case precision == INT8 && !m.Quantized:
			return errs.Usagef("--precision", "pass a quantized model (Q/DQ or QOperator, e.g. yolov8n_int8.onnx from an int8 export), or use --ep tensorrt with a calibration table",
				"int8 on the CPU provider needs a model that is already quantized; this one has no quantization operators")
		case precision == FP32 && m.Quantized:
			return errs.Usagef("--precision", "use --precision int8 for a quantized model", "the model is quantized (int8) but --precision is fp32")
		}
	case CUDA:
		switch {
		case precision == FP16 && !m.Float16:
			return errs.Usagef("--precision", "export the model with half=True, or use --ep tensorrt, which builds fp16 engines from an fp32 model",
				"the CUDA provider runs the model as stored and this model is fp32")
		case precision == INT8 && !m.Quantized:
			return errs.Usagef("--precision", "pass a quantized (Q/DQ) model, or use --ep tensorrt with a calibration table",
				"int8 on the CUDA provider needs a model that is already quantized")
		case precision == FP32 && (m.Quantized || m.Float16):
			return errs.Usagef("--precision", "set --precision to what the model holds (fp16 or int8)", "the model is not fp32 but --precision is fp32")
		}
	case TensorRT:
		if precision == INT8 && !m.Quantized && calibrationTable == "" {
			return errs.Usagef("--precision", "pass a Q/DQ quantized model, or an int8 calibration table for this model",
				"int8 on TensorRT needs Q/DQ nodes in the model or a calibration table")
		}
		if calibrationTable != "" && m.Quantized {
			return errs.Usagef("--precision", "drop the calibration table: the Q/DQ nodes carry the scales",
				"TensorRT refuses a calibration table for a model with Q/DQ nodes")
		}
	default:
		return errs.Usagef("--ep", "valid providers: auto, cpu, cuda, tensorrt", "unknown execution provider %q", provider)
	}
	return nil
}

// ChooseProvider resolves --ep against the providers available here
// (best first, as Providers returns them): "auto" picks tensorrt, then
// cuda, then cpu; a named provider that is not available is an
// environment error (exit 3).
func ChooseProvider(requested string, available []string) (string, error) {
	has := func(n string) bool {
		for _, a := range available {
			if a == n {
				return true
			}
		}
		return false
	}
	if requested == "auto" || requested == "" {
		for _, n := range ProviderNames {
			if n == CPU || has(n) {
				return n, nil
			}
		}
	}
	if !KnownProvider(requested) {
		return "", errs.Usagef("--ep", "valid providers: auto, cpu, cuda, tensorrt", "unknown execution provider %q", requested)
	}
	if requested != CPU && !has(requested) {
		return "", notAvailable(requested)
	}
	return requested, nil
}

// ProviderOptions returns every option ONNX Runtime gets for provider
// name: yologate's defaults for s, overridden by user (the case's own
// options). For TensorRT the map also holds the options of the CUDA
// provider that runs what TensorRT cannot: keys starting with "trt_" go
// to TensorRT, device_id to both, the rest to CUDA. The CPU provider has
// no options. It touches no file and no GPU.
func ProviderOptions(name string, user map[string]string, s GPUSettings) (map[string]string, error) {
	if s.Device < 0 {
		return nil, errs.Usagef("--device", "use a GPU index such as 0", "negative device %d", s.Device)
	}
	var opts map[string]string
	switch name {
	case CPU, "":
		if len(user) > 0 {
			return nil, errs.Usagef("--ep", "the CPU provider takes no options; use --threads for its thread count", "unexpected cpu provider option %q", sortedKeys(user)[0])
		}
		return nil, nil
	case CUDA:
		opts = cudaDefaults(s.Device)
	case TensorRT:
		if s.CalibrationTable != "" && s.CacheDir == "" {
			return nil, errTableNeedsCache()
		}
		opts = cudaDefaults(s.Device)
		for k, v := range tensorRTDefaults(s) {
			opts[k] = v
		}
	default:
		return nil, errs.Usagef("--ep", "valid providers: auto, cpu, cuda, tensorrt", "unknown execution provider %q", name)
	}
	for _, k := range sortedKeys(user) {
		if err := checkOption(name, k, user[k]); err != nil {
			return nil, err
		}
		opts[k] = user[k]
	}
	if d := opts["device_id"]; d != strconv.Itoa(s.Device) {
		return nil, errs.Usagef("device_id", "select the GPU with --device, not a provider option", "device_id %q differs from --device %d", d, s.Device)
	}
	return opts, nil
}

// cudaDefaults are the CUDA provider options yologate sets explicitly, so
// that results record them even where they equal ONNX Runtime's defaults.
func cudaDefaults(device int) map[string]string {
	return map[string]string{
		"device_id": strconv.Itoa(device),
		// Exhaustive cuDNN search at session creation (counted as cold
		// start) picks the fastest convolution algorithms for the timed loop.
		"cudnn_conv_algo_search":       "EXHAUSTIVE",
		"cudnn_conv_use_max_workspace": "1",
		// Copies on the compute stream: Run returns only after outputs are
		// on the host, so every timed iteration includes its copies.
		"do_copy_in_default_stream": "1",
		"arena_extend_strategy":     "kNextPowerOfTwo",
	}
}

func tensorRTDefaults(s GPUSettings) map[string]string {
	ws := s.WorkspaceBytes
	if ws <= 0 {
		ws = DefaultTensorRTWorkspace
	}
	o := map[string]string{
		"trt_max_workspace_size": strconv.FormatInt(ws, 10),
		"trt_fp16_enable":        "0",
		"trt_int8_enable":        "0",
	}
	switch s.Precision {
	case FP16:
		o["trt_fp16_enable"] = "1"
	case INT8:
		o["trt_int8_enable"] = "1"
		// fp16 too, so that layers TensorRT keeps out of int8 do not fall back to fp32.
		o["trt_fp16_enable"] = "1"
		if s.CalibrationTable != "" {
			o["trt_int8_calibration_table_name"] = filepath.Base(s.CalibrationTable)
			o["trt_int8_use_native_calibration_table"] = "0"
		}
	}
	if s.CacheDir != "" {
		dir := TensorRTCacheDir(s.CacheDir, s.GPUModel, s.TensorRTVersion, s.ModelSHA256)
		o["trt_engine_cache_enable"] = "1"
		o["trt_engine_cache_path"] = dir
		o["trt_timing_cache_enable"] = "1"
		// The timing cache holds per-layer tactic timings, valid for any
		// model on the same GPU model and TensorRT version.
		o["trt_timing_cache_path"] = filepath.Dir(dir)
	}
	return o
}

// TensorRTCacheDir is where the engines of one model on one GPU model and
// TensorRT version live: root/tensorrt/<gpu>/trt-<version>/<sha256[:16]>.
// Unknown parts read "unknown", so that they never share a directory with
// a known one.
func TensorRTCacheDir(root, gpuModel, trtVersion, modelSHA string) string {
	sha := slug(modelSHA)
	if len(sha) > 16 {
		sha = sha[:16]
	}
	return filepath.Join(root, "tensorrt", slug(gpuModel), "trt-"+slug(trtVersion), sha)
}

var slugRE = regexp.MustCompile(`[^a-z0-9.]+`)

func slug(s string) string {
	s = strings.Trim(slugRE.ReplaceAllString(strings.ToLower(s), "-"), "-")
	if s == "" {
		return "unknown"
	}
	return s
}

// boolOptions are the options whose values must be 0 or 1.
var boolOptions = map[string]bool{
	"trt_fp16_enable": true, "trt_int8_enable": true, "trt_engine_cache_enable": true,
	"trt_timing_cache_enable": true, "trt_int8_use_native_calibration_table": true,
	"trt_dump_subgraphs": true, "trt_force_sequential_engine_build": true,
	"trt_context_memory_sharing_enable": true, "trt_layer_norm_fp32_fallback": true,
	"trt_build_heuristics_enable": true, "trt_sparsity_enable": true, "trt_cuda_graph_enable": true,
	"do_copy_in_default_stream": true, "cudnn_conv_use_max_workspace": true,
	"cudnn_conv1d_pad_to_nc1d": true, "enable_cuda_graph": true, "use_tf32": true, "prefer_nhwc": true,
}

// checkOption catches the option mistakes that ONNX Runtime would only
// report as a failed session, or not at all.
func checkOption(provider, k, v string) error {
	where := provider + " option " + k
	if k == "" {
		return errs.Usagef(provider+" option", "write options as key=value", "empty option name")
	}
	if boolOptions[k] && v != "0" && v != "1" {
		return errs.Usagef(where, "use 0 or 1", "%q is not a boolean", v)
	}
	switch k {
	case "cudnn_conv_algo_search":
		if v != "EXHAUSTIVE" && v != "HEURISTIC" && v != "DEFAULT" {
			return errs.Usagef(where, "use EXHAUSTIVE, HEURISTIC or DEFAULT", "unknown value %q", v)
		}
	case "device_id", "trt_max_workspace_size", "gpu_mem_limit":
		if n, err := strconv.ParseInt(v, 10, 64); err != nil || n < 0 {
			return errs.Usagef(where, "use a non-negative integer", "%q is not a count", v)
		}
	}
	if provider == CUDA && strings.HasPrefix(k, "trt_") {
		return errs.Usagef(where, "use --ep tensorrt for TensorRT options", "a TensorRT option given to the CUDA provider")
	}
	return nil
}

// SplitTensorRTOptions separates a TensorRT case's options into those of
// TensorRT ("trt_*" and device_id) and those of its CUDA fallback.
func SplitTensorRTOptions(opts map[string]string) (trt, cuda map[string]string) {
	trt, cuda = map[string]string{}, map[string]string{}
	for k, v := range opts {
		switch {
		case k == "device_id":
			trt[k], cuda[k] = v, v
		case strings.HasPrefix(k, "trt_"):
			trt[k] = v
		default:
			cuda[k] = v
		}
	}
	return trt, cuda
}

// prepareTensorRTCache creates the engine and timing cache directories that
// the TensorRT options o name, and copies the int8 calibration table into
// the engine cache directory, where ONNX Runtime reads it by base name.
func prepareTensorRTCache(o map[string]string, table string) error {
	for _, k := range []string{"trt_engine_cache_path", "trt_timing_cache_path"} {
		if dir := o[k]; dir != "" {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return errs.Envf(dir, "pick a writable cache directory with --trt-cache, or turn the cache off with --trt-cache off", "cannot create the TensorRT cache: %s", cleanMsg(err))
			}
		}
	}
	if table == "" {
		return nil
	}
	dir := o["trt_engine_cache_path"]
	if dir == "" {
		return errTableNeedsCache()
	}
	return copyFile(table, filepath.Join(dir, filepath.Base(table)))
}

// errTableNeedsCache refuses a calibration table without an engine cache:
// ONNX Runtime looks for the table only in TensorRT's cache directory.
func errTableNeedsCache() error {
	return errs.Usagef("--calibration-table", "set a cache directory with --trt-cache: ONNX Runtime reads the table from TensorRT's cache path", "a calibration table needs the TensorRT cache")
}

// copyFile copies src to dst through a temporary file and a rename, so a
// reader never sees half a table.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return errs.Inputf(src, "pass an existing int8 calibration table", "cannot read the calibration table: %s", cleanMsg(err))
	}
	defer in.Close()
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".calibration-*")
	if err != nil {
		return errs.Envf(filepath.Dir(dst), "", "cannot write the calibration table: %s", cleanMsg(err))
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, in); err != nil {
		tmp.Close()
		return errs.Envf(dst, "", "copying the calibration table: %s", cleanMsg(err))
	}
	if err := tmp.Close(); err != nil {
		return errs.Envf(dst, "", "copying the calibration table: %s", cleanMsg(err))
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return errs.Envf(dst, "", "copying the calibration table: %s", cleanMsg(err))
	}
	return nil
}

// gpuOptions returns the options to append for cfg: its own (ProviderOptions'
// result, as the runner resolves them per case) over the defaults for its
// device and precision.
func gpuOptions(cfg *Config) (map[string]string, error) {
	return ProviderOptions(cfg.Provider.Name, cfg.Provider.Options, GPUSettings{Device: cfg.Provider.Device, Precision: cfg.Precision})
}

// appendCUDA appends the CUDA provider to opts.
func appendCUDA(opts *onnx.SessionOptions, cfg *Config) error {
	o, err := gpuOptions(cfg)
	if err != nil {
		return err
	}
	return appendCUDAOptions(opts, o)
}

func appendCUDAOptions(opts *onnx.SessionOptions, o map[string]string) error {
	// A core library built without CUDA refuses the provider; its
	// library next to the core may still load as a plugin (plugin.go).
	fallback := func(err error) error {
		if notInBuild(err) {
			device, _ := strconv.Atoi(o["device_id"])
			if ok, perr := appendPlugin(opts, CUDA, device, o); ok {
				return perr
			}
		}
		return providerErr(CUDA, err)
	}
	po, err := onnx.NewCUDAProviderOptions()
	if err != nil {
		return fallback(err)
	}
	defer po.Destroy()
	if err := po.Update(o); err != nil {
		if notInBuild(err) {
			return fallback(err)
		}
		return optionsErr(CUDA, "https://onnxruntime.ai/docs/execution-providers/CUDA-ExecutionProvider.html#configuration-options", err)
	}
	if err := opts.AppendExecutionProviderCUDA(po); err != nil {
		return fallback(err)
	}
	return nil
}

// appendTensorRT appends TensorRT and, after it, CUDA for the nodes
// TensorRT cannot run (ONNX Runtime assigns nodes in provider order).
func appendTensorRT(opts *onnx.SessionOptions, cfg *Config) error {
	o, err := gpuOptions(cfg)
	if err != nil {
		return err
	}
	if err := prepareTensorRTCache(o, cfg.CalibrationTable); err != nil {
		return err
	}
	trt, cuda := SplitTensorRTOptions(o)
	po, err := onnx.NewTensorRTProviderOptions()
	if err != nil {
		return providerErr(TensorRT, err)
	}
	defer po.Destroy()
	if err := po.Update(trt); err != nil {
		return optionsErr(TensorRT, "https://onnxruntime.ai/docs/execution-providers/TensorRT-ExecutionProvider.html", err)
	}
	if err := opts.AppendExecutionProviderTensorRT(po); err != nil {
		return providerErr(TensorRT, err)
	}
	return appendCUDAOptions(opts, cuda)
}

// providerErr explains why a GPU provider cannot be appended: not in this
// ONNX Runtime build (the CPU-only release), or its libraries missing.
func providerErr(name string, err error) error {
	msg := cleanMsg(err)
	why := ProviderUnavailableReason(msg)
	return errs.Envf("--ep", `run "yologate doctor" for the CUDA, cuDNN and TensorRT libraries this ONNX Runtime needs, or use --ep cpu`,
		"execution provider %q is not available: %s", name, why)
}

// ProviderUnavailableReason turns ONNX Runtime's message about a provider
// it could not add into a short reason.
func ProviderUnavailableReason(msg string) string {
	low := strings.ToLower(msg)
	switch {
	case strings.Contains(low, "not enabled in this build"), strings.Contains(low, "not supported in this build"):
		return "not in this ONNX Runtime build (the CPU-only release)"
	case strings.Contains(low, "libcudart"), strings.Contains(low, "libcublas"), strings.Contains(low, "libcudnn"), strings.Contains(low, "libcufft"), strings.Contains(low, "libcurand"):
		return "CUDA or cuDNN libraries not found (" + lib(msg, "libcu") + ")"
	case strings.Contains(low, "libnvinfer"):
		return "TensorRT libraries not found (" + lib(msg, "libnvinfer") + ")"
	case strings.Contains(low, "libonnxruntime_providers"):
		return "no GPU provider libraries next to the ONNX Runtime library (" + lib(msg, "libonnxruntime_providers") +
			" missing): this ONNX Runtime package has no CUDA or TensorRT provider"
	case strings.Contains(low, "cuda driver version is insufficient"), strings.Contains(low, "no cuda-capable device"):
		return "no usable GPU or driver for CUDA: " + msg
	}
	return msg
}

var libRE = regexp.MustCompile(`(?i)lib[a-z0-9_+-]+\.so(\.[0-9]+)*`)

// lib returns the first shared-library name in s that starts with prefix
// (lower case), as s spells it.
func lib(s, prefix string) string {
	for _, m := range libRE.FindAllString(s, -1) {
		if strings.HasPrefix(strings.ToLower(m), prefix) {
			return m
		}
	}
	return "a shared library"
}

// loadFailure reports whether an ONNX Runtime message is about a library
// that could not be loaded rather than about an option.
func loadFailure(msg string) bool {
	low := strings.ToLower(msg)
	return strings.Contains(low, "failed to load library") || strings.Contains(low, "cannot open shared object") ||
		strings.Contains(low, "not enabled in this build") || strings.Contains(low, "not supported in this build")
}

// optionsErr classifies a failed options update: a provider library that
// would not load (environment), or an option ONNX Runtime refused (usage).
func optionsErr(name, doc string, err error) error {
	if loadFailure(err.Error()) {
		return providerErr(name, err)
	}
	return errs.Usagef(name+" options", "see "+doc, "%s", cleanMsg(err))
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// ParseProviderOptions reads "key=value,key=value" (the --ep-options flag)
// into a map; an empty string is nil.
func ParseProviderOptions(s string) (map[string]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	out := map[string]string{}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(kv, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" {
			return nil, errs.Usagef("--ep-options", "write key=value pairs separated by commas, e.g. trt_fp16_enable=1", "%q is not key=value", kv)
		}
		if _, dup := out[k]; dup {
			return nil, errs.Usagef("--ep-options", "give each option once", "option %q given twice", k)
		}
		out[k] = v
	}
	return out, nil
}
