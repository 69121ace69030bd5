package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
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
			"--benchtime", "3x", "--count", "3", "--quiet", "--check-images", bus, "--out", out)
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
