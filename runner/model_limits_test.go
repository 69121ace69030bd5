package runner

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/runner/onnxmodel"
)

// TestLoadModelRefusesHugeFixedInputs checks that a model whose image input
// declares a fixed shape too large to allocate is refused when it is read,
// before a session would allocate the input tensor.
func TestLoadModelRefusesHugeFixedInputs(t *testing.T) {
	for _, tc := range []struct {
		name  string
		shape []onnxmodel.Dim
		want  string
	}{
		{"side", []onnxmodel.Dim{{Value: 1}, {Value: 3}, {Value: 16384}, {Value: 16384}}, "fixed side over 8192"},
		{"batch", []onnxmodel.Dim{{Value: 100000}, {Value: 3}, {Value: 640}, {Value: 640}}, "fixed batch over 1024"},
		{"elements", []onnxmodel.Dim{{Value: 1}, {Value: 3}, {Value: 1 << 20}, {Value: 1 << 20}}, "more than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := &onnxmodel.Model{IRVersion: 8, OpsetImport: []onnxmodel.OpsetID{{Version: 17}}, Graph: &onnxmodel.Graph{
				Name: "g",
				Node: []*onnxmodel.Node{{OpType: "Identity", Input: []string{"images"}, Output: []string{"output0"}}},
				Input: []*onnxmodel.ValueInfo{{Name: "images", Type: &onnxmodel.TensorType{ElemType: onnxmodel.Float, HasShape: true,
					Shape: tc.shape}}},
				Output: []*onnxmodel.ValueInfo{{Name: "output0", Type: &onnxmodel.TensorType{ElemType: onnxmodel.Float}}},
			}}
			path := filepath.Join(t.TempDir(), "huge.onnx")
			if err := os.WriteFile(path, onnxmodel.Encode(m), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := LoadModelFile(path)
			if err == nil || errs.KindOf(err) != errs.Input || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("LoadModelFile = %v, want an input error naming the file and %q", err, tc.want)
			}
		})
	}
}
