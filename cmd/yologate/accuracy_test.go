package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/yologate/yologate/compare"
	"github.com/yologate/yologate/runner/onnxmodel"
	"github.com/yologate/yologate/runner/ort"
	"github.com/yologate/yologate/runner/results"
)

// accMain runs the command outside GitHub Actions whatever the test's
// environment: only the ONNX Runtime library is passed through.
func accMain(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := func(k string) string {
		if k == ort.LibraryEnv {
			return os.Getenv(k)
		}
		return ""
	}
	c := &Command{Stdout: &out, Stderr: &errb, Getenv: env, Ctx: context.Background()}
	code = c.Main(args)
	return code, out.String(), errb.String()
}

// scaledScores returns model with its class scores multiplied by factor:
// output0 [1, 4+nc, anchors] now comes from a Mul by a [1, 4+nc, 1]
// constant that is 1 for the four box rows and factor for the class rows.
// Boxes and the graph's cost stay as they were; the detections vanish
// below the score threshold, as with a broken quantization.
func scaledScores(t *testing.T, model string, factor float32) []byte {
	t.Helper()
	data, err := os.ReadFile(model)
	if err != nil {
		t.Fatal(err)
	}
	m, err := onnxmodel.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	g := m.Graph
	out := g.Output[0].Name
	rows := int(g.Output[0].Type.Shape[1].Value)
	found := false
	for _, n := range g.Node {
		for i, o := range n.Output {
			if o == out {
				n.Output[i], found = out+"_unscaled", true
			}
		}
	}
	if !found || rows < 5 {
		t.Fatalf("no producer of %s with [1, 4+nc, anchors] in %s", out, model)
	}
	raw := make([]byte, 4*rows)
	for i := 0; i < rows; i++ {
		f := float32(1)
		if i >= 4 {
			f = factor
		}
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(f))
	}
	g.Initializer = append(g.Initializer, &onnxmodel.Tensor{Name: "score_scale", Dims: []int64{1, int64(rows), 1},
		DataType: onnxmodel.Float, RawData: raw})
	g.Node = append(g.Node, &onnxmodel.Node{Name: "scale_scores", OpType: "Mul", Input: []string{out + "_unscaled", "score_scale"}, Output: []string{out}})
	return onnxmodel.Encode(m)
}

