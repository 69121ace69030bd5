package history

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"sort"
	"time"

	"github.com/yologate/yologate/baselines"
	"github.com/yologate/yologate/changepoint"
	"github.com/yologate/yologate/compare"
)

// Key identifies a series of comparable runs: one case on one hardware
// profile in one environment (EnvKey).
type Key struct {
	Profile string
	Case    string
	Env     string
}

// Point is one run's median of one case and metric.
type Point struct {
	Run    *Run
	Record *Record
	// Median is the run's median of the metric.
	Median float64
}

// Keys returns the keys of every series in h, sorted.
func (h *History) Keys() []Key {
	idx := h.index()
	out := make([]Key, 0, len(idx))
	for k := range idx {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Profile != b.Profile {
			return a.Profile < b.Profile
		}
		if a.Case != b.Case {
			return a.Case < b.Case
		}
		return a.Env < b.Env
	})
	return out
}

// index returns the records of h by series key, in run order.
func (h *History) index() map[Key][]recordRef {
	if h.byKey != nil && h.indexed == len(h.Runs) {
		return h.byKey
	}
	h.byKey, h.indexed, h.recent = map[Key][]recordRef{}, len(h.Runs), nil
	envKeys := map[envID]string{}
	for _, r := range h.Runs {
		for i := range r.Records {
			rec := &r.Records[i]
			id := idOf(&rec.Env)
			ek, ok := envKeys[id]
			if !ok {
				ek = EnvKey(rec.Env)
				envKeys[id] = ek
			}
			k := Key{Profile: rec.Profile, Case: rec.Case, Env: ek}
			h.byKey[k] = append(h.byKey[k], recordRef{r, rec})
		}
	}
	return h.byKey
}

// envID is what EnvKey reads of an environment, its provider options by
// identity: the records parsed from one case line share one options map,
// so that indexing a store computes each environment's key once. A field
// EnvKey reads must be here too.
type envID struct {
	cpu, gpu, driver, cuda, ort, trt, provider, precision string
	threads                                               int
	options                                               uintptr
}

func idOf(e *baselines.Environment) envID {
	return envID{e.CPUModel, e.GPUModel, e.Driver, e.CUDADriver, e.ORTVersion, e.TensorRTVersion, e.Provider, e.Precision, e.Threads,
		reflect.ValueOf(e.ProviderOptions).Pointer()}
}

// Series returns the run medians of metric m for key k, oldest first. A
// record with marks (throttling, a foreign process, instability) is left
// out: its number is suspect.
func (h *History) Series(k Key, m compare.Metric) []Point {
	var out []Point
	for _, ref := range h.index()[k] {
		if len(ref.rec.Marks) > 0 {
			continue
		}
		if v, ok := ref.rec.Median(m); ok {
			out = append(out, Point{Run: ref.run, Record: ref.rec, Median: v})
		}
	}
	return out
}

type recentKey struct {
	k   Key
	m   compare.Metric
	opt changepoint.Options
}

type recentSeries struct {
	points  []Point
	changes []Change
}

// Recent returns the newest Window points of the series of key k and
// metric m, and their change points: what a verdict, a trend and a drift
// budget look at. Each series is searched for change points once.
func (h *History) Recent(k Key, m compare.Metric, opt changepoint.Options) ([]Point, []Change) {
	h.index()
	rk := recentKey{k, m, opt}
	if r, ok := h.recent[rk]; ok {
		return r.points, r.changes
	}
	// The newest Window points, found from the end: a median is computed
	// only for the runs looked at.
	refs := h.index()[k]
	var pts []Point
	for i := len(refs) - 1; i >= 0 && len(pts) < Window; i-- {
		if len(refs[i].rec.Marks) > 0 {
			continue
		}
		if v, ok := refs[i].rec.Median(m); ok {
			pts = append(pts, Point{Run: refs[i].run, Record: refs[i].rec, Median: v})
		}
	}
	slices.Reverse(pts)
	r := recentSeries{pts, ChangePoints(pts, m, opt)}
	if h.recent == nil {
		h.recent = map[recentKey]recentSeries{}
	}
	h.recent[rk] = r
	return r.points, r.changes
}

// Medians returns the medians of points, in order.
func Medians(points []Point) []float64 {
	v := make([]float64, len(points))
	for i, p := range points {
		v[i] = p.Median
	}
	return v
}

// Change is a change point of a series, with the run that introduced it.
type Change struct {
	changepoint.Point
	// Commit and Date are those of the first run at the new level; RunID
	// names its file.
	Commit string
	Date   time.Time
	RunID  string
	// Regression is set when the new level is worse for the metric.
	Regression bool
}

// ChangePoints finds the change points of a series of metric m.
func ChangePoints(points []Point, m compare.Metric, opt changepoint.Options) []Change {
	var out []Change
	for _, p := range changepoint.Detect(Medians(points), opt) {
		r := points[p.Index].Run
		worse := p.After < p.Before
		if !m.HigherIsBetter() {
			worse = p.After > p.Before
		}
		out = append(out, Change{Point: p, Commit: r.Commit, Date: r.Date, RunID: r.ID, Regression: worse})
	}
	return out
}

