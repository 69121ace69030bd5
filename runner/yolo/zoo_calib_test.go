package yolo

import (
	"math"
	"strings"
	"testing"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/yologate/yologate/runner/onnxmodel"
)

// TestCalibrationMatchesORT runs the calibration pass with ONNX Runtime's
// zero padding and checks every convolution output against ONNX Runtime on
// the same input: the weights are only as good as this forward pass.
func TestCalibrationMatchesORT(t *testing.T) {
	needORT(t)
	zeroPad = true
	defer func() { zeroPad = false }()
	const size = 128
	for _, name := range []string{"yolov8n", "yolo11n"} {
		t.Run(name, func(t *testing.T) {
			spec, _ := LookupModel(name)
			b := &builder{names: map[string]int{}, rng: splitmix{s: DefaultSeed}, batch: 1, trace: map[string]calBatch{}}
			img := calBatch{{c: 3, h: size, w: size, d: randomImages(1, size, size, 7)}}
			b.build(spec.arch(), value{name: "images", c: 3, h: size, w: size, cal: img}, false)
			var names []string
			for _, n := range b.nodes {
				if n.OpType == "Conv" && b.trace[n.Output[0]] != nil {
					names = append(names, n.Output[0])
				}
			}
			g := &onnxmodel.Graph{Name: "g", Node: b.nodes, Initializer: b.inits,
				Input: []*onnxmodel.ValueInfo{{Name: "images", Type: &onnxmodel.TensorType{ElemType: onnxmodel.Float, HasShape: true,
					Shape: []onnxmodel.Dim{{Value: 1}, {Value: 3}, {Value: size}, {Value: size}}}}}}
			for _, n := range names {
				g.Output = append(g.Output, &onnxmodel.ValueInfo{Name: n, Type: &onnxmodel.TensorType{ElemType: onnxmodel.Float}})
			}
			m := &onnxmodel.Model{IRVersion: 8, OpsetImport: []onnxmodel.OpsetID{{Version: Opset}}, Graph: g}
			sess, err := ort.NewDynamicAdvancedSessionWithONNXData(onnxmodel.Encode(m), []string{"images"}, names, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer sess.Destroy()
			in, err := ort.NewTensor(ort.NewShape(1, 3, size, size), img[0].d)
			if err != nil {
				t.Fatal(err)
			}
			defer in.Destroy()
			outs := make([]ort.Value, len(names))
			if err := sess.Run([]ort.Value{in}, outs); err != nil {
				t.Fatal(err)
			}
			for i, n := range names {
				got := outs[i].(*ort.Tensor[float32]).GetData()
				want := b.trace[n][0].d
				var diff, ref float64
				for j := range want {
					diff += math.Abs(float64(got[j] - want[j]))
					ref += math.Abs(float64(want[j]))
				}
				if strings.Contains(n, "model.") && diff > 1e-4*ref {
					t.Errorf("%s: relative difference %.2g", n, diff/ref)
				}
				outs[i].Destroy()
			}
		})
	}
}
