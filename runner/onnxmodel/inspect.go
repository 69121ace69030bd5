package onnxmodel

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/yologate/yologate/internal/errs"
)

// MaxFileSize is the largest model file InspectFile reads: protobuf caps a
// message at 2 GiB, larger weights live in external data files.
const MaxFileSize = 2 << 30

// IO is one graph input or output.
type IO struct {
	Name string
	// Type is the element type ("float32"); empty for non-tensor values.
	Type string
	// Shape holds fixed sizes and symbolic names; nil when the rank is unknown.
	Shape []Dim
}

// ShapeString prints the shape as "[1 3 640 640]" or "[batch 3 height width]".
func (io IO) ShapeString() string {
	if io.Shape == nil {
		return "[?]"
	}
	parts := make([]string, len(io.Shape))
	for i, d := range io.Shape {
		parts[i] = d.String()
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// Info summarizes an ONNX model.
type Info struct {
	// SHA256 is the hex sha256 of the file's bytes.
	SHA256 string
	// Size is the file size in bytes.
	Size            int64
	IRVersion       int64
	ProducerName    string
	ProducerVersion string
	// Opset is the version of the default (ai.onnx) operator set; 0 when absent.
	Opset int64
	// Opsets lists every imported operator set.
	Opsets  []OpsetID
	Inputs  []IO
	Outputs []IO
	// Nodes is the number of nodes in the main graph.
	Nodes int
	// Ops counts nodes by operator type.
	Ops map[string]int
	// Params counts the weight and bias elements of the compute operators
	// (Conv, ConvInteger, QLinearConv, Gemm, MatMul with a constant operand),
	// as a training framework counts a model's parameters, also when a
	// DequantizeLinear node stands between a quantized weight and its
	// operator; constants such as anchor grids are not parameters.
	Params int64
	// InitializerElements counts the elements of all initializers.
	InitializerElements int64
	// GFLOPs estimates the compute of one inference, in 10^9 floating-point
	// operations, a multiply-add counting 2, over the convolutions and
	// matrix products; 0 when no shape could be propagated. Symbolic
	// dimensions are bound as FLOPsInput says.
	GFLOPs float64
	// FLOPsInput is the input shape GFLOPs was computed for (symbolic batch
	// bound to 1, symbolic height and width to 640).
	FLOPsInput []int64
	// FLOPsCovered and FLOPsNodes are the compute nodes whose size was known
	// and all compute nodes; the estimate is complete when they are equal.
	FLOPsCovered, FLOPsNodes int
	// Metadata holds metadata_props; MetadataKeys keeps their file order.
	Metadata     map[string]string
	MetadataKeys []string
	// ExternalData lists the files that tensors' external data refers to,
	// relative to the model's folder.
	ExternalData []string

	model *Model
}

// Inspect decodes an ONNX model and summarizes it. Errors are *errs.Error
// of kind Input with Where left empty; InspectFile fills in the path.
func Inspect(data []byte) (*Info, error) {
	m, err := Decode(data)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	info := &Info{
		SHA256:          hex.EncodeToString(sum[:]),
		Size:            int64(len(data)),
		IRVersion:       m.IRVersion,
		ProducerName:    m.ProducerName,
		ProducerVersion: m.ProducerVersion,
		Opset:           m.Opset(),
		Opsets:          m.OpsetImport,
		Nodes:           len(m.Graph.Node),
		Ops:             map[string]int{},
		Metadata:        m.Metadata(),
		model:           m,
	}
	for _, e := range m.MetadataProps {
		info.MetadataKeys = append(info.MetadataKeys, e.Key)
	}
	inits := map[string]*Tensor{}
	for _, t := range m.Graph.Initializer {
		inits[t.Name] = t
		info.InitializerElements += t.NumElements()
		if t.DataLocation == 1 {
			loc, err := externalLocation(t)
			if err != nil {
				return nil, err
			}
			info.ExternalData = appendUnique(info.ExternalData, loc)
		}
	}
	for _, n := range m.Graph.Node {
		if n.OpType == "Constant" {
			if a := n.Attr("value"); a != nil && a.T != nil && len(n.Output) > 0 {
				inits[n.Output[0]] = a.T
			}
		}
	}
	// An initializer that is also a graph input can be overridden at run
	// time (IR < 4 style); it is still listed as an input only if not an initializer.
	for _, v := range m.Graph.Input {
		if _, ok := inits[v.Name]; ok {
			continue
		}
		info.Inputs = append(info.Inputs, ioOf(v))
	}
	for _, v := range m.Graph.Output {
		info.Outputs = append(info.Outputs, ioOf(v))
	}
	// A static QDQ export keeps each weight quantized behind a
	// DequantizeLinear node: its input is the parameter.
	dequantized := map[string]string{}
	for _, n := range m.Graph.Node {
		if n.OpType == "DequantizeLinear" && len(n.Input) > 0 && len(n.Output) > 0 {
			dequantized[n.Output[0]] = n.Input[0]
		}
	}
	seen := map[string]bool{}
	for _, n := range m.Graph.Node {
		info.Ops[n.OpType]++
		for _, i := range weightInputs(n.OpType) {
			if i >= len(n.Input) {
				continue
			}
			name := n.Input[i]
			if _, ok := inits[name]; !ok {
				if q, ok := dequantized[name]; ok {
					name = q
				}
			}
			if t, ok := inits[name]; ok && !seen[name] {
				seen[name] = true
				info.Params += t.NumElements()
			}
		}
	}
	info.GFLOPs, info.FLOPsInput, info.FLOPsCovered, info.FLOPsNodes = info.estimate(0, 0, 0)
	return info, nil
}

// weightInputs lists the input positions of op that hold parameters.
func weightInputs(op string) []int {
	switch op {
	case "Conv", "ConvTranspose", "Gemm":
		return []int{1, 2}
	case "ConvInteger", "MatMulInteger":
		return []int{1}
	case "QLinearConv":
		return []int{3, 8}
	case "MatMul":
		return []int{0, 1}
	}
	return nil
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

func ioOf(v *ValueInfo) IO {
	io := IO{Name: v.Name}
	if v.Type != nil {
		io.Type = v.Type.ElemType.String()
		if v.Type.HasShape {
			io.Shape = append([]Dim{}, v.Type.Shape...)
			if io.Shape == nil {
				io.Shape = []Dim{}
			}
		}
	}
	return io
}

// externalLocation returns the validated relative location of a tensor's
// external data: it must name a file inside the model's folder.
func externalLocation(t *Tensor) (string, error) {
	loc := ""
	for _, e := range t.ExternalData {
		if e.Key == "location" {
			loc = e.Value
		}
	}
	fix := "external data must be a relative path inside the model's folder; re-save the model"
	if loc == "" {
		return "", errs.Inputf("", fix, "tensor %q: external data without a location", t.Name)
	}
	if filepath.IsAbs(loc) || strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, `\`) || strings.Contains(loc, "\x00") {
		return "", errs.Inputf("", fix, "tensor %q: external data location %q is absolute", t.Name, loc)
	}
	clean := filepath.Clean(filepath.FromSlash(loc))
	if !filepath.IsLocal(clean) {
		return "", errs.Inputf("", fix, "tensor %q: external data location %q leaves the model's folder", t.Name, loc)
	}
	return filepath.ToSlash(clean), nil
}

// InputImage returns the first 4-D float input (the image tensor of a
// detector), or false when the model has none.
func (info *Info) InputImage() (IO, bool) {
	for _, in := range info.Inputs {
		if len(in.Shape) == 4 && (in.Type == "float32" || in.Type == "float16") {
			return in, true
		}
	}
	return IO{}, false
}

// GFLOPsAt estimates the GFLOPs of one inference with the image input bound
// to batch × 3 × height × width (fixed dimensions of the file win over the
// arguments; zero arguments bind 1 and 640). covered and total count the
// compute nodes as in Info.
func (info *Info) GFLOPsAt(batch, height, width int) (gflops float64, covered, total int) {
	g, _, c, t := info.estimate(batch, height, width)
	return g, c, t
}

func (info *Info) estimate(batch, height, width int) (float64, []int64, int, int) {
	m := info.model
	s := &shapes{shape: map[string][]int64{}, konst: map[string][]float64{}}
	for _, t := range m.Graph.Initializer {
		s.shape[t.Name] = append([]int64{}, t.Dims...)
		if v := tensorValues(t); v != nil {
			s.konst[t.Name] = v
		}
	}
	bind := []int64{int64(batch), 0, int64(height), int64(width)}
	defaults := []int64{1, 1, 640, 640}
	var used []int64
	img, hasImg := info.InputImage()
	for _, in := range info.Inputs {
		if in.Shape == nil {
			continue
		}
		sh := make([]int64, len(in.Shape))
		for i, d := range in.Shape {
			switch {
			case d.Known():
				sh[i] = d.Value
			case hasImg && in.Name == img.Name && bind[i] > 0:
				sh[i] = bind[i]
			case hasImg && in.Name == img.Name:
				sh[i] = defaults[i]
			default:
				sh[i] = 1
			}
		}
		if hasImg && in.Name == img.Name {
			used = sh
		}
		s.shape[in.Name] = sh
	}
	for _, n := range m.Graph.Node {
		s.node(n)
	}
	return s.macs * 2 / 1e9, used, s.counted, s.compute
}

// InspectFile reads and inspects the ONNX file at path. A missing or
// unreadable file is an Env error; a file that is not ONNX, or whose
// external data points outside its folder, is an Input error naming path.
func InspectFile(path string) (*Info, error) {
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, errs.Inputf(path, "check the path", "no such file")
		}
		return nil, &errs.Error{Kind: errs.Env, Where: path, Err: err}
	}
	if st.IsDir() {
		return nil, errs.Inputf(path, "give the path of an .onnx file", "is a directory, not an ONNX model")
	}
	if st.Size() > MaxFileSize {
		return nil, errs.Inputf(path, "store large weights as ONNX external data", "file of %d bytes exceeds the 2 GiB protobuf limit", st.Size())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &errs.Error{Kind: errs.Env, Where: path, Err: err}
	}
	info, err := Inspect(data)
	if err != nil {
		var e *errs.Error
		if errors.As(err, &e) && e.Where == "" {
			c := *e
			c.Where = path
			return nil, &c
		}
		return nil, err
	}
	dir := filepath.Dir(path)
	for _, loc := range info.ExternalData {
		ext := filepath.Join(dir, filepath.FromSlash(loc))
		if _, err := os.Stat(ext); err != nil {
			return nil, errs.Inputf(path, "keep the external data file next to the model", "external data file %q is missing", loc)
		}
		// A symbolic link inside the folder may still point out of it;
		// ONNX Runtime would follow it.
		if !insideDir(dir, ext) {
			return nil, errs.Inputf(path, "external data must be a relative path inside the model's folder; copy the file there instead of linking it",
				"external data file %q resolves outside the model's folder", loc)
		}
	}
	sort.Strings(info.ExternalData)
	return info, nil
}

// insideDir reports whether file, with every symbolic link resolved, lies
// inside dir (also resolved).
func insideDir(dir, file string) bool {
	d, err1 := filepath.EvalSymlinks(dir)
	f, err2 := filepath.EvalSymlinks(file)
	if err1 != nil || err2 != nil {
		return false
	}
	rel, err := filepath.Rel(d, f)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}
