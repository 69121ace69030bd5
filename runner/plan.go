package runner

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/runner/onnxmodel"
	"github.com/yologate/yologate/runner/ort"
)

// Spec is one benchmark case, fully resolved: which model, at which size
// and batch, on which provider and precision, with which threads.
type Spec struct {
	Model *Model
	Size  Size
	// Batch is the number of images per inference, at least 1.
	Batch int
	// Provider is "cpu", "cuda" or "tensorrt" (never "auto": Plan resolves it).
	Provider string
	// ProviderOptions are every option the provider gets: yologate's
	// defaults for the case under the plan's own (ort.ProviderOptions); nil
	// on the CPU.
	ProviderOptions map[string]string
	// CalibrationTable is the int8 calibration table of a TensorRT case,
	// copied into its engine cache when the session is created.
	CalibrationTable string
	// Device is the GPU index for GPU providers; ignored on the CPU.
	Device int
	// DeviceInID adds "/device=N" to the case id, for runs over several GPUs.
	DeviceInID bool
	// IncludeCopies times a GPU case with its input and outputs in host
	// memory, so that every iteration includes the host↔device copies; by
	// default they stay in GPU memory and an iteration is GPU compute only.
	// Such a case's id ends in "/copies".
	IncludeCopies bool
	// Precision is "fp32", "fp16" or "int8".
	Precision string
	// Threads is the intra-op thread count; 0 lets ONNX Runtime choose.
	Threads int
	// SessionConfig holds ONNX Runtime session config entries, passed as given.
	SessionConfig map[string]string
}

// ID returns the case id, e.g. "model=yolov8n/imgsz=640/batch=1/ep=cpu/precision=fp32".
func (s *Spec) ID() string {
	id := CaseID(s.Model.Name, s.Size, s.Batch, s.Provider, s.Precision)
	if s.DeviceInID && s.Provider != ort.CPU {
		id += fmt.Sprintf("/device=%d", s.Device)
	}
	if s.copiesTimed() {
		id += "/copies"
	}
	return id
}

// CaseID formats a case id from its parts.
func CaseID(model string, size Size, batch int, provider, precision string) string {
	return fmt.Sprintf("model=%s/imgsz=%v/batch=%d/ep=%s/precision=%s", model, size, batch, provider, precision)
}

// sessionConfig is the ONNX Runtime configuration of the case's sessions.
func (s *Spec) sessionConfig() ort.Config {
	return ort.Config{
		Provider:         ort.Provider{Name: s.Provider, Device: s.Device, Options: s.ProviderOptions},
		IntraOpThreads:   s.Threads,
		ConfigEntries:    s.SessionConfig,
		Precision:        s.Precision,
		CalibrationTable: s.CalibrationTable,
	}
}

// copiesTimed reports whether the case's timed iterations include
// host↔device copies because it asked for them (IncludeCopies).
func (s *Spec) copiesTimed() bool { return s.IncludeCopies && s.Provider != ort.CPU }

// engineCache is the directory TensorRT keeps this case's engines in, or
// "" when the case builds them anew (no cache, or trt_engine_cache_enable=0
// given with --ep-options: engines left in the folder are then not used).
func (s *Spec) engineCache() string {
	if s.Provider != ort.TensorRT || s.ProviderOptions["trt_engine_cache_enable"] != "1" {
		return ""
	}
	return s.ProviderOptions["trt_engine_cache_path"]
}

// device is the GPU index a case runs on, -1 on the CPU.
func (s *Spec) device() int {
	if s.Provider == ort.CPU {
		return -1
	}
	return s.Device
}

// Plan is what the command line asks for; Specs expands it into cases
// (models × sizes × batches, in that order).
type Plan struct {
	// Models are standard names ("yolov8n") or ONNX file paths.
	Models []string
	// Sizes are the image sizes; empty means each model's own (DefaultSize)
	// or 640 for a standard model.
	Sizes []Size
	// Batches are the batch sizes; empty means 1.
	Batches []int
	// Provider is "auto" (the best available), "cpu", "cuda" or "tensorrt".
	Provider string
	// ProviderOptions override yologate's defaults for the GPU providers
	// (--ep-options); TensorRT keys start with "trt_", the others go to CUDA.
	ProviderOptions map[string]string
	Device          int
	// Devices, when it holds more than one GPU index, runs every case once
	// per GPU (case ids then end in "/device=N"); it replaces Device. GPU
	// providers only.
	Devices []int
	// Precision is "" (the model's own), "fp32", "fp16" or "int8".
	Precision     string
	Threads       int
	SessionConfig map[string]string
	// TensorRTCache is the root of TensorRT's engine and timing caches
	// (ort.TensorRTCacheDir); "" builds every engine anew.
	TensorRTCache string
	// IncludeCopies times GPU cases with host buffers (Spec.IncludeCopies).
	IncludeCopies bool
	// CalibrationTable is an int8 calibration table for TensorRT cases of
	// an fp32 model (--calibration-table).
	CalibrationTable string
	// GPUNames maps GPU indices to their model names and TensorRTVersion is
	// the TensorRT library's version: with the model's sha256 they key the
	// engine cache, since an engine is only valid for the GPU model,
	// TensorRT version and model it was built for. Unknown parts read
	// "unknown" in the cache path.
	GPUNames        map[int]string
	TensorRTVersion string
}

