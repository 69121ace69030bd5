package compare

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yologate/yologate/runner/results"
)

func det(class int, score, x1, y1, x2, y2 float64) results.Detection {
	return results.Detection{Class: class, Score: score, X1: x1, Y1: y1, X2: x2, Y2: y2}
}

// accImages is one image's detections, labelled when labels is non-nil.
func accImage(name string, labels []results.Detection, dets ...results.Detection) results.ImageDetections {
	im := results.ImageDetections{Image: name, Width: 100, Height: 100, Detections: dets}
	if labels != nil {
		im.LabelFile, im.Labels = strings.TrimSuffix(name, ".jpg")+".txt", labels
	}
	return im
}

func TestAccuracyVerdict(t *testing.T) {
	bus := det(5, 0.9, 10, 10, 60, 60)
	car := det(2, 0.8, 70, 70, 90, 90)
	faint := det(5, 0.3, 10, 10, 60, 60)
	label := []results.Detection{{Class: 5, X1: 10, Y1: 10, X2: 60, Y2: 60}, {Class: 2, X1: 70, Y1: 70, X2: 90, Y2: 90}}
	base := &results.Accuracy{Images: []results.ImageDetections{accImage("img/a.jpg", nil, bus, car)}}
	tests := []struct {
		name       string
		old, cur   *results.Accuracy
		want       Verdict
		reason     string
		remedy     Remedy
		scores     map[string]float64
		nilVerdict bool
	}{
		{name: "neither side checked", nilVerdict: true},
		{name: "same detections", old: base, cur: &results.Accuracy{Images: []results.ImageDetections{accImage("img/a.jpg", nil, bus, car)}},
			want: Unchanged, reason: "recall 1.00, precision 1.00", scores: map[string]float64{ScoreRecall: 1, ScorePrecision: 1, ScoreDelta: 0}},
		{name: "lost every detection", old: base, cur: &results.Accuracy{Images: []results.ImageDetections{accImage("img/a.jpg", nil)}},
			want: AccuracyRegression, reason: "found 0 of 2 baseline detections (recall 0.00 < 0.90)", scores: map[string]float64{ScoreRecall: 0, ScorePrecision: 0, ScoreDelta: 0}},
		{name: "extra detections", old: base, cur: &results.Accuracy{Images: []results.ImageDetections{accImage("img/a.jpg", nil, bus, car, det(0, 0.5, 0, 70, 20, 99))}},
			want: AccuracyRegression, reason: "1 of 3 detections are not in the baseline (precision 0.67 < 0.90)"},
		{name: "paired by file name", old: base, cur: &results.Accuracy{Images: []results.ImageDetections{accImage("/ci/checkout/img/a.jpg", nil, bus, car)}},
			want: Unchanged},
		{name: "labels: same mAP", old: base, cur: &results.Accuracy{Images: []results.ImageDetections{accImage("img/a.jpg", label, bus, car)}},
			want: Unchanged, scores: map[string]float64{ScoreMAP5095: 1, ScoreMAP50: 1, ScoreBaseMAP5095: 1}},
		{name: "labels: mAP dropped", old: base, cur: &results.Accuracy{Images: []results.ImageDetections{accImage("img/a.jpg", label, faint)}},
			want: AccuracyRegression, reason: "mAP50-95 fell from 1.000 to 0.500 (−0.500, limit 0.010)"},
		{name: "labelled and unlabelled images",
			old:  &results.Accuracy{Images: []results.ImageDetections{accImage("a.jpg", nil, bus, car), accImage("b.jpg", nil, bus)}},
			cur:  &results.Accuracy{Images: []results.ImageDetections{accImage("a.jpg", label, bus, car), accImage("b.jpg", nil)}},
			want: AccuracyRegression, reason: "on 1 unlabelled image(s): found 0 of 1 baseline detections"},
		{name: "labels without boxes fall back to the baseline", old: base, cur: &results.Accuracy{Images: []results.ImageDetections{accImage("img/a.jpg", []results.Detection{})}},
			want: AccuracyRegression, reason: "found 0 of 2 baseline detections"},
		{name: "no baseline detections", cur: &results.Accuracy{Images: []results.ImageDetections{accImage("a.jpg", nil)}},
			want: Unchanged, reason: "the baseline holds no reference detections", remedy: RecordDetections},
		{name: "this run checked nothing", old: base, want: Inconclusive, reason: "this run checked no images", remedy: CheckImages},
		{name: "other images", old: base, cur: &results.Accuracy{Images: []results.ImageDetections{accImage("z.jpg", nil)}},
			want: Inconclusive, reason: "none of the 1 reference images is in the baseline"},
		// A stricter score threshold drops the faint boxes: a change of
		// settings, not of the model.
		{name: "score threshold changed",
			old:  &results.Accuracy{ScoreThreshold: 0.25, IoUThreshold: 0.45, Images: []results.ImageDetections{accImage("a.jpg", nil, bus, faint)}},
			cur:  &results.Accuracy{ScoreThreshold: 0.5, IoUThreshold: 0.45, Images: []results.ImageDetections{accImage("a.jpg", nil, bus)}},
			want: Inconclusive, reason: "the check's settings differ from the baseline's (check-conf 0.25 → 0.5)"},
		{name: "both thresholds changed",
			old:  &results.Accuracy{ScoreThreshold: 0.25, IoUThreshold: 0.45, Images: base.Images},
			cur:  &results.Accuracy{ScoreThreshold: 0.3, IoUThreshold: 0.7, Images: base.Images},
			want: Inconclusive, reason: "(check-conf 0.25 → 0.3, check-iou 0.45 → 0.7)"},
		{name: "settings unknown in an older baseline",
			old:  base,
			cur:  &results.Accuracy{ScoreThreshold: 0.5, IoUThreshold: 0.45, Images: base.Images},
			want: Unchanged},
		{name: "same settings",
			old:  &results.Accuracy{ScoreThreshold: 0.25, IoUThreshold: 0.45, Images: base.Images},
			cur:  &results.Accuracy{ScoreThreshold: 0.25, IoUThreshold: 0.45, Images: []results.ImageDetections{accImage("img/a.jpg", nil)}},
			want: AccuracyRegression},
		{name: "an image the baseline lacks", old: base, cur: &results.Accuracy{Images: []results.ImageDetections{accImage("a.jpg", nil, bus, car), accImage("new.jpg", nil)}},
			want: Unchanged, reason: "1 image(s) not in the baseline were not compared (new.jpg)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := accuracyVerdict(tt.old, tt.cur, DefaultOptions().Accuracy)
			if tt.nilVerdict {
				if got != nil {
					t.Fatalf("got %+v, want nil", got)
				}
				return
			}
			if got == nil {
				t.Fatal("no verdict")
			}
			if got.Verdict != tt.want || !strings.Contains(got.Reason, tt.reason) {
				t.Errorf("got %s %q, want %s containing %q", got.Verdict, got.Reason, tt.want, tt.reason)
			}
			if got.Remedy != tt.remedy {
				t.Errorf("remedy %q, want %q", got.Remedy, tt.remedy)
			}
			if tt.scores != nil {
				if d := cmp.Diff(tt.scores, got.Scores); d != "" {
					t.Errorf("scores (-want +got):\n%s", d)
				}
			}
		})
	}
}

