package report

import (
	"fmt"

	"github.com/yologate/yologate/compare"
)

// accuracyFigures is the accuracy check in a few words, without a mark:
// "mAP50-95 0.520→0.310" with labels, "recall 0.40 · precision 1.00 vs
// baseline" without; empty when the check has no figures.
func accuracyFigures(a *compare.AccuracyVerdict) string {
	s := a.Scores
	if cur, ok := s[compare.ScoreMAP5095]; ok {
		if base, ok := s[compare.ScoreBaseMAP5095]; ok {
			out := fmt.Sprintf("mAP50-95 %.3f→%.3f", base, cur)
			if r, ok := s[compare.ScoreRecall]; ok {
				out += fmt.Sprintf(" · recall %.2f vs baseline", r)
			}
			return out
		}
		return fmt.Sprintf("mAP50-95 %.3f", cur)
	}
	if r, ok := s[compare.ScoreRecall]; ok {
		return fmt.Sprintf("recall %.2f · precision %.2f vs baseline", r, s[compare.ScorePrecision])
	}
	return ""
}

// accuracyCell is the accuracy column of a case: ✓ or ✗ with the figures,
// "not checked" for an inconclusive check ("settings changed" when its
// settings differ from the baseline's), — when none was made.
func accuracyCell(a *compare.AccuracyVerdict) string {
	if a == nil {
		return "—"
	}
	f := accuracyFigures(a)
	switch a.Verdict {
	case compare.AccuracyRegression:
		return "✗ " + f
	case compare.Inconclusive:
		if len(a.SettingsDiff) > 0 {
			return "⚠️ settings changed"
		}
		return "⚠️ not checked"
	}
	if f == "" {
		return "✓"
	}
	return "✓ " + f
}

// anyAccuracy reports whether any case had an accuracy check, so that
// tables show the accuracy column only when it says something.
func anyAccuracy(cases []compare.CaseResult) bool {
	for _, c := range cases {
		if c.Accuracy != nil {
			return true
		}
	}
	return false
}

// accuracyRow is the accuracy check of a case as a row of the comparison
// table, under its speed metrics.
func accuracyRow(a *compare.AccuracyVerdict) compareRow {
	row := compareRow{metric: "accuracy", old: "—", new: "—", verdict: a.Verdict.Symbol()}
	s := a.Scores
	if cur, ok := s[compare.ScoreMAP5095]; ok {
		row.metric = "mAP50-95"
		row.new = fmt.Sprintf("%.3f", cur)
		if base, ok := s[compare.ScoreBaseMAP5095]; ok {
			row.old = fmt.Sprintf("%.3f", base)
			row.delta = fmt.Sprintf("%+.3f", cur-base)
		}
	} else if r, ok := s[compare.ScoreRecall]; ok {
		// The baseline's own detections are the truth: it agrees fully.
		row.metric = "recall/prec."
		row.old = "1.00/1.00"
		row.new = fmt.Sprintf("%.2f/%.2f", r, s[compare.ScorePrecision])
	}
	return row
}
