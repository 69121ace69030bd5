package compare

import (
	"fmt"
	"math"
	"math/rand"
	"testing"
)

// The verdict-quality test: synthetic per-repeat FPS with log-normal noise
// of a given coefficient of variation, fixed seeds, many trials of a
// 10-case comparison. It measures how often the gate raises a false alarm
// on identical distributions (A/A) and how often it catches a real drop.
// The measured rates are recorded in docs/statistics.md.

// qualityTrials is the number of simulated comparisons per condition:
// enough that a rate of 5% is known within about ±1% (one standard error
// of 0.5%). Under -race, which slows the exact U distribution several-fold,
// raceTrials keep the test at seconds; the asserted bounds still hold with
// a margin of several standard errors.
const (
	qualityTrials = 2000
	raceTrials    = 400
)

// qualityCases is the number of cases per comparison (the Holm family).
const qualityCases = 10

// lognormal returns n samples with median mu and coefficient of variation cv.
func lognormal(r *rand.Rand, mu, cv float64, n int) []float64 {
	sigma := math.Sqrt(math.Log(1 + cv*cv))
	v := make([]float64, n)
	for i := range v {
		v[i] = mu * math.Exp(sigma*r.NormFloat64())
	}
	return v
}

// rates runs trials comparisons of qualityCases cases; case 0 drops its
// FPS by drop (a fraction), the others are unchanged. It returns the share
// of trials where case 0 was a regression, where any unchanged case (all
// ten when drop is 0) was called a regression or improvement (a false
// alarm), and where case 0 was inconclusive.
func rates(seed int64, cv, drop float64, count, trials int) (caught, falseAlarm, inconclusive float64) {
	r := rand.New(rand.NewSource(seed))
	var nCaught, nFalse, nInc int
	for t := 0; t < trials; t++ {
		old := make([]Measurement, qualityCases)
		cur := make([]Measurement, qualityCases)
		for c := range old {
			id := fmt.Sprintf("case-%d", c)
			mu := 50 + 10*float64(c)
			newMu := mu
			if c == 0 {
				newMu = mu * (1 - drop)
			}
			old[c] = Measurement{Profile: "p", CaseID: id, Samples: map[Metric][]float64{FPS: lognormal(r, mu, cv, count)}}
			cur[c] = Measurement{Profile: "p", CaseID: id, Samples: map[Metric][]float64{FPS: lognormal(r, newMu, cv, count)}}
		}
		rep := Compare(old, cur, DefaultOptions())
		if rep.Cases[0].Verdict == Regression {
			nCaught++
		}
		if rep.Cases[0].Verdict == Inconclusive {
			nInc++
		}
		others := rep.Cases[1:]
		if drop == 0 {
			others = rep.Cases
		}
		for _, c := range others {
			if c.Verdict == Regression || c.Verdict == Improvement {
				nFalse++
				break
			}
		}
	}
	f := float64(trials)
	return float64(nCaught) / f, float64(nFalse) / f, float64(nInc) / f
}

func TestVerdictQuality(t *testing.T) {
	if testing.Short() {
		t.Skip("verdict quality simulation skipped in -short mode")
	}
	trials := qualityTrials
	if raceEnabled {
		trials = raceTrials
	}
	const alpha = 0.05
	tests := []struct {
		name  string
		cv    float64
		drop  float64
		count int
		// minCaught and maxCaught bound the rate at which case 0 is called
		// a regression; maxFalse bounds the false alarms among the others.
		minCaught, maxCaught float64
		// info marks rows that only document noisier conditions; they are
		// skipped under -race to keep the test fast.
		info bool
	}{
		{"A/A cv=1%", 0.01, 0, 10, 0, alpha, false},
		{"A/A cv=2%", 0.02, 0, 10, 0, alpha, false},
		{"A/A cv=3%", 0.03, 0, 10, 0, alpha, false},
		{"A/A cv=5%", 0.05, 0, 10, 0, alpha, false},
		{"drop 10% cv=2%", 0.02, 0.10, 10, 0.95, 1, false},
		{"drop 7% cv=2%", 0.02, 0.07, 10, 0.80, 1, false},
		{"drop 3% cv=2%", 0.02, 0.03, 10, 0, 0.05, false},
		// Informational rows: other counts and noisier machines.
		{"A/A cv=5% count=5", 0.05, 0, 5, 0, alpha, true},
		{"drop 3% cv=1%", 0.01, 0.03, 10, 0, 0.05, true},
		{"drop 10% cv=1%", 0.01, 0.10, 10, 0.95, 1, true},
		{"drop 10% cv=3%", 0.03, 0.10, 10, 0, 1, true},
		{"drop 10% cv=5%", 0.05, 0.10, 10, 0, 1, true},
		{"drop 7% cv=5%", 0.05, 0.07, 10, 0, 1, true},
		{"drop 3% cv=5%", 0.05, 0.03, 10, 0, 1, true},
		{"drop 10% cv=2% count=5", 0.02, 0.10, 5, 0, 1, true},
		{"drop 10% cv=5% count=20", 0.05, 0.10, 20, 0, 1, true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.info && raceEnabled {
				t.Skip("informational row: skipped under -race to keep the test fast")
			}
			caught, falseAlarm, inc := rates(int64(1000+i), tt.cv, tt.drop, tt.count, trials)
			t.Logf("%-20s trials=%d regression=%.2f%% inconclusive=%.2f%% false-alarm(unchanged cases)=%.2f%%",
				tt.name, trials, 100*caught, 100*inc, 100*falseAlarm)
			if caught < tt.minCaught || caught > tt.maxCaught {
				t.Errorf("case 0 called a regression %.2f%% of the time, want within [%.0f%%, %.0f%%]",
					100*caught, 100*tt.minCaught, 100*tt.maxCaught)
			}
			if falseAlarm > alpha {
				t.Errorf("false alarms among unchanged cases %.2f%%, want ≤ %.0f%% (alpha)", 100*falseAlarm, 100*alpha)
			}
		})
	}
}

