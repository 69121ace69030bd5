package yolo

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/runner/onnxmodel"
)

// The realistic share of anchors above 0.25 on the seeded random input: a
// trained model on a street photo has tens to a few hundred of 8400.
const (
	minHitsPer8400 = 10
	maxHitsPer8400 = 500
)

// checkPublished compares counts with Ultralytics' published figures:
// parameters exact for the n models (their tables give every digit), within
// 0.5% for the rest (published rounded to 0.1M); GFLOPs within 3%.
func checkPublished(t *testing.T, spec ModelSpec, params int64, gflops float64) {
	t.Helper()
	if spec.Scale == "n" {
		if params != spec.PublishedParams {
			t.Errorf("%s: %d params, want exactly %d", spec.Name, params, spec.PublishedParams)
		}
	} else if d := math.Abs(float64(params)/float64(spec.PublishedParams) - 1); d > 0.005 {
		t.Errorf("%s: %d params, %.2f%% off the published %d", spec.Name, params, 100*d, spec.PublishedParams)
	}
	if d := math.Abs(gflops/spec.PublishedGFLOPs - 1); d > 0.03 {
		t.Errorf("%s: %.2f GFLOPs, %.1f%% off the published %.1f", spec.Name, gflops, 100*d, spec.PublishedGFLOPs)
	}
}

func TestModelStats(t *testing.T) {
	for _, spec := range StandardModels() {
		t.Run(spec.Name, func(t *testing.T) {
			st, err := ModelStats(spec.Name, 640, 640)
			if err != nil {
				t.Fatal(err)
			}
			checkPublished(t, spec, st.Params, st.GFLOPs)
			// FLOPs are linear in the pixel count (attention aside, tiny at 320).
			small, err := ModelStats(spec.Name, 320, 320)
			if err != nil {
				t.Fatal(err)
			}
			if r := st.GFLOPs / small.GFLOPs; r < 3.9 || r > 4.1 {
				t.Errorf("GFLOPs at 640 / at 320 = %.3f, want about 4", r)
			}
		})
	}
}

// zooModels are the models TestGeneratedModels generates and runs: all of
// them in a plain `go test` (about 3 minutes on 2 busy cores); only the n
// scale with -short or under -race, which slows the calibration of an x
// model from seconds to minutes (`make test` runs -race and stays short;
// `go test ./runner/yolo` covers the rest).
func zooModels() []ModelSpec {
	var out []ModelSpec
	for _, s := range StandardModels() {
		switch {
		case (testing.Short() || raceEnabled) && s.Scale != "n":
		default:
			out = append(out, s)
		}
	}
	return out
}

// TestGeneratedModels generates every zoo model with dynamic axes, reads
// the file back (parameters, GFLOPs at 640, metadata), checks its weights,
// and runs it in ONNX Runtime at 320×320.
func TestGeneratedModels(t *testing.T) {
	for _, spec := range zooModels() {
		t.Run(spec.Name, func(t *testing.T) {
			data, err := Generate(spec.Name, GenerateOptions{Dynamic: true})
			if err != nil {
				t.Fatal(err)
			}
			info, err := onnxmodel.Inspect(data)
			if err != nil {
				t.Fatal(err)
			}
			gflops, covered, total := info.GFLOPsAt(1, 640, 640)
			if covered != total {
				t.Errorf("GFLOPs estimate sized %d of %d compute nodes", covered, total)
			}
			checkPublished(t, spec, info.Params, gflops)
			if info.Opset != Opset {
				t.Errorf("opset %d, want %d", info.Opset, Opset)
			}
			io := []string{info.Inputs[0].Name, info.Inputs[0].Type, info.Inputs[0].ShapeString(), info.Outputs[0].Name, info.Outputs[0].ShapeString()}
			if diff := cmp.Diff([]string{"images", "float32", "[batch 3 height width]", "output0", "[batch 84 anchors]"}, io); diff != "" {
				t.Errorf("inputs/outputs (-want +got):\n%s", diff)
			}
			meta, err := ParseMetadata(info.Metadata)
			if err != nil {
				t.Fatal(err)
			}
			if len(meta.Names) != 80 || meta.Stride != 32 || meta.Task != "detect" || !strings.HasSuffix(meta.Generator, spec.Name) {
				t.Errorf("metadata %+v", meta)
			}
			checkWeights(t, data)

			s := newORTSession(t, data, nil)
			out, shape := s.run(t, randomImages(1, 320, 320, 1), []int64{1, 3, 320, 320})
			if diff := cmp.Diff([]int64{1, 84, 2100}, shape); diff != "" {
				t.Fatalf("output shape (-want +got):\n%s", diff)
			}
			checkHits(t, checkOutput(t, out, shape, 80), 2100)
		})
	}
}

