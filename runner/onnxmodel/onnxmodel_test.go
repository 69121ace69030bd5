package onnxmodel

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/yologate/yologate/internal/errs"
)

// realModel is the Ultralytics export kept with the project's shared test data.
const realModel = "../../../shared/testdata/models/yolov8n_int8.onnx"

// tinyModel is a 1×3×8×8 → Conv(3×3, 4) → Sigmoid graph with a dynamic
// batch, metadata and every attribute kind the encoder writes.
func tinyModel() *Model {
	w := &Tensor{Name: "w", DataType: Float, Dims: []int64{4, 3, 3, 3}, RawData: make([]byte, 4*4*3*3*3)}
	for i := range w.RawData {
		w.RawData[i] = byte(i)
	}
	bias := &Tensor{Name: "b", DataType: Float, Dims: []int64{4}, FloatData: []float32{0.5, -1, 2, float32(math.Pi)}}
	return &Model{
		IRVersion:       8,
		OpsetImport:     []OpsetID{{Version: 17}, {Domain: "com.microsoft", Version: 1}},
		ProducerName:    "test",
		ProducerVersion: "1",
		DocString:       "tiny",
		Graph: &Graph{
			Name: "g",
			Node: []*Node{
				{Name: "conv", OpType: "Conv", Input: []string{"x", "w", "b"}, Output: []string{"y"}, Attribute: []*Attribute{
					{Name: "kernel_shape", Type: AttrInts, Ints: []int64{3, 3}},
					{Name: "pads", Type: AttrInts, Ints: []int64{1, 1, 1, 1}},
					{Name: "group", Type: AttrInt, I: 1},
					{Name: "alpha", Type: AttrFloat, F: 0.25},
					{Name: "mode", Type: AttrString, S: []byte("x")},
					{Name: "fs", Type: AttrFloats, Floats: []float32{1, 2}},
					{Name: "ss", Type: AttrStrings, Strings: [][]byte{[]byte("a"), []byte("")}},
					{Name: "t", Type: AttrTensor, T: &Tensor{Name: "c", DataType: Int64, Dims: []int64{2}, Int64Data: []int64{-1, 7}}},
				}},
				{Name: "sig", OpType: "Sigmoid", Input: []string{"y"}, Output: []string{"z"}},
			},
			Initializer: []*Tensor{w, bias},
			Input: []*ValueInfo{{Name: "x", Type: &TensorType{ElemType: Float, HasShape: true,
				Shape: []Dim{{Value: -1, Param: "batch"}, {Value: 3}, {Value: 8}, {Value: 8}}}}},
			Output: []*ValueInfo{{Name: "z", Type: &TensorType{ElemType: Float, HasShape: true,
				Shape: []Dim{{Value: -1, Param: "batch"}, {Value: 4}, {Value: 8}, {Value: 8}}}}},
		},
		MetadataProps: []StringEntry{{"task", "detect"}, {"imgsz", "[8, 8]"}},
	}
}

// TestInspectQDQParams counts the weights of a static QDQ export, where
// each int8 weight and int32 bias reaches its Conv through DequantizeLinear.
func TestInspectQDQParams(t *testing.T) {
	m := tinyModel()
	g := m.Graph
	wq := &Tensor{Name: "w_q", DataType: Int8, Dims: []int64{4, 3, 3, 3}, RawData: make([]byte, 4*3*3*3)}
	bq := &Tensor{Name: "b_q", DataType: Int32, Dims: []int64{4}, Int32Data: []int32{1, 2, 3, 4}}
	scale := &Tensor{Name: "s", DataType: Float, FloatData: []float32{0.1}}
	g.Initializer = []*Tensor{wq, bq, scale}
	g.Node = append([]*Node{
		{OpType: "DequantizeLinear", Input: []string{"w_q", "s"}, Output: []string{"w"}},
		{OpType: "DequantizeLinear", Input: []string{"b_q", "s"}, Output: []string{"b"}},
	}, g.Node...)
	info, err := Inspect(Encode(m))
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(4*3*3*3 + 4); info.Params != want {
		t.Errorf("Params = %d, want %d (the dequantized weight and bias)", info.Params, want)
	}
}

func TestRoundTrip(t *testing.T) {
	m := tinyModel()
	data := Encode(m)
	got, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(m, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("decode(encode(m)) differs (-want +got):\n%s", diff)
	}
	if again := Encode(got); string(again) != string(data) {
		t.Error("re-encoding the decoded model changed the bytes")
	}
}

