package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/yologate/yologate/baselines"
	"github.com/yologate/yologate/compare"
)

var updateCompareGolden = flag.Bool("update-compare", false, "rewrite the compare golden files in testdata/")

func compareGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	if *updateCompareGolden {
		if err := os.WriteFile(name, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(name)
	if err != nil {
		t.Fatalf("%v (run go test -run Compare -update-compare to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", name, diff)
	}
}

// evenly returns n values spread ±cv around mu in a fixed shuffled order.
func evenly(mu, cv float64, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		k := (i*7 + 3) % n
		v[i] = mu * (1 + cv*(float64(k)/float64(n-1)*2-1))
	}
	return v
}

// sampleReport compares hand-made measurements that reach every verdict.
func sampleReport() *compare.Report {
	const cpu, gpu = "cpu=AMD EPYC 7B13/threads=2", "gpu=NVIDIA A10"
	env := baselines.Environment{CPUModel: "AMD EPYC 7B13", ORTVersion: "1.30.0", Provider: "cpu"}
	m := func(profile, id string, fps, p50 []float64) compare.Measurement {
		s := map[compare.Metric][]float64{compare.FPS: fps}
		if p50 != nil {
			s[compare.P50MS] = p50
		}
		return compare.Measurement{Profile: profile, CaseID: id, Samples: s, Env: env,
			Model: baselines.Model{Name: "yolov8n", SHA256: strings.Repeat("a", 64)}}
	}
	old := []compare.Measurement{
		m(cpu, "model=yolov8n/imgsz=640/batch=1/ep=cpu/precision=fp32", evenly(12.4, 0.02, 10), evenly(80.6, 0.02, 10)),
		m(cpu, "model=yolov8n/imgsz=320/batch=1/ep=cpu/precision=fp32", evenly(45, 0.02, 10), nil),
		m(cpu, "model=yolov8s/imgsz=640/batch=1/ep=cpu/precision=fp32", evenly(5.1, 0.02, 10), nil),
		m(cpu, "model=yolo11n/imgsz=640/batch=1/ep=cpu/precision=fp32", evenly(11, 0.3, 10), nil),
		m(cpu, "model=yolo11s/imgsz=640/batch=1/ep=cpu/precision=fp32", evenly(4.4, 0.02, 3), nil),
		m(cpu, "model=yolov8m/imgsz=640/batch=1/ep=cpu/precision=fp32", evenly(2.2, 0.02, 10), nil),
		m(cpu, "model=yolov8l/imgsz=640/batch=1/ep=cpu/precision=fp32", evenly(1.2, 0.02, 10), nil),
		m(gpu, "model=yolov8n/imgsz=640/batch=8/ep=tensorrt/precision=fp16", evenly(1500, 0.01, 10), nil),
	}
	cur := []compare.Measurement{
		m(cpu, "model=yolov8n/imgsz=640/batch=1/ep=cpu/precision=fp32", evenly(11.1, 0.02, 10), evenly(90.1, 0.02, 10)),
		m(cpu, "model=yolov8n/imgsz=320/batch=1/ep=cpu/precision=fp32", evenly(50, 0.02, 10), nil),
		m(cpu, "model=yolov8s/imgsz=640/batch=1/ep=cpu/precision=fp32", evenly(5.12, 0.02, 10), nil),
		m(cpu, "model=yolo11n/imgsz=640/batch=1/ep=cpu/precision=fp32", evenly(10, 0.3, 10), nil),
		m(cpu, "model=yolo11s/imgsz=640/batch=1/ep=cpu/precision=fp32", evenly(4, 0.02, 3), nil),
		m(cpu, "model=yolov8m/imgsz=640/batch=1/ep=cpu/precision=fp32", evenly(2, 0.02, 10), nil),
		m(cpu, "model=yolo11m/imgsz=640/batch=1/ep=cpu/precision=fp32", evenly(2, 0.02, 10), nil),
		m("cpu=Intel Xeon 8375C/threads=4", "model=yolov8n/imgsz=640/batch=1/ep=cpu/precision=fp32", evenly(20, 0.02, 10), nil),
	}
	// A GPU case that got slower because the host could not keep up.
	const trt = "model=yolov8s/imgsz=640/batch=1/ep=tensorrt/precision=fp16"
	old = append(old, m(gpu, trt, evenly(900, 0.01, 10), nil))
	old[len(old)-1].GPU = &baselines.GPUState{GPUUtilPct: 97, SMClockMHz: 1695, MemClockMHz: 6251, PowerW: 140, PowerLimitW: 150, TempC: 70, HostCPUPct: 100}
	cur = append(cur, m(gpu, trt, evenly(700, 0.01, 10), nil))
	cur[len(cur)-1].GPU = &baselines.GPUState{GPUUtilPct: 62, SMClockMHz: 1695, MemClockMHz: 6251, PowerW: 95, PowerLimitW: 150, TempC: 64, HostCPUPct: 185}
	// A case whose baseline sets a threshold of 200%: its −56% passes,
	// and the report must say why.
	const lax = "model=yolov8x/imgsz=640/batch=1/ep=cpu/precision=fp32"
	twice := 2.0
	old = append(old, m(cpu, lax, evenly(1.0, 0.02, 10), nil))
	old[len(old)-1].Threshold = &twice
	cur = append(cur, m(cpu, lax, evenly(0.44, 0.02, 10), nil))
	cur[2].Model.SHA256 = strings.Repeat("b", 64) // model changed, compared normally
	cur[5].Env.ORTVersion = "1.31.0"              // environment mismatch
	cur[1].Marks = nil
	rep := compare.Compare(old, cur, compare.DefaultOptions())
	return rep
}

