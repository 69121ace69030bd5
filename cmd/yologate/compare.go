package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/yologate/yologate/baselines"
	"github.com/yologate/yologate/changepoint"
	"github.com/yologate/yologate/compare"
	"github.com/yologate/yologate/history"
	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/report"
	"github.com/yologate/yologate/runner/results"
)

// compareFlags are the statistics flags shared by compare, ab, gate and
// report (which has no --format).
type compareFlags struct {
	threshold          string
	alpha              string
	format             string
	failOnInconclusive bool
	metrics            string
	acc                accuracyLimits
}

func (f *compareFlags) register(fs *flag.FlagSet) {
	f.registerStats(fs)
	fs.StringVar(&f.format, "format", "text", "output format: "+strings.Join(report.CompareFormats, ", "))
}

// registerStats registers the flags that decide the verdicts.
func (f *compareFlags) registerStats(fs *flag.FlagSet) {
	fs.StringVar(&f.threshold, "threshold", "5%", "smallest change of a median that counts, as a percentage (a baseline case may override it)")
	fs.StringVar(&f.alpha, "alpha", "0.05", "significance level in (0,1), after Holm correction across all tests of the comparison")
	fs.BoolVar(&f.failOnInconclusive, "fail-on-inconclusive", false, "exit 1 also when a case is inconclusive")
	fs.StringVar(&f.metrics, "metrics", "fps,p50_ms,p99_ms", "gated metrics, comma-separated: fps, p50_ms, p99_ms")
	f.acc.register(fs)
}

// optionFixes says how to fix each compare option that a flag sets.
var optionFixes = map[string]string{
	"alpha":     "write a number between 0 and 1 such as 0.05",
	"threshold": "write a percentage ≥ 0 such as 5%",
	"metrics":   "use fps, p50_ms and/or p99_ms",
}

// options validates the flags into compare options.
func (f *compareFlags) options() (compare.Options, error) {
	opt := compare.DefaultOptions()
	pct, err := baselines.ParsePercent(f.threshold)
	if err != nil {
		return opt, errs.Usagef("--threshold", optionFixes["threshold"], "%s", err.Error())
	}
	opt.Threshold = pct / 100
	// A zero alpha means the default in compare.Options; on the command
	// line it is out of range.
	if opt.Alpha, err = strconv.ParseFloat(strings.TrimSpace(f.alpha), 64); err != nil || opt.Alpha == 0 {
		return opt, errs.Usagef("--alpha", optionFixes["alpha"], "%q is not in (0,1)", f.alpha)
	}
	opt.FailOnInconclusive = f.failOnInconclusive
	opt.Metrics = nil
	for _, m := range strings.Split(f.metrics, ",") {
		if m = strings.TrimSpace(m); m != "" {
			opt.Metrics = append(opt.Metrics, compare.Metric(m))
		}
	}
	if len(opt.Metrics) == 0 {
		return opt, errs.Usagef("--metrics", optionFixes["metrics"], "no metric given")
	}
	var oe *compare.OptionError
	if err := opt.Validate(); errors.As(err, &oe) {
		if oe.Option == "alpha" {
			oe.Msg = fmt.Sprintf("%q is not in (0,1)", f.alpha)
		}
		return opt, errs.Usagef("--"+oe.Option, optionFixes[oe.Option], "%s", oe.Msg)
	}
	if opt.Accuracy, err = f.acc.options(); err != nil {
		return opt, err
	}
	switch f.format {
	case "", "text", "markdown", "md", "json":
	default:
		return opt, errs.Usagef("--format", "use one of "+strings.Join(report.CompareFormats, ", "), "unknown format %q", f.format)
	}
	return opt, nil
}

// verdictError turns a failing report into the error that exits 1.
func verdictError(rep *compare.Report) error {
	if !rep.Fail {
		return nil
	}
	var ids []string
	for _, c := range rep.Cases {
		if c.Verdict.Fails(rep.Options) {
			ids = append(ids, c.ID)
		}
	}
	return &regressionError{msg: fmt.Sprintf("%s in %d case(s): %s", rep.Verdict, len(ids), strings.Join(ids, ", "))}
}

