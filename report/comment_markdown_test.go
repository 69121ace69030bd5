package report

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/yologate/yologate/baselines"
	"github.com/yologate/yologate/compare"
	"github.com/yologate/yologate/internal/golden"
	"github.com/yologate/yologate/runner/results"
)

// jitter is a fixed ±1.5% pattern, so golden files are stable.
var jitter = []float64{0.000, 0.012, -0.008, 0.004, -0.015, 0.009, -0.003, 0.015, -0.011, 0.006}

func fpsSamples(center float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = center * (1 + jitter[i%len(jitter)])
	}
	return out
}

func meas(profile, model string, fps float64, n int) compare.Measurement {
	lat := make([]float64, n)
	for i, f := range fpsSamples(fps, n) {
		lat[i] = 1000 / f
	}
	return compare.Measurement{
		Profile: profile,
		CaseID:  fmt.Sprintf("model=%s/imgsz=640/batch=1/ep=tensorrt/precision=fp16", model),
		Model:   baselines.Model{Name: model, SHA256: strings.Repeat("ab", 32)},
		Samples: map[compare.Metric][]float64{compare.FPS: fpsSamples(fps, n), compare.P50MS: lat},
		Env:     baselines.Environment{GPUModel: strings.TrimPrefix(profile, "gpu="), Driver: "550.54.15", ORTVersion: "1.30.0", Provider: "tensorrt", Precision: "fp16"},
	}
}

const a10 = "gpu=NVIDIA A10"

// gateArgs are the arguments of the gate in the example workflow.
var gateArgs = []string{"--model", "yolov8n,yolov8s,yolo11n", "--ep", "tensorrt", "--precision", "fp16",
	"--baseline", "baselines/gpu.yaml", "--out", "results.json", "--report", "gate.json", "--matrix", `{"gpu":"a10"}`}

func commentInput(old, cur []compare.Measurement) CommentInput {
	r := compare.Compare(old, cur, compare.DefaultOptions())
	return CommentInput{Report: r, Key: "perf/gate/gpu=a10", RunURL: "https://github.com/acme/detector/actions/runs/42", Args: gateArgs}
}

