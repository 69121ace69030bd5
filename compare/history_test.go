package compare

import (
	"strings"
	"testing"
)

func TestCompareHistory(t *testing.T) {
	base := []float64{100, 101, 99, 100.5, 99.5, 100.2, 99.8, 100.1, 99.9, 100}
	scaled := func(f float64) []float64 {
		v := make([]float64, len(base))
		for i, x := range base {
			v[i] = x * f
		}
		return v
	}
	steady := []float64{100, 102, 98, 101, 99, 100.5, 99.5, 101.5}
	wide := []float64{100, 115, 88, 108, 93, 120, 85, 104}
	tests := []struct {
		name    string
		medians []float64
		cur     []float64
		verdict Verdict
		note    string
		reason  string
		// histDelta is the expected change against main's runs, in percent;
		// NaN-free: 0 means no check.
		histDelta float64
	}{
		{"too few runs", []float64{100, 101, 99}, scaled(0.90), Regression, "no run-to-run history yet (3 of 5 comparable runs of main)", "", 0},
		{"no runs", nil, scaled(1), Unchanged, "no run-to-run history yet (0 of 5 comparable runs of main)", "", 0},
		{"steady main, same speed", steady, scaled(1.01), Unchanged, "run-to-run spread from 8 runs of main", "", 0},
		{"steady main, 10% slower", steady, scaled(0.90), Regression, "run-to-run spread from 8 runs of main", "", -10},
		{"steady main, 10% faster", steady, scaled(1.10), Improvement, "run-to-run spread from 8 runs of main", "", 10},
		{"noisy main, 10% slower", wide, scaled(0.90), Inconclusive, "run-to-run spread from 8 runs of main", "main itself moves ±", -10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := []Measurement{{Profile: "p", CaseID: "c", Samples: map[Metric][]float64{FPS: base}}}
			cur := []Measurement{{Profile: "p", CaseID: "c", Samples: map[Metric][]float64{FPS: tt.cur}}}
			var hist []RunHistory
			if tt.medians != nil {
				hist = []RunHistory{{Profile: "p", CaseID: "c", Medians: map[Metric][]float64{FPS: tt.medians}}}
			}
			rep := CompareHistory(old, cur, hist, DefaultOptions())
			c := rep.Cases[0]
			if c.Verdict != tt.verdict || c.HistoryNote != tt.note {
				t.Errorf("verdict %s, note %q; want %s, %q (reason %q)", c.Verdict, c.HistoryNote, tt.verdict, tt.note, c.Reason)
			}
			if !strings.Contains(c.Reason, tt.reason) {
				t.Errorf("reason %q, want it to contain %q", c.Reason, tt.reason)
			}
			h := c.Metrics[0].History
			if (tt.histDelta != 0) != (h != nil && tt.histDelta != 0) {
				t.Fatalf("history check %+v", h)
			}
			if tt.histDelta != 0 {
				if d := h.DeltaPct - tt.histDelta; d > 1 || d < -1 {
					t.Errorf("change against main %.2f%%, want about %.0f%%", h.DeltaPct, tt.histDelta)
				}
				if !(h.Lo < h.Center && h.Center < h.Hi) || h.Runs != len(tt.medians) {
					t.Errorf("check %+v", h)
				}
			}
		})
	}
	// Without history, CompareHistory's cases carry the note and the same
	// verdicts as Compare.
	old := []Measurement{{Profile: "p", CaseID: "c", Samples: map[Metric][]float64{FPS: base}}}
	cur := []Measurement{{Profile: "p", CaseID: "c", Samples: map[Metric][]float64{FPS: scaled(0.9)}}}
	a, b := Compare(old, cur, DefaultOptions()), CompareHistory(old, cur, nil, DefaultOptions())
	if a.Cases[0].Verdict != b.Cases[0].Verdict || a.Cases[0].HistoryNote != "" || !strings.HasPrefix(b.Cases[0].HistoryNote, NoHistoryNote) {
		t.Errorf("Compare %+v, CompareHistory %+v", a.Cases[0], b.Cases[0])
	}
}

func TestPredictZeroSpread(t *testing.T) {
	same := []float64{100, 100, 100, 100, 100}
	if _, p, ok := predict(same, 100, 0.05); !ok || p != 1 {
		t.Errorf("same value: p=%v ok=%v, want 1", p, ok)
	}
	if _, p, ok := predict(same, 90, 0.05); !ok || p != 0 {
		t.Errorf("other value: p=%v ok=%v, want 0", p, ok)
	}
	if _, _, ok := predict([]float64{100, 0, 100, 100, 100}, 90, 0.05); ok {
		t.Errorf("a zero median was accepted")
	}
}
