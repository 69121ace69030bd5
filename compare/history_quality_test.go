package compare

import (
	"fmt"
	"math/rand"
	"testing"
)

// The verdict-quality test with run-to-run variance: every run of a case
// (each history run, the baseline and the new run) gets its own offset,
// uniform within ±offset, as a session's luck, an engine rebuild or another
// day gives it, and its repeats have log-normal noise cv around that. The
// baseline is the newest of histRuns runs of main. The rates are recorded
// in docs/statistics.md.

// runSamples returns count repeats of one run of a case with level mu.
func runSamples(r *rand.Rand, mu, offset, cv float64, count int) []float64 {
	o := 1 + offset*(2*r.Float64()-1)
	return lognormal(r, mu*o, cv, count)
}

// historyRates simulates trials gates of qualityCases cases; case 0 drops
// its FPS by drop. With useHist the gate uses histRuns runs of main,
// otherwise only the baseline (Compare). It returns how often case 0 was a
// regression, how often the gate failed with no real change (any case a
// regression; all cases when drop is 0, the others otherwise), and how
// often any unchanged case was called a regression or improvement.
func historyRates(seed int64, offset, cv, drop float64, count, histRuns, trials int, useHist bool) (caught, failed, falseCall float64) {
	r := rand.New(rand.NewSource(seed))
	var nCaught, nFailed, nFalse int
	for t := 0; t < trials; t++ {
		old := make([]Measurement, qualityCases)
		cur := make([]Measurement, qualityCases)
		hist := make([]RunHistory, qualityCases)
		for c := range old {
			id := fmt.Sprintf("case-%d", c)
			mu := 50 + 10*float64(c)
			meds := make([]float64, histRuns)
			var base []float64
			for i := range meds {
				base = runSamples(r, mu, offset, cv, count)
				meds[i] = Summarize(base, 0).Median
			}
			d := 0.0
			if c == 0 {
				d = drop
			}
			old[c] = Measurement{Profile: "p", CaseID: id, Samples: map[Metric][]float64{FPS: base}}
			cur[c] = Measurement{Profile: "p", CaseID: id, Samples: map[Metric][]float64{FPS: runSamples(r, mu*(1-d), offset, cv, count)}}
			hist[c] = RunHistory{Profile: "p", CaseID: id, Medians: map[Metric][]float64{FPS: meds}}
		}
		var rep *Report
		if useHist {
			rep = CompareHistory(old, cur, hist, DefaultOptions())
		} else {
			rep = Compare(old, cur, DefaultOptions())
		}
		if rep.Cases[0].Verdict == Regression {
			nCaught++
		}
		others := rep.Cases[1:]
		if drop == 0 {
			others = rep.Cases
		}
		fail, call := false, false
		for _, c := range others {
			fail = fail || c.Verdict == Regression
			call = call || c.Verdict == Regression || c.Verdict == Improvement
		}
		if fail {
			nFailed++
		}
		if call {
			nFalse++
		}
	}
	f := float64(trials)
	return float64(nCaught) / f, float64(nFailed) / f, float64(nFalse) / f
}

func TestHistoryVerdictQuality(t *testing.T) {
	if testing.Short() {
		t.Skip("verdict quality simulation skipped in -short mode")
	}
	trials := qualityTrials
	if raceEnabled {
		trials = raceTrials
	}
	tests := []struct {
		name    string
		drop    float64
		useHist bool
		// minCaught bounds the rate at which case 0 is a regression;
		// maxFailed and maxFalse bound failed gates and gates with any
		// false call among the unchanged cases. info rows only document.
		minCaught, maxFailed, maxFalse float64
		info                           bool
	}{
		{"history A/A", 0, true, 0, 0.02, 0.05, false},
		{"history drop 10%", 0.10, true, 0.95, 0.02, 0.05, false},
		{"history drop 7%", 0.07, true, 0.70, 0.02, 0.05, false},
		{"history drop 3%", 0.03, true, 0, 0.02, 0.05, false},
		{"no history A/A", 0, false, 0, 1, 1, true},
		{"no history drop 10%", 0.10, false, 0, 1, 1, true},
		{"no history drop 7%", 0.07, false, 0, 1, 1, true},
		{"no history drop 3%", 0.03, false, 0, 1, 1, true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.info && raceEnabled {
				t.Skip("informational row: skipped under -race to keep the test fast")
			}
			caught, failed, falseCall := historyRates(int64(3000+i), 0.03, 0.015, tt.drop, 10, 20, trials, tt.useHist)
			t.Logf("%-20s trials=%d regression(case 0)=%.2f%% failed(unchanged cases)=%.2f%% any false call=%.2f%%",
				tt.name, trials, 100*caught, 100*failed, 100*falseCall)
			if caught < tt.minCaught {
				t.Errorf("case 0 called a regression %.2f%% of the time, want ≥ %.0f%%", 100*caught, 100*tt.minCaught)
			}
			if failed > tt.maxFailed {
				t.Errorf("gate failed on unchanged cases %.2f%% of the time, want ≤ %.0f%%", 100*failed, 100*tt.maxFailed)
			}
			if falseCall > tt.maxFalse {
				t.Errorf("a false call in %.2f%% of gates, want ≤ %.0f%%", 100*falseCall, 100*tt.maxFalse)
			}
		})
	}
}
