package runner

import (
	"context"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/runner/onnxmodel"
	"github.com/yologate/yologate/runner/results"
)

// writeExternalModel writes images + bias → output0 with the bias in an
// external data file next to the model, as exports of large models do.
func writeExternalModel(t *testing.T, dir string) string {
	t.Helper()
	shape := []onnxmodel.Dim{{Value: 1}, {Value: 3}, {Value: 32}, {Value: 32}}
	bias := make([]byte, 4)
	binary.LittleEndian.PutUint32(bias, math.Float32bits(0.5))
	if err := os.WriteFile(filepath.Join(dir, "weights.bin"), bias, 0o644); err != nil {
		t.Fatal(err)
	}
	m := &onnxmodel.Model{
		IRVersion:   8,
		OpsetImport: []onnxmodel.OpsetID{{Version: 17}},
		Graph: &onnxmodel.Graph{
			Name: "external",
			Node: []*onnxmodel.Node{{OpType: "Add", Input: []string{"images", "bias"}, Output: []string{"output0"}}},
			Initializer: []*onnxmodel.Tensor{{
				Name: "bias", Dims: []int64{1}, DataType: onnxmodel.Float, DataLocation: 1,
				ExternalData: []onnxmodel.StringEntry{{Key: "location", Value: "weights.bin"}, {Key: "offset", Value: "0"}, {Key: "length", Value: "4"}},
			}},
			Input:  []*onnxmodel.ValueInfo{{Name: "images", Type: &onnxmodel.TensorType{ElemType: onnxmodel.Float, Shape: shape, HasShape: true}}},
			Output: []*onnxmodel.ValueInfo{{Name: "output0", Type: &onnxmodel.TensorType{ElemType: onnxmodel.Float, Shape: shape, HasShape: true}}},
		},
	}
	path := filepath.Join(dir, "external.onnx")
	if err := os.WriteFile(path, onnxmodel.Encode(m), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestExternalDataModel(t *testing.T) {
	loadORT(t)
	dir := t.TempDir()
	path := writeExternalModel(t, dir)
	specs, err := Plan{Models: []string{path}, Provider: "cpu", Threads: 1}.Specs()
	if err != nil {
		t.Fatal(err)
	}
	if got := specs[0].ID(); got != "model=external/imgsz=32/batch=1/ep=cpu/precision=fp32" {
		t.Fatalf("ID = %q", got)
	}
	f, err := Run(context.Background(), specs, quick())
	if err != nil {
		t.Fatal(err)
	}
	if err := results.Validate("run", f); err != nil {
		t.Fatal(err)
	}
	// Without its weights file the model cannot load: an input error.
	if err := os.Remove(filepath.Join(dir, "weights.bin")); err != nil {
		t.Fatal(err)
	}
	specs, err = Plan{Models: []string{path}, Provider: "cpu"}.Specs()
	if err == nil {
		_, err = Prepare(context.Background(), specs[0], quick())
	}
	if errs.KindOf(err) != errs.Input || !strings.Contains(err.Error(), path) {
		t.Fatalf("missing external data: %v, want an input error naming %s", err, path)
	}
}
