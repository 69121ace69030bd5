package report

import (
	"fmt"

	"github.com/yologate/yologate/compare"
)

// remedyText words a comparison's remedy in yologate's terms: the command
// or flag that settles the verdict, appended to its reason.
func remedyText(r compare.Remedy, repeats int) string {
	switch r {
	case compare.RecordBaseline:
		return `: record one with "yologate baseline update"`
	case compare.RecordDetections:
		return `: record them with "yologate baseline update" to check accuracy`
	case compare.CheckImages:
		return ": pass the same --check-images to check accuracy"
	case compare.MoreRepeats:
		if repeats > 0 {
			return fmt.Sprintf(" (--count %d)", repeats)
		}
	}
	return ""
}

// caseReason is c's reason with its remedy; "" without a reason.
func caseReason(c compare.CaseResult) string {
	if c.Reason == "" {
		return ""
	}
	return c.Reason + remedyText(c.Remedy, c.NeedRepeats)
}

// metricReason is m's reason with the repeats that would settle it.
func metricReason(m compare.MetricResult) string {
	if m.Reason == "" {
		return ""
	}
	return m.Reason + remedyText(compare.MoreRepeats, m.NeedRepeats)
}

// accuracyReason is a's reason with its remedy.
func accuracyReason(a *compare.AccuracyVerdict) string {
	if a.Reason == "" {
		return ""
	}
	return a.Reason + remedyText(a.Remedy, 0)
}

// caseThreshold says that a case was judged with a threshold of its own
// (the baseline case's threshold:), "threshold 200% (case setting)", so
// that a large change it lets pass is not hidden; "" for a case on the
// comparison's threshold or one with no metric judged.
func caseThreshold(c compare.CaseResult, opt compare.Options) string {
	if len(c.Metrics) == 0 || c.Threshold == opt.Threshold {
		return ""
	}
	return fmt.Sprintf("threshold %s (case setting; the comparison's is %s)", pctText(c.Threshold), pctText(opt.Threshold))
}

// pctText formats a fraction as a percentage without trailing zeros.
func pctText(f float64) string {
	return fmt.Sprintf("%.4g%%", f*100)
}