// CacheEnv names yologate's cache directory (TensorRT engines and timing
// caches); DefaultCacheDir falls back to the user's cache directory.
const CacheEnv = "YOLOGATE_CACHE"

// DefaultCacheDir returns $YOLOGATE_CACHE, else $XDG_CACHE_HOME/yologate,
// else $HOME/.cache/yologate; "" when none is set.
func DefaultCacheDir(getenv func(string) string) string {
	if d := getenv(CacheEnv); d != "" {
		return d
	}
	if d := getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "yologate")
	}
	if d := getenv("HOME"); d != "" && d != "/" {
		return filepath.Join(d, ".cache", "yologate")
	}
	return ""
}

// Precisions lists the valid precisions.
var Precisions = []string{"fp32", "fp16", "int8"}

// Specs resolves the plan: it reads or generates every model and checks
// every case before anything is measured, so that bad input fails fast and
// writes nothing. ONNX Runtime must be loaded (LoadRuntime).
func (p Plan) Specs() ([]Spec, error) {
	if len(p.Models) == 0 {
		return nil, errs.Usagef("--model", "name a standard model (yolov8n) or an ONNX file", "no model given")
	}
	provider, err := ResolveProvider(p.Provider)
	if err != nil {
		return nil, err
	}
	if p.Precision != "" && !contains(Precisions, p.Precision) {
		return nil, errs.Usagef("--precision", "use fp32, fp16 or int8", "unknown precision %q", p.Precision)
	}
	if p.Threads < 0 {
		return nil, errs.Usagef("--threads", "use 0 for ONNX Runtime's default or a positive count", "negative thread count %d", p.Threads)
	}
	if p.Device < 0 {
		return nil, errs.Usagef("--device", "use a GPU index: 0, 1, ...", "negative device %d", p.Device)
	}
	batches := p.Batches
	if len(batches) == 0 {
		batches = []int{1}
	}
	if provider == ort.TensorRT && p.TensorRTVersion == "" {
		// Unknown stays "" (the cache path then reads "unknown").
		p.TensorRTVersion, _ = ort.TensorRTVersion()
	}
	var specs []Spec
	seen := map[string]bool{}
	for _, ref := range p.Models {
		cases, err := p.modelCases(ref, batches)
		if err != nil {
			return nil, err
		}
		for _, c := range p.perDevice(cases, provider) {
			c.Provider = provider
			c.Threads = p.Threads
			c.SessionConfig = p.SessionConfig
			c.IncludeCopies = p.IncludeCopies
			if c.Precision, err = resolvePrecision(p.Precision, c.Model, provider, p.CalibrationTable); err != nil {
				return nil, err
			}
			if err := p.providerOptions(&c); err != nil {
				return nil, err
			}
			id := c.ID()
			if seen[id] {
				return nil, errs.Usagef("--model", "give each model once, or rename one of two files with the same name", "case %s is asked for twice", id)
			}
			seen[id] = true
			specs = append(specs, c)
		}
	}
	return specs, nil
}

// modelCases returns the size × batch cases of one --model value.
func (p Plan) modelCases(ref string, batches []int) ([]Spec, error) {
	var out []Spec
	if isFileRef(ref) {
		m, err := LoadModelFile(ref)
		if err != nil {
			return nil, err
		}
		sizes := p.Sizes
		if len(sizes) == 0 {
			sizes = []Size{m.DefaultSize()}
		}
		for _, sz := range sizes {
			for _, b := range batches {
				if err := m.check(sz, b); err != nil {
					return nil, err
				}
				out = append(out, Spec{Model: m, Size: sz, Batch: b})
			}
		}
		return out, nil
	}
	if !IsStandardModel(ref) {
		names := StandardModels()
		hint := "name an ONNX file, or a standard model: " + strings.Join(names, ", ")
		if len(names) == 0 {
			hint = "name an ONNX file"
		}
		return nil, errs.Usagef("--model", hint, "%q is neither a file nor a standard model", ref)
	}
	sizes := p.Sizes
	if len(sizes) == 0 {
		sizes = []Size{{640, 640}}
	}
	for _, sz := range sizes {
		for _, b := range batches {
			m, err := GenerateModel(ref, sz, b)
			if err != nil {
				return nil, err
			}
			out = append(out, Spec{Model: m, Size: sz, Batch: b})
		}
	}
	return out, nil
}

// isFileRef reports whether a --model value names a file rather than a
// standard model: it exists, or it looks like a path.
func isFileRef(ref string) bool {
	if _, err := os.Stat(ref); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return true
	}
	return strings.ContainsRune(ref, os.PathSeparator) || strings.HasSuffix(strings.ToLower(ref), ".onnx")
}

