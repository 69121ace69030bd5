package compare

import (
	"fmt"
	"github.com/yologate/yologate/runner/results"
	"strings"
	"time"
)

// DriftCheck says how far a case has drifted from a pinned reference over
// main's history: slow drift that no single change shows, since every step
// stayed under the threshold. A spent budget fails the case whatever its
// other verdicts say.
type DriftCheck struct {
	// Metric is the metric measured (FPS).
	Metric Metric `json:"metric"`
	// Reference names the reference ("v1.4.0 (0123abc)", "the baseline");
	// Level is its median.
	Reference string  `json:"reference"`
	Level     float64 `json:"level"`
	// Main is main's level: the median of its runs since the newest change
	// point; 0 when main has no run since the reference.
	Main float64 `json:"main"`
	// Current is this run's median.
	Current float64 `json:"current"`
	// DriftPct is how much worse Current is than Level, in percent
	// (negative when better); BudgetPct the budget.
	DriftPct  float64 `json:"drift_pct"`
	BudgetPct float64 `json:"budget_pct"`
	// Spent is set when DriftPct exceeds BudgetPct.
	Spent bool `json:"spent"`
	// Steps are main's change points since the reference that made the
	// metric worse, oldest first: the steps that add up to the drift.
	Steps []DriftStep `json:"steps,omitempty"`
}

// DriftStep is one change point of main that made a metric worse.
type DriftStep struct {
	// Commit introduced the change: the first run at the new level.
	Commit string    `json:"commit"`
	Date   time.Time `json:"date"`
	// DeltaPct is the change of the level, in percent.
	DeltaPct float64 `json:"delta_pct"`
}

// SetDrift attaches a drift check to the case and folds it into the case
// verdict: a spent budget makes a compared case a regression (a new case
// has nothing to fail against and only shows it). Call Report.Finish
// afterwards.
func (c *CaseResult) SetDrift(d *DriftCheck) {
	c.Drift = d
	finishCase(c)
}

// applyDrift fails a case whose drift budget is spent.
func applyDrift(c *CaseResult) {
	if c.Drift == nil || !c.Drift.Spent {
		return
	}
	c.Verdict = Worst(c.Verdict, Regression)
	if c.Reason == "" {
		c.Reason = c.Drift.Reason()
	} else {
		c.Reason += "; " + c.Drift.Reason()
	}
}

// Reason explains a drift check in one line: how far the case drifted,
// the budget, and the steps that add up to it.
func (d *DriftCheck) Reason() string {
	label := d.Metric.Label()
	word := "within"
	if d.Spent {
		word = "past"
	}
	s := fmt.Sprintf("%s %s %.1f%% since %s: %.4g → %.4g, %s the %g%% drift budget", label, driftWord(d.DriftPct), abs(d.DriftPct), d.Reference, d.Level, d.Current, word, d.BudgetPct)
	var steps []string
	for _, st := range d.Steps {
		steps = append(steps, fmt.Sprintf("%s %+.1f%%", shortSHA(st.Commit), st.DeltaPct))
	}
	if len(steps) > 0 {
		s += "; steps on main: " + strings.Join(steps, ", ")
	} else if d.Spent {
		s += "; no single step on main: a slow slide"
	}
	if d.Main > 0 && d.Current != d.Main {
		delta := (d.Current - d.Main) / d.Main * 100
		s += fmt.Sprintf("; this run %+.1f%% from main's level (%.4g)", delta, d.Main)
	}
	return s
}

func driftWord(pct float64) string {
	if pct < 0 {
		return "improved"
	}
	return "drifted"
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}

func shortSHA(c string) string {
	if c == "" {
		return "-"
	}
	return results.ShortSHA(c)
}