func TestCommentGolden(t *testing.T) {
	base := []compare.Measurement{meas(a10, "yolov8n", 410, 10), meas(a10, "yolov8s", 220, 10), meas(a10, "yolo11n", 380, 10)}
	same := []compare.Measurement{meas(a10, "yolov8n", 411, 10), meas(a10, "yolov8s", 219, 10), meas(a10, "yolo11n", 381, 10)}

	regressed := append([]compare.Measurement(nil), same...)
	regressed[1] = meas(a10, "yolov8s", 190, 10) // −13.6%
	// What the GPU did: its clock fell at the power limit.
	base[1].GPU = &baselines.GPUState{GPUUtilPct: 97, SMClockMHz: 1695, MemClockMHz: 6251, PowerW: 141, PowerLimitW: 150, TempC: 71, HostCPUPct: 100}
	regressed[1].GPU = &baselines.GPUState{GPUUtilPct: 98, SMClockMHz: 1395, MemClockMHz: 6251, PowerW: 149, PowerLimitW: 150, TempC: 76, HostCPUPct: 100}

	inconclusive := append([]compare.Measurement(nil), same...)
	inconclusive[0].Env.Driver = "555.42.02"
	inconclusive[2] = meas(a10, "yolo11n", 381, 2) // too few repeats to ever be significant

	newCases := append(append([]compare.Measurement(nil), same...), meas(a10, "yolov8m", 120, 10), meas("gpu=NVIDIA L4", "yolov8n", 300, 10))

	// A baseline case with a threshold of 200% lets a −56% change pass:
	// the comment says that the case's own threshold decided it.
	lax := append([]compare.Measurement(nil), base...)
	twice := 2.0
	lax[1].Threshold = &twice
	halved := append([]compare.Measurement(nil), same...)
	halved[1] = meas(a10, "yolov8s", 97, 10)

	var many, manyBase []compare.Measurement
	var files []string
	for i := 0; i < 40; i++ {
		model := fmt.Sprintf("custom-detector-%02d", i)
		files = append(files, "models/"+model+".onnx")
		b := meas(a10, model, 100+float64(i), 60)
		b.Samples[compare.FPS] = fpsSamples(100+float64(i), 60)
		manyBase = append(manyBase, b)
		c := meas(a10, model, 100+float64(i), 60)
		if i == 7 {
			c = meas(a10, model, 80, 60)
		}
		many = append(many, c)
	}

	// A runner whose profile the baseline lacks, and a model replaced by
	// its fp32 build at the same path: nothing is compared.
	l4 := []compare.Measurement{meas("gpu=NVIDIA L4", "yolov8n", 300, 10), meas("gpu=NVIDIA L4", "yolov8s", 160, 10)}
	replaced := append([]compare.Measurement(nil), same...)
	replaced[1].CaseID = strings.Replace(replaced[1].CaseID, "precision=fp16", "precision=fp32", 1)

	manyArgs := []string{"--model", strings.Join(files, ","), "--ep", "tensorrt", "--precision", "fp16", "--count", "60", "--baseline", "baselines/detectors.yaml"}

	tests := []struct {
		name     string
		old, cur []compare.Measurement
		args     []string
		require  bool // --require-baseline
	}{
		{"comment_pass.md", base, same, gateArgs, false},
		{"comment_regression.md", base, regressed, gateArgs, false},
		{"comment_inconclusive.md", base, inconclusive, gateArgs, false},
		{"comment_new_cases.md", base, newCases, gateArgs, false},
		{"comment_case_threshold.md", lax, halved, gateArgs, false},
		{"comment_40_cases.md", manyBase, many, manyArgs, false},
		{"comment_checks_nothing.md", base, l4, gateArgs, false},
		{"comment_require_baseline.md", base, l4, gateArgs, true},
		{"comment_model_replaced.md", base, replaced, gateArgs, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := commentInput(tt.old, tt.cur)
			if tt.require {
				opt := compare.DefaultOptions()
				opt.RequireBaseline = true
				in.Report = compare.Compare(tt.old, tt.cur, opt)
			}
			in.Args = tt.args
			got := CommentMarkdown(in)
			if n := utf8.RuneCountInString(got); n > MaxCommentChars {
				t.Errorf("%d characters, over %d", n, MaxCommentChars)
			}
			checkTables(t, got)
			golden.Check(t, tt.name, got)
		})
	}
}

func TestCommentSizeLimit(t *testing.T) {
	// 40 cases with 60 repeats do not fit in full: unchanged cases are
	// counted instead of listed, and the regression stays.
	var old, cur []compare.Measurement
	for i := 0; i < 40; i++ {
		m := meas(a10, fmt.Sprintf("m%02d", i), 100+float64(i), 60)
		old = append(old, m)
		if i == 3 {
			m = meas(a10, "m03", 70, 60)
		}
		cur = append(cur, m)
	}
	in := commentInput(old, cur)
	if n := utf8.RuneCountInString(renderComment(in, full)); n <= MaxCommentChars {
		t.Fatalf("the full rendering is %d characters: the test no longer exercises the limit", n)
	}
	got := CommentMarkdown(in)
	if !strings.Contains(got, "39 unchanged cases not listed") || !strings.Contains(got, "model=m03/") {
		t.Errorf("summary lacks the count or the regression:\n%s", got[:min(len(got), 2000)])
	}

	// Thousands of cases: even the bare table is too long, so it is cut
	// at a line with a note, code blocks and details closed.
	old, cur = nil, nil
	for i := 0; i < 3000; i++ {
		m := meas(a10, fmt.Sprintf("model-with-a-long-name-%04d", i), 100, 10)
		old = append(old, m)
		cur = append(cur, meas(a10, fmt.Sprintf("model-with-a-long-name-%04d", i), 50, 10))
	}
	got = CommentMarkdown(commentInput(old, cur))
	if n := utf8.RuneCountInString(got); n > MaxCommentChars {
		t.Errorf("%d characters, over %d", n, MaxCommentChars)
	}
	if !strings.HasSuffix(got, "(truncated to fit GitHub's comment limit: the step summary and the JSON report have everything)\n") {
		t.Errorf("no truncation note at the end: %q", got[len(got)-200:])
	}
	if strings.Count(got, "```")%2 != 0 {
		t.Errorf("an open code block")
	}
	checkTables(t, got)
}

