package setup

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/yologate/yologate/compare"
	"github.com/yologate/yologate/internal/config"
	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/runner"
	"github.com/yologate/yologate/runner/results"
	"github.com/yologate/yologate/workflow/workflowtest"
)

// parse registers register's flags on a fresh flag set and parses args.
func parse(t *testing.T, register func(*flag.FlagSet), args ...string) *flag.FlagSet {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	register(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return fs
}

// wantUsage checks that err is a usage or input error naming where.
func wantUsage(t *testing.T, err error, where string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one naming %s", where)
	}
	if k := errs.KindOf(err); k != errs.Usage && k != errs.Input {
		t.Errorf("%v: kind %v, want a usage or input error", err, k)
	}
	if !strings.Contains(err.Error(), where) {
		t.Errorf("%v does not name %s", err, where)
	}
}

func TestBenchPlan(t *testing.T) {
	var b Bench
	parse(t, b.Register, "--model", "yolov8n,yolo11s", "--model", "m.onnx", "--imgsz", "640,320x352", "--batch", "1,4",
		"--count", "3", "--benchtime", "50x", "--warmup", "2s", "--seed", "7", "--precision", "fp16", "--ep", "cpu")
	p, opt, err := b.Plan()
	if err != nil {
		t.Fatal(err)
	}
	want := runner.Plan{Models: []string{"yolov8n", "yolo11s", "m.onnx"}, Provider: "cpu", Precision: "fp16",
		Sizes: []runner.Size{{Height: 640, Width: 640}, {Height: 320, Width: 352}}, Batches: []int{1, 4}}
	if d := cmp.Diff(want, p); d != "" {
		t.Errorf("plan (-want +got):\n%s", d)
	}
	if opt.Count != 3 || opt.Seed != 7 || opt.Benchtime != (runner.Amount{Iterations: 50}) || opt.Warmup != (runner.Amount{Duration: 2 * time.Second}) {
		t.Errorf("options: count %d, seed %d, benchtime %v, warmup %v", opt.Count, opt.Seed, opt.Benchtime, opt.Warmup)
	}

	var def Bench
	parse(t, def.Register)
	if p, _, err := def.Plan(); err != nil || !cmp.Equal(p.Models, []string{"yolov8n"}) {
		t.Errorf("default plan %v (%v), want yolov8n", p.Models, err)
	}
}

func TestBenchPlanErrors(t *testing.T) {
	tests := []struct {
		args []string
		flag string
	}{
		{[]string{"--imgsz", "641"}, "--imgsz"},
		{[]string{"--batch", "0"}, "--batch"},
		{[]string{"--ep", "rocm"}, "--ep"},
		{[]string{"--warmup", "soon"}, "--warmup"},
		{[]string{"--benchtime", "0x"}, "--benchtime"},
		{[]string{"--count", "0"}, "--count"},
		{[]string{"--threads", "-1"}, "--threads"},
		{[]string{"--quiet", "--verbose"}, "--quiet"},
		{[]string{"--device", "x"}, "--device"},
		{[]string{"--ep-options", "novalue"}, "ep-options"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var b Bench
			parse(t, b.Register, tt.args...)
			_, _, err := b.Plan()
			wantUsage(t, err, tt.flag)
		})
	}
}

// TestCasePlan checks that a config case's settings replace the plan's,
// that a provider or precision given on the command line wins, and that
// a bad case value is refused where it is written.
func TestCasePlan(t *testing.T) {
	if _, err := config.Parse("c.yml", []byte("cases:\n  - model: yolov8s\n    imgsz: 33\n")); err == nil || !strings.Contains(err.Error(), "c.yml:3:12: imgsz") {
		t.Errorf("imgsz 33 in a case: %v, want an error at c.yml:3:12", err)
	}
	cfg, err := config.Parse("c.yml", []byte("cases:\n  - model: yolo11n\n    imgsz: 320\n    batch: 2\n    ep: cpu\n    precision: fp16\n"))
	if err != nil {
		t.Fatal(err)
	}
	base := runner.Plan{Models: []string{"yolov8n"}, Provider: "auto", Precision: "fp32"}
	env := Env{Config: cfg}
	p, err := casePlan(env, base, &cfg.Cases[0])
	if err != nil {
		t.Fatal(err)
	}
	want := runner.Plan{Models: []string{"yolo11n"}, Provider: "cpu", Precision: "fp16", Sizes: []runner.Size{{Height: 320, Width: 320}}, Batches: []int{2}}
	if d := cmp.Diff(want, p); d != "" {
		t.Errorf("case plan (-want +got):\n%s", d)
	}
	env.OnCommandLine = func(name string) bool { return name == "ep" || name == "precision" }
	if p, _ := casePlan(env, base, &cfg.Cases[0]); p.Provider != "auto" || p.Precision != "fp32" {
		t.Errorf("provider %q, precision %q; want the command line's auto and fp32", p.Provider, p.Precision)
	}
}