// GenerateModel builds standard model name from the built-in zoo with a
// fixed batch × 3 × height × width input.
func GenerateModel(name string, size Size, batch int) (*Model, error) {
	if generate == nil {
		return nil, errs.Usagef("--model", "name an ONNX file", "standard model %q is not available in this build", name)
	}
	data, err := generate(name, size, batch)
	if err != nil {
		return nil, err
	}
	info, err := onnxmodel.Inspect(data)
	if err != nil {
		return nil, fmt.Errorf("generated %s: %w", name, err)
	}
	where := "--model " + name
	m, err := newModel(name, where, data, info, true)
	if err != nil {
		return nil, err
	}
	if err := m.check(size, batch); err != nil {
		return nil, err
	}
	return m, nil
}

// StandardModels lists the names of the built-in zoo, sorted.
func StandardModels() []string {
	if standardNames == nil {
		return nil
	}
	names := standardNames()
	sort.Strings(names)
	return names
}

// IsStandardModel reports whether name is in the built-in zoo.
func IsStandardModel(name string) bool { return contains(StandardModels(), name) }

// The built-in zoo, wired in zoo.go.
var (
	generate      func(name string, size Size, batch int) ([]byte, error)
	standardNames func() []string
)

// ResolveProvider turns a --ep value into the provider to run: "auto" is
// the best available (TensorRT, then CUDA, then the CPU); a named provider
// must be available (an environment error otherwise, exit 3); an unknown
// name is a usage error.
func ResolveProvider(name string) (string, error) {
	if name == "" || name == "auto" {
		if avail := ort.Providers(); len(avail) > 0 {
			return avail[0], nil
		}
		return ort.CPU, nil
	}
	if err := ort.Available(name); err != nil {
		return "", err
	}
	return name, nil
}

// resolvePrecision checks the asked precision against the model's own: the
// CPU and CUDA providers run a model as it is; TensorRT can build an fp16
// engine from an fp32 model, and an int8 one with a calibration table.
func resolvePrecision(asked string, m *Model, provider, calibrationTable string) (string, error) {
	if asked == "" || asked == m.Precision {
		return m.Precision, nil
	}
	if provider == ort.TensorRT && m.Precision == "fp32" && (asked == "fp16" || asked == "int8" && calibrationTable != "") {
		return asked, nil
	}
	fix := "leave --precision out to run the model as it is, or use --ep tensorrt for fp16 from an fp32 model"
	if asked == "int8" && m.Precision == "fp32" {
		fix = "pass a quantized model, or use --ep tensorrt with --calibration-table for int8 from an fp32 model"
	}
	return "", errs.Usagef("--precision", fix, "model %s is %s and the %s provider cannot run it as %s", m.Name, m.Precision, provider, asked)
}

// providerOptions resolves every option case c's provider gets, and checks
// the calibration table, before anything is loaded or measured.
func (p Plan) providerOptions(c *Spec) error {
	if p.CalibrationTable != "" {
		if c.Provider != ort.TensorRT || c.Precision != ort.INT8 {
			return errs.Usagef("--calibration-table", "use it with --ep tensorrt --precision int8, or leave it out",
				"a calibration table is for TensorRT int8 cases; this case is %s %s", c.Provider, c.Precision)
		}
		if st, err := os.Stat(p.CalibrationTable); err != nil || st.IsDir() {
			return errs.Inputf(p.CalibrationTable, "pass the int8 calibration table TensorRT wrote for this model", "not a readable file")
		}
	}
	s := ort.GPUSettings{
		Device:          c.Device,
		Precision:       c.Precision,
		GPUModel:        p.GPUNames[c.Device],
		TensorRTVersion: p.TensorRTVersion,
		ModelSHA256:     c.Model.Info.SHA256,
		Model:           ort.ModelPrecision{Float16: c.Model.Precision == "fp16", Quantized: c.Model.Precision == "int8"},
	}
	if c.Provider == ort.TensorRT {
		s.CacheDir, s.CalibrationTable = p.TensorRTCache, p.CalibrationTable
	}
	if c.Provider != ort.CPU {
		if err := ort.CheckPrecision(c.Provider, c.Precision, s.Model, s.CalibrationTable); err != nil {
			return err
		}
	}
	opts, err := ort.ProviderOptions(c.Provider, p.ProviderOptions, s)
	if err != nil {
		return err
	}
	c.ProviderOptions, c.CalibrationTable = opts, s.CalibrationTable
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// perDevice sets each case's GPU, repeating the cases once per GPU of
// p.Devices when there are several and the provider is a GPU one.
func (p Plan) perDevice(cases []Spec, provider string) []Spec {
	if len(p.Devices) < 2 || provider == ort.CPU {
		for i := range cases {
			cases[i].Device = p.Device
			if len(p.Devices) == 1 {
				cases[i].Device = p.Devices[0]
			}
		}
		return cases
	}
	out := make([]Spec, 0, len(cases)*len(p.Devices))
	for _, d := range p.Devices {
		for _, c := range cases {
			c.Device, c.DeviceInID = d, true
			out = append(out, c)
		}
	}
	return out
}
