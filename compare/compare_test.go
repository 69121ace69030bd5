package compare

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yologate/yologate/runner/results"
)

// spread returns n values evenly spread ±cv around mu, in a shuffled but
// fixed order: deterministic samples with a known median.
func spread(mu, cv float64, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		k := (i*7 + 3) % n
		v[i] = mu * (1 + cv*(float64(k)/float64(n-1)*2-1))
	}
	return v
}

func meas(profile, id string, fps []float64) Measurement {
	return Measurement{Profile: profile, CaseID: id, Samples: map[Metric][]float64{FPS: fps}}
}

func TestVerdicts(t *testing.T) {
	th := 0.15
	cpuEnv := Environment{CPUModel: "AMD EPYC 7B13", ORTVersion: "1.30.0", Provider: "cpu"}
	tests := []struct {
		name        string
		old, cur    []Measurement
		want        Verdict
		wantReason  string // substring of the case reason
		wantMetric  Verdict
		wantOverall Verdict
	}{
		{"regression", []Measurement{meas("p", "a", spread(100, 0.02, 10))}, []Measurement{meas("p", "a", spread(90, 0.02, 10))},
			Regression, "", Regression, Regression},
		{"improvement", []Measurement{meas("p", "a", spread(100, 0.02, 10))}, []Measurement{meas("p", "a", spread(110, 0.02, 10))},
			Improvement, "", Improvement, Improvement},
		{"significant but within threshold", []Measurement{meas("p", "a", spread(100, 0.01, 10))}, []Measurement{meas("p", "a", spread(97, 0.01, 10))},
			Unchanged, "", Unchanged, Unchanged},
		{"beyond threshold but noisy", []Measurement{meas("p", "a", spread(100, 0.3, 10))}, []Measurement{meas("p", "a", spread(92, 0.3, 10))},
			Inconclusive, "not significant", Inconclusive, Inconclusive},
		{"too few samples", []Measurement{meas("p", "a", spread(100, 0.02, 3))}, []Measurement{meas("p", "a", spread(80, 0.02, 3))},
			Inconclusive, "too few samples: with 3 and 3 repeats the test can never reach p ≤ 0.05; use at least 4 repeats per side", Inconclusive, Inconclusive},
		{"per-case threshold", []Measurement{func() Measurement { m := meas("p", "a", spread(100, 0.02, 10)); m.Threshold = &th; return m }()},
			[]Measurement{meas("p", "a", spread(90, 0.02, 10))}, Unchanged, "", Unchanged, Unchanged},
		{"new case", nil, []Measurement{meas("p", "a", spread(100, 0.02, 10))}, New, `no baseline for profile "p"`, "", New},
		{"missing case", []Measurement{meas("p", "a", spread(100, 0.02, 10)), meas("p", "b", spread(100, 0.02, 10))},
			[]Measurement{meas("p", "a", spread(100, 0.02, 10))}, Unchanged, "", Unchanged, Missing},
		{"environment mismatch", []Measurement{func() Measurement { m := meas("p", "a", spread(100, 0.02, 10)); m.Env = cpuEnv; return m }()},
			[]Measurement{func() Measurement {
				m := meas("p", "a", spread(90, 0.02, 10))
				m.Env = cpuEnv
				m.Env.ORTVersion = "1.31.0"
				return m
			}()}, Inconclusive, `ort_version "1.30.0" → "1.31.0"`, Inconclusive, Inconclusive},
		{"throttled", []Measurement{meas("p", "a", spread(100, 0.02, 10))},
			[]Measurement{func() Measurement {
				m := meas("p", "a", spread(90, 0.02, 10))
				m.Marks = []string{"throttled: hw_slowdown"}
				return m
			}()},
			Inconclusive, "suspect (throttled: hw_slowdown)", Inconclusive, Inconclusive},
		{"old side unstable", []Measurement{func() Measurement {
			m := meas("p", "a", spread(100, 0.02, 10))
			m.Marks = []string{"unstable"}
			return m
		}()},
			[]Measurement{meas("p", "a", spread(90, 0.02, 10))},
			Inconclusive, "suspect (old: unstable)", Inconclusive, Inconclusive},
		{"throttled like its forced baseline", []Measurement{func() Measurement {
			m := meas("p", "a", spread(100, 0.02, 10))
			m.AcceptedMarks = []string{"throttled: sw_power_cap"}
			return m
		}()},
			[]Measurement{func() Measurement {
				m := meas("p", "a", spread(90, 0.02, 10))
				m.Marks = []string{"throttled: hw_slowdown"}
				return m
			}()},
			Regression, "", Regression, Regression},
		{"model changed is compared", []Measurement{func() Measurement {
			m := meas("p", "a", spread(100, 0.02, 10))
			m.Model = Model{Name: "yolov8n", SHA256: "aa"}
			return m
		}()}, []Measurement{func() Measurement {
			m := meas("p", "a", spread(90, 0.02, 10))
			m.Model = Model{Name: "yolov8n", SHA256: "bb"}
			return m
		}()}, Regression, "", Regression, Regression},
		{"other profile only", []Measurement{meas("gpu=NVIDIA A10", "a", spread(100, 0.02, 10))}, []Measurement{meas("cpu=x/threads=2", "a", spread(100, 0.02, 10))},
			New, `no baseline for profile "cpu=x/threads=2"`, "", New},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := Compare(tt.old, tt.cur, DefaultOptions())
			c := rep.Cases[0]
			if c.Verdict != tt.want {
				t.Errorf("case verdict %s (%s), want %s", c.Verdict, c.Reason, tt.want)
			}
			if !strings.Contains(c.Reason, tt.wantReason) {
				t.Errorf("reason %q does not contain %q", c.Reason, tt.wantReason)
			}
			if tt.wantMetric != "" && (len(c.Metrics) != 1 || c.Metrics[0].Verdict != tt.wantMetric) {
				t.Errorf("metrics %+v, want one with verdict %s", c.Metrics, tt.wantMetric)
			}
			if rep.Verdict != tt.wantOverall {
				t.Errorf("overall %s, want %s", rep.Verdict, tt.wantOverall)
			}
			if rep.Fail != (tt.wantOverall == Regression) {
				t.Errorf("Fail = %v with overall %s", rep.Fail, rep.Verdict)
			}
			if _, err := json.Marshal(rep); err != nil {
				t.Errorf("report does not encode as JSON: %v", err)
			}
		})
	}
}

