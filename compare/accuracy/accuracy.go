// Package accuracy decides whether a model got worse at detecting, so that a
// model cannot pass the gate by getting fast and wrong.
//
// With labels it computes mAP the COCO way (all-point matching by score,
// 101-point interpolated precision, IoU thresholds 0.50:0.05:0.95). Without
// labels the baseline model's own detections serve as pseudo ground truth:
// recall and precision of the new detections against them. The package is
// pure: it takes detections and labels, never files or sessions.
package accuracy

import (
	"fmt"
	"math"
	"sort"
)

// Box is an axis-aligned box in pixels of the original image, with a class
// id and, for detections, a confidence score in [0,1] (labels have score 0).
type Box struct {
	Class          int
	Score          float64
	X1, Y1, X2, Y2 float64
}

// Image pairs one image's detections with its ground truth (labels or the
// baseline's detections).
type Image struct {
	Name  string
	Truth []Box
	Dets  []Box
}

// IoU returns the intersection over union of a and b, in [0,1]; 0 when
// either box is empty.
func IoU(a, b Box) float64 {
	iw := math.Min(a.X2, b.X2) - math.Max(a.X1, b.X1)
	ih := math.Min(a.Y2, b.Y2) - math.Max(a.Y1, b.Y1)
	if iw <= 0 || ih <= 0 {
		return 0
	}
	inter := iw * ih
	union := area(a) + area(b) - inter
	if union <= 0 {
		return 0
	}
	return inter / union
}

func area(b Box) float64 {
	w, h := b.X2-b.X1, b.Y2-b.Y1
	if w <= 0 || h <= 0 {
		return 0
	}
	return w * h
}

// COCOThresholds are the IoU thresholds of mAP50-95: 0.50, 0.55, ..., 0.95,
// computed bit for bit as pycocotools does (numpy.linspace(.5, .95, 10)), so
// that a borderline IoU decides a match the same way.
var COCOThresholds = linspace(0.5, 0.95, 10)

// recallPoints is the number of recall levels COCO interpolates precision at
// (numpy.linspace(0, 1, 101)).
const recallPoints = 101

var recallLevels = linspace(0, 1, recallPoints)

// maxDetsPerClass is COCO's maxDets=100: only the 100 best detections of a
// class in an image count.
const maxDetsPerClass = 100

// linspace reproduces numpy.linspace(start, stop, n) with its endpoint.
func linspace(start, stop float64, n int) []float64 {
	out := make([]float64, n)
	step := (stop - start) / float64(n-1)
	for i := range out {
		out[i] = float64(i)*step + start
	}
	out[n-1] = stop
	return out
}

// MAP holds mean average precision over the classes that have ground truth.
type MAP struct {
	// MAP50 is mAP at IoU 0.5, in [0,1].
	MAP50 float64
	// MAP5095 is mAP averaged over IoU 0.50:0.05:0.95, in [0,1].
	MAP5095 float64
	// PerClass is AP50-95 for each class with ground truth.
	PerClass map[int]float64
	// Classes is the number of classes with ground truth; 0 means mAP is undefined.
	Classes int
}

// MeanAP computes COCO-style mAP of the detections against the truth of
// every image. A class with no ground truth does not count; detections of
// such a class are ignored, as in pycocotools.
func MeanAP(images []Image) MAP {
	classes := map[int]bool{}
	for _, im := range images {
		for _, t := range im.Truth {
			classes[t.Class] = true
		}
	}
	out := MAP{PerClass: map[int]float64{}, Classes: len(classes)}
	if len(classes) == 0 {
		return out
	}
	ids := make([]int, 0, len(classes))
	for c := range classes {
		ids = append(ids, c)
	}
	sort.Ints(ids)
	for _, c := range ids {
		var sum float64
		for i, thr := range COCOThresholds {
			ap := averagePrecision(images, c, thr)
			sum += ap
			if i == 0 {
				out.MAP50 += ap
			}
		}
		out.PerClass[c] = sum / float64(len(COCOThresholds))
		out.MAP5095 += out.PerClass[c]
	}
	out.MAP50 /= float64(len(ids))
	out.MAP5095 /= float64(len(ids))
	return out
}

// scored is one detection of a class, with the image it came from.
type scored struct {
	img, idx int
	score    float64
}