// checkHits asserts a realistic number of anchors above 0.25 per image.
func checkHits(t *testing.T, hits []int, anchors int) {
	t.Helper()
	lo := max(1, minHitsPer8400*anchors/8400)
	hi := maxHitsPer8400 * anchors / 8400
	for i, n := range hits {
		if n < lo || n > hi {
			t.Errorf("image %d: %d of %d anchors score above 0.25, want %d to %d", i, n, anchors, lo, hi)
		}
	}
}

// checkWeights asserts that no initializer holds NaN, Inf or a denormal.
func checkWeights(t *testing.T, data []byte) {
	t.Helper()
	m, err := onnxmodel.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range m.Graph.Initializer {
		if w.DataType != onnxmodel.Float {
			continue
		}
		for i := 0; i+4 <= len(w.RawData); i += 4 {
			f := math.Float32frombits(binary.LittleEndian.Uint32(w.RawData[i:]))
			x := float64(f)
			if math.IsNaN(x) || math.IsInf(x, 0) || (f != 0 && math.Abs(x) < 0x1p-126) {
				t.Fatalf("%s[%d] = %g", w.Name, i/4, f)
			}
		}
	}
}

// TestORTConfigs runs the n models at 320 and 640, batch 1 and 2, in one
// session of the dynamic export (static exports run in the other tests).
// YOLOGATE_ZOO_FULL=1 runs every model so (a few minutes).
func TestORTConfigs(t *testing.T) {
	models := []string{"yolov8n", "yolo11n"}
	if os.Getenv("YOLOGATE_ZOO_FULL") == "1" {
		models = StandardNames()
	}
	for _, name := range models {
		t.Run(name, func(t *testing.T) {
			data, err := Generate(name, GenerateOptions{Dynamic: true})
			if err != nil {
				t.Fatal(err)
			}
			s := newORTSession(t, data, nil)
			for _, size := range []int{320, 640} {
				for _, batch := range []int{1, 2} {
					t.Run(fmt.Sprintf("%d/batch%d", size, batch), func(t *testing.T) {
						out, shape := s.run(t, randomImages(batch, size, size, 1), []int64{int64(batch), 3, int64(size), int64(size)})
						anchors := 0
						for _, st := range strides {
							anchors += (size / st) * (size / st)
						}
						if diff := cmp.Diff([]int64{int64(batch), 84, int64(anchors)}, shape); diff != "" {
							t.Fatalf("output shape (-want +got):\n%s", diff)
						}
						checkHits(t, checkOutput(t, out, shape, 80), anchors)
					})
				}
			}
		})
	}
}

// Pinned digests: the same options give these bytes on every machine.
// A change that alters them must bump GeneratorVersion.
var pinned = []struct {
	name string
	opt  GenerateOptions
	hash string
}{
	{"yolov8n", GenerateOptions{}, "80185249e11b8e63e166b6f57b1ba9c2aecde38a3a5c41b16c3aa6699f02d5db"},
	{"yolo11n", GenerateOptions{Height: 320, Width: 480, Batch: 2, Dynamic: true}, "ad602bb3914d0a1ab3ab9491bdd3ccd7393fc61f00f51315d66c294b67d2b706"},
}

