package report

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yologate/yologate/compare"
)

func TestNameCases(t *testing.T) {
	id := func(model, imgsz string) string {
		return "model=" + model + "/imgsz=" + imgsz + "/batch=1/ep=tensorrt/precision=fp16"
	}
	c := func(profile, id string) compare.CaseResult { return compare.CaseResult{Profile: profile, ID: id} }
	tests := []struct {
		name    string
		cases   []compare.CaseResult
		intro   string
		short   []string // of each case
		profile string
	}{
		{"one case", []compare.CaseResult{c(a10, id("yolov8n", "640"))},
			"Run on `gpu=NVIDIA A10` with `imgsz=640` `batch=1` `ep=tensorrt` `precision=fp16`.", []string{"model=yolov8n"}, a10},
		{"models", []compare.CaseResult{c(a10, id("yolov8n", "640")), c(a10, id("yolov8s", "640"))},
			"Run on `gpu=NVIDIA A10` with `imgsz=640` `batch=1` `ep=tensorrt` `precision=fp16`.", []string{"model=yolov8n", "model=yolov8s"}, a10},
		{"sizes of one model", []compare.CaseResult{c(a10, id("yolov8n", "640")), c(a10, id("yolov8n", "1280"))},
			"Run on `gpu=NVIDIA A10` with `model=yolov8n` `batch=1` `ep=tensorrt` `precision=fp16`.", []string{"imgsz=640", "imgsz=1280"}, a10},
		{"models and sizes", []compare.CaseResult{c(a10, id("yolov8n", "640")), c(a10, id("yolov8s", "1280"))},
			"Run on `gpu=NVIDIA A10` with `batch=1` `ep=tensorrt` `precision=fp16`.", []string{"model=yolov8n imgsz=640", "model=yolov8s imgsz=1280"}, a10},
		{"two GPUs, one id", []compare.CaseResult{c(a10, id("yolov8n", "640")), c("gpu=NVIDIA L4", id("yolov8n", "640"))},
			"Run with `imgsz=640` `batch=1` `ep=tensorrt` `precision=fp16`.", []string{"model=yolov8n", "model=yolov8n"}, ""},
		{"a longer id", []compare.CaseResult{c(a10, id("yolov8n", "640")), c(a10, id("yolov8n", "640")+"/mode=e2e")},
			"Run on `gpu=NVIDIA A10` with `imgsz=640` `batch=1` `ep=tensorrt` `precision=fp16`.", []string{"model=yolov8n", "model=yolov8n mode=e2e"}, a10},
		{"no parts", []compare.CaseResult{c("cpu", "a"), c("cpu", "b")}, "Run on `cpu`.", []string{"a", "b"}, "cpu"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := nameCases(tt.cases)
			var short []string
			for _, c := range tt.cases {
				short = append(short, n.short(c.ID))
			}
			if got := n.intro(); got != tt.intro {
				t.Errorf("intro %q, want %q", got, tt.intro)
			}
			if diff := cmp.Diff(tt.short, short); diff != "" {
				t.Errorf("names (-want +got):\n%s", diff)
			}
			if n.profile != tt.profile {
				t.Errorf("profile %q, want %q", n.profile, tt.profile)
			}
		})
	}
}