// averagePrecision is COCO's AP for one class at one IoU threshold.
func averagePrecision(images []Image, class int, thr float64) float64 {
	var dets []scored
	nTruth := 0
	for i, im := range images {
		var own []scored
		for j, d := range im.Dets {
			if d.Class == class {
				own = append(own, scored{i, j, d.Score})
			}
		}
		sort.SliceStable(own, func(a, b int) bool { return own[a].score > own[b].score })
		if len(own) > maxDetsPerClass {
			own = own[:maxDetsPerClass]
		}
		dets = append(dets, own...)
		for _, t := range im.Truth {
			if t.Class == class {
				nTruth++
			}
		}
	}
	if nTruth == 0 {
		return 0
	}
	// pycocotools sorts detections by score with a stable mergesort, so
	// ties keep their input order.
	sort.SliceStable(dets, func(a, b int) bool { return dets[a].score > dets[b].score })
	matched := make([][]bool, len(images))
	for i, im := range images {
		matched[i] = make([]bool, len(im.Truth))
	}
	tp := make([]bool, len(dets))
	for k, d := range dets {
		im := images[d.img]
		det := im.Dets[d.idx]
		best, bestIoU := -1, math.Min(thr, 1-1e-10)
		for g, t := range im.Truth {
			if t.Class != class || matched[d.img][g] {
				continue
			}
			if iou := IoU(det, t); iou >= bestIoU {
				best, bestIoU = g, iou
			}
		}
		if best >= 0 {
			matched[d.img][best] = true
			tp[k] = true
		}
	}
	return interpolatedAP(tp, nTruth)
}

// interpolatedAP turns a score-ordered list of true/false positives into
// COCO's 101-point interpolated average precision.
func interpolatedAP(tp []bool, nTruth int) float64 {
	n := len(tp)
	if n == 0 {
		return 0
	}
	recall := make([]float64, n)
	precision := make([]float64, n)
	var ctp, cfp float64
	for i, ok := range tp {
		if ok {
			ctp++
		} else {
			cfp++
		}
		recall[i] = ctp / float64(nTruth)
		precision[i] = ctp / (ctp + cfp)
	}
	// Make precision monotonically non-increasing from the right.
	for i := n - 1; i > 0; i-- {
		if precision[i] > precision[i-1] {
			precision[i-1] = precision[i]
		}
	}
	var sum float64
	for _, level := range recallLevels {
		idx := sort.SearchFloat64s(recall, level)
		if idx < n {
			sum += precision[idx]
		}
	}
	return sum / recallPoints
}

// Match summarizes detections against truth at one IoU threshold, counting
// each truth box at most once (greedy by descending score, same class).
type Match struct {
	TruePositives  int
	FalsePositives int
	FalseNegatives int
	// MeanScoreDelta is the mean of (detection score − truth score) over
	// matched pairs; meaningful when the truth is a baseline's detections.
	MeanScoreDelta float64
}

// Precision is TP/(TP+FP); 1 when there are no detections and no truth, 0
// when there are detections but none match.
func (m Match) Precision() float64 {
	if m.TruePositives+m.FalsePositives == 0 {
		if m.FalseNegatives == 0 {
			return 1
		}
		return 0
	}
	return float64(m.TruePositives) / float64(m.TruePositives+m.FalsePositives)
}

// Recall is TP/(TP+FN); 1 when there is no truth.
func (m Match) Recall() float64 {
	if m.TruePositives+m.FalseNegatives == 0 {
		return 1
	}
	return float64(m.TruePositives) / float64(m.TruePositives+m.FalseNegatives)
}

// MatchAll matches the detections of every image against its truth at IoU
// threshold iou and sums the counts.
func MatchAll(images []Image, iou float64) Match {
	var m Match
	var scoreSum float64
	for _, im := range images {
		order := make([]int, len(im.Dets))
		for i := range order {
			order[i] = i
		}
		sort.SliceStable(order, func(a, b int) bool { return im.Dets[order[a]].Score > im.Dets[order[b]].Score })
		used := make([]bool, len(im.Truth))
		for _, i := range order {
			d := im.Dets[i]
			best, bestIoU := -1, iou
			for g, t := range im.Truth {
				if used[g] || t.Class != d.Class {
					continue
				}
				if v := IoU(d, t); v >= bestIoU {
					best, bestIoU = g, v
				}
			}
			if best < 0 {
				m.FalsePositives++
				continue
			}
			used[best] = true
			m.TruePositives++
			scoreSum += d.Score - im.Truth[best].Score
		}
		for _, u := range used {
			if !u {
				m.FalseNegatives++
			}
		}
	}
	if m.TruePositives > 0 {
		m.MeanScoreDelta = scoreSum / float64(m.TruePositives)
	}
	return m
}

