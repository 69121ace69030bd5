package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"

	"github.com/yologate/yologate/compare/accuracy"
	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/runner"
	"github.com/yologate/yologate/runner/results"
	"github.com/yologate/yologate/runner/yolo"
)

// accuracyFlags select the reference images of the accuracy check that
// runs after timing (part of benchFlags).
type accuracyFlags struct {
	images    listFlag
	labels    string
	conf, iou float64
}

func (a *accuracyFlags) register(fs *flag.FlagSet) {
	fs.Var(&a.images, "check-images", "reference images (`DIR` or image files; repeatable) the model must still detect correctly, checked after timing; labels optional (docs/accuracy.md)")
	fs.StringVar(&a.labels, "labels", "", "folder of YOLO label files (STEM.txt per image; default: the images/ → labels/ sibling, or STEM.txt beside each image)")
	fs.Float64Var(&a.conf, "check-conf", yolo.DefaultScoreThreshold, "score threshold of the accuracy check, in (0,1)")
	fs.Float64Var(&a.iou, "check-iou", yolo.DefaultIoUThreshold, "NMS IoU threshold of the accuracy check, in (0,1]")
}

// load decodes the reference images and checks their label files before
// anything is timed; nil when no reference images were given. An image
// without labels among labelled ones is checked against the baseline's
// detections only, with a warning.
func (a *accuracyFlags) load(c *Command, specs []runner.Spec) ([]runner.CheckImage, error) {
	inputs := runner.SplitList(a.images)
	if len(inputs) == 0 {
		if a.labels != "" {
			return nil, errs.Usagef("--labels", "pass the images too: --check-images DIR", "labels without reference images")
		}
		return nil, nil
	}
	switch {
	case !(a.conf > 0 && a.conf < 1):
		return nil, errs.Usagef("--check-conf", "use a score between 0 and 1, such as 0.25", "bad score threshold %v", a.conf)
	case !(a.iou > 0 && a.iou <= 1):
		return nil, errs.Usagef("--check-iou", "use an IoU between 0 and 1, such as 0.45", "bad IoU threshold %v", a.iou)
	}
	if err := runner.CheckAccuracyModels(specs); err != nil {
		return nil, err
	}
	imgs, err := runner.LoadCheckImages(inputs, a.labels)
	if err != nil {
		return nil, err
	}
	// Class ids are checked against the fewest classes a model of the run
	// detects, so that a bad label fails before any timing.
	classes := 0
	for _, sp := range specs {
		if n := sp.Model.Classes(); n > 0 && (classes == 0 || n < classes) {
			classes = n
		}
	}
	var problems errs.List
	labelled := 0
	for _, im := range imgs {
		if im.LabelFile == "" {
			continue
		}
		labelled++
		if _, err := accuracy.ParseLabels(im.LabelFile, im.Labels, classes, im.Image.W, im.Image.H); err != nil {
			problems = appendProblems(problems, err)
		}
	}
	if len(problems) > 0 {
		return nil, c.listProblems(problems)
	}
	if a.labels != "" && labelled == 0 {
		return nil, errs.Inputf(a.labels, "put one STEM.txt per image there (class cx cy w h, normalized)", "no label file for any of the %d reference images", len(imgs))
	}
	if labelled > 0 {
		for _, im := range imgs {
			if im.LabelFile == "" {
				fmt.Fprintf(c.Stderr, "yologate: warning: %s has no label file (looked for %s): it is checked against the baseline's detections only\n",
					im.Path, runner.LabelPath(im.Path, a.labels)[0])
			}
		}
	}
	return imgs, nil
}

// appendProblems adds err, or every problem of an errs.List, to l.
func appendProblems(l errs.List, err error) errs.List {
	if more, ok := err.(errs.List); ok {
		return append(l, more...)
	}
	if e, ok := err.(*errs.Error); ok {
		return append(l, e)
	}
	return append(l, errs.Inputf("labels", "", "%v", err))
}

// check runs the accuracy check on every case of f (after its timing) and
// scores the labelled images: label class ids must exist in the model.
func (a *accuracyFlags) check(ctx context.Context, c *Command, specs []runner.Spec, f *results.File, imgs []runner.CheckImage) error {
	if len(imgs) == 0 || f == nil {
		return nil
	}
	warn := func(s string) { fmt.Fprintf(c.Stderr, "yologate: warning: %s\n", s) }
	fail := func(err error) error {
		// Results without their accuracy check are not a result.
		f.Status, f.StatusReason = results.StatusIncomplete, "accuracy check: "+err.Error()
		return err
	}
	if err := runner.CheckAccuracy(ctx, specs, f, imgs, runner.AccuracyOptions{ScoreThreshold: a.conf, IoUThreshold: a.iou}, warn); err != nil {
		return fail(err)
	}
	for i := range f.Cases {
		if err := scoreLabels(f.Cases[i].Accuracy, imgs); err != nil {
			return fail(c.listProblems(err))
		}
	}
	return nil
}

