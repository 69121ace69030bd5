package runner

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/runner/onnxmodel"
	"github.com/yologate/yologate/runner/ort"
	"github.com/yologate/yologate/runner/results"
)

// Model is one ONNX model in memory, read from a file or generated from
// the built-in zoo, with what the protocol needs to know about it.
type Model struct {
	// Name is the standard name ("yolov8n") or the file's base name without
	// ".onnx" ("yolov8n_int8"); it is the model part of case ids.
	Name string
	// Path is the file the model was read from; empty for a generated model.
	Path string
	// Generated is set for a model from the built-in zoo.
	Generated bool
	// Data holds the ONNX file's bytes (without external data files).
	Data []byte
	// Info is the decoded summary (sha256, opset, parameters, inputs).
	Info *onnxmodel.Info
	// Precision is what the model computes in: "int8" when it is quantized
	// (QDQ or integer operators), "fp16" for a half-precision input, else "fp32".
	Precision string

	image  int // index of the image input in Info.Inputs
	inputs []ort.TensorInfo
	output []ort.TensorInfo
	// external is set when weights live in external data files next to Path.
	external bool
}

// quantizedOps are the operators that make a model int8.
var quantizedOps = []string{"QuantizeLinear", "DequantizeLinear", "QLinearConv", "QLinearMatMul", "ConvInteger", "MatMulInteger", "DynamicQuantizeLinear"}

// LoadModelFile reads and checks the ONNX file at path. A missing file, a
// file that is not ONNX, or a model without one 4-D image input is an
// input error naming path.
func LoadModelFile(path string) (*Model, error) {
	info, err := onnxmodel.InspectFile(path)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &errs.Error{Kind: errs.Env, Where: path, Err: err}
	}
	name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	m, err := newModel(name, path, data, info, false)
	if err != nil {
		return nil, err
	}
	// ONNX Runtime finds external weights relative to the file, so such a
	// model is loaded from its path rather than from Data.
	m.external = len(info.ExternalData) > 0
	return m, nil
}

// newSession creates an ONNX Runtime session of m.
func (m *Model) newSession(outputs []ort.TensorInfo, cfg ort.Config) (*ort.Session, error) {
	if m.external {
		return ort.NewSessionFromFile(m.Path, m.inputs, outputs, cfg)
	}
	return ort.NewSession(m.Data, m.inputs, outputs, cfg)
}

// newModel checks info and converts its inputs and outputs for ONNX Runtime.
func newModel(name, where string, data []byte, info *onnxmodel.Info, generated bool) (*Model, error) {
	const fix = "pass a detection model whose only input is an image tensor [batch,3,height,width]"
	m := &Model{Name: cleanName(name), Path: where, Generated: generated, Data: data, Info: info, image: -1}
	if generated {
		m.Path = ""
	}
	if len(info.Inputs) == 0 {
		return nil, errs.Inputf(where, fix, "the model has no inputs")
	}
	if len(info.Inputs) > 1 {
		return nil, errs.Inputf(where, fix, "the model has %d inputs; yologate feeds a single image input", len(info.Inputs))
	}
	in := info.Inputs[0]
	switch {
	case len(in.Shape) != 4:
		return nil, errs.Inputf(where, fix, "input %q %s%s is not a 4-D image input", in.Name, in.Type, in.ShapeString())
	case in.Type != "float32" && in.Type != "float16" && in.Type != "uint8":
		return nil, errs.Inputf(where, fix, "input %q has element type %q; an image input is float32, float16 or uint8", in.Name, in.Type)
	case in.Shape[1].Known() && in.Shape[1].Value != 3 && in.Shape[1].Value != 1:
		return nil, errs.Inputf(where, fix, "input %q %s has %d channels, not 3", in.Name, in.ShapeString(), in.Shape[1].Value)
	case in.Shape[0].Known() && in.Shape[0].Value > maxBatch:
		// A fixed shape is allocated as declared: refuse it before ONNX Runtime tries.
		return nil, errs.Inputf(where, fix, "input %q %s has a fixed batch over %d", in.Name, in.ShapeString(), maxBatch)
	case in.Shape[2].Known() && in.Shape[2].Value > maxSide, in.Shape[3].Known() && in.Shape[3].Value > maxSide:
		return nil, errs.Inputf(where, fix, "input %q %s has a fixed side over %d pixels", in.Name, in.ShapeString(), maxSide)
	}
	m.image = 0
	m.inputs = []ort.TensorInfo{tensorInfo(in)}
	for _, o := range info.Outputs {
		if o.Type == "" {
			return nil, errs.Inputf(where, "yologate runs models whose outputs are tensors", "output %q is not a tensor", o.Name)
		}
		m.output = append(m.output, tensorInfo(o))
	}
	m.Precision = "fp32"
	if in.Type == "float16" {
		m.Precision = "fp16"
	}
	for _, op := range quantizedOps {
		if info.Ops[op] > 0 {
			m.Precision = "int8"
		}
	}
	return m, nil
}

