package config

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/yologate/yologate/baselines"
	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/internal/flagdef"
	"github.com/yologate/yologate/report"
	"github.com/yologate/yologate/runner"
	"github.com/yologate/yologate/runner/gpu"
	"github.com/yologate/yologate/runner/ort"
	"github.com/yologate/yologate/runner/results"
)

// check validates one setting's text as its flag would take it: its type,
// range or allowed words. It returns what is wrong and the fix.
type check func(text string) (problem, fix string)

// checks holds the check of every flag a config key may set, by flag
// name; TestEveryKeyChecked keeps it complete. The commands parse the
// values again with the same functions, so a value that passes here is
// one the flag takes.
var checks = map[string]check{
	"model":                each(nonEmpty("a standard model name such as yolov8n, or an .onnx path")),
	"imgsz":                each(parsed(func(s string) error { _, err := runner.ParseSize("imgsz", s); return err })),
	"batch":                each(parsed(func(s string) error { _, err := runner.ParseBatch("batch", s); return err })),
	"ep":                   oneOf("auto", ort.TensorRT, ort.CUDA, ort.CPU),
	"ep-options":           parsed(func(s string) error { _, err := ort.ParseProviderOptions(s); return err }),
	"precision":            oneOf(runner.Precisions...),
	"trt-cache":            nonEmpty("a folder, or off"),
	"calibration-table":    nonEmpty("the int8 calibration table file"),
	"include-copies":       boolean,
	"device":               parsed(devices),
	"warmup":               parsed(func(s string) error { _, err := runner.ParseAmount("warmup", s, true, true); return err }),
	"benchtime":            parsed(func(s string) error { _, err := runner.ParseAmount("benchtime", s, false, false); return err }),
	"count":                integer(1, math.MaxInt32, "a repeat count of 1 or more, such as 10"),
	"threads":              integer(0, 4096, "0 for ONNX Runtime's default, or a thread count"),
	"check-images":         each(nonEmpty("a folder of images, or image files")),
	"labels":               nonEmpty("a folder of YOLO label files"),
	"check-conf":           fraction(false, "a score between 0 and 1, such as 0.25"),
	"check-iou":            fraction(true, "an IoU between 0 and 1, such as 0.45"),
	"mode":                 oneOf(results.ModeInfer, results.ModeE2E),
	"input":                each(nonEmpty("a folder of images, or image files")),
	"streams":              integer(1, runner.MaxStreams, fmt.Sprintf("1 to %d concurrent streams", runner.MaxStreams)),
	"threshold":            parsed(percent),
	"alpha":                fraction(false, "a number between 0 and 1, such as 0.05"),
	"fail-on-inconclusive": boolean,
	"map-threshold":        closedUnit("an absolute mAP drop between 0 and 1, such as 0.01"),
	"min-recall":           fraction(true, "a share between 0 and 1, such as 0.9"),
	"min-precision":        fraction(true, "a share between 0 and 1, such as 0.9"),
	"format":               oneOf(append(slices.Clone(report.CompareFormats), "md")...),
	"baseline":             nonEmpty("a baseline YAML file, or a folder such as baselines/"),
	"comment":              oneOf(report.CommentPolicies...),
	"check-run":            boolean,
	"confirm":              boolean,
	"require-baseline":     boolean,
	"base-model":           each(nonEmpty("the base's model for each model, or none")),
	"max-count":            integer(1, math.MaxInt32, "a pair count such as 30"),
	"budget":               parsed(budget),
	"fresh-sessions":       boolean,
	"history":              nonEmpty("the folder of main's history"),
	"history-branch":       nonEmpty("a branch name, such as yologate-history"),
	"drift-budget":         parsed(driftBudget),
	"drift-reference":      nonEmpty("a commit, a tag of the checkout, or baseline"),
}

// checkNode checks the value v of key, read from node n of file name: a
// list item by item, so that a bad one is reported at its own position.
func checkNode(name, key string, n *yaml.Node, v Value) *errs.Error {
	if n.Kind == yaml.SequenceNode {
		for _, e := range n.Content {
			if err := checkValue(name, key, Value{Text: e.Value, Line: e.Line, Col: e.Column}); err != nil {
				return err
			}
		}
		return nil
	}
	return checkValue(name, key, v)
}