func TestModelChangedFlag(t *testing.T) {
	o := meas("p", "a", spread(100, 0.02, 10))
	o.Model = Model{Name: "yolov8n", SHA256: "aa"}
	n := meas("p", "a", spread(100, 0.02, 10))
	n.Model = Model{Name: "yolov8n-pruned", SHA256: "bb"}
	rep := Compare([]Measurement{o}, []Measurement{n}, DefaultOptions())
	want := &ModelChange{OldName: "yolov8n", NewName: "yolov8n-pruned", OldSHA256: "aa", NewSHA256: "bb"}
	if diff := cmp.Diff(want, rep.Cases[0].ModelChanged); diff != "" {
		t.Errorf("ModelChanged (-want +got):\n%s", diff)
	}
	if rep.Cases[0].Verdict != Unchanged || len(rep.Cases[0].EnvDiff) != 0 {
		t.Errorf("a model change alone must compare normally, got %s %v", rep.Cases[0].Verdict, rep.Cases[0].EnvDiff)
	}
}

func TestLatencyDirection(t *testing.T) {
	o := Measurement{Profile: "p", CaseID: "a", Samples: map[Metric][]float64{FPS: spread(100, 0.01, 10), P50MS: spread(10, 0.01, 10), P99MS: spread(12, 0.01, 10)}}
	n := Measurement{Profile: "p", CaseID: "a", Samples: map[Metric][]float64{FPS: spread(100, 0.01, 10), P50MS: spread(9, 0.01, 10), P99MS: spread(14, 0.01, 10)}}
	rep := Compare([]Measurement{o}, []Measurement{n}, DefaultOptions())
	got := map[Metric]Verdict{}
	for _, m := range rep.Cases[0].Metrics {
		got[m.Metric] = m.Verdict
	}
	want := map[Metric]Verdict{FPS: Unchanged, P50MS: Improvement, P99MS: Regression}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("verdicts (-want +got):\n%s", diff)
	}
	if rep.Cases[0].Verdict != Regression || rep.Tests != 3 {
		t.Errorf("case %s with %d tests, want regression with 3", rep.Cases[0].Verdict, rep.Tests)
	}
	opt := DefaultOptions()
	opt.Metrics = []Metric{FPS}
	if rep := Compare([]Measurement{o}, []Measurement{n}, opt); rep.Verdict != Unchanged || rep.Tests != 1 {
		t.Errorf("gating FPS only: %s with %d tests, want unchanged with 1", rep.Verdict, rep.Tests)
	}
}

