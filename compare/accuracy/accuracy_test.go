package accuracy

import (
	"math"
	"strings"
	"testing"
)

func box(c int, s, x1, y1, x2, y2 float64) Box {
	return Box{Class: c, Score: s, X1: x1, Y1: y1, X2: x2, Y2: y2}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestIoU(t *testing.T) {
	tests := []struct {
		name string
		a, b Box
		want float64
	}{
		{"identical", box(0, 0, 0, 0, 10, 10), box(0, 0, 0, 0, 10, 10), 1},
		{"disjoint", box(0, 0, 0, 0, 10, 10), box(0, 0, 20, 20, 30, 30), 0},
		{"touching edge", box(0, 0, 0, 0, 10, 10), box(0, 0, 10, 0, 20, 10), 0},
		{"half", box(0, 0, 0, 0, 10, 10), box(0, 0, 0, 0, 10, 5), 0.5},
		{"offset", box(0, 0, 0, 0, 10, 10), box(0, 0, 5, 0, 15, 10), 50.0 / 150},
		{"empty box", box(0, 0, 5, 5, 5, 5), box(0, 0, 0, 0, 10, 10), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IoU(tt.a, tt.b); !near(got, tt.want) {
				t.Errorf("IoU = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMeanAPHandComputed(t *testing.T) {
	truth := []Box{box(0, 0, 0, 0, 100, 100)}
	tests := []struct {
		name           string
		images         []Image
		map50, map5095 float64
		classes        int
	}{
		{"perfect", []Image{{Truth: truth, Dets: []Box{box(0, .9, 0, 0, 100, 100)}}}, 1, 1, 1},
		{"empty detections", []Image{{Truth: truth}}, 0, 0, 1},
		{"no truth", []Image{{Dets: []Box{box(0, .9, 0, 0, 100, 100)}}}, 0, 0, 0},
		// A false positive scored below the true one costs nothing: every
		// recall level is reached at precision 1.
		{"false positive below", []Image{{Truth: truth, Dets: []Box{box(0, .9, 0, 0, 100, 100), box(0, .8, 300, 300, 400, 400)}}}, 1, 1, 1},
		// Scored above it, precision at the only recall level is 1/2.
		{"false positive above", []Image{{Truth: truth, Dets: []Box{box(0, .95, 300, 300, 400, 400), box(0, .9, 0, 0, 100, 100)}}}, 0.5, 0.5, 1},
		// The duplicate matches nothing (the truth is taken) and ranks last.
		{"duplicate boxes", []Image{{Truth: truth, Dets: []Box{box(0, .9, 0, 0, 100, 100), box(0, .8, 0, 0, 100, 100)}}}, 1, 1, 1},
		// IoU 0.72 matches at thresholds 0.50..0.70: 5 of 10.
		{"loose box", []Image{{Truth: truth, Dets: []Box{box(0, .9, 0, 0, 100, 72)}}}, 1, 0.5, 1},
		{"wrong class", []Image{{Truth: truth, Dets: []Box{box(1, .9, 0, 0, 100, 100)}}}, 0, 0, 1},
		{"two classes, one missed", []Image{{
			Truth: []Box{box(0, 0, 0, 0, 100, 100), box(1, 0, 200, 200, 300, 300)},
			Dets:  []Box{box(0, .9, 0, 0, 100, 100)},
		}}, 0.5, 0.5, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := MeanAP(tt.images)
			if !near(got.MAP50, tt.map50) || !near(got.MAP5095, tt.map5095) || got.Classes != tt.classes {
				t.Errorf("MeanAP = {50: %v, 50-95: %v, classes %d}, want {%v, %v, %d}", got.MAP50, got.MAP5095, got.Classes, tt.map50, tt.map5095, tt.classes)
			}
		})
	}
}

// TestMeanAPCOCOAlgorithm follows pycocotools' evaluate/accumulate by hand on
// a small set with two images and two classes.
//
// Class 0 has three truths (T1, T2 in image A; T4 in image B) and four
// detections in score order: d1 .90 (A, IoU .72 with T1), d3 .80 (A, no
// overlap), d5 .75 (B, IoU .92 with T4), d2 .60 (A, IoU 1 with T2).
//
//   - IoU threshold .50–.70 (5 thresholds): TP FP TP TP. recall 1/3 1/3 2/3 1,
//     precision 1 .5 .667 .75, made non-increasing: 1 .75 .75 .75. Recall
//     levels 0..0.33 (34 of 101) read 1, levels 0.34..1.00 (67) read .75:
//     AP = (34 + 67*.75)/101 = 84.25/101.
//   - .75–.90 (4): FP FP TP TP. recall 0 0 1/3 2/3, precision 0 0 1/3 .5 →
//     .5 .5 .5 .5; levels 0..0.66 (67) read .5, the rest 0: AP = 33.5/101.
//   - .95 (1): FP FP FP TP. recall reaches 1/3 at precision .25: levels
//     0..0.33 (34) read .25: AP = 8.5/101.
//
// Class 0 AP50-95 = (5*84.25 + 4*33.5 + 8.5)/1010 = 563.75/1010.
// Class 1 (one exact detection) has AP 1 everywhere.
func TestMeanAPCOCOAlgorithm(t *testing.T) {
	images := []Image{
		{Name: "A",
			Truth: []Box{box(0, 0, 0, 0, 100, 100), box(0, 0, 200, 200, 300, 300), box(1, 0, 0, 200, 100, 300)},
			Dets: []Box{
				box(0, .9, 0, 0, 100, 72),
				box(0, .6, 200, 200, 300, 300),
				box(0, .8, 500, 500, 600, 600),
				box(1, .7, 0, 200, 100, 300),
			}},
		{Name: "B",
			Truth: []Box{box(0, 0, 0, 0, 50, 50)},
			Dets:  []Box{box(0, .75, 0, 0, 50, 46)}},
	}
	got := MeanAP(images)
	wantAP0 := 563.75 / 1010
	if !near(got.PerClass[0], wantAP0) || !near(got.PerClass[1], 1) {
		t.Errorf("per class = %v, want {0: %v, 1: 1}", got.PerClass, wantAP0)
	}
	if want := (84.25/101 + 1) / 2; !near(got.MAP50, want) {
		t.Errorf("mAP50 = %v, want %v", got.MAP50, want)
	}
	if want := (wantAP0 + 1) / 2; !near(got.MAP5095, want) {
		t.Errorf("mAP50-95 = %v, want %v", got.MAP5095, want)
	}
}

func TestCOCOThresholds(t *testing.T) {
	if len(COCOThresholds) != 10 || COCOThresholds[0] != 0.5 || COCOThresholds[9] != 0.95 {
		t.Fatalf("thresholds = %v", COCOThresholds)
	}
	if len(recallLevels) != 101 || recallLevels[100] != 1 {
		t.Fatalf("recall levels end at %v", recallLevels[len(recallLevels)-1])
	}
}

func TestMaxDetsPerClass(t *testing.T) {
	// 150 false positives outscore the one true detection; COCO keeps only the
	// best 100 per image and class, so the true one is dropped.
	var dets []Box
	for i := 0; i < 150; i++ {
		dets = append(dets, box(0, 0.99, 1000, 1000, 1010, 1010))
	}
	dets = append(dets, box(0, 0.5, 0, 0, 100, 100))
	got := MeanAP([]Image{{Truth: []Box{box(0, 0, 0, 0, 100, 100)}, Dets: dets}})
	if got.MAP50 != 0 {
		t.Errorf("mAP50 = %v, want 0 (true detection beyond maxDets)", got.MAP50)
	}
}

func TestMatchAll(t *testing.T) {
	base := []Box{box(0, .9, 0, 0, 100, 100), box(2, .8, 200, 200, 300, 300)}
	tests := []struct {
		name       string
		dets       []Box
		tp, fp, fn int
		delta      float64
	}{
		{"same", base, 2, 0, 0, 0},
		{"scores down", []Box{box(0, .6, 0, 0, 100, 100), box(2, .5, 200, 200, 300, 300)}, 2, 0, 0, -0.3},
		{"nothing found", nil, 0, 0, 2, 0},
		{"one extra", append([]Box{box(5, .4, 600, 600, 700, 700)}, base...), 2, 1, 0, 0},
		{"class swapped", []Box{box(1, .9, 0, 0, 100, 100)}, 0, 1, 2, 0},
		{"duplicates", []Box{box(0, .9, 0, 0, 100, 100), box(0, .85, 0, 0, 100, 100)}, 1, 1, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := MatchAll([]Image{{Truth: base, Dets: tt.dets}}, 0.5)
			if m.TruePositives != tt.tp || m.FalsePositives != tt.fp || m.FalseNegatives != tt.fn || !near(m.MeanScoreDelta, tt.delta) {
				t.Errorf("MatchAll = %+v, want tp %d fp %d fn %d delta %v", m, tt.tp, tt.fp, tt.fn, tt.delta)
			}
		})
	}
}

func TestCompareWithBaseline(t *testing.T) {
	base := []Box{box(0, .9, 0, 0, 100, 100), box(2, .8, 200, 200, 300, 300), box(2, .7, 400, 400, 500, 500)}
	ok := CompareWithBaseline([]Image{{Truth: base, Dets: base}}, Options{})
	if ok.Regressed || ok.Method != "baseline" {
		t.Errorf("same detections: %+v", ok)
	}
	broken := CompareWithBaseline([]Image{{Truth: base, Dets: base[:1]}}, Options{})
	if !broken.Regressed || !strings.Contains(broken.Reason, "recall 0.33") {
		t.Errorf("lost detections: %+v", broken)
	}
	noisy := CompareWithBaseline([]Image{{Truth: base, Dets: append(base, box(7, .3, 0, 600, 50, 650))}}, Options{})
	if !noisy.Regressed || !strings.Contains(noisy.Reason, "precision 0.75") {
		t.Errorf("extra detections: %+v", noisy)
	}
}

func TestCompareWithLabels(t *testing.T) {
	truth := []Box{box(0, 0, 0, 0, 100, 100)}
	base := []Image{{Truth: truth, Dets: []Box{box(0, .9, 0, 0, 100, 100)}}}
	same := CompareWithLabels(base, base, Options{})
	if same.Regressed {
		t.Errorf("same: %+v", same)
	}
	loose := []Image{{Truth: truth, Dets: []Box{box(0, .9, 0, 0, 100, 72)}}}
	v := CompareWithLabels(loose, base, Options{})
	if !v.Regressed || !strings.Contains(v.Reason, "mAP50-95 fell from 1.000 to 0.500") {
		t.Errorf("loose: %+v", v)
	}
	if v := CompareWithLabels(loose, base, Options{MAPDrop: 0.6}); v.Regressed {
		t.Errorf("within a 0.6 limit: %+v", v)
	}
}