// checkValue checks the value of key v at its position in file name.
func checkValue(name, key string, v Value) *errs.Error {
	c, ok := checks[flagdef.FlagOfKey(key)]
	if !ok {
		return nil
	}
	problem, fix := c(v.Text)
	if problem == "" {
		return nil
	}
	return errs.At(name, v.Line, v.Col, fix, "%s: %s", key, problem)
}

// parsed turns a parse function of the command line into a check, with
// its message and fix.
func parsed(parse func(string) error) check {
	return func(s string) (string, string) {
		err := parse(s)
		if err == nil {
			return "", ""
		}
		var e *errs.Error
		if errors.As(err, &e) {
			return e.Msg, e.Fix
		}
		return err.Error(), ""
	}
}

// each checks every item of a comma list (a YAML list arrives joined).
func each(c check) check {
	return func(s string) (string, string) {
		for _, item := range strings.Split(s, ",") {
			if problem, fix := c(strings.TrimSpace(item)); problem != "" {
				return problem, fix
			}
		}
		return "", ""
	}
}

func nonEmpty(what string) check {
	return func(s string) (string, string) {
		if strings.TrimSpace(s) == "" {
			return "empty value", "write " + what
		}
		return "", ""
	}
}

func oneOf(words ...string) check {
	return func(s string) (string, string) {
		if slices.Contains(words, s) {
			return "", ""
		}
		return fmt.Sprintf("%q is not one of %s", s, strings.Join(words, ", ")), "write one of them"
	}
}

// boolean takes what a boolean flag takes (strconv.ParseBool).
func boolean(s string) (string, string) {
	if _, err := strconv.ParseBool(s); err != nil {
		return fmt.Sprintf("%q is not true or false", s), "write true or false"
	}
	return "", ""
}

// integer takes what an int flag takes, within [lo, hi].
func integer(lo, hi int, want string) check {
	return func(s string) (string, string) {
		n, err := strconv.ParseInt(s, 0, 64)
		switch {
		case err != nil:
			return fmt.Sprintf("%q is not a whole number", s), "write " + want
		case n < int64(lo) || n > int64(hi):
			return fmt.Sprintf("%d is out of range", n), "write " + want
		}
		return "", ""
	}
}

// fraction takes a number in (0,1), or (0,1] when one is allowed.
func fraction(one bool, want string) check {
	return func(s string) (string, string) {
		v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		hi := "1)"
		if one {
			hi = "1]"
		}
		switch {
		case err != nil:
			return fmt.Sprintf("%q is not a number", s), "write " + want
		case !(v > 0 && (v < 1 || one && v == 1)):
			return fmt.Sprintf("%s is not in (0,%s", s, hi), "write " + want
		}
		return "", ""
	}
}

// closedUnit takes a number in [0,1].
func closedUnit(want string) check {
	return func(s string) (string, string) {
		v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return fmt.Sprintf("%q is not a number", s), "write " + want
		}
		if !(v >= 0 && v <= 1) {
			return fmt.Sprintf("%s is not in [0,1]", s), "write " + want
		}
		return "", ""
	}
}

func percent(s string) error {
	if _, err := baselines.ParsePercent(s); err != nil {
		return errs.Usagef("threshold", "write a percentage ≥ 0 such as 5%", "%s", err.Error())
	}
	return nil
}

func driftBudget(s string) error {
	if v, err := baselines.ParsePercent(s); err != nil || !(v > 0) {
		return errs.Usagef("drift-budget", "write a percentage above 0 such as 10%", "%q is not a drift budget", s)
	}
	return nil
}

func devices(s string) error {
	if s == "all" {
		return nil
	}
	_, err := gpu.ParseDevices(s, math.MaxInt)
	return err
}

func budget(s string) error {
	if d, err := time.ParseDuration(s); err != nil || d < 0 {
		return errs.Usagef("budget", "write a duration such as 20m, or 0 for no bound", "%q is not a duration", s)
	}
	return nil
}
