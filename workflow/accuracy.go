package workflow

import (
	"context"
	"errors"

	"github.com/yologate/yologate/compare/accuracy"
	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/runner"
	"github.com/yologate/yologate/runner/results"
)

// AccuracyCheck is the check on reference images that runs after timing.
type AccuracyCheck struct {
	Images  []runner.CheckImage
	Options runner.AccuracyOptions
	// Warn receives what the check skipped; nil drops it.
	Warn func(string)
}

// LoadAccuracyCheck decodes the reference images and checks their label
// files against the fewest classes a model of specs detects, before
// anything is timed. warn receives an image without labels among labelled
// ones. All label problems are returned together as an errs.List.
func LoadAccuracyCheck(inputs []string, labels string, specs []runner.Spec, opt runner.AccuracyOptions, warn func(string)) (*AccuracyCheck, error) {
	if err := runner.CheckAccuracyModels(specs); err != nil {
		return nil, err
	}
	imgs, err := runner.LoadCheckImages(inputs, labels)
	if err != nil {
		return nil, err
	}
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
		return nil, problems
	}
	if labels != "" && labelled == 0 {
		return nil, errs.Inputf(labels, "put one STEM.txt per image there (class cx cy w h, normalized)", "no label file for any of the %d reference images", len(imgs))
	}
	if labelled > 0 && warn != nil {
		for _, im := range imgs {
			if im.LabelFile == "" {
				warn(im.Path + " has no label file (looked for " + runner.LabelPath(im.Path, labels)[0] + "): it is checked against the baseline's detections only")
			}
		}
	}
	return &AccuracyCheck{Images: imgs, Options: opt, Warn: warn}, nil
}

// appendProblems adds err, or every problem of an errs.List, to l.
func appendProblems(l errs.List, err error) errs.List {
	var more errs.List
	if errors.As(err, &more) {
		return append(l, more...)
	}
	var e *errs.Error
	if errors.As(err, &e) {
		return append(l, e)
	}
	return append(l, errs.Inputf("labels", "", "%v", err))
}

// Check runs the check on every case of f and scores the labelled images;
// a failure marks f incomplete, since results without their check are not
// a result. A nil check does nothing.
func (a *AccuracyCheck) Check(ctx context.Context, specs []runner.Spec, f *results.File) error {
	if a == nil || len(a.Images) == 0 || f == nil {
		return nil
	}
	warn := a.Warn
	if warn == nil {
		warn = func(string) {}
	}
	fail := func(err error) error {
		f.Status, f.StatusReason = results.StatusIncomplete, "accuracy check: "+err.Error()
		return err
	}
	if err := runner.CheckAccuracy(ctx, specs, f, a.Images, a.Options, warn); err != nil {
		return fail(err)
	}
	for i := range f.Cases {
		if err := scoreLabels(f.Cases[i].Accuracy, a.Images); err != nil {
			return fail(err)
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
