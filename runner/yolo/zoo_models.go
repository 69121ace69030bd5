package yolo

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/runner/onnxmodel"
)

// GeneratorVersion identifies the weight generator and graph layout. It is
// written into every model (metadata key "yologate_generator"); bump it
// whenever a change alters the bytes of a generated model, together with
// the pinned sha256 values in the tests.
const GeneratorVersion = "yologate-zoo/1"

// DefaultSeed seeds the weights of every standard model unless
// GenerateOptions.Seed says otherwise.
const DefaultSeed uint64 = 0x9e11_0e5e_ed00_2026

// Opset is the ai.onnx operator set version of generated models.
const Opset = 17

// ModelSpec describes one standard model.
type ModelSpec struct {
	// Name is the standard name: yolov8n … yolov8x, yolo11n … yolo11x.
	Name string
	// Family is "yolov8" or "yolo11"; Scale is one of n, s, m, l, x.
	Family, Scale string
	// PublishedParams is Ultralytics' published parameter count of the
	// fused model; the generated model has exactly Params (see Stats).
	PublishedParams int64
	// PublishedGFLOPs is Ultralytics' published GFLOPs at 640×640,
	// a multiply-add counting as 2 operations.
	PublishedGFLOPs float64
	// ClassBias is the prior logit of the class scores, tuned so that the
	// seeded random input lights up a trained model's share of anchors
	// (about 100 of 8400 above 0.25 at 640; see docs/models.md).
	ClassBias float32
}

// standard is the zoo; published figures are from Ultralytics' model
// tables (docs.ultralytics.com/models/yolov8 and /models/yolo11). Each
// ClassBias puts 100 of 8400 anchors above 0.25 on the seeded random input
// at 640 (measured in ONNX Runtime, see docs/models.md).
var standard = []ModelSpec{
	{"yolov8n", "yolov8", "n", 3151904, 8.7, -4.67},
	{"yolov8s", "yolov8", "s", 11200000, 28.6, -4.42},
	{"yolov8m", "yolov8", "m", 25900000, 78.9, -4.66},
	{"yolov8l", "yolov8", "l", 43700000, 165.2, -4.18},
	{"yolov8x", "yolov8", "x", 68200000, 257.8, -3.98},
	{"yolo11n", "yolo11", "n", 2616248, 6.5, -5.15},
	{"yolo11s", "yolo11", "s", 9400000, 21.5, -4.88},
	{"yolo11m", "yolo11", "m", 20100000, 68.0, -4.51},
	{"yolo11l", "yolo11", "l", 25300000, 86.9, -4.09},
	{"yolo11x", "yolo11", "x", 56900000, 194.9, -4.56},
}

// StandardModels returns the zoo in its canonical order (a fresh copy).
func StandardModels() []ModelSpec {
	return append([]ModelSpec(nil), standard...)
}

// StandardNames returns the standard model names in canonical order.
func StandardNames() []string {
	names := make([]string, len(standard))
	for i, s := range standard {
		names[i] = s.Name
	}
	return names
}

// LookupModel returns the spec of a standard model by name.
func LookupModel(name string) (ModelSpec, bool) {
	for _, s := range standard {
		if s.Name == name {
			return s, true
		}
	}
	return ModelSpec{}, false
}

func (s ModelSpec) arch() arch {
	fam := byte('8')
	if s.Family == "yolo11" {
		fam = 'b'
	}
	return arch{family: fam, size: s.Scale[0], nc: len(cocoNames), clsBias: s.ClassBias}
}

// GenerateOptions sets the input of a generated model. The zero value is
// a static 1×3×640×640 model with the default seed.
type GenerateOptions struct {
	// Height and Width are the input size in pixels, multiples of 32 and at
	// least 32; 0 means 640.
	Height, Width int
	// Batch is the batch size, at least 1; 0 means 1.
	Batch int
	// Dynamic makes batch, height and width symbolic ("batch", "height",
	// "width"); Height, Width and Batch then only fill the metadata.
	Dynamic bool
	// Seed seeds the weights; 0 means DefaultSeed.
	Seed uint64
}

func (o GenerateOptions) withDefaults() GenerateOptions {
	if o.Height == 0 {
		o.Height = 640
	}
	if o.Width == 0 {
		o.Width = 640
	}
	if o.Batch == 0 {
		o.Batch = 1
	}
	if o.Seed == 0 {
		o.Seed = DefaultSeed
	}
	return o
}

