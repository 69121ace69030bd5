package compare

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"

	"golang.org/x/perf/benchmath"

	"github.com/yologate/yologate/runner/results"
)

// withDefaults fills the zero fields of opt.
func (opt Options) withDefaults() Options {
	if opt.Alpha == 0 {
		opt.Alpha = 0.05
	}
	if opt.Confidence == 0 {
		opt.Confidence = 0.95
	}
	if opt.MaxRepeats == 0 {
		opt.MaxRepeats = 100
	}
	if len(opt.Metrics) == 0 {
		opt.Metrics = append([]Metric(nil), Metrics...)
	}
	return opt
}

// OptionError is an option out of its range.
type OptionError struct {
	// Option names the field in lowercase: "alpha", "threshold", "confidence" or "metrics".
	Option string
	// Msg says what is wrong with its value.
	Msg string
}

func (e *OptionError) Error() string { return e.Option + ": " + e.Msg }

// Validate reports the first out-of-range option as an *OptionError.
func (opt Options) Validate() error {
	o := opt.withDefaults()
	switch {
	case !(o.Alpha > 0 && o.Alpha < 1):
		return &OptionError{"alpha", fmt.Sprintf("%v is outside (0,1)", o.Alpha)}
	case !(o.Threshold >= 0) || math.IsInf(o.Threshold, 0):
		return &OptionError{"threshold", fmt.Sprintf("%v is negative or not a number", o.Threshold)}
	case !(o.Confidence > 0 && o.Confidence < 1):
		return &OptionError{"confidence", fmt.Sprintf("%v is outside (0,1)", o.Confidence)}
	}
	for _, m := range o.Metrics {
		if m != FPS && m != P50MS && m != P99MS {
			return &OptionError{"metrics", fmt.Sprintf("unknown metric %q", m)}
		}
	}
	return nil
}

// key identifies a case across both sides.
type key struct{ profile, id string }

// test is one metric comparison entering the Holm family.
type test struct {
	c *CaseResult
	m *MetricResult
	// oldV and newV are the samples, kept to size an inconclusive verdict.
	oldV, newV []float64
	// testOld and testNew are what the U test compares: the samples, or in
	// paired mode the pair ratios (see pairSplit).
	testOld, testNew []float64
	// perTest is how many repeats per side one test value stands for: 1,
	// or 2 in paired mode (each ratio is a pair, and the pairs are split
	// in two halves).
	perTest   int
	threshold float64
	// hist is set when the test placed the new median among main's run
	// medians instead of the U test (useHistory).
	hist *HistoryCheck
}

// Compare compares the current measurements with the baseline ones and
// returns a verdict per case and overall. Cases are matched by profile and
// case id. Baseline cases of profiles that the current run did not measure
// are not reported missing: they belong to other machines. opt must pass
// Validate.
func Compare(old, cur []Measurement, opt Options) *Report {
	return compareWith(old, cur, nil, opt)
}

