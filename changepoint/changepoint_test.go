package changepoint

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// reference is testdata/reference.json: series and expectations from the
// tests of MongoDB's implementation (see testdata/README.md).
type reference struct {
	RobustSeries     []float64 `json:"robust_series"`
	RobustStatistics []float64 `json:"robust_series_statistics"`
	Long             profile   `json:"long_series"`
	Small            profile   `json:"small"`
	Medium           profile   `json:"medium"`
	Short            profile   `json:"short"`
	RandomIsh        struct {
		Series []float64 `json:"series"`
		Points []int     `json:"expected_points"`
	} `json:"random_ish"`
}

type profile struct {
	Series   []float64 `json:"series"`
	Expected int       `json:"expected"`
}

func loadReference(t *testing.T) reference {
	t.Helper()
	data, err := os.ReadFile("testdata/reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var r reference
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatalf("testdata/reference.json: %v", err)
	}
	return r
}

// refOptions are the reference tests' settings: pvalue 0.01, 100
// permutations, and no minimum segment length beyond one value.
var refOptions = Options{MinSize: 1, Alpha: 0.01, Permutations: 100, Seed: 1234}

// statistics returns the weighted energy statistic of every split of v,
// the same sums bestSplit maximizes, for comparison with the reference.
func statistics(v []float64) []float64 {
	out := make([]float64, len(v))
	for tau := 1; tau < len(v); tau++ {
		a, b := float64(tau), float64(len(v)-tau)
		var x, y, xy float64
		for i := 0; i < len(v); i++ {
			for j := i + 1; j < len(v); j++ {
				d := math.Abs(v[i] - v[j])
				switch {
				case j < tau:
					x += d
				case i >= tau:
					y += d
				default:
					xy += d
				}
			}
		}
		e := 2 * xy / (a * b)
		if a > 1 {
			e -= 2 * x / (a * (a - 1))
		}
		if b > 1 {
			e -= 2 * y / (b * (b - 1))
		}
		out[tau] = a * b / (a + b) * e
	}
	return out
}

func TestSplitStatisticsMatchReference(t *testing.T) {
	r := loadReference(t)
	got := statistics(r.RobustSeries)
	if len(got) != len(r.RobustStatistics) {
		t.Fatalf("%d statistics, reference has %d", len(got), len(r.RobustStatistics))
	}
	for i := range got {
		if math.Abs(got[i]-r.RobustStatistics[i]) > 1e-6*math.Max(1, math.Abs(r.RobustStatistics[i])) {
			t.Errorf("split %d: statistic %v, reference %v", i, got[i], r.RobustStatistics[i])
		}
	}
	// bestSplit's running sums pick the reference's largest statistic.
	tau, q := bestSplit(r.RobustSeries, 1)
	best := 0
	for i, v := range r.RobustStatistics {
		if v > r.RobustStatistics[best] {
			best = i
		}
	}
	if tau != best || math.Abs(q-r.RobustStatistics[best]) > 1e-6*q {
		t.Errorf("bestSplit = %d (%v), reference maximum at %d (%v)", tau, q, best, r.RobustStatistics[best])
	}
}

func fill(n int, v float64) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = v
	}
	return s
}

func indexes(ps []Point) []int {
	out := []int{}
	for _, p := range ps {
		out = append(out, p.Index)
	}
	return out
}

// The reference's detection tests, series built as they build them.
func TestDetectReferenceSeries(t *testing.T) {
	r := loadReference(t)
	step := func(mod func(s []float64)) []float64 {
		s := fill(30, 50)
		for i := 15; i < 30; i++ {
			s[i] = 100
		}
		mod(s)
		return s
	}
	cases := []struct {
		name   string
		series []float64
		want   []int
	}{
		{"simple regression", step(func([]float64) {}), []int{15}},
		{"ahead", append(append(fill(14, 50), 74), fill(15, 100)...), []int{15}},
		{"behind", step(func(s []float64) { s[14] = 76 }), []int{14}},
		{"simple regression 2", step(func(s []float64) { s[2] = 100 }), []int{15}},
		{"regression and recovery", func() []float64 {
			s := fill(45, 50)
			s[2] = 100
			for i := 15; i < 30; i++ {
				s[i] = 100
			}
			s[32] = 100
			return s
		}(), []int{15, 33}},
		{"two regressions", func() []float64 {
			s := fill(45, 50)
			s[2] = 100
			for i := 15; i < 45; i++ {
				s[i] = 100
				if i >= 30 {
					s[i] = 150
				}
			}
			return s
		}(), []int{15, 30}},
		{"no regression", fill(30, 50), []int{}},
		{"absolute certainty", append(fill(1000, 0), fill(1000, 1)...), []int{1000}},
		{"random-ish", r.RandomIsh.Series, r.RandomIsh.Points},
		{"profiling short", r.Short.Series, []int{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if raceEnabled && len(tc.series) > 500 {
				t.Skip("long series skipped under -race to keep the test fast")
			}
			got := indexes(Detect(tc.series, refOptions))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("change points (-reference +got):\n%s", diff)
			}
		})
	}
}