// Since returns the points from the newest change point on: the runs at
// main's current level, what a new run is compared with.
func Since(points []Point, changes []Change) []Point {
	if len(changes) == 0 {
		return points
	}
	return points[changes[len(changes)-1].Index:]
}

// Budget is the drift of one series against a pinned reference.
type Budget struct {
	// Reference is the reference level; Current the median of the runs
	// since the newest change point (all runs without one), or the run
	// judged (DriftOf).
	Reference, Current float64
	// Main is main's level, the median of the runs since the newest
	// change point; set by DriftOf.
	Main float64
	// DriftPct is how much worse Current is than Reference, in percent
	// (negative when it is better).
	DriftPct float64
	// BudgetPct is the budget, in percent.
	BudgetPct float64
	// Spent is set when DriftPct exceeds BudgetPct.
	Spent bool
	// Changes are the change points since the reference; Culprits those
	// of them that made the metric worse, oldest first: the steps that add
	// up to the drift.
	Changes  []Change
	Culprits []Change
}

// Drift says whether series points of metric m drifted worse than
// reference by more than budget (a fraction: 0.10 = 10%), and names the
// change points that add up to it. points are the runs since the
// reference, oldest first; reference is its level (a baseline's median, or
// the median of the reference commit's runs: ReferenceOf).
func Drift(points []Point, m compare.Metric, reference, budget float64, opt changepoint.Options) (Budget, error) {
	if !(reference > 0) || math.IsInf(reference, 0) {
		return Budget{}, fmt.Errorf("drift reference %v is not a positive number", reference)
	}
	if !(budget > 0) {
		return Budget{}, fmt.Errorf("drift budget %v is not a positive fraction (0.10 = 10%%)", budget)
	}
	b := Budget{Reference: reference, BudgetPct: budget * 100}
	if len(points) == 0 {
		b.Current = reference
		return b, nil
	}
	b.Changes = ChangePoints(points, m, opt)
	b.Current = changepoint.Median(Medians(Since(points, b.Changes)))
	b.DriftPct = (reference - b.Current) / reference * 100
	if !m.HigherIsBetter() {
		b.DriftPct = -b.DriftPct
	}
	b.Spent = b.DriftPct > b.BudgetPct
	for _, c := range b.Changes {
		if c.Regression {
			b.Culprits = append(b.Culprits, c)
		}
	}
	return b, nil
}

// ReferenceOf returns the points from the first run of commit on, and the
// median of that commit's runs as the reference level; false when no run
// of the series has the commit (a prefix of at least 7 characters
// matches).
func ReferenceOf(points []Point, commit string) ([]Point, float64, bool) {
	match := func(c string) bool {
		return len(commit) >= 7 && len(commit) <= len(c) && c[:len(commit)] == commit
	}
	for i, p := range points {
		if !match(p.Run.Commit) {
			continue
		}
		var v []float64
		for _, q := range points[i:] {
			if match(q.Run.Commit) {
				v = append(v, q.Median)
			}
		}
		return points[i:], changepoint.Median(v), true
	}
	return nil, 0, false
}

// RecentRuns is the most runs of main a verdict's run-to-run spread is
// learned from: enough for a tight estimate, few enough to follow a machine
// that changes slowly.
const RecentRuns = 30

// ForCompare returns, for each current measurement, main's recent run
// medians of its case in the same environment, for compare.CompareHistory:
// per metric, the runs since the newest change point among the newest
// Window, at most RecentRuns.
func (h *History) ForCompare(cur []compare.Measurement, opt changepoint.Options) []compare.RunHistory {
	var out []compare.RunHistory
	for _, m := range cur {
		k := Key{Profile: m.Profile, Case: m.CaseID, Env: EnvKey(m.Env)}
		rh := compare.RunHistory{Profile: m.Profile, CaseID: m.CaseID, Medians: map[compare.Metric][]float64{}}
		for _, metric := range compare.Metrics {
			pts := Since(h.Recent(k, metric, opt))
			if len(pts) > RecentRuns {
				pts = pts[len(pts)-RecentRuns:]
			}
			if len(pts) > 0 {
				rh.Medians[metric] = Medians(pts)
			}
		}
		out = append(out, rh)
	}
	return out
}

// Latest returns, for each current measurement, main's newest comparable
// run of its case as the old side of a comparison without a baseline file;
// cases main never ran comparably are left out (and so are new).
func (h *History) Latest(cur []compare.Measurement) []compare.Measurement {
	var out []compare.Measurement
	for _, m := range cur {
		k := Key{Profile: m.Profile, Case: m.CaseID, Env: EnvKey(m.Env)}
		pts := h.Series(k, compare.FPS)
		if len(pts) == 0 {
			continue
		}
		rec := pts[len(pts)-1].Record
		s := map[compare.Metric][]float64{}
		for _, metric := range compare.Metrics {
			if v := Values(&rec.Samples, metric); len(v) > 0 {
				s[metric] = v
			}
		}
		out = append(out, compare.Measurement{Profile: rec.Profile, CaseID: rec.Case, Model: baselines.Model{SHA256: rec.Model},
			Samples: s, Env: rec.Env, GPU: rec.GPU})
	}
	return out
}