// MaxImgsz bounds the generated input side in pixels: beyond it the anchor
// tables alone take hundreds of megabytes.
const MaxImgsz = 8192

// MaxBatch bounds the generated batch size.
const MaxBatch = 4096

// Validate reports the first bad option as a usage error naming its flag.
func (o GenerateOptions) Validate() error {
	o = o.withDefaults()
	for _, d := range []struct {
		v    int
		name string
	}{{o.Height, "height"}, {o.Width, "width"}} {
		if d.v < 32 || d.v%32 != 0 || d.v > MaxImgsz {
			return errs.Usagef("--imgsz", "use a multiple of 32 between 32 and 8192, e.g. 640 or 640x480",
				"%s %d is not a multiple of 32 in [32, %d]", d.name, d.v, MaxImgsz)
		}
	}
	if o.Batch < 1 || o.Batch > MaxBatch {
		return errs.Usagef("--batch", "use a batch size of at least 1", "batch %d is not in [1, %d]", o.Batch, MaxBatch)
	}
	return nil
}

// unknownModel is the error for a name outside the zoo.
func unknownModel(name string) error {
	return errs.Usagef(name, "valid models: "+strings.Join(StandardNames(), ", "), "unknown standard model")
}

// Stats are a standard model's exact counts.
type Stats struct {
	// Params counts weights and biases of the fused model (the DFL's 16
	// fixed weights included, as Ultralytics counts them).
	Params int64
	// GFLOPs is 2 × multiply-adds of convolutions and matrix products for
	// one image, in 10^9.
	GFLOPs float64
}

// ModelStats computes a standard model's parameters and GFLOPs at
// height×width for batch 1, without drawing any weights.
func ModelStats(name string, height, width int) (Stats, error) {
	spec, ok := LookupModel(name)
	if !ok {
		return Stats{}, unknownModel(name)
	}
	o := GenerateOptions{Height: height, Width: width}.withDefaults()
	if err := o.Validate(); err != nil {
		return Stats{}, err
	}
	b := &builder{dry: true, names: map[string]int{}, batch: 1}
	b.build(spec.arch(), value{name: "images", c: 3, h: o.Height, w: o.Width}, false)
	return Stats{Params: b.params, GFLOPs: b.macs * 2 / 1e9}, nil
}

// Generate builds the standard model name as ONNX bytes. The bytes depend
// only on name and opt (and GeneratorVersion): the same call gives the same
// sha256 on every machine.
func Generate(name string, opt GenerateOptions) ([]byte, error) {
	spec, ok := LookupModel(name)
	if !ok {
		return nil, unknownModel(name)
	}
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	m := buildModel(spec, opt.withDefaults())
	return onnxmodel.Encode(m), nil
}

func buildModel(spec ModelSpec, o GenerateOptions) *onnxmodel.Model {
	b := &builder{names: map[string]int{}, rng: splitmix{s: o.Seed}, batch: o.Batch}
	images := value{name: "images", c: 3, h: o.Height, w: o.Width, cal: calibrationImages(o.Seed)}
	out := b.build(spec.arch(), images, o.Dynamic)
	// Rename the last node's output to output0, as exports name it.
	b.nodes[len(b.nodes)-1].Output[0] = "output0"
	_ = out

	anchors := int64(0)
	for _, s := range strides {
		anchors += int64(o.Height/s) * int64(o.Width/s)
	}
	fixed := func(v int64) onnxmodel.Dim { return onnxmodel.Dim{Value: v} }
	sym := func(s string) onnxmodel.Dim { return onnxmodel.Dim{Value: -1, Param: s} }
	inShape := []onnxmodel.Dim{fixed(int64(o.Batch)), fixed(3), fixed(int64(o.Height)), fixed(int64(o.Width))}
	outShape := []onnxmodel.Dim{fixed(int64(o.Batch)), fixed(int64(4 + len(cocoNames))), fixed(anchors)}
	if o.Dynamic {
		inShape = []onnxmodel.Dim{sym("batch"), fixed(3), sym("height"), sym("width")}
		outShape = []onnxmodel.Dim{sym("batch"), fixed(int64(4 + len(cocoNames))), sym("anchors")}
	}
	g := &onnxmodel.Graph{
		Name:        "main_graph",
		Node:        b.nodes,
		Initializer: b.inits,
		Input: []*onnxmodel.ValueInfo{{Name: "images",
			Type: &onnxmodel.TensorType{ElemType: onnxmodel.Float, Shape: inShape, HasShape: true}}},
		Output: []*onnxmodel.ValueInfo{{Name: "output0",
			Type: &onnxmodel.TensorType{ElemType: onnxmodel.Float, Shape: outShape, HasShape: true}}},
	}
	return &onnxmodel.Model{
		IRVersion:       8,
		OpsetImport:     []onnxmodel.OpsetID{{Version: Opset}},
		ProducerName:    "yologate",
		ProducerVersion: GeneratorVersion,
		Graph:           g,
		MetadataProps:   generatedMetadata(spec, o),
	}
}