// The reference's profiling series, which it checks by the count of
// change points found.
func TestDetectReferenceCounts(t *testing.T) {
	if testing.Short() {
		t.Skip("long reference series skipped in -short mode")
	}
	r := loadReference(t)
	for _, tc := range []struct {
		name string
		p    profile
	}{{"long_series", r.Long}, {"small", r.Small}, {"medium", r.Medium}} {
		t.Run(tc.name, func(t *testing.T) {
			if raceEnabled && len(tc.p.Series) > 400 {
				t.Skip("long series skipped under -race to keep the test fast")
			}
			got := Detect(tc.p.Series, refOptions)
			if len(got) != tc.p.Expected {
				t.Errorf("%d change points %v, the reference finds %d", len(got), indexes(got), tc.p.Expected)
			}
		})
	}
}

func TestDetectPointFields(t *testing.T) {
	s := append(fill(10, 100), fill(10, 90)...)
	got := Detect(s, Options{Seed: 1})
	want := []Point{{Index: 10, Before: 100, After: 90, DeltaPct: -10}}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }),
		cmp.FilterPath(func(p cmp.Path) bool {
			f := p.Last().String()
			return f == ".Q" || f == ".P"
		}, cmp.Ignore())); diff != "" {
		t.Errorf("Detect (-want +got):\n%s", diff)
	}
	if got[0].P > DefaultAlpha || got[0].Q <= 0 {
		t.Errorf("P=%v Q=%v, want P ≤ %v and Q > 0", got[0].P, got[0].Q, DefaultAlpha)
	}
	// Deterministic: the same seed gives the same points.
	if diff := cmp.Diff(got, Detect(s, Options{Seed: 1})); diff != "" {
		t.Errorf("second call differs:\n%s", diff)
	}
	for _, short := range [][]float64{nil, {1}, {1, 2, 3, 4, 5}} {
		if p := Detect(short, Options{}); len(p) != 0 {
			t.Errorf("Detect(%v) = %v, want none", short, p)
		}
	}
}

func TestMinSize(t *testing.T) {
	// A change three runs before the end: found there with MinSize 3; with
	// 4 no segment may be shorter than 4.
	s := append(fill(20, 100), 80, 80, 80)
	if got := indexes(Detect(s, Options{MinSize: 3, Seed: 3})); !cmp.Equal(got, []int{20}) {
		t.Errorf("MinSize 3: %v, want [20]", got)
	}
	for _, p := range Detect(s, Options{MinSize: 4, Seed: 3}) {
		if p.Index < 4 || len(s)-p.Index < 4 {
			t.Errorf("MinSize 4: change point at %d leaves a segment shorter than 4", p.Index)
		}
	}
}

// noisy returns n per-run medians around level with relative noise cv.
func noisy(r *rand.Rand, n int, level, cv float64) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = level * (1 + cv*r.NormFloat64())
	}
	return s
}

// The quality of change points on simulated runs of main; the rates are
// recorded in docs/statistics.md.
func TestDetectQuality(t *testing.T) {
	if testing.Short() {
		t.Skip("change point quality simulation skipped in -short mode")
	}
	trials := 400
	if raceEnabled {
		trials = 60
	}
	r := rand.New(rand.NewPCG(7, 11))
	found, falsePos := 0, 0
	for i := 0; i < trials; i++ {
		s := append(noisy(r, 40, 100, 0.015), noisy(r, 20, 94, 0.015)...)
		ps := Detect(s, Options{Seed: uint64(i)})
		for _, p := range ps {
			if p.Index >= 38 && p.Index <= 42 {
				found++
				break
			}
		}
		if len(Detect(noisy(r, 60, 100, 0.015), Options{Seed: uint64(i)})) > 0 {
			falsePos++
		}
	}
	fr, fp := float64(found)/float64(trials), float64(falsePos)/float64(trials)
	t.Logf("trials=%d: 6%% step at run 40 of 60 found within ±2 runs %.1f%%; step-free 60 runs with a change point %.1f%%", trials, 100*fr, 100*fp)
	if fr < 0.95 {
		t.Errorf("step found within ±2 runs in %.1f%% of trials, want ≥ 95%%", 100*fr)
	}
	if fp > 0.05 {
		t.Errorf("false change point in %.1f%% of step-free series, want ≤ 5%%", 100*fp)
	}
}