// compareWith is Compare with main's run history (see CompareHistory); hist
// is nil without history.
func compareWith(old, cur []Measurement, hist map[key]*RunHistory, opt Options) *Report {
	opt = opt.withDefaults()
	rep := &Report{Options: opt}

	oldBy := map[key]*Measurement{}
	oldProfiles := map[string]bool{}
	for i := range old {
		oldBy[key{old[i].Profile, old[i].CaseID}] = &old[i]
		oldProfiles[old[i].Profile] = true
	}
	curSeen := map[key]bool{}
	curProfiles := map[string]bool{}

	var tests []*test
	for i := range cur {
		n := &cur[i]
		k := key{n.Profile, n.CaseID}
		if curSeen[k] {
			continue // a duplicate case id in one run: the first one counts
		}
		curSeen[k] = true
		curProfiles[n.Profile] = true
		o := oldBy[k]
		cr := CaseResult{ID: n.CaseID, Profile: n.Profile, Threshold: opt.Threshold}
		if o == nil {
			cr.Verdict, cr.Remedy = New, RecordBaseline
			if !oldProfiles[n.Profile] {
				cr.Reason = fmt.Sprintf("no baseline for profile %q", n.Profile)
			} else {
				cr.Reason = "no baseline for this case"
			}
			rep.Cases = append(rep.Cases, cr)
			continue
		}
		if o.Threshold != nil {
			cr.Threshold = *o.Threshold
		}
		cr.Marks = suspectMarks(o.AcceptedMarks, o.Marks, n.Marks)
		if o.Model.SHA256 != "" && n.Model.SHA256 != "" && o.Model.SHA256 != n.Model.SHA256 {
			cr.ModelChanged = &ModelChange{OldName: o.Model.Name, NewName: n.Model.Name, OldSHA256: o.Model.SHA256, NewSHA256: n.Model.SHA256}
		}
		cr.EnvDiff = EnvDiffs(o.Env, n.Env)
		cr.GPUChanges = GPUChanges(o.GPU, n.GPU)
		cr.Accuracy = accuracyVerdict(o.Accuracy, n.Accuracy, opt.Accuracy)
		rep.Cases = append(rep.Cases, cr)
		cp := &rep.Cases[len(rep.Cases)-1]
		for _, m := range opt.Metrics {
			ov, nv := o.Samples[m], n.Samples[m]
			if len(ov) == 0 || len(nv) == 0 {
				continue
			}
			cp.Metrics = append(cp.Metrics, MetricResult{Metric: m})
		}
		for j := range cp.Metrics {
			m := cp.Metrics[j].Metric
			tests = append(tests, &test{c: cp, m: &cp.Metrics[j], oldV: o.Samples[m], newV: n.Samples[m], threshold: cr.Threshold})
		}
	}
	// Pointers into rep.Cases stay valid: it is not appended to while the
	// tests are alive below, because missing cases are added afterwards.
	for _, t := range tests {
		measure(t, opt)
	}
	useHistory(tests, hist, opt)
	holm(tests)
	rep.Tests = len(tests)
	for _, t := range tests {
		judge(t, opt, tests)
	}
	for i := range rep.Cases {
		finishCase(&rep.Cases[i])
	}

	for i := range old {
		o := &old[i]
		k := key{o.Profile, o.CaseID}
		if curSeen[k] || !curProfiles[o.Profile] {
			continue
		}
		curSeen[k] = true
		th := opt.Threshold
		if o.Threshold != nil {
			th = *o.Threshold
		}
		rep.Cases = append(rep.Cases, CaseResult{ID: o.CaseID, Profile: o.Profile, Verdict: Missing, Threshold: th,
			Reason: "in the baseline but not measured: run it, or remove it from the baseline if it was dropped on purpose"})
	}
	rep.Replaced = replacements(rep.Cases)
	rep.Notes = append(rep.Notes, uncomparedNotes(rep.Cases, oldProfiles)...)
	for _, r := range rep.Replaced {
		rep.Notes = append(rep.Notes, fmt.Sprintf("model replaced: case %s is missing and case %s is new, so nothing compares them; "+
			"if the new one replaces the old on purpose, record its baseline and remove the old one from the baseline", r.Missing, r.New))
	}
	if opt.RequireBaseline {
		for i := range rep.Cases {
			if c := &rep.Cases[i]; c.Verdict == New {
				c.Reason += ", and the gate requires one"
			}
		}
	}
	rep.Finish()
	return rep
}

// uncomparedNotes says loudly where the comparison judged nothing: a
// profile of the run none of whose cases has a baseline (a runner with the
// wrong label, an empty baseline).
func uncomparedNotes(cases []CaseResult, oldProfiles map[string]bool) []string {
	var profiles []string
	compared := map[string]bool{}
	for _, c := range cases {
		if !slices.Contains(profiles, c.Profile) {
			profiles = append(profiles, c.Profile)
		}
		if c.Verdict != New && c.Verdict != Missing {
			compared[c.Profile] = true
		}
	}
	var notes []string
	for _, p := range profiles {
		if compared[p] {
			continue
		}
		var have []string
		for q := range oldProfiles {
			have = append(have, q)
		}
		sort.Strings(have)
		why := "the baseline holds no cases yet"
		switch {
		case oldProfiles[p]:
			why = "none of its cases is in the baseline"
		case len(have) > 0:
			why = "the baseline has " + quoteAll(have)
		}
		notes = append(notes, fmt.Sprintf("no case has a baseline for profile %q (%s): nothing is checked on it; "+
			"seed one on this runner", p, why))
	}
	return notes
}

// replacements pairs each missing case with the new cases of the same
// model on its profile.
func replacements(cases []CaseResult) []Replacement {
	var out []Replacement
	for _, m := range cases {
		if m.Verdict != Missing {
			continue
		}
		for _, n := range cases {
			if n.Profile == m.Profile && n.Verdict == New && modelPart(n.ID) == modelPart(m.ID) {
				out = append(out, Replacement{Profile: m.Profile, Missing: m.ID, New: n.ID})
			}
		}
	}
	return out
}

