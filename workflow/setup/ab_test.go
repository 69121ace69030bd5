package setup

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSplitSideArgs(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		err  string
	}{
		{"yolov8s", []string{"--model", "yolov8s"}, ""},
		{"models/my model.onnx", []string{"models/my", "model.onnx"}, ""},
		{"'models/my model.onnx'", []string{"--model", "models/my model.onnx"}, ""},
		{"--imgsz 640x704", []string{"--imgsz", "640x704"}, ""},
		{` --model "a b.onnx"  --batch 2 `, []string{"--model", "a b.onnx", "--batch", "2"}, ""},
		{"--model 'x", nil, "unterminated '"},
		{"  ", nil, "empty"},
	}
	for _, tt := range tests {
		got, err := SplitSideArgs("--a", tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: error %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%q (-want +got):\n%s", tt.in, diff)
		}
	}
}
