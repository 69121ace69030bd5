package report

import (
	"fmt"
	"math"

	"github.com/yologate/yologate/compare"
)

// HTMLVerdicts turns a comparison into the HTML report's verdict rows and
// the baseline FPS samples per case id (for the charts when the baseline is
// a YAML file).
func HTMLVerdicts(r *compare.Report) (rows []HTMLVerdict, baseFPS map[string][]float64) {
	baseFPS = map[string][]float64{}
	for _, c := range r.Cases {
		if len(c.Metrics) == 0 {
			rows = append(rows, HTMLVerdict{Profile: c.Profile, CaseID: c.ID, Verdict: string(c.Verdict), Note: caseReason(c)})
			continue
		}
		for _, m := range c.Metrics {
			row := HTMLVerdict{
				Profile: c.Profile, CaseID: c.ID, Metric: m.Metric.Label(),
				Base: fmt.Sprintf("%.4g", m.Old.Median), Head: fmt.Sprintf("%.4g", m.New.Median),
				Delta: fmt.Sprintf("%+.1f%%", m.DeltaPct), P: fmt.Sprintf("%.3f", m.PHolm),
				Verdict: string(m.Verdict), Note: metricReason(m),
			}
			if m.Metric == compare.FPS {
				row.Note = joinNotes(row.Note, c.HistoryNote)
				baseFPS[c.ID] = m.Old.Values
				if finite(m.Old.Lo, m.Old.Hi) {
					row.BaseLow, row.BaseHigh = m.Old.Lo, m.Old.Hi
				}
				if finite(m.New.Lo, m.New.Hi) {
					row.HeadLow, row.HeadHigh = m.New.Lo, m.New.Hi
				}
			}
			rows = append(rows, row)
		}
		if c.Accuracy != nil {
			rows = append(rows, HTMLVerdict{Profile: c.Profile, CaseID: c.ID, Metric: "accuracy",
				Verdict: string(c.Accuracy.Verdict), Note: accuracyReason(c.Accuracy)})
		}
		if d := c.Drift; d != nil {
			v := compare.Unchanged
			if d.Spent {
				v = compare.Regression
			}
			rows = append(rows, HTMLVerdict{Profile: c.Profile, CaseID: c.ID, Metric: "drift budget",
				Base: fmt.Sprintf("%.4g", d.Level), Head: fmt.Sprintf("%.4g", d.Current), Delta: fmt.Sprintf("%+.1f%%", -d.DriftPct),
				Verdict: string(v), Note: d.Reason()})
		}
	}
	return rows, baseFPS
}

// joinNotes joins the notes that are not empty with "; ".
func joinNotes(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "; " + b
}

func finite(xs ...float64) bool {
	for _, x := range xs {
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return false
		}
	}
	return true
}