// calImages is the number of calibration images: independent images give
// the per-channel statistics that one small feature map cannot.
const calImages = 2

// calibrationImages are the fixed random inputs the weights are calibrated
// on: 3×64×64 pixels uniform in [0, 1), like the benchmark's default input.
func calibrationImages(seed uint64) calBatch {
	r := splitmix{s: seed ^ 0x5eed_ca1b_0000_0001}
	out := make(calBatch, calImages)
	for i := range out {
		t := newCal(3, calSize, calSize)
		for j := range t.d {
			t.d[j] = float32(r.next()>>40) / (1 << 24)
		}
		out[i] = t
	}
	return out
}

// generatedDate is the fixed creation date written into every model, so
// that the bytes do not depend on when they were generated.
const generatedDate = "2026-01-01T00:00:00+00:00"

// ultralyticsVersion is the Ultralytics release whose model definitions
// and export layout the zoo follows.
const ultralyticsVersion = "8.3.0"

func generatedMetadata(spec ModelSpec, o GenerateOptions) []onnxmodel.StringEntry {
	var names strings.Builder
	names.WriteByte('{')
	for i, n := range cocoNames {
		if i > 0 {
			names.WriteString(", ")
		}
		fmt.Fprintf(&names, "%d: %s", i, pyStr(n))
	}
	names.WriteByte('}')
	title := "YOLOv8" + spec.Scale
	if spec.Family == "yolo11" {
		title = "YOLO11" + spec.Scale
	}
	args := fmt.Sprintf("{'batch': %d, 'half': False, 'int8': False, 'dynamic': %s, 'simplify': True, 'opset': %d, 'nms': False}",
		o.Batch, pyBool(o.Dynamic), Opset)
	return []onnxmodel.StringEntry{
		{Key: "description", Value: "yologate standard " + title + " (" + spec.Family + ".yaml scale " + spec.Scale + ", seeded untrained weights, for timing)"},
		{Key: "author", Value: "yologate"},
		{Key: "date", Value: generatedDate},
		{Key: "version", Value: ultralyticsVersion},
		{Key: "license", Value: "AGPL-3.0 License (https://ultralytics.com/license)"},
		{Key: "docs", Value: "https://docs.ultralytics.com"},
		{Key: "stride", Value: "32"},
		{Key: "task", Value: "detect"},
		{Key: "head", Value: "Detect"},
		{Key: "batch", Value: strconv.Itoa(o.Batch)},
		{Key: "imgsz", Value: fmt.Sprintf("[%d, %d]", o.Height, o.Width)},
		{Key: "names", Value: names.String()},
		{Key: "args", Value: args},
		{Key: "channels", Value: "3"},
		{Key: "end2end", Value: "False"},
		{Key: MetaGenerator, Value: GeneratorVersion + " " + spec.Name},
		{Key: MetaSeed, Value: fmt.Sprintf("%#x", o.Seed)},
	}
}

// Metadata keys that yologate adds to generated models.
const (
	MetaGenerator = "yologate_generator"
	MetaSeed      = "yologate_seed"
)

func pyBool(v bool) string {
	if v {
		return "True"
	}
	return "False"
}

// pyStr writes s as Python's repr does for plain text: single quotes,
// unless s holds a single quote and no double quote.
func pyStr(s string) string {
	q := byte('\'')
	if strings.ContainsRune(s, '\'') && !strings.ContainsRune(s, '"') {
		q = '"'
	}
	var b strings.Builder
	b.WriteByte(q)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == q || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\r':
			b.WriteString(`\r`)
		case c < 0x20 || c == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte(q)
	return b.String()
}