func TestInspectTiny(t *testing.T) {
	info, err := Inspect(Encode(tinyModel()))
	if err != nil {
		t.Fatal(err)
	}
	want := struct {
		Opset        int64
		Params       int64
		Inputs       []IO
		FLOPsInput   []int64
		FLOPsCovered int
	}{
		Opset:        17,
		Params:       4*3*3*3 + 4,
		Inputs:       []IO{{Name: "x", Type: "float32", Shape: []Dim{{Value: -1, Param: "batch"}, {Value: 3}, {Value: 8}, {Value: 8}}}},
		FLOPsInput:   []int64{1, 3, 8, 8},
		FLOPsCovered: 1,
	}
	got := want
	got.Opset, got.Params, got.Inputs, got.FLOPsInput, got.FLOPsCovered = info.Opset, info.Params, info.Inputs, info.FLOPsInput, info.FLOPsCovered
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Inspect (-want +got):\n%s", diff)
	}
	// 4 output channels × 64 positions × 27 multiply-adds × 2.
	if wantG := 2.0 * 4 * 64 * 27 / 1e9; math.Abs(info.GFLOPs-wantG) > 1e-12 {
		t.Errorf("GFLOPs = %g, want %g", info.GFLOPs, wantG)
	}
	if g, _, _ := info.GFLOPsAt(2, 0, 0); math.Abs(g-2*info.GFLOPs) > 1e-12 {
		t.Errorf("GFLOPsAt(batch 2) = %g, want twice %g", g, info.GFLOPs)
	}
	if info.Inputs[0].ShapeString() != "[batch 3 8 8]" {
		t.Errorf("ShapeString = %q", info.Inputs[0].ShapeString())
	}
}

func TestDecodeRejects(t *testing.T) {
	valid := Encode(tinyModel())
	mutate := func(f func(m *Model)) []byte {
		m := tinyModel()
		f(m)
		return Encode(m)
	}
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "empty file"},
		{"text", []byte("hello, this is not a model\n"), "not an ONNX model"},
		{"truncated", valid[:len(valid)/2], "not an ONNX model"},
		{"no graph", Encode(&Model{IRVersion: 8}), "no graph"},
		{"no ir version", mutate(func(m *Model) { m.IRVersion = 0 }), "ir_version 0"},
		{"negative dim", mutate(func(m *Model) { m.Graph.Initializer[0].Dims[0] = -4 }), "negative"},
		{"absurd dims", mutate(func(m *Model) { m.Graph.Initializer[0].Dims = []int64{1 << 30, 1 << 30, 1 << 30} }), "more than"},
		{"absurd input shape", mutate(func(m *Model) {
			m.Graph.Input[0].Type.Shape = []Dim{{Value: 1}, {Value: 3}, {Value: 1 << 20}, {Value: 1 << 20}}
		}), "more than"},
		{"absurd output shape", mutate(func(m *Model) {
			m.Graph.Output[0].Type.Shape = []Dim{{Param: "batch"}, {Value: 1 << 40}, {Value: 2}}
		}), "more than"},
		{"raw data too short", mutate(func(m *Model) { m.Graph.Initializer[0].RawData = m.Graph.Initializer[0].RawData[:10] }), "raw_data holds 10 bytes"},
		{"float data count", mutate(func(m *Model) { m.Graph.Initializer[1].FloatData = []float32{1} }), "holds 1 values"},
		{"bad utf-8 name", mutate(func(m *Model) { m.Graph.Node[0].Name = "\xff" }), "not valid UTF-8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(tc.data)
			if err == nil {
				t.Fatal("Decode accepted it")
			}
			if errs.KindOf(err) != errs.Input {
				t.Errorf("kind %v, want input", errs.KindOf(err))
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
		})
	}
}