// Options are the limits of an accuracy verdict.
type Options struct {
	// MAPDrop is the largest allowed absolute drop of mAP50-95 below the
	// baseline's when labels exist; zero means 0.01.
	MAPDrop float64
	// MinRecall and MinPrecision are the floors against the baseline's
	// detections when there are no labels; zero means 0.9.
	MinRecall, MinPrecision float64
	// MatchIoU is the IoU a detection needs to match a baseline detection;
	// zero means 0.5.
	MatchIoU float64
}

func (o Options) withDefaults() Options {
	if o.MAPDrop == 0 {
		o.MAPDrop = 0.01
	}
	if o.MinRecall == 0 {
		o.MinRecall = 0.9
	}
	if o.MinPrecision == 0 {
		o.MinPrecision = 0.9
	}
	if o.MatchIoU == 0 {
		o.MatchIoU = 0.5
	}
	return o
}

// Verdict is the accuracy outcome of one case.
type Verdict struct {
	// Regressed is true when the model got measurably worse.
	Regressed bool
	// Method is "labels" (mAP against ground truth) or "baseline" (pseudo
	// ground truth from the baseline's detections).
	Method string
	// Reason explains the verdict in one line.
	Reason string
	// With labels: mAP of the baseline and of the current model.
	Baseline, Current *MAP
	// Without labels: the current detections against the baseline's.
	Agreement *Match
	Images    int
}

// CompareWithLabels compares the current and baseline detections on labelled
// images: a drop of mAP50-95 larger than opt.MAPDrop is a regression.
// current and baseline carry the same Truth (the labels).
func CompareWithLabels(current, baseline []Image, opt Options) Verdict {
	opt = opt.withDefaults()
	cur, base := MeanAP(current), MeanAP(baseline)
	v := Verdict{Method: "labels", Current: &cur, Baseline: &base, Images: len(current)}
	drop := base.MAP5095 - cur.MAP5095
	if cur.Classes == 0 {
		v.Reason = "labels hold no boxes: mAP is undefined"
		return v
	}
	if drop > opt.MAPDrop {
		v.Regressed = true
		v.Reason = fmt.Sprintf("mAP50-95 fell from %.3f to %.3f (−%.3f, limit %.3f)", base.MAP5095, cur.MAP5095, drop, opt.MAPDrop)
		return v
	}
	v.Reason = fmt.Sprintf("mAP50-95 %.3f (baseline %.3f), mAP50 %.3f", cur.MAP5095, base.MAP5095, cur.MAP50)
	return v
}

// CompareWithBaseline compares the current detections with the baseline's
// own detections as pseudo ground truth (each Image's Truth holds the
// baseline's detections): recall or precision below the floors is a regression.
func CompareWithBaseline(images []Image, opt Options) Verdict {
	opt = opt.withDefaults()
	m := MatchAll(images, opt.MatchIoU)
	v := Verdict{Method: "baseline", Agreement: &m, Images: len(images)}
	r, p := m.Recall(), m.Precision()
	switch {
	case r < opt.MinRecall:
		v.Regressed = true
		v.Reason = fmt.Sprintf("found %d of %d baseline detections (recall %.2f < %.2f)", m.TruePositives, m.TruePositives+m.FalseNegatives, r, opt.MinRecall)
	case p < opt.MinPrecision:
		v.Regressed = true
		v.Reason = fmt.Sprintf("%d of %d detections are not in the baseline (precision %.2f < %.2f)", m.FalsePositives, m.TruePositives+m.FalsePositives, p, opt.MinPrecision)
	default:
		v.Reason = fmt.Sprintf("recall %.2f, precision %.2f against the baseline's detections, mean score change %+.3f", r, p, m.MeanScoreDelta)
	}
	return v
}