// checkTables fails if a table row has another number of cells than its
// header: an unescaped pipe would do that.
func checkTables(t *testing.T, md string) {
	t.Helper()
	cols := -1
	for _, line := range strings.Split(md, "\n") {
		if !strings.HasPrefix(line, "|") {
			cols = -1
			continue
		}
		n := strings.Count(strings.ReplaceAll(line, `\|`, ""), "|")
		if cols < 0 {
			cols = n
		} else if n != cols {
			t.Errorf("row with %d pipes under a header with %d: %q", n, cols, line)
		}
	}
}

func TestCommentEscapesUntrustedText(t *testing.T) {
	evil := "yolo|@octocat <img src=x onerror=alert(1)> [click](https://evil.example) #12 **bold** `code` www.evil.example"
	old := []compare.Measurement{meas("gpu=A10 | <b>fake</b>", evil, 100, 10)}
	cur := []compare.Measurement{meas("gpu=A10 | <b>fake</b>", evil, 80, 10)}
	cur[0].Env.Driver = "1.0 @admin <script>"
	cur[0].Marks = []string{"foreign process: pid 7 <iframe> @root"}
	in := commentInput(old, cur)
	in.RunURL = "javascript:alert(1)"
	cur2 := cur[0]
	cur2.CaseID = "model=x`\n| injected | row |\n```"
	in2 := commentInput([]compare.Measurement{cur2}, []compare.Measurement{cur2})
	// Inside code GitHub renders no HTML, links or mentions, so only the
	// text outside code spans and fenced blocks must be clean.
	fence := regexp.MustCompile("(?s)\n```[a-z]*\n.*?\n```\n")
	codeSpan := regexp.MustCompile("`[^`\n]*`")
	for _, out := range []string{CommentMarkdown(in), CommentMarkdown(in2)} {
		md := codeSpan.ReplaceAllString(fence.ReplaceAllString(out, "\nBLOCK\n"), "CODE")
		for _, bad := range []string{"<img", "<b>", "<script", "<iframe", "@octocat", "@admin", "@root", "](https://evil", "javascript:", "**bold**", "#12", "\n| injected"} {
			if strings.Contains(md, bad) {
				t.Errorf("output contains %q:\n%s", bad, md)
			}
		}
		checkTables(t, out)
		if strings.Count(out, "```")%2 != 0 {
			t.Errorf("unbalanced code fences:\n%s", out)
		}
	}
}

func TestHeadline(t *testing.T) {
	base := []compare.Measurement{meas(a10, "yolov8n", 410, 10), meas(a10, "yolov8s", 220, 10)}
	tests := []struct {
		cur  []compare.Measurement
		want string
	}{
		{[]compare.Measurement{meas(a10, "yolov8n", 410, 10), meas(a10, "yolov8s", 220, 10)},
			"✅ yologate: no significant change in 2 cases"},
		{[]compare.Measurement{meas(a10, "yolov8n", 300, 10), meas(a10, "yolov8s", 220, 10)},
			"❌ yologate: regression: model=yolov8n/imgsz=640/batch=1/ep=tensorrt/precision=fp16 fps −26.8% (1 of 2 cases)"},
		{[]compare.Measurement{meas(a10, "yolov8n", 500, 10), meas(a10, "yolov8s", 220, 10)},
			"🚀 yologate: faster in 1 of 2 cases, nothing slower"},
		{nil, "⚠️ yologate: no cases were compared"},
	}
	for _, tt := range tests {
		if got := Headline(compare.Compare(base, tt.cur, compare.DefaultOptions())); tt.cur != nil && got != tt.want {
			t.Errorf("Headline = %q, want %q", got, tt.want)
		}
	}
	if got := Headline(&compare.Report{}); got != tests[3].want {
		t.Errorf("empty: %q", got)
	}
}

