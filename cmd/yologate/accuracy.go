package main

import (
	"flag"
	"fmt"
	"math"

	"github.com/yologate/yologate/compare/accuracy"
	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/runner"
	"github.com/yologate/yologate/runner/yolo"
	"github.com/yologate/yologate/workflow"
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
// anything is timed; nil when no reference images were given.
func (a *accuracyFlags) load(c *Command, specs []runner.Spec) (*workflow.AccuracyCheck, error) {
	inputs := runner.SplitList(a.images)
	switch {
	case len(inputs) == 0 && a.labels != "":
		return nil, errs.Usagef("--labels", "pass the images too: --check-images DIR", "labels without reference images")
	case len(inputs) == 0:
		return nil, nil
	case !(a.conf > 0 && a.conf < 1):
		return nil, errs.Usagef("--check-conf", "use a score between 0 and 1, such as 0.25", "bad score threshold %v", a.conf)
	case !(a.iou > 0 && a.iou <= 1):
		return nil, errs.Usagef("--check-iou", "use an IoU between 0 and 1, such as 0.45", "bad IoU threshold %v", a.iou)
	}
	opt := runner.AccuracyOptions{ScoreThreshold: a.conf, IoUThreshold: a.iou}
	chk, err := workflow.LoadAccuracyCheck(inputs, a.labels, specs, opt, c.warn)
	return chk, c.listProblems(err)
}

// warn prints a warning line on stderr.
func (c *Command) warn(s string) { fmt.Fprintf(c.Stderr, "yologate: warning: %s\n", s) }

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