func TestHolm(t *testing.T) {
	ps := []float64{0.01, 0.04, 0.03, 0.005}
	var tests []*test
	for _, p := range ps {
		tests = append(tests, &test{m: &MetricResult{P: p}})
	}
	holm(tests)
	// Sorted: 0.005×4=0.02, 0.01×3=0.03, 0.03×2=0.06, 0.04×1=0.04→0.06 (monotone).
	want := []float64{0.03, 0.06, 0.06, 0.02}
	for i, tt := range tests {
		if math.Abs(tt.m.PHolm-want[i]) > 1e-12 {
			t.Errorf("p=%v: Holm %v, want %v", ps[i], tt.m.PHolm, want[i])
		}
	}
}

// TestTooFewSamplesForTheFamily: a case whose sample sizes cannot reach
// alpha after Holm's correction is inconclusive, never unchanged, whatever
// its data; one that can reach it is judged on its data.
func TestTooFewSamplesForTheFamily(t *testing.T) {
	steady := func(id string, n int) Measurement { return meas("p", id, spread(100, 0.01, n)) }
	dropped := func(id string, n int) Measurement { return meas("p", id, spread(70, 0.01, n)) }
	tests := []struct {
		name     string
		old, cur []Measurement
		want     Verdict // of case "x"
		reason   string  // substring of its reason
	}{
		{"2 of 10 repeats alone", []Measurement{steady("x", 10)}, []Measurement{steady("x", 2)}, Unchanged, ""},
		{"2 of 10 repeats among 6 tests",
			[]Measurement{steady("x", 10), steady("a", 10), steady("b", 10), steady("c", 10), steady("d", 10), steady("e", 10)},
			[]Measurement{steady("x", 2), steady("a", 10), steady("b", 10), steady("c", 10), steady("d", 10), steady("e", 10)},
			Inconclusive, "with 10 and 2 repeats (Holm across 6 tests) the test can never reach p ≤ 0.05; use at least 5 repeats per side"},
		{"5 repeats among 7 unchanged tests",
			[]Measurement{steady("x", 5), steady("a", 10), steady("b", 10), steady("c", 10), steady("d", 10), steady("e", 10), steady("f", 10)},
			[]Measurement{steady("x", 5), steady("a", 10), steady("b", 10), steady("c", 10), steady("d", 10), steady("e", 10), steady("f", 10)},
			Inconclusive, "too few samples"},
		{"5 repeats among 7 tests that regressed",
			[]Measurement{steady("x", 5), steady("a", 10), steady("b", 10), steady("c", 10), steady("d", 10), steady("e", 10), steady("f", 10)},
			[]Measurement{steady("x", 5), dropped("a", 10), dropped("b", 10), dropped("c", 10), dropped("d", 10), dropped("e", 10), dropped("f", 10)},
			Unchanged, ""},
		{"5 repeats that regressed among 7 tests that regressed",
			[]Measurement{steady("x", 5), steady("a", 10), steady("b", 10), steady("c", 10), steady("d", 10), steady("e", 10), steady("f", 10)},
			[]Measurement{dropped("x", 5), dropped("a", 10), dropped("b", 10), dropped("c", 10), dropped("d", 10), dropped("e", 10), dropped("f", 10)},
			Regression, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := Compare(tt.old, tt.cur, DefaultOptions())
			c := rep.Cases[0]
			if c.ID != "x" || c.Verdict != tt.want || !strings.Contains(c.Reason, tt.reason) {
				t.Errorf("case %s: %s (%q), want %s (%q)", c.ID, c.Verdict, c.Reason, tt.want, tt.reason)
			}
		})
	}
}

