package setup

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/yologate/yologate/baselines"
	"github.com/yologate/yologate/compare"
	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/report"
	"github.com/yologate/yologate/runner/results"
)

// Stats are the settings that decide the verdicts, shared by compare, ab,
// gate and report (which has no --format).
type Stats struct {
	Threshold          string
	Alpha              string
	Format             string
	FailOnInconclusive bool
	Metrics            string
	Accuracy           AccuracyLimits
}

// Register defines the statistics flags and --format on fs.
func (s *Stats) Register(fs *flag.FlagSet) {
	s.RegisterVerdict(fs)
	fs.StringVar(&s.Format, "format", "text", "output format: "+strings.Join(report.CompareFormats, ", "))
}

// RegisterVerdict defines the flags that decide the verdicts on fs.
func (s *Stats) RegisterVerdict(fs *flag.FlagSet) {
	fs.StringVar(&s.Threshold, "threshold", "5%", "smallest change of a median that counts, as a percentage (a baseline case may override it)")
	fs.StringVar(&s.Alpha, "alpha", "0.05", "significance level in (0,1), after Holm correction across all tests of the comparison")
	fs.BoolVar(&s.FailOnInconclusive, "fail-on-inconclusive", false, "exit 1 also when a case is inconclusive")
	fs.StringVar(&s.Metrics, "metrics", "fps,p50_ms,p99_ms", "gated metrics, comma-separated: fps, p50_ms, p99_ms")
	s.Accuracy.Register(fs)
}

// optionFixes says how to fix each compare option that a flag sets.
var optionFixes = map[string]string{
	"alpha":     "write a number between 0 and 1 such as 0.05",
	"threshold": "write a percentage ≥ 0 such as 5%",
	"metrics":   "use fps, p50_ms and/or p99_ms",
}

// Options validates the settings into compare options
// (compare.Options.Validate, its errors worded with the flag and its fix).
func (s *Stats) Options() (compare.Options, error) {
	opt := compare.DefaultOptions()
	pct, err := baselines.ParsePercent(s.Threshold)
	if err != nil {
		return opt, errs.Usagef("--threshold", optionFixes["threshold"], "%s", err.Error())
	}
	opt.Threshold = pct / 100
	// A zero alpha means the default in compare.Options; on the command
	// line it is out of range.
	if opt.Alpha, err = strconv.ParseFloat(strings.TrimSpace(s.Alpha), 64); err != nil || opt.Alpha == 0 {
		return opt, errs.Usagef("--alpha", optionFixes["alpha"], "%q is not in (0,1)", s.Alpha)
	}
	opt.FailOnInconclusive = s.FailOnInconclusive
	opt.Metrics = nil
	for _, m := range strings.Split(s.Metrics, ",") {
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
			oe.Msg = fmt.Sprintf("%q is not in (0,1)", s.Alpha)
		}
		return opt, errs.Usagef("--"+oe.Option, optionFixes[oe.Option], "%s", oe.Msg)
	}
	if opt.Accuracy, err = s.Accuracy.Options(); err != nil {
		return opt, err
	}
	switch s.Format {
	case "", "text", "markdown", "md", "json":
	default:
		return opt, errs.Usagef("--format", "use one of "+strings.Join(report.CompareFormats, ", "), "unknown format %q", s.Format)
	}
	return opt, nil
}

// CheckOutPath fails early when an output file could not be written at
// the end, so that a long run is not wasted; flagName names the setting.
func CheckOutPath(flagName, path string) error {
	if path == "" {
		return nil
	}
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() {
		return errs.Usagef(flagName, "create the folder first or choose another path", "folder %q of %q does not exist", dir, path)
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return errs.Usagef(flagName, "give a file path", "%q is a folder", path)
	}
	return nil
}

// ReadResults reads a results file for comparison: an incomplete run is
// not a result.
func ReadResults(path string) (*results.File, error) {
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

// ReadBaseline reads a baseline file or folder, printing every problem.
func (e Env) ReadBaseline(path string) (*baselines.File, error) {
	f, err := baselines.ReadPath(path)
	return f, e.Problems(err)
}
