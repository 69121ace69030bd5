package config

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/internal/flagdef"
	"github.com/yologate/yologate/internal/golden"
)

// TestValueChecks gives each key a value its flag refuses and one it
// takes: the refusal is one positioned line naming the key, the problem
// and the fix.
func TestValueChecks(t *testing.T) {
	tests := []struct {
		setting string
		want    string // "" when the value is valid
	}{
		{"count: ten", `c.yml:1:8: count: "ten" is not a whole number (write a repeat count of 1 or more, such as 10)`},
		{"count: 0", "c.yml:1:8: count: 0 is out of range"},
		{"count: 10", ""},
		{"alpha: 5", "c.yml:1:8: alpha: 5 is not in (0,1) (write a number between 0 and 1, such as 0.05)"},
		{"alpha: 0.01", ""},
		{"comment: sometimes", `c.yml:1:10: comment: "sometimes" is not one of always, on-change, on-regression, never (write one of them)`},
		{"comment: on-change", ""},
		{"ep: gpu", `c.yml:1:5: ep: "gpu" is not one of auto, tensorrt, cuda, cpu`},
		{"precision: fp8", `precision: "fp8" is not one of fp32, fp16, int8`},
		{"imgsz: [640, 333]", "c.yml:1:14: imgsz: image side 333 in \"333\" is not a multiple of 32"},
		{"imgsz: 640x672", ""},
		{"batch: 0", `batch: bad batch size "0" (use a whole number from 1 to 1024)`},
		{"benchtime: 3 seconds", `benchtime: bad value "3 seconds"`},
		{"benchtime: 5s,1000x", ""},
		{"warmup: 10", ""},
		{"threshold: five", `threshold: "five" is not a percentage (write a percentage ≥ 0 such as 5%)`},
		{"threshold: 5%", ""},
		{"fail-on-inconclusive: maybe", `fail-on-inconclusive: "maybe" is not true or false (write true or false)`},
		{"require-baseline: true", ""},
		{"check-conf: 1.5", "check-conf: 1.5 is not in (0,1)"},
		{"check-iou: 1", ""},
		{"map-threshold: -0.1", "map-threshold: -0.1 is not in [0,1]"},
		{"streams: 1000", "streams: 1000 is out of range (write 1 to 256 concurrent streams)"},
		{"mode: batch", `mode: "batch" is not one of infer, e2e`},
		{"device: first", "device:"},
		{"device: all", ""},
		{"budget: soon", `budget: "soon" is not a duration`},
		{"format: md", ""},
		{"format: html", `format: "html" is not one of text, markdown, json, md`},
		{"ep-options: trt_fp16_enable", "ep-options:"},
		{"baseline: ''", "baseline: empty value"},
		{"cases:\n  - model: yolov8n\n    batch: many", `c.yml:3:12: batch: bad batch size "many"`},
	}
	for _, tt := range tests {
		t.Run(tt.setting, func(t *testing.T) {
			_, err := Parse("c.yml", []byte(tt.setting+"\n"))
			if tt.want == "" {
				if err != nil {
					t.Fatalf("valid value refused: %v", err)
				}
				return
			}
			var l errs.List
			if !errors.As(err, &l) || len(l) != 1 || !strings.Contains(l[0].Error(), tt.want) || errs.KindOf(err) != errs.Input {
				t.Errorf("error %v, want one input error containing %q", err, tt.want)
			}
		})
	}
}

// TestEveryKeyChecked: a key the file may hold without a value check would
// reach its command unchecked.
func TestEveryKeyChecked(t *testing.T) {
	for _, d := range flagdef.Defs {
		if _, ok := checks[d.Name]; d.Config && !ok {
			t.Errorf("config key %q (--%s) has no value check", d.ConfigKey(), d.Name)
		}
	}
	for name := range checks {
		if d, ok := flagdef.Lookup(name); !ok || !d.Config {
			t.Errorf("a check for --%s, which the config file cannot set", name)
		}
	}
}

// TestBadValuesGolden lists every problem of a file with many bad values,
// each on its own line with its position, as doctor prints them.
func TestBadValuesGolden(t *testing.T) {
	data, err := os.ReadFile("testdata/bad_values.yml")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Parse("testdata/bad_values.yml", data)
	var l errs.List
	if !errors.As(err, &l) {
		t.Fatalf("error %v, want a list of problems", err)
	}
	var b strings.Builder
	for _, e := range l {
		b.WriteString(e.Error() + "\n")
	}
	golden.Check(t, "bad_values.err", b.String())
}