func TestGenerateDeterministic(t *testing.T) {
	for _, p := range pinned {
		t.Run(p.name, func(t *testing.T) {
			data, err := Generate(p.name, p.opt)
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(data)
			if got := hex.EncodeToString(sum[:]); got != p.hash {
				t.Errorf("sha256 %s, pinned %s (a deliberate change must bump GeneratorVersion and the pins)", got, p.hash)
			}
		})
	}
	// Two calls in one process agree (the calibration runs on all CPUs),
	// and another seed is another model.
	a, _ := Generate("yolov8n", GenerateOptions{Height: 64, Width: 64})
	b, _ := Generate("yolov8n", GenerateOptions{Height: 64, Width: 64})
	c, _ := Generate("yolov8n", GenerateOptions{Height: 64, Width: 64, Seed: 7})
	if string(a) != string(b) {
		t.Error("two calls gave different bytes")
	}
	if string(a) == string(c) {
		t.Error("seed 7 gave the default seed's bytes")
	}
}

func TestGenerateRejects(t *testing.T) {
	tests := []struct {
		name, model string
		opt         GenerateOptions
		want        string
	}{
		{"unknown model", "yolov9c", GenerateOptions{}, "yolov9c: unknown standard model (valid models: yolov8n, yolov8s"},
		{"not a multiple of 32", "yolov8n", GenerateOptions{Height: 650}, "--imgsz: height 650 is not a multiple of 32"},
		{"too small", "yolov8n", GenerateOptions{Width: 16}, "--imgsz: width 16"},
		{"negative", "yolov8n", GenerateOptions{Height: -32}, "--imgsz: height -32"},
		{"batch", "yolov8n", GenerateOptions{Batch: -1}, "--batch: batch -1 is not in [1, 4096]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Generate(tc.model, tc.opt)
			if err == nil || !strings.Contains(err.Error(), tc.want) || errs.KindOf(err) != errs.Usage {
				t.Errorf("err = %v, want a usage error containing %q", err, tc.want)
			}
		})
	}
}

// TestActivationsUnitOrder runs yolov8n and yolo11n at 640 with every
// convolution output exposed and checks that each keeps a unit-order
// second moment: the weights are calibrated on a small image, and this is
// the size they are used at.
func TestActivationsUnitOrder(t *testing.T) {
	for _, name := range []string{"yolov8n", "yolo11n"} {
		t.Run(name, func(t *testing.T) {
			spec, _ := LookupModel(name)
			m := buildModel(spec, GenerateOptions{}.withDefaults())
			var names []string
			for _, n := range m.Graph.Node {
				// The class logits sit at their prior (ClassBias) and the DFL
				// output is a distance in grid cells: neither is unit-order by design.
				if n.OpType == "Conv" && !strings.Contains(n.Name, ".2/Conv") && !strings.Contains(n.Name, "dfl") {
					names = append(names, n.Output[0])
				}
			}
			for _, n := range names {
				m.Graph.Output = append(m.Graph.Output, &onnxmodel.ValueInfo{Name: n, Type: &onnxmodel.TensorType{ElemType: onnxmodel.Float}})
			}
			vals := runOutputs(t, onnxmodel.Encode(m), append([]string{"output0"}, names...), randomImages(1, 640, 640, 1), []int64{1, 3, 640, 640})
			for i, n := range names {
				var q float64
				for _, v := range vals[i+1] {
					q += float64(v) * float64(v)
				}
				if m2 := q / float64(len(vals[i+1])); m2 < 0.05 || m2 > 20 {
					t.Errorf("%s: E[x²] = %.3g, want unit order", n, m2)
				}
			}
		})
	}
}

func BenchmarkGenerateYOLOv8n640(b *testing.B) {
	for b.Loop() {
		if _, err := Generate("yolov8n", GenerateOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
