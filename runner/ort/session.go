package ort

import (
	"fmt"
	"sort"
	"unsafe"

	onnx "github.com/yalue/onnxruntime_go"

	"github.com/yologate/yologate/internal/errs"
)

// Config is how a Session is built: provider, threads and ONNX Runtime
// session settings. The zero Config is the CPU provider with ONNX Runtime's
// defaults and all graph optimizations.
type Config struct {
	Provider Provider
	// IntraOpThreads is the size of the intra-op thread pool; 0 lets ONNX
	// Runtime choose (one per physical core).
	IntraOpThreads int
	// InterOpThreads is the size of the inter-op thread pool; 0 lets ONNX
	// Runtime choose. It only matters with parallel execution.
	InterOpThreads int
	// GraphOptimization is "disable", "basic", "extended" or "all"; "" means "all".
	GraphOptimization string
	// ConfigEntries are session configuration entries passed as given
	// (e.g. "session.intra_op.allow_spinning": "0").
	ConfigEntries map[string]string
	// Precision is the case's precision ("fp32", "fp16", "int8"), for
	// providers whose options depend on it (TensorRT's fp16 and int8 modes).
	Precision string
	// CalibrationTable is the path of an int8 calibration table for
	// TensorRT; it is copied into the engine cache directory (named by the
	// trt_engine_cache_path option) before the session is created, since
	// ONNX Runtime reads it from there.
	CalibrationTable string
	// DeviceIO keeps the inputs and outputs in the memory the provider
	// computes in: First uploads the inputs once and binds device tensors,
	// so that Run moves no data between host and GPU (what trtexec calls
	// GPU compute time). Without it Run reads and writes host buffers and
	// every Run includes the copies. On the CPU provider it binds tensors
	// from the session's own allocator, the same code path in host memory.
	DeviceIO bool
}

// TensorInfo describes one model input or output.
type TensorInfo struct {
	Name string
	// Type is the element type: "float32", "float16", "uint8", ...
	Type string
	// Shape holds the dimensions; -1 marks a dynamic (symbolic) one.
	Shape []int64
}

// String formats the tensor as `images float32[1,3,640,640]`, with ? for a
// dynamic dimension.
func (t TensorInfo) String() string {
	s := t.Name + " " + t.Type + "["
	for i, d := range t.Shape {
		if i > 0 {
			s += ","
		}
		if d < 0 {
			s += "?"
		} else {
			s += fmt.Sprint(d)
		}
	}
	return s + "]"
}

// elementTypes maps ONNX element types to yologate's names and sizes in bytes.
var elementTypes = map[onnx.TensorElementDataType]struct {
	name string
	size int
}{
	onnx.TensorElementDataTypeFloat:    {"float32", 4},
	onnx.TensorElementDataTypeFloat16:  {"float16", 2},
	onnx.TensorElementDataTypeBFloat16: {"bfloat16", 2},
	onnx.TensorElementDataTypeDouble:   {"float64", 8},
	onnx.TensorElementDataTypeUint8:    {"uint8", 1},
	onnx.TensorElementDataTypeInt8:     {"int8", 1},
	onnx.TensorElementDataTypeUint16:   {"uint16", 2},
	onnx.TensorElementDataTypeInt16:    {"int16", 2},
	onnx.TensorElementDataTypeUint32:   {"uint32", 4},
	onnx.TensorElementDataTypeInt32:    {"int32", 4},
	onnx.TensorElementDataTypeUint64:   {"uint64", 8},
	onnx.TensorElementDataTypeInt64:    {"int64", 8},
	onnx.TensorElementDataTypeBool:     {"bool", 1},
}

func typeByName(name string) (onnx.TensorElementDataType, int, bool) {
	for t, e := range elementTypes {
		if e.name == name {
			return t, e.size, true
		}
	}
	return 0, 0, false
}