func TestMatrixGolden(t *testing.T) {
	run := func(gpu string, fps map[string]float64) *results.File {
		f := &results.File{Schema: results.Schema, Status: results.StatusComplete}
		for _, model := range []string{"yolov8n", "yolov8s", "yolo11n"} {
			v, ok := fps[model]
			if !ok {
				continue
			}
			c := results.Case{ID: "model=" + model + "/imgsz=640/batch=1/ep=tensorrt/precision=fp16", Profile: "gpu=" + gpu, Model: results.Model{Name: model}}
			for _, x := range fpsSamples(v, 5) {
				c.Repeats = append(c.Repeats, results.Repeat{FPS: x})
			}
			f.Cases = append(f.Cases, c)
		}
		return f
	}
	a := run("NVIDIA A10", map[string]float64{"yolov8n": 412, "yolov8s": 230, "yolo11n": 395})
	l4 := run("NVIDIA L4", map[string]float64{"yolov8n": 300, "yolov8s": 140})
	t4 := run("Tesla T4", map[string]float64{"yolov8n": 180, "yolov8s": 95, "yolo11n": 170})

	old := compare.FromResults(a)
	cur := compare.FromResults(a)
	r := compare.Compare(old, cur, compare.DefaultOptions())
	gA := NewGateReport("perf/gate/gpu=a10", "https://github.com/acme/detector/actions/runs/1", a, r)
	gL4 := &GateReport{Schema: GateSchema, Cases: EntriesFromResults(l4)}
	regressed := run("Tesla T4", map[string]float64{"yolov8n": 140, "yolov8s": 95, "yolo11n": 170})
	rT4 := compare.Compare(compare.FromResults(t4), compare.FromResults(regressed), compare.DefaultOptions())
	gT4 := NewGateReport("perf/gate/gpu=t4", "", regressed, rT4)

	in := MatrixInput{Gates: []*GateReport{gA, gL4, gT4}, TargetFPS: 150}
	got := MatrixMarkdown(in)
	checkTables(t, got)
	golden.Check(t, "comment_matrix.md", got)
	if !MatrixFails(in) {
		t.Errorf("a regressed runner and cases below target must fail the matrix")
	}
	in.TargetFPS = 0
	in.Gates = []*GateReport{gA, gL4}
	if MatrixFails(in) {
		t.Errorf("passing runners without a target failed")
	}
}

func TestPlainHeadline(t *testing.T) {
	old := []compare.Measurement{meas(a10, "yolo_v8*n", 400, 10)}
	cur := []compare.Measurement{meas(a10, "yolo_v8*n", 300, 10)}
	r := compare.Compare(old, cur, compare.DefaultOptions())
	if got, want := PlainHeadline(r), "❌ yologate: regression: model=yolo_v8*n/imgsz=640/batch=1/ep=tensorrt/precision=fp16 fps −25.0% (1 of 1 case)"; got != want {
		t.Errorf("PlainHeadline = %q, want %q", got, want)
	}
	if got := Headline(r); !strings.Contains(got, `model=yolo\_v8\*n/`) {
		t.Errorf("Headline does not escape markdown: %q", got)
	}
}

func TestAcceptCommand(t *testing.T) {
	for _, tc := range []struct {
		args []string
		base string
		want string
	}{
		{[]string{"--baseline", "baselines/", "--model", "yolov8n"}, "", "yologate baseline update --baseline baselines/ --results yologate-results.json --reason WHY"},
		{[]string{"--baseline=b.yaml", "--out", "out dir/r.json"}, "", "yologate baseline update --baseline b.yaml --results 'out dir/r.json' --reason WHY"},
		{[]string{"--results", "head.json"}, "perf/base.yaml", "yologate baseline update --baseline perf/base.yaml --results head.json --reason WHY"},
		{nil, "", "yologate baseline update --baseline BASELINE --results yologate-results.json --reason WHY"},
	} {
		if got := AcceptCommand(tc.args, tc.base); got != tc.want {
			t.Errorf("AcceptCommand(%q, %q) = %q, want %q", tc.args, tc.base, got, tc.want)
		}
	}
}