// TestAccuracyGuard: a model that keeps its speed but lost its class
// scores fails the gate with an accuracy regression; the same model as the
// baseline passes. Driven through run → baseline update → gate/compare.
func TestAccuracyGuard(t *testing.T) {
	model, bus := needRealModel(t)
	dir := t.TempDir()
	broken := filepath.Join(dir, "variant", filepath.Base(model)) // same case id as the baseline's
	if err := os.Mkdir(filepath.Dir(broken), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(broken, scaledScores(t, model, 0.1), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(model, out string) {
		t.Helper()
		code, _, stderr := accMain(t, "run", "--model", model, "--ep", "cpu", "--threads", "1", "--warmup", "0",
			"--benchtime", "1x", "--count", "3", "--quiet", "--check-images", bus, "--out", out)
		if code != 0 {
			t.Fatalf("run %s: exit %d: %s", model, code, stderr)
		}
	}
	base, same, bad := filepath.Join(dir, "base.json"), filepath.Join(dir, "same.json"), filepath.Join(dir, "bad.json")
	run(model, base)
	run(model, same)
	run(broken, bad)
	yaml := filepath.Join(dir, "baseline.yaml")
	if code, _, stderr := accMain(t, "baseline", "update", "--baseline", yaml, "--results", base, "--force"); code != 0 {
		t.Fatalf("baseline update: exit %d: %s", code, stderr)
	}
	f, err := results.Read(bad)
	if err != nil {
		t.Fatal(err)
	}
	if a := f.Cases[0].Accuracy; a == nil || len(a.Images) != 1 || len(a.Images[0].Detections) != 0 {
		t.Fatalf("variant's accuracy = %+v, want one image without detections", a)
	}

	t.Run("unchanged model passes", func(t *testing.T) {
		comment := filepath.Join(dir, "same.md")
		code, stdout, stderr := accMain(t, "gate", "--baseline", yaml, "--results", same, "--comment-file", comment)
		if code != 0 {
			t.Fatalf("gate: exit %d, want 0\n%s\n%s", code, stdout, stderr)
		}
		rep := compareJSON(t, yaml, same, 0)
		a := rep.Cases[0].Accuracy
		if a == nil || a.Verdict != compare.Unchanged || a.Scores[compare.ScoreRecall] != 1 || a.Scores[compare.ScorePrecision] != 1 {
			t.Errorf("accuracy = %+v, want unchanged with recall and precision 1", a)
		}
	})
	t.Run("faster but broken fails", func(t *testing.T) {
		comment := filepath.Join(dir, "bad.md")
		code, stdout, stderr := accMain(t, "gate", "--baseline", yaml, "--results", bad, "--comment-file", comment)
		if code != 1 {
			t.Fatalf("gate: exit %d, want 1\n%s\n%s", code, stdout, stderr)
		}
		msg := regexp.MustCompile(`found 0 of [1-9][0-9]* baseline detections \(recall 0\.00 (<|&lt;) 0\.90\)`)
		for name, text := range map[string]string{"stdout": stdout, "stderr": stderr, "comment": readFile(t, comment)} {
			if !strings.Contains(text, "accuracy-regression") || !msg.MatchString(text) {
				t.Errorf("%s does not name the accuracy regression (%s):\n%s", name, msg, text)
			}
		}
		rep := compareJSON(t, yaml, bad, 1)
		c := rep.Cases[0]
		if c.Verdict != compare.AccuracyRegression || !rep.Fail {
			t.Errorf("verdict %s (fail %v), want accuracy-regression and failing", c.Verdict, rep.Fail)
		}
		for _, m := range c.Metrics {
			if m.Verdict == compare.Regression {
				t.Errorf("%s verdict is a speed regression: only the accuracy should fail", m.Metric)
			}
		}
	})
	t.Run("a stricter check threshold is a change of settings", func(t *testing.T) {
		strict := filepath.Join(dir, "strict.json")
		code, _, stderr := accMain(t, "run", "--model", model, "--ep", "cpu", "--threads", "1", "--warmup", "0",
			"--benchtime", "1x", "--count", "3", "--quiet", "--check-images", bus, "--check-conf", "0.8", "--out", strict)
		if code != 0 {
			t.Fatalf("run: exit %d: %s", code, stderr)
		}
		code, stdout, stderr := accMain(t, "gate", "--baseline", yaml, "--results", strict, "--comment", "never")
		if code != 0 || strings.Contains(stdout, "accuracy-regression") || !strings.Contains(stdout, "check-conf 0.25 → 0.8") {
			t.Errorf("gate: exit %d, want 0 naming the changed setting, not an accuracy regression\n%s\n%s", code, stdout, stderr)
		}
		a := compareJSON(t, yaml, strict, 0).Cases[0].Accuracy
		if a == nil || a.Verdict != compare.Inconclusive || len(a.SettingsDiff) != 1 || a.SettingsDiff[0].Field != "check-conf" {
			t.Errorf("accuracy = %+v, want inconclusive with check-conf changed", a)
		}
	})
	t.Run("gate measuring itself", func(t *testing.T) {
		code, stdout, stderr := accMain(t, "gate", "--baseline", yaml, "--model", broken, "--ep", "cpu", "--threads", "1", "--warmup", "0",
			"--benchtime", "1x", "--count", "2", "--quiet", "--check-images", bus, "--comment", "never")
		if code != 1 || !strings.Contains(stdout, "accuracy: found 0 of") {
			t.Errorf("gate: exit %d, want 1 with an accuracy regression\n%s\n%s", code, stdout, stderr)
		}
	})
	t.Run("ab compares B's detections with A's", func(t *testing.T) {
		code, stdout, stderr := accMain(t, "ab", "--a", model, "--b", broken, "--ep", "cpu", "--threads", "1", "--warmup", "0",
			"--benchtime", "1x", "--count", "2", "--check-images", bus)
		if code != 1 || !strings.Contains(stdout, "accuracy-regression") || !strings.Contains(stdout, "baseline detections (recall 0.00 < 0.90)") {
			t.Errorf("ab: exit %d, want 1 with an accuracy regression\n%s\n%s", code, stdout, stderr)
		}
	})
	t.Run("with labels the mAP drop fails", func(t *testing.T) {
		set := labelSet(t, bus, map[string]string{"bus": labelsFrom(t, base)}, "bus.jpg")
		images := filepath.Join(set, "images")
		run := func(model, out string) {
			t.Helper()
			code, _, stderr := accMain(t, "run", "--model", model, "--ep", "cpu", "--threads", "1", "--warmup", "0",
				"--benchtime", "1x", "--count", "3", "--quiet", "--check-images", images, "--out", out)
			if code != 0 {
				t.Fatalf("run %s: exit %d: %s", model, code, stderr)
			}
		}
		good, worse := filepath.Join(set, "good.json"), filepath.Join(set, "worse.json")
		run(model, good)
		run(broken, worse)
		// The baseline's detections were recorded on the shared photo's
		// path: the images pair by file name.
		rep := compareJSON(t, yaml, good, 0)
		a := rep.Cases[0].Accuracy
		if a == nil || a.Verdict != compare.Unchanged || a.Scores[compare.ScoreMAP5095] < 0.99 || a.Scores[compare.ScoreBaseMAP5095] < 0.99 {
			t.Errorf("accuracy = %+v, want unchanged with mAP50-95 1 on both sides", a)
		}
		rep = compareJSON(t, yaml, worse, 1)
		a = rep.Cases[0].Accuracy
		if a == nil || a.Verdict != compare.AccuracyRegression || !strings.Contains(a.Reason, "mAP50-95 fell from 1.000 to 0.000") {
			t.Errorf("accuracy = %+v, want a regression naming the mAP drop", a)
		}
		code, stdout, stderr := accMain(t, "compare", "--baseline", yaml, "--results", worse, "--map-threshold", "1")
		if code != 0 {
			t.Errorf("--map-threshold 1 allows any drop, yet exit %d\n%s\n%s", code, stdout, stderr)
		}
	})
}

// labelsFrom writes the detections of a results file's first image as YOLO
// labels: a model scored against its own detections has mAP 1.
func labelsFrom(t *testing.T, res string) string {
	t.Helper()
	f, err := results.Read(res)
	if err != nil {
		t.Fatal(err)
	}
	im := f.Cases[0].Accuracy.Images[0]
	var b strings.Builder
	for _, d := range im.Detections {
		w, h := float64(im.Width), float64(im.Height)
		fmt.Fprintf(&b, "%d %.6f %.6f %.6f %.6f\n", d.Class, (d.X1+d.X2)/2/w, (d.Y1+d.Y2)/2/h, (d.X2-d.X1)/w, (d.Y2-d.Y1)/h)
	}
	return b.String()
}

// compareJSON runs compare --format json and decodes its report.
func compareJSON(t *testing.T, baseline, res string, wantCode int, extra ...string) *compare.Report {
	t.Helper()
	code, stdout, stderr := accMain(t, append([]string{"compare", "--baseline", baseline, "--results", res, "--format", "json"}, extra...)...)
	if code != wantCode {
		t.Fatalf("compare: exit %d, want %d\n%s\n%s", code, wantCode, stdout, stderr)
	}
	var rep compare.Report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("compare output is not a report: %v\n%s", err, stdout)
	}
	if len(rep.Cases) != 1 {
		t.Fatalf("%d cases, want 1", len(rep.Cases))
	}
	return &rep
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// labelSet lays out reference images the Ultralytics way in a temporary
// folder: images/NAME links to the shared photo, labels/STEM.txt holds the
// given label text (no file when the text is absent from labels).
func labelSet(t *testing.T, bus string, labels map[string]string, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, sub := range []string{"images", "labels"} {
		if err := os.Mkdir(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	abs, err := filepath.Abs(bus)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if err := os.Symlink(abs, filepath.Join(dir, "images", n)); err != nil {
			t.Fatal(err)
		}
	}
	for stem, text := range labels {
		if err := os.WriteFile(filepath.Join(dir, "labels", stem+".txt"), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestAccuracyBadInput: every bad reference input fails before any timing
// with one line naming the file (and line) and exit 2.
func TestAccuracyBadInput(t *testing.T) {
	model, bus := needRealModel(t)
	run := []string{"run", "--model", model, "--ep", "cpu", "--warmup", "0", "--benchtime", "1x", "--count", "1", "--quiet"}
	notImage := filepath.Join(t.TempDir(), "notes.jpg")
	if err := os.WriteFile(notImage, []byte("not a JPEG"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		labels map[string]string
		args   func(dir string) []string
		want   string
	}{
		{"wrong column count", map[string]string{"bus": "5 0.5 0.5 0.5\n"}, nil, "labels/bus.txt:1:1: want 5 columns, got 4"},
		{"coordinate outside the unit range", map[string]string{"bus": "5 0.5 0.5 0.5 0.5\n2 0.5 1.5 0.2 0.2\n"}, nil, "labels/bus.txt:2:7: cy \"1.5\" is not a number in [0,1]"},
		{"negative size", map[string]string{"bus": "5 0.5 0.5 -0.5 0.5\n"}, nil, "labels/bus.txt:1:11: w \"-0.5\""},
		{"class id beyond the model's names", map[string]string{"bus": "5 0.5 0.5 0.5 0.5\n80 0.5 0.5 0.1 0.1\n"}, nil, "labels/bus.txt:2:1: class id 80 is beyond the model's 80 classes"},
		{"class id not a number", map[string]string{"bus": "bus 0.5 0.5 0.5 0.5\n"}, nil, "labels/bus.txt:1:1: bad class id \"bus\""},
		{"--labels folder without label files", nil, func(dir string) []string {
			return []string{"--check-images", filepath.Join(dir, "images"), "--labels", filepath.Join(dir, "images")}
		}, "no label file for any of the 1 reference images"},
		{"--labels is not a folder", nil, func(dir string) []string {
			return []string{"--check-images", filepath.Join(dir, "images"), "--labels", filepath.Join(dir, "nowhere")}
		}, "--labels"},
		{"--labels without images", nil, func(dir string) []string { return []string{"--labels", filepath.Join(dir, "labels")} }, "labels without reference images"},
		{"missing image", nil, func(dir string) []string { return []string{"--check-images", filepath.Join(dir, "none.jpg")} }, "none.jpg: cannot read"},
		{"not an image", nil, func(string) []string { return []string{"--check-images", notImage} }, "notes.jpg"},
		{"folder without images", nil, func(dir string) []string { return []string{"--check-images", filepath.Join(dir, "labels")} }, "has no .jpg, .jpeg or .png file"},
		{"bad --check-conf", nil, func(dir string) []string {
			return []string{"--check-images", filepath.Join(dir, "images"), "--check-conf", "1.5"}
		}, "--check-conf"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := labelSet(t, bus, tt.labels, "bus.jpg")
			args := []string{"--check-images", filepath.Join(dir, "images")}
			if tt.args != nil {
				args = tt.args(dir)
			}
			code, _, stderr := accMain(t, append(append([]string{}, run...), args...)...)
			if code != 2 {
				t.Fatalf("exit %d, want 2: %s", code, stderr)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr does not contain %q:\n%s", tt.want, stderr)
			}
			if n := strings.Count(strings.TrimSpace(stderr), "\n"); n != 0 {
				t.Errorf("stderr has %d lines, want one:\n%s", n+1, stderr)
			}
		})
	}
	t.Run("several bad lines are all listed", func(t *testing.T) {
		dir := labelSet(t, bus, map[string]string{"bus": "5 0.5\n", "car": "2 2 0.5 0.5 0.5\n"}, "bus.jpg", "car.jpg")
		code, _, stderr := accMain(t, append(append([]string{}, run...), "--check-images", filepath.Join(dir, "images"))...)
		if code != 2 || !strings.Contains(stderr, "bus.txt:1:1") || !strings.Contains(stderr, "car.txt:1:3") {
			t.Errorf("exit %d, want 2 naming both files:\n%s", code, stderr)
		}
	})
	for _, flagArgs := range [][]string{{"--min-recall", "0"}, {"--min-precision", "1.5"}, {"--map-threshold", "-0.1"}} {
		t.Run("compare "+flagArgs[0], func(t *testing.T) {
			code, _, stderr := accMain(t, append([]string{"compare", "a.json", "b.json"}, flagArgs...)...)
			if code != 2 || !strings.Contains(stderr, flagArgs[0]) {
				t.Errorf("exit %d, want 2 naming %s: %s", code, flagArgs[0], stderr)
			}
		})
	}
}

// TestAccuracyHalfInput: a model fed float16 images cannot run the check;
// that is said before anything is timed.
func TestAccuracyHalfInput(t *testing.T) {
	model, bus := needRealModel(t)
	data, err := os.ReadFile(model)
	if err != nil {
		t.Fatal(err)
	}
	m, err := onnxmodel.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	g := m.Graph
	in := g.Input[0].Name
	for _, n := range g.Node {
		for i, x := range n.Input {
			if x == in {
				n.Input[i] = in + "_f32"
			}
		}
	}
	g.Input[0].Type.ElemType = onnxmodel.Float16
	cast := &onnxmodel.Node{Name: "to_float", OpType: "Cast", Input: []string{in}, Output: []string{in + "_f32"},
		Attribute: []*onnxmodel.Attribute{{Name: "to", Type: onnxmodel.AttrInt, I: int64(onnxmodel.Float)}}}
	g.Node = append([]*onnxmodel.Node{cast}, g.Node...)
	half := filepath.Join(t.TempDir(), "half.onnx")
	if err := os.WriteFile(half, onnxmodel.Encode(m), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := accMain(t, "run", "--model", half, "--ep", "cpu", "--warmup", "0", "--benchtime", "1x", "--count", "1", "--check-images", bus)
	if code != 2 || !strings.Contains(stderr, "half.onnx: the accuracy check feeds float32 images; input is float16") {
		t.Errorf("exit %d, want 2 naming the model's float16 input:\n%s", code, stderr)
	}
	if strings.Contains(stdout+stderr, "repeat") {
		t.Errorf("the benchmark ran before the check was refused:\n%s%s", stdout, stderr)
	}
}

// TestAccuracyUnlabelledImage: an image without a label file among
// labelled ones is not an error: a warning names it, and it is checked
// against the baseline's detections only.
func TestAccuracyUnlabelledImage(t *testing.T) {
	model, bus := needRealModel(t)
	dir := labelSet(t, bus, map[string]string{"a": "5 0.3 0.3 0.55 0.65\n"}, "a.jpg", "b.jpg")
	out := filepath.Join(dir, "r.json")
	code, _, stderr := accMain(t, "run", "--model", model, "--ep", "cpu", "--warmup", "0", "--benchtime", "1x", "--count", "1", "--quiet",
		"--check-images", filepath.Join(dir, "images"), "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	code, stdout, _ := accMain(t, "run", "--model", model, "--ep", "cpu", "--warmup", "0", "--benchtime", "1x", "--count", "1",
		"--check-images", filepath.Join(dir, "images"))
	if code != 0 || !regexp.MustCompile(`accuracy check \(score > 0\.25, NMS IoU 0\.45\):\n  model=yolov8n_int8/\S+: [1-9][0-9]* detections on 2 images; on 1 labelled: mAP50-95 0\.[0-9]{3}`).MatchString(stdout) {
		t.Errorf("run's table does not report the check:\n%s", stdout)
	}
	want := "b.jpg has no label file (looked for " + filepath.Join(dir, "labels", "b.txt") + "): it is checked against the baseline's detections only"
	if !strings.Contains(stderr, want) {
		t.Errorf("stderr does not warn %q:\n%s", want, stderr)
	}
	f, err := results.Read(out)
	if err != nil {
		t.Fatal(err)
	}
	a := f.Cases[0].Accuracy
	if a == nil || len(a.Images) != 2 || a.Summary == nil || a.Summary.LabelledImages != 1 {
		t.Fatalf("accuracy = %+v, want two images, one labelled", a)
	}
	if a.Images[0].LabelFile == "" || len(a.Images[0].Labels) != 1 || a.Images[1].LabelFile != "" || a.Images[1].Labels != nil {
		t.Errorf("labels = %+v / %+v, want one box on a.jpg and none on b.jpg", a.Images[0], a.Images[1])
	}
	if a.Summary.MAP50 <= 0 || a.Summary.Recall != 1 {
		t.Errorf("summary = %+v, want the labelled bus found (recall 1, mAP50 > 0)", a.Summary)
	}
}