// modelPart is the model segment of a case id ("model=yolov8n").
func modelPart(id string) string {
	m, _, _ := strings.Cut(id, "/")
	return m
}

// Finish recomputes the overall verdict and Fail from the case verdicts;
// call it after changing a case (for example after SetAccuracy).
func (r *Report) Finish() {
	r.Verdict = Unchanged
	for _, c := range r.Cases {
		r.Verdict = Worst(r.Verdict, c.Verdict)
	}
	r.Fail = false
	for _, c := range r.Cases {
		r.Fail = r.Fail || c.Verdict.Fails(r.Options)
	}
}

// ChecksNothing reports whether no case was judged: every case is new or
// missing (an empty baseline, a runner whose profile the baseline lacks, a
// model replaced under another case id). Such a gate passes unless
// RequireBaseline is set; its notes say why.
func (r *Report) ChecksNothing() bool {
	for _, c := range r.Cases {
		if c.Verdict != New && c.Verdict != Missing {
			return false
		}
	}
	return len(r.Cases) > 0
}

// SetAccuracy attaches an accuracy verdict to the case and folds it into
// the case verdict; call Report.Finish afterwards.
func (c *CaseResult) SetAccuracy(a *AccuracyVerdict) {
	c.Accuracy = a
	finishCase(c)
}

// finishCase derives the case verdict and reason from its metrics, its
// environment and marks, and its accuracy verdict.
func finishCase(c *CaseResult) {
	if c.Verdict == New || c.Verdict == Missing {
		return
	}
	c.Verdict = Unchanged
	c.Reason, c.Remedy, c.NeedRepeats = "", "", 0
	caseReason := ""
	switch {
	case len(c.EnvDiff) > 0:
		var parts []string
		for _, d := range c.EnvDiff {
			parts = append(parts, fmt.Sprintf("%s %q → %q", d.Field, d.Old, d.New))
		}
		caseReason = "environment differs from the baseline's (" + strings.Join(parts, ", ") +
			"): run on the baseline's environment, or record a new baseline for this one"
	case len(c.Marks) > 0:
		caseReason = "the measurement is suspect (" + strings.Join(c.Marks, ", ") +
			"): rerun on a quiet machine with stable clocks"
	}
	for i := range c.Metrics {
		m := &c.Metrics[i]
		if caseReason != "" {
			m.Verdict, m.Reason = Inconclusive, caseReason
		}
		c.Verdict = Worst(c.Verdict, m.Verdict)
		if m.Verdict == Inconclusive && c.Reason == "" {
			c.Reason = m.Metric.Label() + ": " + m.Reason
			if m.NeedRepeats > 0 {
				c.Remedy, c.NeedRepeats = MoreRepeats, m.NeedRepeats
			}
			if caseReason != "" {
				c.Reason, c.Remedy, c.NeedRepeats = caseReason, "", 0
			}
		}
	}
	if caseReason != "" && len(c.Metrics) == 0 {
		c.Verdict, c.Reason = Inconclusive, caseReason
	}
	if len(c.Metrics) == 0 && caseReason == "" {
		c.Verdict = Inconclusive
		c.Reason = "no metric was measured on both sides: rerun with the baseline's settings"
	}
	if c.Accuracy != nil {
		c.Verdict = Worst(c.Verdict, c.Accuracy.Verdict)
		if c.Verdict == c.Accuracy.Verdict && c.Accuracy.Reason != "" && c.Verdict != Unchanged {
			c.Reason, c.Remedy, c.NeedRepeats = "accuracy: "+c.Accuracy.Reason, c.Accuracy.Remedy, 0
		}
	}
	applyDrift(c)
}

// assumption is the one distributional assumption the comparison makes: none.
// Summaries are medians, tests are Mann-Whitney U.
var assumption = benchmath.AssumeNothing

