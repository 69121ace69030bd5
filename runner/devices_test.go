package runner

import (
	"strings"
	"testing"
)

func TestPerDevice(t *testing.T) {
	m := &Model{Name: "yolov8n"}
	cases := func() []Spec {
		return []Spec{{Model: m, Size: Size{640, 640}, Batch: 1, Provider: "cuda", Precision: "fp16"}}
	}
	tests := []struct {
		name     string
		plan     Plan
		provider string
		ids      []string
		devices  []int
	}{
		{"one GPU by default", Plan{Device: 0}, "cuda", []string{"model=yolov8n/imgsz=640/batch=1/ep=cuda/precision=fp16"}, []int{0}},
		{"one GPU chosen", Plan{Devices: []int{2}}, "cuda", []string{"model=yolov8n/imgsz=640/batch=1/ep=cuda/precision=fp16"}, []int{2}},
		{"every GPU", Plan{Devices: []int{0, 1}}, "cuda", []string{
			"model=yolov8n/imgsz=640/batch=1/ep=cuda/precision=fp16/device=0",
			"model=yolov8n/imgsz=640/batch=1/ep=cuda/precision=fp16/device=1"}, []int{0, 1}},
		{"CPU ignores GPUs", Plan{Devices: []int{0, 1}}, "cpu", []string{"model=yolov8n/imgsz=640/batch=1/ep=cpu/precision=fp16"}, []int{0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := cases()
			for i := range in {
				in[i].Provider = tt.provider
			}
			got := tt.plan.perDevice(in, tt.provider)
			var ids []string
			for _, s := range got {
				ids = append(ids, s.ID())
			}
			if strings.Join(ids, " ") != strings.Join(tt.ids, " ") {
				t.Errorf("ids = %q, want %q", ids, tt.ids)
			}
			for i, s := range got {
				if s.Device != tt.devices[i] {
					t.Errorf("case %d on device %d, want %d", i, s.Device, tt.devices[i])
				}
			}
		})
	}
}