// pairedRates simulates yologate ab on a drifting machine: per pair a
// machine speed drawn log-uniformly over a factor of drift, the second run
// of each pair slower by order (a fraction), A and B alternating A B, B A,
// ... as ab runs them; B is slower by drop. It returns how often case 0
// was called a regression and how often any unchanged case was called a
// regression or improvement, for paired and for unpaired comparison.
func pairedRates(seed int64, cv, drop, drift, order float64, count, trials int, paired bool) (caught, falseAlarm float64) {
	r := rand.New(rand.NewSource(seed))
	opt := DefaultOptions()
	opt.Paired = paired
	var nCaught, nFalse int
	for t := 0; t < trials; t++ {
		old := make([]Measurement, qualityCases)
		cur := make([]Measurement, qualityCases)
		for c := range old {
			a := make([]float64, count)
			b := make([]float64, count)
			d := 0.0
			if c == 0 {
				d = drop
			}
			for i := 0; i < count; i++ {
				speed := math.Exp((r.Float64() - 0.5) * math.Log(drift))
				va := 100 * speed * lognormal(r, 1, cv, 1)[0]
				vb := 100 * (1 - d) * speed * lognormal(r, 1, cv, 1)[0]
				if i%2 == 0 {
					vb *= 1 - order // B second
				} else {
					va *= 1 - order // A second
				}
				a[i], b[i] = va, vb
			}
			id := fmt.Sprintf("case-%d", c)
			old[c] = Measurement{Profile: "p", CaseID: id, Samples: map[Metric][]float64{FPS: a}}
			cur[c] = Measurement{Profile: "p", CaseID: id, Samples: map[Metric][]float64{FPS: b}}
		}
		rep := Compare(old, cur, opt)
		if rep.Cases[0].Verdict == Regression {
			nCaught++
		}
		others := rep.Cases[1:]
		if drop == 0 {
			others = rep.Cases
		}
		for _, c := range others {
			if c.Verdict == Regression || c.Verdict == Improvement {
				nFalse++
				break
			}
		}
	}
	return float64(nCaught) / float64(trials), float64(nFalse) / float64(trials)
}

func TestPairedQuality(t *testing.T) {
	if testing.Short() {
		t.Skip("verdict quality simulation skipped in -short mode")
	}
	trials := 1000
	if raceEnabled {
		trials = 200
	}
	const alpha = 0.05
	tests := []struct {
		name                   string
		cv, drop, drift, order float64
		paired                 bool
		minCaught, maxCaught   float64
		info                   bool
	}{
		// A machine whose speed wanders over a factor of 3 between pairs,
		// 2% noise within a pair, running second costs 3%.
		{"paired A/A drift×3", 0.02, 0, 3, 0.03, true, 0, alpha, false},
		{"paired A/A drift×3 cv=5%", 0.05, 0, 3, 0.03, true, 0, alpha, false},
		{"paired drop 10% drift×3", 0.02, 0.10, 3, 0.03, true, 0.95, 1, false},
		{"paired drop 7% drift×3", 0.02, 0.07, 3, 0.03, true, 0.80, 1, false},
		{"paired drop 3% drift×3", 0.02, 0.03, 3, 0.03, true, 0, 0.05, false},
		// The same data compared unpaired, as against a stored baseline.
		{"unpaired A/A drift×3", 0.02, 0, 3, 0.03, false, 0, alpha, true},
		{"unpaired drop 10% drift×3", 0.02, 0.10, 3, 0.03, false, 0, 0.5, true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.info && raceEnabled {
				t.Skip("informational row: skipped under -race to keep the test fast")
			}
			caught, falseAlarm := pairedRates(int64(2000+i), tt.cv, tt.drop, tt.drift, tt.order, 20, trials, tt.paired)
			t.Logf("%-26s count=20 trials=%d regression=%.2f%% false-alarm(unchanged cases)=%.2f%%", tt.name, trials, 100*caught, 100*falseAlarm)
			if caught < tt.minCaught || caught > tt.maxCaught {
				t.Errorf("case 0 called a regression %.2f%% of the time, want within [%.0f%%, %.0f%%]",
					100*caught, 100*tt.minCaught, 100*tt.maxCaught)
			}
			if falseAlarm > alpha {
				t.Errorf("false alarms among unchanged cases %.2f%%, want ≤ %.0f%% (alpha)", 100*falseAlarm, 100*alpha)
			}
		})
	}
}