func TestReproduceCommand(t *testing.T) {
	v8s := "model=yolov8s/imgsz=640/batch=1/ep=tensorrt/precision=fp16"
	tests := []struct {
		name string
		args []string
		id   string
		want string
	}{
		{"the case, without the job's files", gateArgs, v8s,
			"yologate gate --model yolov8s --imgsz 640 --batch 1 --ep tensorrt --precision fp16 --baseline baselines/gpu.yaml"},
		{"the whole gate", gateArgs, "",
			"yologate gate --model yolov8n,yolov8s,yolo11n --ep tensorrt --precision fp16 --baseline baselines/gpu.yaml"},
		{"a model file, flags with =", []string{"--model=models/a.onnx,models/yolov8s.onnx", "--imgsz=320,640", "--baseline=b.yaml", "--check-run", "--status=false"}, v8s,
			"yologate gate --model models/yolov8s.onnx --imgsz 640 --batch 1 --ep tensorrt --precision fp16 --baseline=b.yaml"},
		{"one of several GPUs", []string{"-device", "all", "-count", "20", "-results", "r.json"}, v8s + "/device=1",
			"yologate gate --model yolov8s --imgsz 640 --batch 1 --ep tensorrt --precision fp16 --device 1 -count 20"},
		{"a GPU the id does not name", []string{"--device", "1"}, v8s,
			"yologate gate --model yolov8s --imgsz 640 --batch 1 --ep tensorrt --precision fp16 --device 1"},
		{"end to end, streams", []string{"--mode", "e2e", "--input", "perf/images", "--streams", "4"}, v8s + "/mode=e2e/streams=4",
			"yologate gate --model yolov8s --imgsz 640 --batch 1 --ep tensorrt --precision fp16 --mode e2e --streams 4 --input perf/images"},
		{"quoted for the shell", []string{"--baseline", "my baselines/gpu.yaml", "--key", "x"}, "model=it's/imgsz=640",
			`yologate gate --model 'it'\''s' --imgsz 640 --baseline 'my baselines/gpu.yaml'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ReproduceCommand(tt.args, tt.id); got != tt.want {
				t.Errorf("ReproduceCommand(%q, %q)\n got %s\nwant %s", tt.args, tt.id, got, tt.want)
			}
		})
	}
}

func TestRepeatBars(t *testing.T) {
	tests := []struct {
		old, cur int
		group    int
		labels   string
	}{
		{10, 10, 1, "b1 b2 b3 b4 b5 b6 b7 b8 b9 b10 r1 r2 r3 r4 r5 r6 r7 r8 r9 r10"},
		{10, 2, 1, "b1 b2 b3 b4 b5 b6 b7 b8 b9 b10 r1 r2"},
		{11, 3, 2, "b1-2 b3-4 b5-6 b7-8 b9-10 b11 r1-2 r3"},
		{60, 60, 10, "b1-10 b11-20 b21-30 b31-40 b41-50 b51-60 r1-10 r11-20 r21-30 r31-40 r41-50 r51-60"},
		{1000, 5, 167, "b1-167 b168-334 b335-501 b502-668 b669-835 b836-1000 r1-5"},
	}
	for _, tt := range tests {
		bars, group := repeatBars(make([]float64, tt.old), make([]float64, tt.cur))
		var labels []string
		for _, b := range bars {
			labels = append(labels, b.label)
		}
		if group != tt.group || strings.Join(labels, " ") != tt.labels {
			t.Errorf("repeatBars(%d, %d): group %d, labels %s; want %d, %s", tt.old, tt.cur, group, labels, tt.group, tt.labels)
		}
	}
	bars, _ := repeatBars([]float64{1, 9, 2, 5}, nil)
	if bars[0].value != 1 || bars[1].value != 9 {
		t.Errorf("one bar per repeat: %v", bars)
	}
	bars, _ = repeatBars([]float64{1, 9, 2, 5, 4, 3, 7, 8, 6, 10, 11, 12}, nil)
	if bars[0].label != "b1-2" || bars[0].value != 5 {
		t.Errorf("grouped bars, each the median of its repeats: %v", bars)
	}
}

func TestNiceCeil(t *testing.T) {
	for _, tt := range []struct{ v, want float64 }{{234, 240}, {85.3, 86}, {240, 240}, {1, 1}, {0.53, 0.53}, {1234, 1300}, {0, 1}} {
		if got := niceCeil(tt.v); got != tt.want {
			t.Errorf("niceCeil(%v) = %v, want %v", tt.v, got, tt.want)
		}
	}
}

// TestGoldenCharts checks the chart rules in every golden comment: an
// axis from zero, two series with a legend (the baseline and this run, or
// a trend's runs and main's level), few enough x labels, a title that
// fits.
func TestGoldenCharts(t *testing.T) {
	block := regexp.MustCompile("(?s)```mermaid\n(.*?)```")
	title := regexp.MustCompile(`(?m)^    title "([^"]*)"$`)
	xAxis := regexp.MustCompile(`(?m)^    x-axis "[^"]*" \[(.*)\]$`)
	goldens, _ := filepath.Glob("testdata/comment_*.md")
	charts := 0
	for _, g := range goldens {
		md, err := os.ReadFile(g)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range block.FindAllStringSubmatch(string(md), -1) {
			charts++
			c := m[1]
			tm, xm := title.FindStringSubmatch(c), xAxis.FindStringSubmatch(c)
			switch {
			case tm == nil || len([]rune(tm[1])) > maxTitle:
				t.Errorf("%s: no title, or one over %d characters:\n%s", g, maxTitle, c)
			case xm == nil || strings.Count(xm[1], ",")+1 > 2*maxBarsPerSide:
				t.Errorf("%s: no x-axis, or over %d labels:\n%s", g, 2*maxBarsPerSide, c)
			case !regexp.MustCompile(`(?m)^    y-axis "[^"]*" 0 --> `).MatchString(c):
				t.Errorf("%s: the value axis does not start at zero:\n%s", g, c)
			case strings.Contains(c, `line "runs" [`):
				// A trend: main's runs ending with this run, and main's level.
				if !strings.Contains(c, `"this run"]`) || !strings.Contains(c, `line "main level" [`) {
					t.Errorf("%s: a trend without this run or main's level:\n%s", g, c)
				}
			case !strings.Contains(c, `bar "this run" [`) || !strings.Contains(c, `bar "baseline" [`):
				t.Errorf("%s: the baseline and this run are not two series:\n%s", g, c)
			}
		}
	}
	if charts < 6 {
		t.Errorf("%d charts in the golden comments: the test no longer sees them", charts)
	}
}