// measure fills the summaries, delta and raw p-value of one test.
func measure(t *test, opt Options) {
	th := &benchmath.Thresholds{CompareAlpha: opt.Alpha}
	so := newSample(t.oldV, th)
	sn := newSample(t.newV, th)
	t.m.Old = summarize(so, t.oldV, opt.Confidence)
	t.m.New = summarize(sn, t.newV, opt.Confidence)
	if t.m.Old.Median != 0 {
		t.m.DeltaPct = (t.m.New.Median - t.m.Old.Median) / t.m.Old.Median * 100
	}
	t.testOld, t.testNew, t.perTest = t.oldV, t.newV, 1
	if opt.Paired && len(t.oldV) == len(t.newV) && len(t.oldV) >= 2 {
		first, second := pairSplit(t.oldV, t.newV)
		t.testOld, t.testNew, t.perTest = first, second, 2
		t.m.Paired = true
		mf := newSample(first, th)
		ms := newSample(second, th)
		cf, cs := assumption.Summary(mf, opt.Confidence).Center, assumption.Summary(ms, opt.Confidence).Center
		if cf > 0 && cs > 0 {
			t.m.DeltaPct = (math.Sqrt(cf/cs) - 1) * 100
		}
		so, sn = mf, ms
	}
	c := assumption.Compare(so, sn)
	t.m.P = c.P
	var warn []error
	warn = append(warn, so.Warnings...)
	warn = append(warn, sn.Warnings...)
	warn = append(warn, c.Warnings...)
	for _, w := range warn {
		t.m.Warnings = appendUnique(t.m.Warnings, w.Error())
	}
}

// pairSplit turns interleaved repeats into two independent samples whose
// difference is the change from a to b with the machine's drift removed.
// Pair i is a[i], b[i], measured one right after the other, a first when i
// is even (A B, B A, A B, ...). For pairs with a first it takes b/a; for
// pairs with b first, the inverse a/b. Both are "second / first" ratios, so
// when a and b perform alike the two samples have the same distribution
// (an advantage of running first or second cancels), and a drift slower
// than a pair cancels inside each ratio. A change by factor f moves the
// first sample to about f and the second to about 1/f: the U test compares
// them, and the square root of the ratio of their medians (first over
// second) estimates f.
func pairSplit(a, b []float64) (aFirst, bFirst []float64) {
	for i := range a {
		if a[i] <= 0 || b[i] <= 0 {
			continue
		}
		if i%2 == 0 {
			aFirst = append(aFirst, b[i]/a[i])
		} else {
			bFirst = append(bFirst, a[i]/b[i])
		}
	}
	return aFirst, bFirst
}

// newSample wraps a copy of v: benchmath sorts a sample's values in place,
// and the caller's samples keep their measurement order.
func newSample(v []float64, th *benchmath.Thresholds) *benchmath.Sample {
	return benchmath.NewSample(append([]float64(nil), v...), th)
}

func summarize(s *benchmath.Sample, raw []float64, confidence float64) Summary {
	sum := assumption.Summary(s, confidence)
	return Summary{N: len(raw), Median: sum.Center, Lo: sum.Lo, Hi: sum.Hi, Confidence: sum.Confidence,
		Values: append([]float64(nil), raw...)}
}

// holm sets PHolm of every test: Holm's step-down adjustment, which keeps
// the chance of any false alarm across the family at or below alpha.
func holm(tests []*test) {
	order := make([]*test, len(tests))
	copy(order, tests)
	sort.SliceStable(order, func(i, j int) bool { return order[i].m.P < order[j].m.P })
	m := len(order)
	running := 0.0
	for i, t := range order {
		adj := math.Min(1, float64(m-i)*t.m.P)
		running = math.Max(running, adj)
		t.m.PHolm = running
	}
}

// judge decides the verdict of one test of the family from its
// significance and the size of the change.
func judge(t *test, opt Options, family []*test) {
	m := t.m
	m.Significant = m.PHolm <= opt.Alpha
	if bestHolm(t, family, t.smallestP()) > opt.Alpha {
		need := repeatsFor(opt.Alpha/float64(len(family)), opt.MaxRepeats)
		if need > 0 {
			need *= t.perTest
		}
		if need > opt.MaxRepeats {
			need = -1
		}
		m.Measured, m.Verdict = Inconclusive, Inconclusive
		m.NeedRepeats = need
		m.Reason = fmt.Sprintf("too few samples: with %d and %d repeats%s the test can never reach p ≤ %g; %s",
			m.Old.N, m.New.N, holmText(len(family)), opt.Alpha, needText(need, opt))
		return
	}
	delta := t.delta()
	beyond := math.Abs(delta) > t.threshold
	worse := delta < 0
	if !m.Metric.HigherIsBetter() {
		worse = delta > 0
	}
	switch {
	case m.Significant && beyond && worse:
		m.Measured = Regression
	case m.Significant && beyond:
		m.Measured = Improvement
	case beyond && t.hist != nil:
		m.Measured = Inconclusive
		m.Reason = historyReason(t, opt)
	case beyond:
		m.Measured = Inconclusive
		level := opt.Alpha
		if m.P > 0 {
			// The raw p-value had to reach alpha/k, k being the number of
			// tests with a p-value at least this one's (Holm's step).
			level = opt.Alpha / m.PHolm * m.P
		}
		need := settleRepeats(t.testOld, t.testNew, level, opt.MaxRepeats/t.perTest)
		if need > 0 {
			need *= t.perTest
		}
		m.NeedRepeats = need
		m.Reason = fmt.Sprintf("moved %+.1f%% (beyond the %s threshold) but not significant (p=%.3g after Holm > %g): the noise is too high to tell; %s",
			m.DeltaPct, pct(t.threshold), m.PHolm, opt.Alpha, settleText(need))
	default:
		m.Measured = Unchanged
	}
	m.Verdict = m.Measured
}