func TestBestHolm(t *testing.T) {
	// Raw p-values 0.001, 0.02, 0.5 and the test under study at p.
	tests := []struct{ p, want float64 }{
		{0.0001, 0.0004}, // first of 4: 4p
		{0.01, 0.03},     // second: max(4×0.001, 3×0.01)
		{0.03, 0.06},     // third, after 0.02×3: 2×0.03
		{0.4, 0.8},       // third: 2×0.4
		{0.9, 1},         // last: capped at 1
		{0.0005, 0.002},  // first: 4×0.0005
		{0.0015, 0.0045}, // second: 3×0.0015 over 4×0.001
		{0.0011, 0.004},  // second: 4×0.001 over 3×0.0011
	}
	for _, tt := range tests {
		family := []*test{{m: &MetricResult{P: 0.001}}, {m: &MetricResult{P: 0.02}}, {m: &MetricResult{P: 0.5}}, {m: &MetricResult{P: 1}}}
		if got := bestHolm(family[3], family, tt.p); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("bestHolm(p=%v) = %v, want %v", tt.p, got, tt.want)
		}
	}
}

func TestNeedRepeats(t *testing.T) {
	// A real 8% drop buried in 25% noise: significant with more repeats.
	rep := Compare([]Measurement{meas("p", "a", spread(100, 0.25, 6))}, []Measurement{meas("p", "a", spread(92, 0.25, 6))}, DefaultOptions())
	m := rep.Cases[0].Metrics[0]
	if m.Verdict != Inconclusive || m.NeedRepeats <= 6 {
		t.Fatalf("verdict %s need %d: %s", m.Verdict, m.NeedRepeats, m.Reason)
	}
	// The suggested count does settle it when more repeats look the same.
	n := m.NeedRepeats
	rep = Compare([]Measurement{meas("p", "a", stretch(spread(100, 0.25, 6), n))}, []Measurement{meas("p", "a", stretch(spread(92, 0.25, 6), n))}, DefaultOptions())
	if v := rep.Cases[0].Verdict; v != Regression {
		t.Errorf("with %d repeats: %s, want regression (%s)", n, v, rep.Cases[0].Reason)
	}
}

func TestFailOnInconclusive(t *testing.T) {
	old := []Measurement{meas("p", "a", spread(100, 0.02, 3))}
	cur := []Measurement{meas("p", "a", spread(80, 0.02, 3))}
	if rep := Compare(old, cur, DefaultOptions()); rep.Fail {
		t.Errorf("inconclusive failed without FailOnInconclusive")
	}
	opt := DefaultOptions()
	opt.FailOnInconclusive = true
	if rep := Compare(old, cur, opt); !rep.Fail {
		t.Errorf("inconclusive passed with FailOnInconclusive")
	}
}

func TestSetAccuracy(t *testing.T) {
	rep := Compare([]Measurement{meas("p", "a", spread(100, 0.02, 10))}, []Measurement{meas("p", "a", spread(110, 0.02, 10))}, DefaultOptions())
	rep.Cases[0].SetAccuracy(&AccuracyVerdict{Verdict: AccuracyRegression, Reason: "mAP50 0.91 → 0.42"})
	rep.Finish()
	if rep.Verdict != AccuracyRegression || !rep.Fail || rep.Cases[0].Reason != "accuracy: mAP50 0.91 → 0.42" {
		t.Errorf("after an accuracy regression: %s fail=%v reason %q", rep.Verdict, rep.Fail, rep.Cases[0].Reason)
	}
}

func TestValidate(t *testing.T) {
	for _, o := range []Options{{Alpha: 1}, {Alpha: -0.1}, {Alpha: math.NaN()}, {Threshold: -0.03}, {Threshold: math.Inf(1)}, {Metrics: []Metric{"fpss"}}} {
		if o.Validate() == nil {
			t.Errorf("Validate(%+v) accepted", o)
		}
	}
	if err := DefaultOptions().Validate(); err != nil {
		t.Errorf("defaults rejected: %v", err)
	}
}

