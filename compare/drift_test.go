package compare

import (
	"strings"
	"testing"
)

// TestSetDrift folds a drift check into each kind of case: a spent budget
// fails a compared case whatever its metrics say, a budget with room
// changes nothing, and a new case only shows it.
func TestSetDrift(t *testing.T) {
	spent := &DriftCheck{Metric: FPS, Reference: "v1.0 (a000000)", Level: 100, Main: 95.5, Current: 94, DriftPct: 6, BudgetPct: 5, Spent: true,
		Steps: []DriftStep{{Commit: "a00000a0000", DeltaPct: -1.5}, {Commit: "a0000140000", DeltaPct: -1.5}}}
	room := &DriftCheck{Metric: FPS, Reference: "commit a000000", Level: 100, Main: 98, Current: 97, DriftPct: 3, BudgetPct: 10}
	same := spread(100, 0.01, 10)
	tests := []struct {
		name    string
		old     []Measurement
		cur     []float64
		drift   *DriftCheck
		verdict Verdict
		reason  string
	}{
		{"spent on an unchanged case", []Measurement{meas("p", "a", same)}, spread(99, 0.01, 10), spent, Regression,
			"fps drifted 6.0% since v1.0 (a000000): 100 → 94, past the 5% drift budget; steps on main: a00000a0000 -1.5%, a0000140000 -1.5%; this run -1.6% from main's level (95.5)"},
		{"room left", []Measurement{meas("p", "a", same)}, spread(99, 0.01, 10), room, Unchanged, ""},
		{"spent on a regression", []Measurement{meas("p", "a", same)}, spread(80, 0.01, 10), spent, Regression, "fps drifted 6.0%"},
		{"new case", nil, spread(99, 0.01, 10), spent, New, "no baseline"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := Compare(tt.old, []Measurement{meas("p", "a", tt.cur)}, DefaultOptions())
			rep.Cases[0].SetDrift(tt.drift)
			rep.Finish()
			c := rep.Cases[0]
			if c.Verdict != tt.verdict || !strings.HasPrefix(c.Reason, tt.reason) || c.Drift != tt.drift {
				t.Errorf("verdict %s, reason %q; want %s, %q", c.Verdict, c.Reason, tt.verdict, tt.reason)
			}
			if rep.Fail != (tt.verdict == Regression) {
				t.Errorf("fail %v for %s", rep.Fail, tt.verdict)
			}
		})
	}
	if r := (&DriftCheck{Metric: FPS, Reference: "the baseline", Level: 100, Current: 88, DriftPct: 12, BudgetPct: 10, Spent: true}).Reason(); !strings.Contains(r, "no single step on main: a slow slide") {
		t.Errorf("a spent budget without steps: %q", r)
	}
}