// scoreLabels parses the labels of acc's images against the model's class
// count and fills Labels and the Summary.
func scoreLabels(acc *results.Accuracy, imgs []runner.CheckImage) error {
	if acc == nil {
		return nil
	}
	var problems errs.List
	var scored []accuracy.Image
	for i := range acc.Images {
		im := &acc.Images[i]
		ci := imgs[i]
		if ci.LabelFile == "" {
			continue
		}
		boxes, err := accuracy.ParseLabels(ci.LabelFile, ci.Labels, acc.Classes, im.Width, im.Height)
		if err != nil {
			problems = appendProblems(problems, err)
			continue
		}
		im.Labels = make([]results.Detection, len(boxes))
		for j, b := range boxes {
			im.Labels[j] = results.Detection{Class: b.Class, X1: b.X1, Y1: b.Y1, X2: b.X2, Y2: b.Y2}
		}
		scored = append(scored, accuracy.Image{Name: im.Image, Truth: boxes, Dets: accuracy.Boxes(im.Detections)})
	}
	if len(problems) > 0 {
		return problems
	}
	if len(scored) == 0 {
		return nil
	}
	mp := accuracy.MeanAP(scored)
	m := accuracy.MatchAll(scored, 0.5)
	acc.Summary = &results.AccuracySummary{LabelledImages: len(scored), MAP50: mp.MAP50, MAP5095: mp.MAP5095,
		Precision: m.Precision(), Recall: m.Recall()}
	return nil
}

// accuracyLimits are the verdict flags of the accuracy check (part of
// compareFlags).
type accuracyLimits struct {
	mapDrop, minRecall, minPrecision float64
}

func (l *accuracyLimits) register(fs *flag.FlagSet) {
	fs.Float64Var(&l.mapDrop, "map-threshold", 0.01, "with labels: largest allowed absolute drop of mAP50-95 below the baseline's, in [0,1]")
	fs.Float64Var(&l.minRecall, "min-recall", 0.9, "without labels: least share of the baseline's detections the model must still find, in (0,1]")
	fs.Float64Var(&l.minPrecision, "min-precision", 0.9, "without labels: least share of the model's detections the baseline must have, in (0,1]")
}

// options validates the flags into the accuracy verdict's limits.
func (l *accuracyLimits) options() (accuracy.Options, error) {
	switch {
	case !(l.mapDrop >= 0 && l.mapDrop <= 1):
		return accuracy.Options{}, errs.Usagef("--map-threshold", "use an absolute mAP drop such as 0.01", "%v is not in [0,1]", l.mapDrop)
	case !(l.minRecall > 0 && l.minRecall <= 1):
		return accuracy.Options{}, errs.Usagef("--min-recall", "use a share such as 0.9", "%v is not in (0,1]", l.minRecall)
	case !(l.minPrecision > 0 && l.minPrecision <= 1):
		return accuracy.Options{}, errs.Usagef("--min-precision", "use a share such as 0.9", "%v is not in (0,1]", l.minPrecision)
	}
	o := accuracy.Options{MAPDrop: l.mapDrop, MinRecall: l.minRecall, MinPrecision: l.minPrecision}
	if o.MAPDrop == 0 {
		// Zero means "the default" to the accuracy package; any drop at all
		// is what the user asked for.
		o.MAPDrop = math.SmallestNonzeroFloat64
	}
	return o, nil
}

// writeAccuracyText prints, after the run table, what the accuracy check
// found per case; nothing when no case was checked.
func writeAccuracyText(w io.Writer, f *results.File) {
	header := false
	for _, c := range f.Cases {
		a := c.Accuracy
		if a == nil {
			continue
		}
		if !header {
			fmt.Fprintf(w, "\naccuracy check (score > %g, NMS IoU %g):\n", a.ScoreThreshold, a.IoUThreshold)
			header = true
		}
		n := 0
		for _, im := range a.Images {
			n += len(im.Detections)
		}
		line := fmt.Sprintf("  %s: %d detections on %d images", c.ID, n, len(a.Images))
		if s := a.Summary; s != nil {
			line += fmt.Sprintf("; on %d labelled: mAP50-95 %.3f, mAP50 %.3f, precision %.2f, recall %.2f",
				s.LabelledImages, s.MAP5095, s.MAP50, s.Precision, s.Recall)
		}
		fmt.Fprintln(w, line)
	}
}