func TestFromResults(t *testing.T) {
	p99 := 90.0
	f := &results.File{
		Fingerprint: results.Fingerprint{Host: results.Host{CPUModel: "X"}, Runtime: results.Runtime{ORTVersion: "1.30.0"}},
		Cases: []results.Case{{ID: "a", Profile: "cpu=X/threads=2", Model: results.Model{Name: "m", SHA256: "s"}, Device: -1, Threads: 2,
			Provider: results.Provider{Name: "cpu"}, Precision: "fp32", Unstable: true,
			Repeats: []results.Repeat{
				{FPS: 10, Latency: results.Latency{P50MS: 100, P99MS: &p99}, Marks: []string{"throttled: x"}},
				{FPS: 11, Latency: results.Latency{P50MS: 91}},
			}}},
	}
	got := FromResults(f)
	want := []Measurement{{
		Profile: "cpu=X/threads=2", CaseID: "a", Model: Model{Name: "m", SHA256: "s"},
		Samples: map[Metric][]float64{FPS: {10, 11}, P50MS: {100, 91}},
		Env:     Environment{CPUModel: "X", Threads: 2, ORTVersion: "1.30.0", Provider: "cpu", Precision: "fp32"},
		Marks:   []string{"unstable", "throttled: x"},
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("FromResults (-want +got):\n%s", diff)
	}
}

func TestSummaryJSON(t *testing.T) {
	s := Summary{N: 2, Median: 1, Lo: math.Inf(-1), Hi: math.Inf(1), Confidence: 1, Values: []float64{1, 1}}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"n":2,"median":1,"lo":null,"hi":null,"confidence":1,"values":[1,1]}` {
		t.Errorf("JSON %s", b)
	}
	var back Summary
	if err := json.Unmarshal(b, &back); err != nil || !math.IsInf(back.Lo, -1) || !math.IsInf(back.Hi, 1) {
		t.Errorf("round trip: %+v %v", back, err)
	}
}

func TestCompareKeepsInputOrder(t *testing.T) {
	o := []float64{3, 1, 2, 5, 4, 6}
	n := []float64{6, 5, 4, 3, 2, 1}
	rep := Compare([]Measurement{meas("p", "a", o)}, []Measurement{meas("p", "a", n)}, DefaultOptions())
	if !cmp.Equal(o, []float64{3, 1, 2, 5, 4, 6}) || !cmp.Equal(n, []float64{6, 5, 4, 3, 2, 1}) {
		t.Errorf("Compare reordered its inputs: %v %v", o, n)
	}
	if got := rep.Cases[0].Metrics[0].Old.Values; !cmp.Equal(got, o) {
		t.Errorf("Old.Values %v, want measurement order %v", got, o)
	}
}

func TestPairSplit(t *testing.T) {
	a := []float64{10, 20, 10, 40}
	b := []float64{9, 18, 9, 36} // B 10% slower in every pair
	first, second := pairSplit(a, b)
	if diff := cmp.Diff([]float64{0.9, 0.9}, first, cmpApprox); diff != "" {
		t.Errorf("A-first ratios (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]float64{1 / 0.9, 1 / 0.9}, second, cmpApprox); diff != "" {
		t.Errorf("B-first ratios (-want +got):\n%s", diff)
	}
}

var cmpApprox = cmp.Comparer(func(x, y float64) bool { return math.Abs(x-y) < 1e-9 })

// TestPairedCancelsDrift: a machine that gets three times faster during
// the run hides a 10% drop from the unpaired test, not from the paired one.
func TestPairedCancelsDrift(t *testing.T) {
	var a, b []float64
	for i := 0; i < 20; i++ {
		speed := 1 + 2*float64(i)/19
		noise := 1 + 0.01*float64((i*7)%5-2)
		a = append(a, 10*speed*noise)
		b = append(b, 9*speed/noise)
	}
	opt := DefaultOptions()
	rep := Compare([]Measurement{meas("p", "a", a)}, []Measurement{meas("p", "a", b)}, opt)
	if v := rep.Cases[0].Verdict; v == Regression {
		t.Errorf("unpaired: %s, want the drift to hide the drop", v)
	}
	opt.Paired = true
	rep = Compare([]Measurement{meas("p", "a", a)}, []Measurement{meas("p", "a", b)}, opt)
	m := rep.Cases[0].Metrics[0]
	if m.Verdict != Regression || !m.Paired || math.Abs(m.DeltaPct+10) > 1 {
		t.Errorf("paired: %s paired=%v Δ=%.2f%% (%s), want a 10%% regression", m.Verdict, m.Paired, m.DeltaPct, m.Reason)
	}
}

// TestRemedies checks that a verdict's remedy is a fact (what to do, how
// many repeats), and that no reason names a flag or a command: wording
// them is the report's.
func TestRemedies(t *testing.T) {
	env := Environment{CPUModel: "AMD EPYC 7B13", ORTVersion: "1.30.0", Provider: "cpu"}
	withEnv := func(m Measurement, ort string) Measurement { m.Env = env; m.Env.ORTVersion = ort; return m }
	tests := []struct {
		name        string
		old, cur    []Measurement
		remedy      Remedy
		needRepeats int
	}{
		{"too few samples", []Measurement{meas("p", "a", spread(100, 0.02, 3))}, []Measurement{meas("p", "a", spread(80, 0.02, 3))}, MoreRepeats, 4},
		{"noisy", []Measurement{meas("p", "a", spread(100, 0.3, 10))}, []Measurement{meas("p", "a", spread(92, 0.3, 10))}, MoreRepeats, 40},
		{"new case", []Measurement{meas("p", "b", spread(100, 0.02, 10))}, []Measurement{meas("p", "a", spread(100, 0.02, 10))}, RecordBaseline, 0},
		{"new profile", nil, []Measurement{meas("p", "a", spread(100, 0.02, 10))}, RecordBaseline, 0},
		{"environment", []Measurement{withEnv(meas("p", "a", spread(100, 0.02, 3)), "1.30.0")},
			[]Measurement{withEnv(meas("p", "a", spread(80, 0.02, 3)), "1.31.0")}, "", 0},
		{"accuracy unchecked", []Measurement{func() Measurement {
			m := meas("p", "a", spread(100, 0.02, 10))
			m.Accuracy = &results.Accuracy{Images: []results.ImageDetections{{Image: "a.jpg"}}}
			return m
		}()}, []Measurement{meas("p", "a", spread(100, 0.02, 10))}, CheckImages, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := Compare(tt.old, tt.cur, DefaultOptions())
			c := rep.Cases[0]
			want := tt.remedy
			if c.Remedy != want || (want == MoreRepeats && c.NeedRepeats != tt.needRepeats) {
				t.Errorf("remedy %q, %d repeats (%s); want %q, %d", c.Remedy, c.NeedRepeats, c.Reason, want, tt.needRepeats)
			}
			for _, r := range reasonsOf(rep) {
				if strings.Contains(r, "--") || strings.Contains(r, "yologate") {
					t.Errorf("reason %q names a flag or command", r)
				}
			}
		})
	}
}

// reasonsOf lists every text a report explains itself with.
func reasonsOf(rep *Report) []string {
	out := append([]string(nil), rep.Notes...)
	for _, c := range rep.Cases {
		out = append(out, c.Reason)
		out = append(out, c.GPUChanges...)
		if c.Accuracy != nil {
			out = append(out, c.Accuracy.Reason)
		}
		for _, m := range c.Metrics {
			out = append(out, m.Reason)
		}
	}
	return out
}

// TestUncompared covers gates that judge nothing: every case new (a runner
// whose profile the baseline lacks, an empty baseline) passes with a loud
// note unless RequireBaseline fails it, and a model replaced under another
// case id is named as such.
func TestUncompared(t *testing.T) {
	s := spread(100, 0.02, 10)
	tests := []struct {
		name          string
		old, cur      []Measurement
		require       bool
		wantFail      bool
		checksNothing bool
		wantNote      string
		wantReplaced  []Replacement
	}{
		{"wrong runner", []Measurement{meas("gpu=A10", "model=a/ep=cuda", s)}, []Measurement{meas("gpu=L4", "model=a/ep=cuda", s)},
			false, false, true, `no case has a baseline for profile "gpu=L4" (the baseline has "gpu=A10"): nothing is checked on it`, nil},
		{"wrong runner, baseline required", []Measurement{meas("gpu=A10", "model=a/ep=cuda", s)}, []Measurement{meas("gpu=L4", "model=a/ep=cuda", s)},
			true, true, true, `no case has a baseline for profile "gpu=L4"`, nil},
		{"empty baseline", nil, []Measurement{meas("p", "model=a/ep=cpu", s)},
			false, false, true, `no case has a baseline for profile "p" (the baseline holds no cases yet)`, nil},
		{"precision changed at the same path", []Measurement{meas("p", "model=a/precision=fp32", s)}, []Measurement{meas("p", "model=a/precision=fp16", s)},
			false, false, true, "model replaced: case model=a/precision=fp32 is missing and case model=a/precision=fp16 is new",
			[]Replacement{{Profile: "p", Missing: "model=a/precision=fp32", New: "model=a/precision=fp16"}}},
		{"one new case beside compared ones", []Measurement{meas("p", "model=a/ep=cpu", s)}, []Measurement{meas("p", "model=a/ep=cpu", s), meas("p", "model=b/ep=cpu", s)},
			false, false, false, "", nil},
		{"one new case, baseline required", []Measurement{meas("p", "model=a/ep=cpu", s)}, []Measurement{meas("p", "model=a/ep=cpu", s), meas("p", "model=b/ep=cpu", s)},
			true, true, false, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt := DefaultOptions()
			opt.RequireBaseline = tt.require
			r := Compare(tt.old, tt.cur, opt)
			if r.Fail != tt.wantFail || r.ChecksNothing() != tt.checksNothing {
				t.Errorf("fail %v, checks nothing %v; want %v, %v", r.Fail, r.ChecksNothing(), tt.wantFail, tt.checksNothing)
			}
			notes := strings.Join(r.Notes, "\n")
			if tt.wantNote == "" && notes != "" || !strings.Contains(notes, tt.wantNote) {
				t.Errorf("notes %q, want %q", notes, tt.wantNote)
			}
			if diff := cmp.Diff(tt.wantReplaced, r.Replaced); diff != "" {
				t.Errorf("replaced (-want +got):\n%s", diff)
			}
			for _, c := range r.Cases {
				if c.Verdict == New && c.Verdict.Fails(r.Options) != tt.require {
					t.Errorf("new case %s fails %v with require %v", c.ID, c.Verdict.Fails(r.Options), tt.require)
				}
				if tt.require && c.Verdict == New && !strings.HasSuffix(c.Reason, "and the gate requires one") {
					t.Errorf("reason %q does not say the gate requires a baseline", c.Reason)
				}
			}
		})
	}
}

// TestCountAdvice pins the repeat counts docs/statistics.md gives: at a
// count too low for a clear 20% drop to be significant, the verdict asks
// for the count the docs name, and at that count the drop is a regression;
// unpaired among ten cases, and paired (as ab measures) for one case, by
// the number of gated metrics.
func TestCountAdvice(t *testing.T) {
	tests := []struct {
		name           string
		cases, metrics int
		paired         bool
		tooLow, asks   int
	}{
		{"ten cases, fps alone", 10, 1, false, 5, 6},
		{"ten cases, three metrics", 10, 3, false, 6, 7},
		{"ab, one case, fps alone", 1, 1, true, 6, 8},
		{"ab, one case, fps and p50", 1, 2, true, 8, 10},
		{"ab, one case, three metrics", 1, 3, true, 8, 10},
	}
	compareAt := func(cases, metrics, n int, paired bool) CaseResult {
		var old, cur []Measurement
		for c := 0; c < cases; c++ {
			for _, side := range []struct {
				fps float64
				to  *[]Measurement
			}{{100, &old}, {80, &cur}} {
				m := meas("p", fmt.Sprint(c), spread(side.fps, 0.01, n))
				for i, metric := range []Metric{P50MS, P99MS}[:metrics-1] {
					m.Samples[metric] = spread(float64(1000+200*i)/side.fps, 0.01, n)
				}
				*side.to = append(*side.to, m)
			}
		}
		opt := DefaultOptions()
		opt.Paired = paired
		return Compare(old, cur, opt).Cases[0]
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			low := compareAt(tt.cases, tt.metrics, tt.tooLow, tt.paired)
			if low.Verdict != Inconclusive || low.Remedy != MoreRepeats || low.NeedRepeats != tt.asks {
				t.Errorf("at --count %d: %s %q (remedy %q, %d repeats), want inconclusive asking for %d repeats", tt.tooLow, low.Verdict, low.Reason, low.Remedy, low.NeedRepeats, tt.asks)
			}
			if c := compareAt(tt.cases, tt.metrics, tt.asks, tt.paired); c.Verdict != Regression {
				t.Errorf("at --count %d: %s %q, want regression", tt.asks, c.Verdict, c.Reason)
			}
		})
	}
}