func TestWriteCompareGolden(t *testing.T) {
	rep := sampleReport()
	for _, tt := range []struct{ format, file string }{
		{"text", "testdata/compare.txt"},
		{"markdown", "testdata/compare.md"},
		{"json", "testdata/compare.json"},
	} {
		t.Run(tt.format, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteCompare(&b, rep, tt.format); err != nil {
				t.Fatal(err)
			}
			compareGolden(t, tt.file, b.Bytes())
		})
	}
	var b bytes.Buffer
	if err := WriteCompare(&b, rep, "yaml"); err == nil {
		t.Errorf("unknown format accepted")
	}
}

// TestWriteCompareJSONRoundTrip checks that the JSON form carries the whole
// report: decoding it gives the report back.
func TestWriteCompareJSONRoundTrip(t *testing.T) {
	rep := sampleReport()
	var b bytes.Buffer
	if err := WriteCompareJSON(&b, rep); err != nil {
		t.Fatal(err)
	}
	var back compare.Report
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(rep, &back); diff != "" {
		t.Errorf("JSON round trip (-want +got):\n%s", diff)
	}
}

func TestWriteCompareMarkdownEscapes(t *testing.T) {
	rep := compare.Compare(nil, []compare.Measurement{{Profile: "p|<b>", CaseID: "a|b`c", Samples: map[compare.Metric][]float64{compare.FPS: {1}}}}, compare.DefaultOptions())
	var b bytes.Buffer
	if err := WriteCompareMarkdown(&b, rep); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(b.String(), "\n") {
		if strings.HasPrefix(line, "| `") && strings.Count(strings.ReplaceAll(line, "\\|", ""), "|") != 9 {
			t.Errorf("row has extra cells: %s", line)
		}
	}
	if strings.Contains(b.String(), "<b>") {
		t.Errorf("HTML passed through:\n%s", b.String())
	}
}

func TestWriteBaselineTableGolden(t *testing.T) {
	th := 7.5
	f := &baselines.File{Path: "perf/baselines.yaml", Schema: baselines.Schema, Profiles: []baselines.Profile{
		{Name: "cpu=AMD EPYC 7B13/threads=2", Cases: []baselines.Case{
			{ID: "model=yolov8n/imgsz=640/batch=1/ep=cpu/precision=fp32", ThresholdPct: &th,
				Model:      baselines.Model{Name: "yolov8n", SHA256: strings.Repeat("c", 64)},
				Samples:    baselines.Samples{FPS: evenly(12.4, 0.02, 10), P50MS: evenly(80.6, 0.02, 10), P99MS: evenly(88, 0.05, 10)},
				Provenance: baselines.Provenance{Commit: "0123456789abcdef", Date: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC), Reason: "faster\nletterbox"}},
			{ID: "model=yolo11n/imgsz=640/batch=1/ep=cpu/precision=fp32", Samples: baselines.Samples{FPS: []float64{10.5, 10.4, 10.6}},
				Marks: []string{"throttled: sw_power_cap"}, Provenance: baselines.Provenance{Forced: true, Reason: "hot runner"}},
		}},
		{Name: "gpu=NVIDIA A10", Cases: []baselines.Case{{ID: "model=yolov8s/imgsz=640/batch=8/ep=tensorrt/precision=fp16",
			Samples: baselines.Samples{FPS: evenly(1500, 0.01, 6)}}}},
	}}
	var b bytes.Buffer
	if err := WriteBaselineTable(&b, f); err != nil {
		t.Fatal(err)
	}
	compareGolden(t, "testdata/compare_baseline_show.txt", b.Bytes())
}
