package history

import (
	"github.com/yologate/yologate/baselines"
	"github.com/yologate/yologate/changepoint"
	"github.com/yologate/yologate/compare"
)

// ReviewOptions select the series a review looks at and what it judges.
type ReviewOptions struct {
	// Case, when set, is a glob of the case ids to review
	// (baselines.MatchCase: * also matches /).
	Case string
	// Metric is the metric reviewed; "" means FPS.
	Metric compare.Metric
	// Check judges each series: its newest change point made it worse, or
	// it drifted past Budget since Reference.
	Check bool
	// Budget is the drift budget as a fraction (0.10 = 10%); 0 checks no
	// drift. Reference is the level it is measured from (ResolveReference).
	Budget    float64
	Reference Reference
	// Changepoint tunes the change-point detection.
	Changepoint changepoint.Options
}

// SeriesReview is one series with its change points and, in a check,
// what is wrong with it.
type SeriesReview struct {
	Key Key
	// Runs is the number of runs in the series; Latest the newest run's
	// median of the metric.
	Runs   int
	Latest float64
	// Changes are the series' change points, oldest first.
	Changes []Change
	// Worse reports that the newest change point made the metric worse
	// (only in a check).
	Worse bool
	// NoReference reports that the history holds no level of the
	// reference for the series, so its drift was not checked.
	NoReference bool
	// Drift is the drift budget's verdict; nil when it was not checked.
	Drift *Budget
}

// Failed reports whether the check fails the series: it got worse at its
// newest change point, or spent its drift budget.
func (s SeriesReview) Failed() bool { return s.Worse || s.Drift != nil && s.Drift.Spent }

// Review returns every series of h that o selects, in the order of Keys,
// with its change points and, with o.Check, its verdicts.
func Review(h *History, o ReviewOptions) ([]SeriesReview, error) {
	m := o.Metric
	if m == "" {
		m = compare.FPS
	}
	var out []SeriesReview
	for _, k := range h.Keys() {
		if o.Case != "" {
			if ok, _ := baselines.MatchCase(o.Case, k.Case); !ok {
				continue
			}
		}
		pts := h.Series(k, m)
		if len(pts) == 0 {
			continue
		}
		s := SeriesReview{Key: k, Runs: len(pts), Latest: pts[len(pts)-1].Median, Changes: ChangePoints(pts, m, o.Changepoint)}
		if o.Check {
			if n := len(s.Changes); n > 0 && s.Changes[n-1].Regression {
				s.Worse = true
			}
			if o.Budget > 0 {
				b, ok, err := DriftOf(k, pts, m, o.Reference, 0, o.Budget, o.Changepoint)
				if err != nil {
					return nil, err
				}
				if ok {
					s.Drift = &b
				} else {
					s.NoReference = true
				}
			}
		}
		out = append(out, s)
	}
	return out, nil
}

// Failing counts the series a check fails (SeriesReview.Failed).
func Failing(series []SeriesReview) int {
	n := 0
	for _, s := range series {
		if s.Failed() {
			n++
		}
	}
	return n
}
