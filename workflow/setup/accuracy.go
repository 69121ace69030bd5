package setup

import (
	"context"
	"flag"
	"math"

	"github.com/yologate/yologate/compare/accuracy"
	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/runner"
	"github.com/yologate/yologate/runner/results"
	"github.com/yologate/yologate/runner/yolo"
	"github.com/yologate/yologate/workflow"
)

// Accuracy selects the reference images of the accuracy check that runs
// after timing (part of Bench).
type Accuracy struct {
	Images    List
	Labels    string
	Conf, IoU float64
}

// Register defines the accuracy check's flags on fs.
func (a *Accuracy) Register(fs *flag.FlagSet) {
	fs.Var(&a.Images, "check-images", "reference images (`DIR` or image files; repeatable) the model must still detect correctly, checked after timing; labels optional (docs/accuracy.md)")
	fs.StringVar(&a.Labels, "labels", "", "folder of YOLO label files (STEM.txt per image; default: the images/ → labels/ sibling, or STEM.txt beside each image)")
	fs.Float64Var(&a.Conf, "check-conf", yolo.DefaultScoreThreshold, "score threshold of the accuracy check, in (0,1)")
	fs.Float64Var(&a.IoU, "check-iou", yolo.DefaultIoUThreshold, "NMS IoU threshold of the accuracy check, in (0,1]")
}

// CheckFunc is a workflow.Job's Check: the accuracy check after timing.
type CheckFunc = func(ctx context.Context, specs []runner.Spec, f *results.File) error

// Load decodes the reference images and checks their label files before
// anything is timed, and returns the check to run after timing; nil when
// no reference images were given. Each label problem is printed.
func (a *Accuracy) Load(env Env, specs []runner.Spec) (CheckFunc, error) {
	inputs := runner.SplitList(a.Images)
	switch {
	case len(inputs) == 0 && a.Labels != "":
		return nil, errs.Usagef("--labels", "pass the images too: --check-images DIR", "labels without reference images")
	case len(inputs) == 0:
		return nil, nil
	case !(a.Conf > 0 && a.Conf < 1):
		return nil, errs.Usagef("--check-conf", "use a score between 0 and 1, such as 0.25", "bad score threshold %v", a.Conf)
	case !(a.IoU > 0 && a.IoU <= 1):
		return nil, errs.Usagef("--check-iou", "use an IoU between 0 and 1, such as 0.45", "bad IoU threshold %v", a.IoU)
	}
	opt := runner.AccuracyOptions{ScoreThreshold: a.Conf, IoUThreshold: a.IoU}
	chk, err := workflow.LoadAccuracyCheck(inputs, a.Labels, specs, opt, env.Warn)
	if err != nil {
		return nil, env.Problems(err)
	}
	return func(ctx context.Context, specs []runner.Spec, f *results.File) error {
		return env.Problems(chk.Check(ctx, specs, f))
	}, nil
}

// AccuracyLimits are the verdict settings of the accuracy check (part of
// Stats).
type AccuracyLimits struct {
	MAPDrop, MinRecall, MinPrecision float64
}

// Register defines the accuracy verdict's flags on fs.
func (l *AccuracyLimits) Register(fs *flag.FlagSet) {
	fs.Float64Var(&l.MAPDrop, "map-threshold", 0.01, "with labels: largest allowed absolute drop of mAP50-95 below the baseline's, in [0,1]")
	fs.Float64Var(&l.MinRecall, "min-recall", 0.9, "without labels: least share of the baseline's detections the model must still find, in (0,1]")
	fs.Float64Var(&l.MinPrecision, "min-precision", 0.9, "without labels: least share of the model's detections the baseline must have, in (0,1]")
}

// Options validates the limits into the accuracy verdict's options.
func (l *AccuracyLimits) Options() (accuracy.Options, error) {
	switch {
	case !(l.MAPDrop >= 0 && l.MAPDrop <= 1):
		return accuracy.Options{}, errs.Usagef("--map-threshold", "use an absolute mAP drop such as 0.01", "%v is not in [0,1]", l.MAPDrop)
	case !(l.MinRecall > 0 && l.MinRecall <= 1):
		return accuracy.Options{}, errs.Usagef("--min-recall", "use a share such as 0.9", "%v is not in (0,1]", l.MinRecall)
	case !(l.MinPrecision > 0 && l.MinPrecision <= 1):
		return accuracy.Options{}, errs.Usagef("--min-precision", "use a share such as 0.9", "%v is not in (0,1]", l.MinPrecision)
	}
	o := accuracy.Options{MAPDrop: l.MAPDrop, MinRecall: l.MinRecall, MinPrecision: l.MinPrecision}
	if o.MAPDrop == 0 {
		// Zero means "the default" to the accuracy package; any drop at all
		// is what the user asked for.
		o.MAPDrop = math.SmallestNonzeroFloat64
	}
	return o, nil
}