// Inspect returns a model's inputs and outputs as ONNX Runtime sees them.
// It builds a throwaway session, so it costs about one session creation.
// A model ONNX Runtime cannot load is an input error.
func Inspect(model []byte) (inputs, outputs []TensorInfo, err error) {
	if !Loaded() {
		return nil, nil, errs.Envf(LibraryEnv, fixLoad, "ONNX Runtime is not loaded")
	}
	if len(model) == 0 {
		return nil, nil, errs.Inputf("model", "", "empty model")
	}
	in, out, err := onnx.GetInputOutputInfoWithONNXData(model)
	if err != nil {
		return nil, nil, errs.Inputf("model", "pass an ONNX file that ONNX Runtime can load", "%s", cleanMsg(err))
	}
	conv := func(infos []onnx.InputOutputInfo) ([]TensorInfo, error) {
		ts := make([]TensorInfo, len(infos))
		for i, info := range infos {
			if info.OrtValueType != onnx.ONNXTypeTensor {
				return nil, errs.Inputf("model", "yologate runs models whose inputs and outputs are tensors", "%q is a %v, not a tensor", info.Name, info.OrtValueType)
			}
			et, ok := elementTypes[info.DataType]
			if !ok {
				return nil, errs.Inputf("model", "", "%q has unsupported element type %v", info.Name, info.DataType)
			}
			shape := make([]int64, len(info.Dimensions))
			for j, d := range info.Dimensions {
				if d <= 0 {
					d = -1
				}
				shape[j] = d
			}
			ts[i] = TensorInfo{Name: info.Name, Type: et.name, Shape: shape}
		}
		return ts, nil
	}
	if inputs, err = conv(in); err != nil {
		return nil, nil, err
	}
	if outputs, err = conv(out); err != nil {
		return nil, nil, err
	}
	return inputs, outputs, nil
}

// Session is one model loaded on one provider, with its input and output
// tensors allocated once. Use it from one goroutine at a time.
type Session struct {
	sess    *onnx.DynamicAdvancedSession
	inputs  []TensorInfo
	outputs []TensorInfo

	in      []*onnx.CustomDataTensor
	inData  [][]byte
	out     []*onnx.CustomDataTensor
	outData [][]byte
	binding *onnx.IoBinding

	// cfg is what the session was created with; dev holds the
	// device-resident tensors when cfg.DeviceIO is set (after First).
	cfg Config
	dev *deviceIO
}

var graphLevels = map[string]onnx.GraphOptimizationLevel{
	"disable":  onnx.GraphOptimizationLevelDisableAll,
	"basic":    onnx.GraphOptimizationLevelEnableBasic,
	"extended": onnx.GraphOptimizationLevelEnableExtended,
	"all":      onnx.GraphOptimizationLevelEnableAll,
	"":         onnx.GraphOptimizationLevelEnableAll,
}

// NewSession creates an ONNX Runtime session for model (the bytes of an
// ONNX file) with inputs and outputs as Inspect returned them. A provider
// that cannot be used is an environment error; a model ONNX Runtime rejects
// is an input error.
func NewSession(model []byte, inputs, outputs []TensorInfo, cfg Config) (*Session, error) {
	if len(model) == 0 {
		return nil, errs.Inputf("model", "", "empty model")
	}
	return newSession(inputs, outputs, cfg, func(names, outs []string, opts *onnx.SessionOptions) (*onnx.DynamicAdvancedSession, error) {
		return onnx.NewDynamicAdvancedSessionWithONNXData(model, names, outs, opts)
	})
}

// NewSessionFromFile is NewSession for the ONNX file at path, which ONNX
// Runtime reads itself: the way to load a model whose weights live in
// external data files next to it.
func NewSessionFromFile(path string, inputs, outputs []TensorInfo, cfg Config) (*Session, error) {
	return newSession(inputs, outputs, cfg, func(names, outs []string, opts *onnx.SessionOptions) (*onnx.DynamicAdvancedSession, error) {
		return onnx.NewDynamicAdvancedSession(path, names, outs, opts)
	})
}

func newSession(inputs, outputs []TensorInfo, cfg Config, create func(inputs, outputs []string, opts *onnx.SessionOptions) (*onnx.DynamicAdvancedSession, error)) (*Session, error) {
	if !Loaded() {
		return nil, errs.Envf(LibraryEnv, fixLoad, "ONNX Runtime is not loaded")
	}
	opts, err := onnx.NewSessionOptions()
	if err != nil {
		return nil, errs.Envf("onnxruntime", "", "creating session options: %s", cleanMsg(err))
	}
	defer opts.Destroy()
	if err := configure(opts, &cfg); err != nil {
		return nil, err
	}
	names := func(ts []TensorInfo) []string {
		n := make([]string, len(ts))
		for i, t := range ts {
			n[i] = t.Name
		}
		return n
	}
	sess, err := create(names(inputs), names(outputs), opts)
	if err != nil {
		if cfg.Provider.Name != CPU && cfg.Provider.Name != "" {
			return nil, errs.Envf("--ep", "check the GPU, its driver and the provider's libraries with \"yologate doctor\"", "creating a %s session: %s", cfg.Provider.Name, cleanMsg(err))
		}
		return nil, errs.Inputf("model", "pass an ONNX file that ONNX Runtime can load", "creating session: %s", cleanMsg(err))
	}
	return &Session{sess: sess, inputs: inputs, outputs: outputs, cfg: cfg}, nil
}