// bestHolm is the smallest Holm-adjusted p-value test t could reach if
// its raw p-value were p, the other tests of the family keeping theirs.
// With p the smallest p-value its sample sizes allow, a result above alpha
// means that no data of these sizes can make t significant: the U test of
// 2 repeats against 10 reaches p = 0.03 at best, below 0.05 alone but not
// after Holm's correction across 6 tests.
func bestHolm(t *test, family []*test, p float64) float64 {
	var below []float64
	for _, o := range family {
		if o != t && o.m.P < p {
			below = append(below, o.m.P)
		}
	}
	sort.Float64s(below)
	n := len(family)
	adj := 0.0
	for j, q := range below {
		adj = math.Max(adj, float64(n-j)*q)
	}
	return math.Min(1, math.Max(adj, float64(n-len(below))*p))
}

// holmText names the Holm family a test belongs to, when it has others.
func holmText(family int) string {
	if family > 1 {
		return fmt.Sprintf(" (Holm across %d tests)", family)
	}
	return ""
}

// needText says how many repeats per side a test needs to ever decide;
// the report adds how to ask for them (the MoreRepeats remedy).
func needText(need int, opt Options) string {
	if need < 0 {
		return fmt.Sprintf("more than %d repeats per side are needed", opt.MaxRepeats)
	}
	return fmt.Sprintf("use at least %d repeats per side", need)
}

func settleText(need int) string {
	if need < 0 {
		return "more repeats alone will not settle it: make the machine quieter (pin clocks, stop other work)"
	}
	return fmt.Sprintf("about %d repeats per side would settle it", need)
}

// pct formats a fraction as a percentage without trailing zeros.
func pct(f float64) string {
	return fmt.Sprintf("%s%%", trimFloat(f*100))
}