// TestCompareFoldsAccuracy: a case whose speed is unchanged but whose
// detections are gone fails the comparison, through the measurements.
func TestCompareFoldsAccuracy(t *testing.T) {
	fps := []float64{100, 101, 99, 100, 102, 98, 100, 101, 99, 100}
	bus := det(5, 0.9, 10, 10, 60, 60)
	m := func(dets ...results.Detection) Measurement {
		return Measurement{Profile: "p", CaseID: "c", Samples: map[Metric][]float64{FPS: fps},
			Accuracy: &results.Accuracy{Images: []results.ImageDetections{accImage("a.jpg", nil, dets...)}}}
	}
	rep := Compare([]Measurement{m(bus)}, []Measurement{m()}, DefaultOptions())
	c := rep.Cases[0]
	if c.Verdict != AccuracyRegression || !rep.Fail || rep.Verdict != AccuracyRegression {
		t.Fatalf("case %s, report %s (fail %v), want accuracy-regression failing", c.Verdict, rep.Verdict, rep.Fail)
	}
	if c.Metrics[0].Verdict != Unchanged {
		t.Errorf("fps verdict %s, want unchanged", c.Metrics[0].Verdict)
	}
	if !strings.HasPrefix(c.Reason, "accuracy: found 0 of 1 baseline detections") {
		t.Errorf("reason %q", c.Reason)
	}
	rep = Compare([]Measurement{m(bus)}, []Measurement{m(bus)}, DefaultOptions())
	if rep.Verdict != Unchanged || rep.Fail {
		t.Errorf("same detections: %s (fail %v), want unchanged", rep.Verdict, rep.Fail)
	}
}
