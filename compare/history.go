package compare

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// Run-to-run variance. The repeats of one run share its session, engine,
// machine state and day, so the U test of two runs' repeats under-states
// how far a case moves from one run to the next. With the medians of at
// least MinHistoryRuns comparable runs of main, a metric is instead judged
// by where the new run's median falls among them: on a log scale, the run
// medians are taken as a sample from a normal distribution, and the new
// median's distance from their mean, in units of the prediction standard
// error s·√(1+1/k), follows Student's t with k−1 degrees of freedom. The
// two-sided p-value of that distance enters the same Holm correction as
// every other test, and the threshold applies to the distance from the
// history's center as before.

// MinHistoryRuns is the fewest comparable runs of main (same profile, case
// and environment) whose spread a verdict uses: with fewer, the spread of
// run medians is too uncertain (a t distribution with 3 degrees of
// freedom has a 0.5% tail at 5.8 standard errors).
const MinHistoryRuns = 5

// NoHistoryNote is the history note of a case whose verdict could not use
// main's run-to-run spread.
const NoHistoryNote = "no run-to-run history yet"

// RunHistory holds main's recent comparable runs of one case: per metric,
// the median of each run, oldest first.
type RunHistory struct {
	Profile string
	CaseID  string
	Medians map[Metric][]float64
}

// HistoryCheck says how one metric's verdict used main's run-to-run spread.
type HistoryCheck struct {
	// Runs is the number of run medians used.
	Runs int `json:"runs"`
	// Center is their geometric mean; SpreadPct the standard deviation of
	// their logarithms, in percent (about the run-to-run coefficient of
	// variation).
	Center    float64 `json:"center"`
	SpreadPct float64 `json:"spread_pct"`
	// DeltaPct is the new median against Center, in percent: the change
	// the threshold is applied to.
	DeltaPct float64 `json:"delta_pct"`
	// Lo and Hi bound the range where a new run's median falls with
	// probability 1 − alpha when nothing changed (before Holm).
	Lo float64 `json:"lo"`
	Hi float64 `json:"hi"`
}

// CompareHistory is Compare with main's run history: each metric of a case
// with at least MinHistoryRuns run medians in hist (matched by profile and
// case id) is judged against their spread instead of by the U test of the
// two sides' repeats; the baseline (old) still decides which cases exist,
// their thresholds, environment and marks. Every case says in HistoryNote
// whether its verdict used the history.
func CompareHistory(old, cur []Measurement, hist []RunHistory, opt Options) *Report {
	by := make(map[key]*RunHistory, len(hist))
	for i := range hist {
		by[key{hist[i].Profile, hist[i].CaseID}] = &hist[i]
	}
	return compareWith(old, cur, by, opt)
}

// useHistory replaces the U test of every test whose case has enough
// history with the prediction test, and notes on each case what was used.
// hist is nil for a comparison without history.
func useHistory(tests []*test, hist map[key]*RunHistory, opt Options) {
	if hist == nil {
		return
	}
	for _, t := range tests {
		h := hist[key{t.c.Profile, t.c.ID}]
		var med []float64
		if h != nil {
			med = h.Medians[t.m.Metric]
		}
		if len(med) < MinHistoryRuns || t.m.New.Median <= 0 {
			if t.c.HistoryNote == "" {
				t.c.HistoryNote = fmt.Sprintf("%s (%d of %d comparable runs of main)", NoHistoryNote, len(med), MinHistoryRuns)
			}
			continue
		}
		check, p, ok := predict(med, t.m.New.Median, opt.Alpha)
		if !ok {
			continue
		}
		t.hist = check
		t.m.History = check
		t.m.P = p
		t.c.HistoryNote = fmt.Sprintf("run-to-run spread from %d runs of main", check.Runs)
	}
}

// predict places the new run median x among the run medians med. It
// returns the check, the two-sided p-value of x's distance from their
// center, and false when med holds a value ≤ 0.
func predict(med []float64, x, alpha float64) (*HistoryCheck, float64, bool) {
	k := float64(len(med))
	var sum float64
	logs := make([]float64, len(med))
	for i, v := range med {
		if !(v > 0) || math.IsInf(v, 0) {
			return nil, 0, false
		}
		logs[i] = math.Log(v)
		sum += logs[i]
	}
	mean := sum / k
	var ss float64
	for _, l := range logs {
		ss += (l - mean) * (l - mean)
	}
	sd := math.Sqrt(ss / (k - 1))
	se := sd * math.Sqrt(1+1/k)
	d := math.Log(x) - mean
	tdist := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: k - 1}
	half := tdist.Quantile(1-alpha/2) * se
	check := &HistoryCheck{Runs: len(med), Center: math.Exp(mean), SpreadPct: sd * 100,
		DeltaPct: math.Expm1(d) * 100, Lo: math.Exp(mean - half), Hi: math.Exp(mean + half)}
	var p float64
	switch {
	case se == 0 && d == 0:
		p = 1
	case se == 0:
		p = 0
	default:
		p = math.Min(1, 2*tdist.Survival(math.Abs(d)/se))
	}
	return check, p, true
}

// smallestP is the smallest p-value t's test can produce: that of the U
// test for its sample sizes, or 0 for the prediction test.
func (t *test) smallestP() float64 {
	if t.hist != nil {
		return 0
	}
	return minP(len(t.testOld), len(t.testNew))
}

// delta is the relative change the threshold is applied to, as a fraction.
func (t *test) delta() float64 {
	if t.hist != nil {
		return t.hist.DeltaPct / 100
	}
	return t.m.DeltaPct / 100
}

// historyReason explains a change beyond the threshold that main's
// run-to-run spread does not make significant.
func historyReason(t *test, opt Options) string {
	return fmt.Sprintf("moved %+.1f%% from main's %d recent runs (beyond the %s threshold) but main itself moves ±%.1f%% from run to run (p=%.3g after Holm > %g): rerun, or wait for more runs of main to tell",
		t.hist.DeltaPct, t.hist.Runs, pct(t.threshold), t.hist.SpreadPct, t.m.PHolm, opt.Alpha)
}