func TestExternalData(t *testing.T) {
	external := func(loc string) []byte {
		m := tinyModel()
		w := m.Graph.Initializer[0]
		w.RawData = nil
		w.DataLocation = 1
		w.ExternalData = []StringEntry{{"location", loc}, {"offset", "0"}}
		return Encode(m)
	}
	for _, loc := range []string{"/etc/passwd", "../secret.bin", "a/../../b", ""} {
		t.Run(loc, func(t *testing.T) {
			_, err := Inspect(external(loc))
			if err == nil || errs.KindOf(err) != errs.Input {
				t.Fatalf("external data %q: err = %v, want an input error", loc, err)
			}
		})
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "m.onnx")
	if err := os.WriteFile(path, external("weights/w.bin"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := InspectFile(path); err == nil || !strings.Contains(err.Error(), `"weights/w.bin" is missing`) {
		t.Fatalf("missing external file: err = %v", err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "weights"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "weights", "w.bin"), make([]byte, 432), 0o644); err != nil {
		t.Fatal(err)
	}
	info, err := InspectFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"weights/w.bin"}, info.ExternalData); diff != "" {
		t.Errorf("ExternalData (-want +got):\n%s", diff)
	}
	// A link inside the folder that points out of it is refused too.
	outside := filepath.Join(t.TempDir(), "secret.bin")
	if err := os.WriteFile(outside, make([]byte, 432), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "linked.onnx")
	if err := os.WriteFile(link, external("weights/link.bin"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "weights", "link.bin")); err != nil {
		t.Fatal(err)
	}
	if _, err := InspectFile(link); err == nil || errs.KindOf(err) != errs.Input || !strings.Contains(err.Error(), "resolves outside") {
		t.Fatalf("external data linked out of the folder: err = %v", err)
	}
}

func TestInspectFileErrors(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.onnx")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, want string }{
		{empty, empty + ": empty file"},
		{filepath.Join(dir, "missing.onnx"), "no such file"},
		{dir, "is a directory"},
	} {
		_, err := InspectFile(tc.path)
		if err == nil || !strings.Contains(err.Error(), tc.want) || errs.KindOf(err) != errs.Input {
			t.Errorf("InspectFile(%s) = %v, want an input error containing %q", tc.path, err, tc.want)
		}
	}
}

// TestInspectRealExport reads a real Ultralytics YOLOv8n export (int8 dynamic
// quantization: ConvInteger, no bias inputs on the convolutions).
func TestInspectRealExport(t *testing.T) {
	if _, err := os.Stat(realModel); err != nil {
		t.Skipf("real model not available: %v", err)
	}
	info, err := InspectFile(realModel)
	if err != nil {
		t.Fatal(err)
	}
	if info.SHA256 != "83de8f0d2cd521e00ae2b138c340a03dece35b060b3898509bdc69afff417312" {
		t.Errorf("sha256 %s", info.SHA256)
	}
	got := []string{info.Inputs[0].Name, info.Inputs[0].ShapeString(), info.Outputs[0].Name, info.Outputs[0].ShapeString(), info.Metadata["task"]}
	want := []string{"images", "[1 3 640 640]", "output0", "[1 84 8400]", "detect"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if info.Opset != 20 || info.IRVersion != 9 {
		t.Errorf("opset %d ir %d, want 20 and 9", info.Opset, info.IRVersion)
	}
	// The int8 weights of all 64 convolutions; their biases are added by
	// separate Add nodes after quantization and are not counted.
	if info.Params != 3146176 {
		t.Errorf("params %d, want 3146176", info.Params)
	}
	if info.FLOPsCovered != 64 || info.FLOPsNodes != 64 {
		t.Errorf("sized %d of %d compute nodes, want all 64", info.FLOPsCovered, info.FLOPsNodes)
	}
	// Ultralytics publishes 8.7 GFLOPs for YOLOv8n at 640.
	if math.Abs(info.GFLOPs/8.7-1) > 0.03 {
		t.Errorf("GFLOPs %.3f, want 8.7 within 3%%", info.GFLOPs)
	}
}

func FuzzDecode(f *testing.F) {
	valid := Encode(tinyModel())
	f.Add(valid)
	f.Add(valid[:len(valid)-7])
	f.Add([]byte{0x08, 0x08, 0x3a, 0x00})
	f.Add([]byte("not a model"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Decode(data)
		if err != nil {
			if errs.KindOf(err) != errs.Input {
				t.Fatalf("error of kind %v: %v", errs.KindOf(err), err)
			}
			return
		}
		// Whatever decodes must re-encode to bytes that decode, and
		// encoding is then a fixed point.
		enc := Encode(m)
		again, err := Decode(enc)
		if err != nil {
			t.Fatalf("re-decoding: %v", err)
		}
		if string(Encode(again)) != string(enc) {
			t.Fatal("encode(decode(encode(m))) != encode(m)")
		}
		if _, err := Inspect(data); err != nil && errs.KindOf(err) != errs.Input {
			t.Fatalf("Inspect error of kind %v: %v", errs.KindOf(err), err)
		}
	})
}
