package compare

import (
	"fmt"
	"path"
	"strings"

	"github.com/yologate/yologate/compare/accuracy"
	"github.com/yologate/yologate/runner/results"
)

// Scores keys of an AccuracyVerdict.
const (
	// ScoreMAP5095 and ScoreMAP50 are the current model's mAP on the
	// labelled images; ScoreBaseMAP5095 is the baseline detections'.
	ScoreMAP5095     = "map50_95"
	ScoreMAP50       = "map50"
	ScoreBaseMAP5095 = "base_map50_95"
	// ScoreRecall and ScorePrecision are the current detections against
	// the baseline's on the unlabelled images; ScoreDelta is the mean
	// score change of matched boxes.
	ScoreRecall    = "recall"
	ScorePrecision = "precision"
	ScoreDelta     = "score_delta"
)

// accuracyVerdict compares the current detections on the reference images
// with the baseline's. Labelled images are scored with mAP against their
// labels (current and baseline detections alike); unlabelled ones use the
// baseline's detections as ground truth. Images are paired by path, then by
// file name. nil when neither side was checked.
func accuracyVerdict(old, cur *results.Accuracy, opt accuracy.Options) *AccuracyVerdict {
	switch {
	case old == nil && cur == nil:
		return nil
	case cur == nil:
		return &AccuracyVerdict{Verdict: Inconclusive,
			Reason: "the baseline holds reference detections but this run checked no images", Remedy: CheckImages}
	case old == nil:
		v := &AccuracyVerdict{Verdict: Unchanged,
			Reason: "the baseline holds no reference detections", Remedy: RecordDetections}
		if s := cur.Summary; s != nil {
			v.Scores = map[string]float64{ScoreMAP5095: s.MAP5095, ScoreMAP50: s.MAP50}
		}
		return v
	}
	if d := checkSettingsDiff(old, cur); len(d) > 0 {
		var parts []string
		for _, x := range d {
			parts = append(parts, fmt.Sprintf("%s %s → %s", x.Field, x.Old, x.New))
		}
		return &AccuracyVerdict{Verdict: Inconclusive, SettingsDiff: d,
			Reason: "the check's settings differ from the baseline's (" + strings.Join(parts, ", ") +
				"): the detections are not comparable; check with the baseline's settings, or record a new baseline with these"}
	}
	byPath := map[string]*results.ImageDetections{}
	byName := map[string]*results.ImageDetections{}
	for i := range old.Images {
		im := &old.Images[i]
		byPath[im.Image] = im
		byName[path.Base(strings.ReplaceAll(im.Image, `\`, "/"))] = im
	}
	var curL, baseL, unl []accuracy.Image
	var unpaired []string
	for _, im := range cur.Images {
		b := byPath[im.Image]
		if b == nil {
			b = byName[path.Base(strings.ReplaceAll(im.Image, `\`, "/"))]
		}
		if b == nil {
			unpaired = append(unpaired, im.Image)
			continue
		}
		dets, base := accuracy.Boxes(im.Detections), accuracy.Boxes(b.Detections)
		if im.LabelFile != "" {
			truth := accuracy.Boxes(im.Labels)
			curL = append(curL, accuracy.Image{Name: im.Image, Truth: truth, Dets: dets})
			baseL = append(baseL, accuracy.Image{Name: im.Image, Truth: truth, Dets: base})
			continue
		}
		unl = append(unl, accuracy.Image{Name: im.Image, Truth: base, Dets: dets})
	}
	if len(curL) > 0 && !anyTruth(curL) {
		// Labels without a single box leave mAP undefined: the baseline's
		// detections judge these images instead, so the check still bites.
		for i := range curL {
			unl = append(unl, accuracy.Image{Name: curL[i].Name, Truth: baseL[i].Dets, Dets: curL[i].Dets})
		}
		curL, baseL = nil, nil
	}
	if len(curL)+len(unl) == 0 {
		return &AccuracyVerdict{Verdict: Inconclusive,
			Reason: fmt.Sprintf("none of the %d reference images is in the baseline: record the baseline again with these images", len(cur.Images))}
	}
	v := &AccuracyVerdict{Verdict: Unchanged, Scores: map[string]float64{}}
	var bad, good []string
	if len(curL) > 0 {
		lv := accuracy.CompareWithLabels(curL, baseL, opt)
		v.Scores[ScoreMAP5095] = lv.Current.MAP5095
		v.Scores[ScoreMAP50] = lv.Current.MAP50
		v.Scores[ScoreBaseMAP5095] = lv.Baseline.MAP5095
		if lv.Regressed {
			bad = append(bad, lv.Reason)
		} else {
			good = append(good, lv.Reason)
		}
	}
	if len(unl) > 0 {
		bv := accuracy.CompareWithBaseline(unl, opt)
		v.Scores[ScoreRecall] = bv.Agreement.Recall()
		v.Scores[ScorePrecision] = bv.Agreement.Precision()
		v.Scores[ScoreDelta] = bv.Agreement.MeanScoreDelta
		reason := bv.Reason
		if len(curL) > 0 {
			reason = fmt.Sprintf("on %d unlabelled image(s): %s", len(unl), reason)
		}
		if bv.Regressed {
			bad = append(bad, reason)
		} else {
			good = append(good, reason)
		}
	}
	if len(bad) > 0 {
		v.Verdict = AccuracyRegression
		v.Reason = strings.Join(bad, "; ")
	} else {
		v.Reason = strings.Join(good, "; ")
	}
	if len(unpaired) > 0 {
		v.Reason += fmt.Sprintf("; %d image(s) not in the baseline were not compared (%s)", len(unpaired), strings.Join(unpaired, ", "))
	}
	return v
}

// anyTruth reports whether any image has a ground-truth box.
func anyTruth(images []accuracy.Image) bool {
	for _, im := range images {
		if len(im.Truth) > 0 {
			return true
		}
	}
	return false
}

// checkSettingsDiff lists the accuracy check's settings that differ
// between the baseline's detections and this run's, by the flag that sets
// them. A zero setting is unknown (a baseline recorded before they were
// kept) and never differs.
func checkSettingsDiff(old, cur *results.Accuracy) []EnvDiff {
	var out []EnvDiff
	for _, s := range []struct {
		field    string
		old, cur float64
	}{{"check-conf", old.ScoreThreshold, cur.ScoreThreshold}, {"check-iou", old.IoUThreshold, cur.IoUThreshold}} {
		if s.old > 0 && s.cur > 0 && s.old != s.cur {
			out = append(out, EnvDiff{Field: s.field, Old: trimFloat(s.old), New: trimFloat(s.cur)})
		}
	}
	return out
}