func configure(opts *onnx.SessionOptions, cfg *Config) error {
	lvl, ok := graphLevels[cfg.GraphOptimization]
	if !ok {
		return errs.Usagef("graph optimization", "use disable, basic, extended or all", "unknown level %q", cfg.GraphOptimization)
	}
	if err := opts.SetGraphOptimizationLevel(lvl); err != nil {
		return errs.Envf("onnxruntime", "", "setting graph optimization: %s", cleanMsg(err))
	}
	if cfg.IntraOpThreads < 0 || cfg.InterOpThreads < 0 {
		return errs.Usagef("--threads", "use 0 for ONNX Runtime's default or a positive count", "negative thread count")
	}
	if cfg.IntraOpThreads > 0 {
		if err := opts.SetIntraOpNumThreads(cfg.IntraOpThreads); err != nil {
			return errs.Envf("--threads", "", "setting intra-op threads: %s", cleanMsg(err))
		}
	}
	if cfg.InterOpThreads > 0 {
		if err := opts.SetInterOpNumThreads(cfg.InterOpThreads); err != nil {
			return errs.Envf("--threads", "", "setting inter-op threads: %s", cleanMsg(err))
		}
	}
	keys := make([]string, 0, len(cfg.ConfigEntries))
	for k := range cfg.ConfigEntries {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := opts.AddSessionConfigEntry(k, cfg.ConfigEntries[k]); err != nil {
			return errs.Usagef("session config", "", "entry %q: %s", k, cleanMsg(err))
		}
	}
	return applyProvider(opts, cfg)
}

// Inputs returns the model's inputs.
func (s *Session) Inputs() []TensorInfo { return s.inputs }

// Outputs returns the model's outputs; after First their shapes are concrete.
func (s *Session) Outputs() []TensorInfo { return s.outputs }

// Allocate creates the input tensors with the given concrete shapes, one per
// input, zero-filled; fill them through InputData before First. A shape that
// contradicts a static dimension of the model is an input error.
func (s *Session) Allocate(shapes [][]int64) error {
	if len(shapes) != len(s.inputs) {
		return errs.Inputf("model", "", "the model has %d inputs, %d shapes given", len(s.inputs), len(shapes))
	}
	s.freeInputs()
	for i, info := range s.inputs {
		shape := shapes[i]
		if len(shape) != len(info.Shape) {
			return errs.Inputf("model", "", "input %s: %d dimensions given, the model has %d", info, len(shape), len(info.Shape))
		}
		n := int64(1)
		for j, d := range shape {
			if d <= 0 {
				return errs.Inputf("model", "", "input %s: dimension %d must be positive, got %d", info, j, d)
			}
			if info.Shape[j] > 0 && info.Shape[j] != d {
				return errs.Inputf("model", "", "input %s: dimension %d is fixed at %d, %d asked for", info, j, info.Shape[j], d)
			}
			n *= d
		}
		typ, size, ok := typeByName(info.Type)
		if !ok {
			return errs.Inputf("model", "", "input %s: unsupported element type", info)
		}
		data := make([]byte, n*int64(size))
		t, err := onnx.NewCustomDataTensor(onnx.NewShape(shape...), data, typ)
		if err != nil {
			return errs.Envf("onnxruntime", "", "input %s: creating tensor: %s", info.Name, cleanMsg(err))
		}
		s.in = append(s.in, t)
		s.inData = append(s.inData, data)
	}
	return nil
}

// InputData returns input i's bytes (native byte order), to fill before
// First; the same memory is read by every Run.
func (s *Session) InputData(i int) []byte { return s.inData[i] }

