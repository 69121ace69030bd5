package yolo

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/runner/onnxmodel"
)

// realModel is a real Ultralytics export kept with the shared test data.
const realModel = "../../../shared/testdata/models/yolov8n_int8.onnx"

func TestParseMetadata(t *testing.T) {
	tests := []struct {
		name  string
		props map[string]string
		want  Metadata
		errs  []string // substrings of the reported problems, in order
	}{
		{
			name: "ultralytics export",
			props: map[string]string{
				"description": "Ultralytics YOLOv8n model trained on coco.yaml", "author": "Ultralytics",
				"version": "8.4.115", "stride": "32", "task": "detect", "batch": "1", "imgsz": "[640, 640]",
				"names": "{0: 'person', 1: 'bicycle', 2: \"it's\"}", "channels": "3", "end2end": "False",
				"args": "{'data': None, 'batch': 1, 'fraction': 1.0, 'dynamic': False, 'opset': None, 'nms': False}",
			},
			want: Metadata{
				Description: "Ultralytics YOLOv8n model trained on coco.yaml", Author: "Ultralytics", Version: "8.4.115",
				Task: "detect", Stride: 32, Batch: 1, Imgsz: []int{640, 640}, Channels: 3,
				Names: map[int]string{0: "person", 1: "bicycle", 2: "it's"},
				Args:  map[string]any{"data": nil, "batch": int64(1), "fraction": 1.0, "dynamic": false, "opset": nil, "nms": false},
			},
		},
		{
			name:  "older forms: int imgsz, stride list, names list, end2end True",
			props: map[string]string{"imgsz": "640", "stride": "[8, 16, 32]", "names": "['a', 'b']", "end2end": "True"},
			want:  Metadata{Imgsz: []int{640, 640}, Stride: 32, Names: map[int]string{0: "a", 1: "b"}, End2End: true},
		},
		{
			name:  "non-square imgsz and escapes",
			props: map[string]string{"imgsz": "(384, 640)", "names": `{0: 'tab\there', 1: 'caf\xe9'}`},
			want:  Metadata{Imgsz: []int{384, 640}, Names: map[int]string{0: "tab\there", 1: "café"}},
		},
		{
			name:  "empty",
			props: map[string]string{},
			want:  Metadata{},
		},
		{
			name: "every value bad",
			props: map[string]string{"stride": "'32'", "imgsz": "[640]", "names": "{0: 'a', 'x': 'b'}",
				"batch": "-1", "end2end": "maybe", "args": "[1]", "channels": "{"},
			want: Metadata{},
			errs: []string{
				"metadata_props[args]: got \"[1]\", want a dict",
				"metadata_props[batch]: got \"-1\"",
				"metadata_props[channels]: python literal at offset 1",
				"metadata_props[end2end]: python literal at offset 0: unexpected \"maybe\"",
				"metadata_props[imgsz]: got \"[640]\", want [height, width]",
				"metadata_props[names]: class index x is not an integer",
				"metadata_props[stride]: got \"'32'\", want a positive integer",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseMetadata(tc.props)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ParseMetadata (-want +got):\n%s", diff)
			}
			var msgs []string
			if err != nil {
				if errs.KindOf(err) != errs.Input {
					t.Errorf("error kind %v, want input", errs.KindOf(err))
				}
				for _, e := range err.(errs.List) {
					msgs = append(msgs, e.Error())
				}
			}
			if len(msgs) != len(tc.errs) {
				t.Fatalf("problems %q, want %d", msgs, len(tc.errs))
			}
			for i, m := range msgs {
				if !strings.Contains(m, tc.errs[i]) {
					t.Errorf("problem %d = %q, want it to contain %q", i, m, tc.errs[i])
				}
			}
		})
	}
}

// TestParseMetadataRealExport parses the metadata of a real Ultralytics export.
func TestParseMetadataRealExport(t *testing.T) {
	if _, err := os.Stat(realModel); err != nil {
		t.Skipf("real model not available: %v", err)
	}
	info, err := onnxmodel.InspectFile(realModel)
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseMetadata(info.Metadata)
	if err != nil {
		t.Fatal(err)
	}
	got := []any{len(m.Names), m.Names[0], m.Names[79], m.Imgsz, m.Stride, m.Task, m.Batch, m.Channels, m.End2End, m.Args["nms"]}
	want := []any{80, "person", "toothbrush", []int{640, 640}, 32, "detect", 1, 3, false, false}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(COCONames(), m.NameList()); diff != "" {
		t.Errorf("names differ from the zoo's COCO list (-zoo +export):\n%s", diff)
	}
}

// TestGeneratedMetadataParses checks that what the zoo writes reads back.
func TestGeneratedMetadataParses(t *testing.T) {
	spec, _ := LookupModel("yolo11s")
	props := map[string]string{}
	for _, e := range generatedMetadata(spec, GenerateOptions{Height: 384, Width: 640, Batch: 4, Dynamic: true}.withDefaults()) {
		props[e.Key] = e.Value
	}
	m, err := ParseMetadata(props)
	if err != nil {
		t.Fatal(err)
	}
	got := []any{len(m.Names), m.Imgsz, m.Stride, m.Task, m.Batch, m.Args["dynamic"], m.Generator, m.Seed}
	want := []any{80, []int{384, 640}, 32, "detect", 4, true, GeneratorVersion + " yolo11s", "0x9e110e5eed002026"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestPyStr(t *testing.T) {
	for _, s := range []string{"person", "it's", `say "hi"`, `both ' and "`, "tab\t\\", "\x01"} {
		v, err := parsePy(pyStr(s))
		if err != nil || v != s {
			t.Errorf("parsePy(pyStr(%q)) = %q, %v", s, v, err)
		}
	}
}

func FuzzParseMetadata(f *testing.F) {
	spec, _ := LookupModel("yolov8n")
	for _, e := range generatedMetadata(spec, GenerateOptions{}.withDefaults()) {
		f.Add(e.Key, e.Value)
	}
	f.Add("names", "{0: 'a', 1: \"b\\x41\", 2: '\\u00e9'}")
	f.Add("imgsz", "(384, 640)")
	f.Add("args", "{'a': [1, 2.5, -3e-2, inf, {'b': (None,)}], 'c': {1, 2}}")
	f.Add("stride", "[8, 16, 32]")
	if info, err := onnxmodel.InspectFile(realModel); err == nil {
		for k, v := range info.Metadata {
			f.Add(k, v)
		}
	}
	f.Fuzz(func(t *testing.T, key, value string) {
		m, err := ParseMetadata(map[string]string{key: value})
		if err != nil {
			if errs.KindOf(err) != errs.Input {
				t.Fatalf("error kind %v: %v", errs.KindOf(err), err)
			}
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Fatalf("multi-line error: %q", err)
			}
		}
		if m.Imgsz != nil && (len(m.Imgsz) != 2 || m.Imgsz[0] <= 0 || m.Imgsz[1] <= 0) {
			t.Fatalf("imgsz %v", m.Imgsz)
		}
		if len(m.Names) > maxClasses || m.Stride < 0 {
			t.Fatalf("names %d stride %d", len(m.Names), m.Stride)
		}
		_ = m.NameList()
	})
}