func TestWorkloadBuild(t *testing.T) {
	tests := []struct {
		args []string
		flag string // "" for no error
	}{
		{nil, ""},
		{[]string{"--streams", "4", "--sessions", "per-stream"}, ""},
		{[]string{"--streams", "0"}, "--streams"},
		{[]string{"--sessions", "some"}, "--sessions"},
		{[]string{"--conf", "1"}, "--conf"},
		{[]string{"--iou", "0"}, "--iou"},
		{[]string{"--input", "x"}, "--input"},
		{[]string{"--mode", "e2e"}, "--input"},
		{[]string{"--mode", "train"}, "--mode"},
		{[]string{"--mode", "e2e", "--input", "/nonexistent"}, "/nonexistent"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var wf Workload
			parse(t, func(fs *flag.FlagSet) { wf.Register(fs, true) }, tt.args...)
			w, err := wf.Build(Env{})
			if tt.flag == "" {
				if err != nil || w.Streams < 1 {
					t.Errorf("workload %+v, error %v", w, err)
				}
				return
			}
			wantUsage(t, err, tt.flag)
		})
	}
	// Without --streams the stream count is one.
	var wf Workload
	parse(t, func(fs *flag.FlagSet) { wf.Register(fs, false) })
	if w, err := wf.Build(Env{}); err != nil || w.Streams != 1 {
		t.Errorf("streams %d (%v), want 1", w.Streams, err)
	}
}

func TestStatsOptions(t *testing.T) {
	var s Stats
	parse(t, s.Register, "--threshold", "7.5%", "--alpha", "0.01", "--metrics", "fps, p99_ms", "--fail-on-inconclusive", "--map-threshold", "0")
	opt, err := s.Options()
	if err != nil {
		t.Fatal(err)
	}
	if opt.Threshold != 0.075 || opt.Alpha != 0.01 || !opt.FailOnInconclusive || !cmp.Equal(opt.Metrics, []compare.Metric{compare.FPS, compare.P99MS}) || !(opt.Accuracy.MAPDrop > 0) {
		t.Errorf("options %+v", opt)
	}
	for _, tt := range []struct {
		args []string
		flag string
	}{
		{[]string{"--threshold", "-1%"}, "--threshold"},
		{[]string{"--alpha", "0"}, "--alpha"},
		{[]string{"--alpha", "1.5"}, "--alpha"},
		{[]string{"--metrics", " , "}, "--metrics"},
		{[]string{"--metrics", "fps,map"}, "--metrics"},
		{[]string{"--format", "html"}, "--format"},
		{[]string{"--min-recall", "0"}, "--min-recall"},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var s Stats
			parse(t, s.Register, tt.args...)
			_, err := s.Options()
			wantUsage(t, err, tt.flag)
		})
	}
}

func TestCheckOutPath(t *testing.T) {
	dir := t.TempDir()
	if err := CheckOutPath("--out", filepath.Join(dir, "r.json")); err != nil {
		t.Error(err)
	}
	if err := CheckOutPath("--out", ""); err != nil {
		t.Error(err)
	}
	wantUsage(t, CheckOutPath("--out", filepath.Join(dir, "no", "r.json")), "--out")
	wantUsage(t, CheckOutPath("--html", dir), "--html")
}