// parseInterleaved parses flags that may come before, between or after
// positional arguments, and returns the positional ones.
func (c *Command) parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := c.parseFlags(fs, args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if rest[0] == "--" {
			return append(pos, rest[1:]...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// listProblems prints every problem of a multi-problem input error (a
// baseline file with several mistakes) on its own line, so that all of
// them can be fixed in one go; Main then prints the one-line summary.
func (c *Command) listProblems(err error) error {
	var l errs.List
	if errors.As(err, &l) && len(l) > 1 {
		for _, e := range l {
			fmt.Fprintf(c.Stderr, "yologate: %s\n", e)
		}
	}
	return err
}

// readBaseline reads a baseline file or folder, listing every problem.
func (c *Command) readBaseline(path string) (*baselines.File, error) {
	f, err := baselines.ReadPath(path)
	return f, c.listProblems(err)
}

// readResults reads a results file for comparison: an incomplete run is
// not a result.
func readResults(path string) (*results.File, error) {
	f, err := results.Read(path)
	if err != nil {
		return nil, err
	}
	if f.Status != results.StatusComplete {
		reason := ""
		if f.StatusReason != "" {
			reason = ": " + f.StatusReason
		}
		return nil, errs.Inputf(path, "rerun the benchmark to completion", "results are %s%s", f.Status, reason)
	}
	return f, nil
}

func runCompare(_ context.Context, c *Command, args []string) error {
	fs := c.newFlags("compare", "compare --baseline FILE --results FILE [flags]\n       yologate compare [flags] OLD.json NEW.json")
	baselinePath := fs.String("baseline", "", "baseline YAML file (or a folder of them) to compare with")
	resultsPath := fs.String("results", "", "results JSON file of the current run")
	historyDir := fs.String("history", "", "history `DIR` of main's runs (yologate history record): verdicts use their run-to-run spread; without --baseline, main's recent runs are the old side")
	var cf compareFlags
	cf.register(fs)
	pos, err := c.parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	opt, err := cf.options()
	if err != nil {
		return err
	}
	if len(pos) == 2 && !c.onCommandLine("baseline") && !c.onCommandLine("results") {
		// Two files named on the command line: .yologate.yml's baseline
		// is for the other form.
		*baselinePath, *resultsPath = "", ""
	}
	var old, cur []compare.Measurement
	switch {
	case len(pos) == 2 && *baselinePath == "" && *resultsPath == "":
		a, err := readResults(pos[0])
		if err != nil {
			return err
		}
		b, err := readResults(pos[1])
		if err != nil {
			return err
		}
		old, cur = compare.FromResults(a), compare.FromResults(b)
	case len(pos) == 0 && *baselinePath != "" && *resultsPath != "":
		b, err := c.readBaseline(*baselinePath)
		if err != nil {
			return err
		}
		r, err := readResults(*resultsPath)
		if err != nil {
			return err
		}
		old, cur = b.Measurements(), compare.FromResults(r)
	case len(pos) == 0 && *baselinePath == "" && *resultsPath != "" && *historyDir != "":
		r, err := readResults(*resultsPath)
		if err != nil {
			return err
		}
		cur = compare.FromResults(r)
	case len(pos) == 0 && (*baselinePath == "") != (*resultsPath == ""):
		missing := "--results"
		if *baselinePath == "" {
			missing = "--baseline"
		}
		return errs.Usagef(missing, "pass both --baseline FILE and --results FILE, or two results files", "missing")
	default:
		return errs.Usagef("compare", "pass --baseline FILE --results FILE, or OLD.json NEW.json", "expected a baseline and results, or two results files, got %d file argument(s)", len(pos))
	}
	var rep *compare.Report
	if *historyDir != "" {
		h, err := history.Read(*historyDir)
		if err != nil {
			return err
		}
		for _, w := range h.Warnings {
			fmt.Fprintf(c.Stderr, "warning: %v (left out of the history)\n", w)
		}
		if old == nil {
			old = h.Latest(cur)
		}
		rep = compare.CompareHistory(old, cur, h.ForCompare(cur, changepoint.Options{}), opt)
		if n := h.LeftOutNote(); n != "" {
			rep.Notes = append(rep.Notes, n)
		}
	} else {
		rep = compare.Compare(old, cur, opt)
	}
	if err := report.WriteCompare(c.Stdout, rep, cf.format); err != nil {
		return &errs.Error{Kind: errs.Env, Where: "stdout", Msg: "writing the report: " + err.Error()}
	}
	return verdictError(rep)
}