func trimFloat(v float64) string {
	s := fmt.Sprintf("%.4f", v)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// minPCache memoizes minP.
var minPCache sync.Map

// minP is the smallest p-value the test can produce for samples of sizes
// n1 and n2: the p-value of two samples that do not overlap at all.
func minP(n1, n2 int) float64 {
	type k struct{ a, b int }
	if v, ok := minPCache.Load(k{n1, n2}); ok {
		return v.(float64)
	}
	a := make([]float64, n1)
	b := make([]float64, n2)
	for i := range a {
		a[i] = float64(i)
	}
	for i := range b {
		b[i] = float64(n1 + i)
	}
	th := &benchmath.Thresholds{CompareAlpha: 0.05}
	p := assumption.Compare(benchmath.NewSample(a, th), benchmath.NewSample(b, th)).P
	minPCache.Store(k{n1, n2}, p)
	return p
}

// repeatsFor returns the smallest equal sample size whose best p-value
// reaches level, or −1 when it exceeds max.
func repeatsFor(level float64, max int) int {
	for n := 2; n <= max; n++ {
		if minP(n, n) <= level {
			return n
		}
	}
	return -1
}

// settleRepeats estimates how many repeats per side would make the
// observed difference significant at level, assuming more repeats look
// like the ones taken: both samples are stretched to n values by reading
// their empirical quantiles, and the smallest n whose test reaches level
// is returned (−1 beyond max).
func settleRepeats(a, b []float64, level float64, max int) int {
	p := func(n int) float64 {
		th := &benchmath.Thresholds{CompareAlpha: level}
		return assumption.Compare(benchmath.NewSample(stretch(a, n), th), benchmath.NewSample(stretch(b, n), th)).P
	}
	lo := len(a)
	if len(b) > lo {
		lo = len(b)
	}
	hi := lo
	for {
		if hi >= max {
			if p(max) > level {
				return -1
			}
			hi = max
			break
		}
		hi *= 2
		if hi > max {
			hi = max
		}
		if p(hi) <= level {
			break
		}
		lo = hi
	}
	// p(lo) > level ≥ p(hi): bisect.
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if p(mid) <= level {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi
}

// stretch returns n values spread over the empirical distribution of v
// (linear interpolation between its order statistics).
func stretch(v []float64, n int) []float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	out := make([]float64, n)
	if len(s) == 1 {
		for i := range out {
			out[i] = s[0]
		}
		return out
	}
	for i := range out {
		q := (float64(i) + 0.5) / float64(n) * float64(len(s)-1)
		j := int(q)
		if j >= len(s)-1 {
			out[i] = s[len(s)-1]
			continue
		}
		f := q - float64(j)
		out[i] = s[j] + f*(s[j+1]-s[j])
	}
	return out
}

// EnvDiffs lists the comparable environment fields that differ between
// old and cur. An empty field is unknown and never differs. The CPU model
// counts only for CPU cases, where it is the hardware being measured.
func EnvDiffs(old, cur Environment) []EnvDiff {
	var out []EnvDiff
	add := func(field, a, b string) {
		if a != "" && b != "" && a != b {
			out = append(out, EnvDiff{Field: field, Old: a, New: b})
		}
	}
	if old.GPUModel == "" && cur.GPUModel == "" {
		add("cpu_model", old.CPUModel, cur.CPUModel)
	}
	add("gpu_model", old.GPUModel, cur.GPUModel)
	add("driver", old.Driver, cur.Driver)
	add("cuda_driver", old.CUDADriver, cur.CUDADriver)
	add("ort_version", old.ORTVersion, cur.ORTVersion)
	add("tensorrt_version", old.TensorRTVersion, cur.TensorRTVersion)
	add("provider", old.Provider, cur.Provider)
	add("precision", old.Precision, cur.Precision)
	if old.Threads != 0 && cur.Threads != 0 && old.Threads != cur.Threads {
		out = append(out, EnvDiff{Field: "threads", Old: fmt.Sprint(old.Threads), New: fmt.Sprint(cur.Threads)})
	}
	if old.ProviderOptions != nil && cur.ProviderOptions != nil {
		keys := map[string]bool{}
		for k := range old.ProviderOptions {
			keys[k] = true
		}
		for k := range cur.ProviderOptions {
			keys[k] = true
		}
		for _, k := range sortedKeys(keys) {
			a, b := old.ProviderOptions[k], cur.ProviderOptions[k]
			if a != b {
				out = append(out, EnvDiff{Field: "provider_options." + k, Old: a, New: b})
			}
		}
	}
	return out
}

// FromResults returns the measurements of every case of a results file.
func FromResults(f *results.File) []Measurement {
	out := make([]Measurement, 0, len(f.Cases))
	for _, c := range f.Cases {
		out = append(out, Measurement{
			Profile:  c.Profile,
			CaseID:   c.ID,
			Model:    Model{Name: c.Model.Name, SHA256: c.Model.SHA256},
			Samples:  SamplesOf(c),
			Env:      EnvironmentOf(f.Fingerprint, c),
			Marks:    MarksOf(c),
			Accuracy: c.Accuracy,
			GPU:      GPUStateOf(c),
		})
	}
	return out
}

// suspectMarks returns the marks of both sides (the old side's prefixed
// "old: ") whose kind (results.MarkKind) the baseline did not accept: a
// baseline recorded by force despite, say, throttling makes throttling
// the norm for that case.
func suspectMarks(accepted, old, cur []string) []string {
	excused := map[string]bool{}
	for _, m := range accepted {
		excused[results.MarkKind(m)] = true
	}
	var out []string
	for _, m := range old {
		if !excused[results.MarkKind(m)] {
			out = append(out, "old: "+m)
		}
	}
	for _, m := range cur {
		if !excused[results.MarkKind(m)] {
			out = append(out, m)
		}
	}
	return out
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func quoteAll(s []string) string {
	q := make([]string, len(s))
	for i, v := range s {
		q[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(q, ", ")
}

// Summarize returns the median of v with its confidence interval at
// confidence (0 means 0.95), as the comparison computes it.
func Summarize(v []float64, confidence float64) Summary {
	if confidence == 0 {
		confidence = 0.95
	}
	return summarize(newSample(v, &benchmath.DefaultThresholds), v, confidence)
}