func tensorInfo(io onnxmodel.IO) ort.TensorInfo {
	t := ort.TensorInfo{Name: io.Name, Type: io.Type, Shape: make([]int64, len(io.Shape))}
	for i, d := range io.Shape {
		t.Shape[i] = -1
		if d.Known() && d.Value > 0 {
			t.Shape[i] = d.Value
		}
	}
	return t
}

// cleanName keeps a model name usable inside a case id, whose parts are
// separated by "/" and "=".
func cleanName(s string) string {
	s = strings.Map(func(r rune) rune {
		switch r {
		case '/', '=', ' ', '\t', '\n', '\r':
			return '_'
		}
		return r
	}, s)
	if s == "" {
		return "model"
	}
	return s
}

// imageShape returns the image input's fixed dimensions: batch, height and
// width, each 0 when dynamic.
func (m *Model) imageShape() (batch, height, width int) {
	s := m.inputs[m.image].Shape
	pos := func(v int64) int {
		if v > 0 {
			return int(v)
		}
		return 0
	}
	return pos(s[0]), pos(s[2]), pos(s[3])
}

// DefaultSize is the image size a case of m runs at when none is asked
// for: the model's fixed size, else its Ultralytics "imgsz" metadata, else
// 640×640.
func (m *Model) DefaultSize() Size {
	_, h, w := m.imageShape()
	if h > 0 && w > 0 {
		return Size{h, w}
	}
	if sz, ok := metadataSize(m.Info.Metadata["imgsz"]); ok {
		if h > 0 {
			sz.Height = h
		}
		if w > 0 {
			sz.Width = w
		}
		return sz
	}
	if h == 0 {
		h = 640
	}
	if w == 0 {
		w = 640
	}
	return Size{h, w}
}

// metadataSize reads Ultralytics' imgsz metadata, a Python list "[640, 640]".
func metadataSize(s string) (Size, bool) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "[") || !strings.HasSuffix(s, "]") {
		return Size{}, false
	}
	parts := strings.Split(strings.Trim(s, "[]"), ",")
	if len(parts) != 2 {
		return Size{}, false
	}
	h, err1 := strconv.Atoi(strings.TrimSpace(parts[0]))
	w, err2 := strconv.Atoi(strings.TrimSpace(parts[1]))
	if err1 != nil || err2 != nil || h <= 0 || w <= 0 || h > maxSide || w > maxSide {
		return Size{}, false
	}
	return Size{h, w}, true
}

// check returns an input error when m cannot run at size and batch: a fixed
// dimension of its image input says otherwise.
func (m *Model) check(size Size, batch int) error {
	b, h, w := m.imageShape()
	where := m.Path
	if where == "" {
		where = "--model " + m.Name
	}
	in := m.Info.Inputs[m.image]
	if (h > 0 && h != size.Height) || (w > 0 && w != size.Width) {
		fixed := Size{h, w}
		if h == 0 || w == 0 {
			return errs.Inputf(where, "export the model with dynamic=True, or ask for a size it takes",
				"input %q %s is fixed in one dimension; --imgsz %v does not fit it", in.Name, in.ShapeString(), size)
		}
		return errs.Inputf(where, "use --imgsz "+fixed.String()+", or export the model with dynamic=True",
			"input %q %s takes only %v images, --imgsz %v asked for", in.Name, in.ShapeString(), fixed, size)
	}
	if b > 0 && b != batch {
		return errs.Inputf(where, "use --batch "+strconv.Itoa(b)+", or export the model with dynamic=True",
			"input %q %s takes only batch %d, --batch %d asked for", in.Name, in.ShapeString(), b, batch)
	}
	return nil
}

// inputShape is the concrete image input shape for size and batch.
func (m *Model) inputShape(size Size, batch int) []int64 {
	ch := m.inputs[m.image].Shape[1]
	if ch <= 0 {
		ch = 3
	}
	return []int64{int64(batch), ch, int64(size.Height), int64(size.Width)}
}

// result describes m for results files.
func (m *Model) result() results.Model {
	return results.Model{
		Name:      m.Name,
		Path:      m.Path,
		SHA256:    m.Info.SHA256,
		Opset:     int(m.Info.Opset),
		Params:    m.Info.Params,
		Generated: m.Generated,
	}
}
