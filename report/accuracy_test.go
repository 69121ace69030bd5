package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/yologate/yologate/compare"
	"github.com/yologate/yologate/internal/golden"
	"github.com/yologate/yologate/runner/results"
)

// accuracyReport compares three cases with an accuracy check: one that
// agrees with its baseline, one faster but without detections, and one
// whose mAP against the labels dropped.
func accuracyReport() *compare.Report {
	bus := results.Detection{Class: 5, Name: "bus", Score: 0.9, X1: 10, Y1: 10, X2: 60, Y2: 60}
	car := results.Detection{Class: 2, Name: "car", Score: 0.8, X1: 70, Y1: 70, X2: 90, Y2: 90}
	faint := bus
	faint.Score = 0.3
	img := func(labelled bool, dets ...results.Detection) *results.Accuracy {
		im := results.ImageDetections{Image: "perf/images/bus.jpg", Width: 100, Height: 100, Detections: dets}
		if labelled {
			im.LabelFile = "perf/labels/bus.txt"
			im.Labels = []results.Detection{{Class: 5, X1: 10, Y1: 10, X2: 60, Y2: 60}, {Class: 2, X1: 70, Y1: 70, X2: 90, Y2: 90}}
		}
		return &results.Accuracy{ScoreThreshold: 0.25, IoUThreshold: 0.45, Images: []results.ImageDetections{im}}
	}
	withAcc := func(m compare.Measurement, a *results.Accuracy) compare.Measurement {
		m.Accuracy = a
		return m
	}
	old := []compare.Measurement{
		withAcc(meas(a10, "yolov8n", 410, 10), img(false, bus, car)),
		withAcc(meas(a10, "yolov8s", 220, 10), img(false, bus, car)),
		withAcc(meas(a10, "yolo11n", 380, 10), img(false, bus, car)),
	}
	cur := []compare.Measurement{
		withAcc(meas(a10, "yolov8n", 411, 10), img(false, bus, car)),
		withAcc(meas(a10, "yolov8s", 264, 10), img(false)), // 20% faster, finds nothing
		withAcc(meas(a10, "yolo11n", 381, 10), img(true, faint)),
	}
	return compare.Compare(old, cur, compare.DefaultOptions())
}

func TestAccuracyGolden(t *testing.T) {
	r := accuracyReport()
	if r.Verdict != compare.AccuracyRegression || !r.Fail {
		t.Fatalf("verdict %s (fail %v), want a failing accuracy regression", r.Verdict, r.Fail)
	}
	in := CommentInput{Report: r, Key: "perf/gate/gpu=a10", Args: []string{"--baseline", "baselines/gpu.yaml", "--check-images", "perf/images"}}
	md := CommentMarkdown(in)
	golden.Check(t, "comment_accuracy.md", md)
	for _, want := range []string{
		"❌ yologate: accuracy-regression: model=yolov8s",
		"| verdict | Δ | case | accuracy |",
		"| **❌ accuracy-regression** | +20.0% fps | `model=yolov8s` | ✗ recall 0.00 · precision 0.00 vs baseline |",
		`title "model=yolov8s: accuracy"`,
		`bar "this run" [0, 0.500]`,
		"✗ mAP50-95 1.000→0.500",
		"✓ recall 1.00 · precision 1.00 vs baseline",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("comment lacks %q", want)
		}
	}
	for _, format := range []string{"text", "markdown"} {
		var b bytes.Buffer
		if err := WriteCompare(&b, r, format); err != nil {
			t.Fatal(err)
		}
		name := map[string]string{"text": "compare_accuracy.txt", "markdown": "compare_accuracy.md"}[format]
		golden.Check(t, name, b.String())
		if !strings.Contains(b.String(), "recall/prec.") || !strings.Contains(b.String(), "mAP50-95") {
			t.Errorf("%s table lacks the accuracy rows:\n%s", format, b.String())
		}
	}
}

// TestAccuracyColumnOnlyWhenChecked: reports without an accuracy check keep
// their table as it was.
func TestAccuracyColumnOnlyWhenChecked(t *testing.T) {
	r := compare.Compare([]compare.Measurement{meas(a10, "yolov8n", 410, 10)}, []compare.Measurement{meas(a10, "yolov8n", 411, 10)}, compare.DefaultOptions())
	if md := CommentMarkdown(CommentInput{Report: r}); strings.Contains(md, "accuracy") {
		t.Errorf("comment without an accuracy check mentions accuracy:\n%s", md)
	}
}

// TestAccuracySettingsChanged: a run whose accuracy check keeps fewer
// boxes because its score threshold was raised is a change of settings,
// shown as such, and does not fail as an accuracy regression.
func TestAccuracySettingsChanged(t *testing.T) {
	bus := results.Detection{Class: 5, Name: "bus", Score: 0.9, X1: 10, Y1: 10, X2: 60, Y2: 60}
	faint := results.Detection{Class: 2, Name: "car", Score: 0.3, X1: 70, Y1: 70, X2: 90, Y2: 90}
	acc := func(conf float64, dets ...results.Detection) *results.Accuracy {
		return &results.Accuracy{ScoreThreshold: conf, IoUThreshold: 0.45,
			Images: []results.ImageDetections{{Image: "perf/images/bus.jpg", Width: 100, Height: 100, Detections: dets}}}
	}
	old, cur := meas(a10, "yolov8n", 410, 10), meas(a10, "yolov8n", 411, 10)
	old.Accuracy, cur.Accuracy = acc(0.25, bus, faint), acc(0.5, bus)
	r := compare.Compare([]compare.Measurement{old}, []compare.Measurement{cur}, compare.DefaultOptions())
	if r.Fail || r.Verdict != compare.Inconclusive {
		t.Fatalf("verdict %s (fail %v), want inconclusive, passing", r.Verdict, r.Fail)
	}
	md := CommentMarkdown(CommentInput{Report: r, Key: "perf/gate/gpu=a10", Args: []string{"--baseline", "baselines/", "--check-images", "perf/images", "--check-conf", "0.5"}})
	golden.Check(t, "comment_accuracy_settings.md", md)
	for _, want := range []string{"**Accuracy check settings changed**", "| check-conf | 0.25 | 0.5 | 1 |"} {
		if !strings.Contains(md, want) {
			t.Errorf("comment lacks %q", want)
		}
	}
	if strings.Contains(md, "accuracy-regression") {
		t.Error("a change of settings reads as an accuracy regression")
	}
	var b bytes.Buffer
	if err := WriteCompare(&b, r, "text"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "the check's settings differ from the baseline's (check-conf 0.25 → 0.5)") {
		t.Errorf("text lacks the settings change:\n%s", b.String())
	}
}