// writeResults writes the results of one fake case measured at fps, with
// the status given.
func writeResults(t *testing.T, path string, status string, fps float64) {
	t.Helper()
	r := &workflowtest.Runner{FPS: func(string, int, int) float64 { return fps }}
	f, err := r.Run(context.Background(), []runner.Spec{workflowtest.Spec("yolov8n", 640)}, runner.Options{Count: 6}, runner.Workload{})
	if err != nil {
		t.Fatal(err)
	}
	if f.Status = status; status != results.StatusComplete {
		f.StatusReason = "stopped"
	}
	if err := results.Write(path, f); err != nil {
		t.Fatal(err)
	}
}

func TestComparison(t *testing.T) {
	dir := t.TempDir()
	old, cur, bad := filepath.Join(dir, "old.json"), filepath.Join(dir, "new.json"), filepath.Join(dir, "bad.json")
	writeResults(t, old, results.StatusComplete, 100)
	writeResults(t, cur, results.StatusComplete, 80)
	writeResults(t, bad, results.StatusIncomplete, 80)
	rep, err := Comparison{Files: []string{old, cur}}.Compare(Env{}, compare.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != compare.Regression {
		t.Errorf("verdict %s, want regression", rep.Verdict)
	}
	// Two files named on the command line: the config file's baseline
	// does not count.
	if _, err := (Comparison{Baseline: "from-config.yaml", Files: []string{old, cur}}).Compare(Env{}, compare.DefaultOptions()); err != nil {
		t.Errorf("config baseline beside two files: %v", err)
	}
	for _, tt := range []struct {
		name  string
		c     Comparison
		where string
	}{
		{"incomplete results", Comparison{Files: []string{old, bad}}, bad},
		{"baseline without results", Comparison{Baseline: "b.yaml"}, "--results"},
		{"results without baseline", Comparison{Results: cur}, "--baseline"},
		{"one file", Comparison{Files: []string{old}}, "compare"},
		{"baseline beside files", Comparison{Baseline: "b.yaml", Files: []string{old, cur}}, "compare"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := Env{OnCommandLine: func(name string) bool { return name == "baseline" }}
			_, err := tt.c.Compare(env, compare.DefaultOptions())
			wantUsage(t, err, tt.where)
		})
	}
}

func TestPairBase(t *testing.T) {
	plan := runner.Plan{Models: []string{"head-a", "head-b"}, Batches: []int{1, 2}}
	resolve := func(p runner.Plan) ([]runner.Spec, error) {
		var out []runner.Spec
		for _, b := range p.Batches {
			out = append(out, runner.Spec{Model: &runner.Model{Name: p.Models[0]}, Batch: b})
		}
		return out, nil
	}
	heads, bases, err := PairBase(plan, []string{"base-a", NoBase}, resolve)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i, h := range heads {
		b := "-"
		if bases[i] != nil {
			b = bases[i].Model.Name
		}
		got = append(got, h.Model.Name+"/"+b)
	}
	if want := []string{"head-a/base-a", "head-a/base-a", "head-b/-", "head-b/-"}; !cmp.Equal(got, want) {
		t.Errorf("pairs %v, want %v", got, want)
	}
	_, _, err = PairBase(plan, []string{"base-a"}, resolve)
	wantUsage(t, err, "--base-model")
}

func TestGatePolicy(t *testing.T) {
	dir := t.TempDir()
	notONNX := filepath.Join(dir, "base.onnx")
	if err := os.WriteFile(notONNX, []byte("not a model"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		flag string
	}{
		{[]string{"--baseline", "b.yaml"}, ""},
		{[]string{"--base-model", "yolov8n"}, ""},
		{nil, "--baseline"},
		{[]string{"--baseline", "b.yaml", "--comment", "sometimes"}, "comment"},
		{[]string{"--base-model", "yolov8n", "--results", "r.json"}, "--base-model"},
		{[]string{"--base-model", "yolov8n", "--max-count", "0"}, "--max-count"},
		{[]string{"--base-model", "yolov8n", "--budget", "-1m"}, "--budget"},
		{[]string{"--base-model", notONNX}, notONNX},
		{[]string{"--baseline", "b.yaml", "--html", filepath.Join(dir, "no", "r.html")}, "--html"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var g Gate
			parse(t, g.Register, tt.args...)
			_, err := g.Policy()
			if tt.flag == "" {
				if err != nil {
					t.Error(err)
				}
				return
			}
			wantUsage(t, err, tt.flag)
		})
	}
}