// OutputData returns output i's bytes as the last Run left them (zeros
// between First and the first Run); nil before First. With device-resident
// IO it first copies the output from the device, so call it outside timing.
func (s *Session) OutputData(i int) []byte {
	if i >= len(s.outData) {
		return nil
	}
	if s.dev != nil {
		t := s.dev.out[i]
		if err := s.dev.copy(unsafe.Pointer(&s.outData[i][0]), t.ptr, t.bytes); err != nil {
			return nil
		}
	}
	return s.outData[i]
}

// DeviceResident reports whether Run reads and writes tensors in the
// provider's own memory (Config.DeviceIO, after First).
func (s *Session) DeviceResident() bool { return s.dev != nil }

// First runs the model once with outputs that ONNX Runtime allocates, learns
// their shapes, then allocates output tensors of those shapes and binds
// inputs and outputs for Run. It is the cold first inference.
func (s *Session) First() error {
	if len(s.in) != len(s.inputs) {
		return errs.Envf("onnxruntime", "", "session inputs not allocated")
	}
	ins := make([]onnx.Value, len(s.in))
	for i, t := range s.in {
		ins[i] = t
	}
	outs := make([]onnx.Value, len(s.outputs))
	if err := s.sess.Run(ins, outs); err != nil {
		return s.runErr(err)
	}
	defer func() {
		for _, v := range outs {
			if v != nil {
				v.Destroy()
			}
		}
	}()
	s.freeOutputs()
	for i, v := range outs {
		shape := v.GetShape()
		info := &s.outputs[i]
		info.Shape = append([]int64(nil), shape...)
		typ, size, ok := typeByName(info.Type)
		if !ok {
			return errs.Inputf("model", "", "output %s: unsupported element type", info)
		}
		n := shape.FlattenedSize()
		if n == 0 {
			// An empty output (no detections in a model with NMS inside)
			// cannot be preallocated; ONNX Runtime needs one byte at least.
			return errs.Inputf("model", "benchmark the model without embedded NMS", "output %s is empty", info)
		}
		data := make([]byte, n*int64(size))
		t, err := onnx.NewCustomDataTensor(shape, data, typ)
		if err != nil {
			return errs.Envf("onnxruntime", "", "output %s: creating tensor: %s", info.Name, cleanMsg(err))
		}
		s.out = append(s.out, t)
		s.outData = append(s.outData, data)
	}
	b, err := s.sess.CreateIoBinding()
	if err != nil {
		return errs.Envf("onnxruntime", "", "creating io binding: %s", cleanMsg(err))
	}
	s.binding = b
	for i, t := range s.in {
		if err := b.BindInput(s.inputs[i].Name, t); err != nil {
			return errs.Envf("onnxruntime", "", "binding input %q: %s", s.inputs[i].Name, cleanMsg(err))
		}
	}
	for i, t := range s.out {
		if err := b.BindOutput(s.outputs[i].Name, t); err != nil {
			return errs.Envf("onnxruntime", "", "binding output %q: %s", s.outputs[i].Name, cleanMsg(err))
		}
	}
	if s.cfg.DeviceIO {
		d, err := newDeviceIO(s, s.cfg.Provider.Name, s.cfg.Provider.Device)
		if err != nil {
			return err
		}
		s.dev = d
	}
	return nil
}

// Run runs the model once, synchronously, on the bound tensors. It
// allocates nothing on the Go side.
func (s *Session) Run() error {
	if s.binding == nil {
		return errs.Envf("onnxruntime", "", "Run called before First")
	}
	if s.dev != nil {
		return s.dev.run()
	}
	if err := s.sess.RunWithBinding(s.binding); err != nil {
		return s.runErr(err)
	}
	return nil
}

func (s *Session) runErr(err error) error {
	return errs.Envf("onnxruntime", "", "inference failed: %s", cleanMsg(err))
}

func (s *Session) freeInputs() {
	for _, t := range s.in {
		t.Destroy()
	}
	s.in, s.inData = nil, nil
}

func (s *Session) freeOutputs() {
	for _, t := range s.out {
		t.Destroy()
	}
	s.out, s.outData = nil, nil
}

// Close releases the session and its tensors; the Session is unusable after.
func (s *Session) Close() error {
	if s.dev != nil {
		s.dev.close()
		s.dev = nil
	}
	if s.binding != nil {
		s.binding.Destroy()
		s.binding = nil
	}
	s.freeInputs()
	s.freeOutputs()
	if s.sess != nil {
		s.sess.Destroy()
		s.sess = nil
	}
	return nil
}