func TestCapacityAndSweepPlans(t *testing.T) {
	var b Bench
	var c Capacity
	parse(t, func(fs *flag.FlagSet) { b.Register(fs); c.Register(fs) }, "--target-fps", "15", "--max-p99", "66ms")
	if _, err := c.Target(); err != nil {
		t.Fatal(err)
	}
	var said strings.Builder
	_, opt, err := c.Plan(Env{Stderr: &said}, &b)
	if err != nil {
		t.Fatal(err)
	}
	// Three repeats pool the iterations a p99 needs.
	if opt.Count != 3 || opt.Benchtime.Iterations*3 < results.MinIterationsP99 || !strings.Contains(said.String(), "--max-p99 needs") {
		t.Errorf("count %d, benchtime %v, said %q", opt.Count, opt.Benchtime, said.String())
	}
	// --count given (on the command line or in the config) stays.
	given := Env{Given: func(name string) bool { return name == "count" }}
	if _, opt, _ := SweepPlan(given, &b); opt.Count != b.Count || len(opt.Benchtime.String()) == 0 {
		t.Errorf("sweep count %d, want the given %d", opt.Count, b.Count)
	}
	p, _, err := SweepPlan(Env{}, &b)
	if err != nil || len(p.Batches) != 4 || len(p.Sizes) != 3 {
		t.Errorf("sweep grid %v x %v (%v), want 4 batches x 3 sizes", p.Batches, p.Sizes, err)
	}
	for _, args := range [][]string{{}, {"--target-fps", "-1"}, {"--target-fps", "15", "--max-streams", "0"}, {"--target-fps", "15", "--max-p99", "-1s"}} {
		var c Capacity
		parse(t, c.Register, args...)
		if _, err := c.Target(); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
	var two Bench
	parse(t, two.Register, "--model", "yolov8n,yolov8s")
	_, _, err = c.Plan(Env{}, &two)
	wantUsage(t, err, "capacity measures one case")
}

// TestABInputBeforeRuntime checks what an A/B refuses before ONNX Runtime
// loads: a missing side, a side's bad flags, sides on another protocol.
func TestABInputBeforeRuntime(t *testing.T) {
	tests := []struct {
		a, b string
		flag string
	}{
		{"yolov8n", "", "--b"},
		{"", "yolov8n", "--a"},
		{"--imgsz 641", "yolov8n", "--a"},
		{"yolov8n", "--nosuch 1", "--b"},
		{"yolov8n", "--model yolov8n --count 3", "--b"},
	}
	for _, tt := range tests {
		t.Run(tt.a+" | "+tt.b, func(t *testing.T) {
			var b Bench
			s := AB{A: tt.a, B: tt.b}
			fs := parse(t, b.Register)
			_, done, err := s.Input(Env{Stderr: &strings.Builder{}}, fs)
			if done != nil {
				done()
			}
			wantUsage(t, err, tt.flag)
		})
	}
}

func TestDetectCheck(t *testing.T) {
	for _, tt := range []struct {
		args   []string
		images []string
		flag   string
	}{
		{nil, []string{"a.jpg"}, "--model"},
		{[]string{"--model", "yolov8n"}, nil, "detect"},
		{[]string{"--model", "yolov8n", "--conf", "0"}, []string{"a.jpg"}, "--conf"},
		{[]string{"--model", "yolov8n", "--max-det", "0"}, []string{"a.jpg"}, "--max-det"},
		{[]string{"--model", "yolov8n", "--format", "xml"}, []string{"a.jpg"}, "--format"},
		{[]string{"--model", "yolov8n", "--threads", "-2"}, []string{"a.jpg"}, "--threads"},
	} {
		var d Detect
		parse(t, d.Register, tt.args...)
		wantUsage(t, d.check(tt.images), tt.flag)
	}
}
