package history

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/yologate/yologate/changepoint"
	"github.com/yologate/yologate/compare"
)

// staircase returns a history of one case whose FPS per run follows
// levels, each held for perLevel runs, with relative noise cv.
func staircase(r *rand.Rand, levels []float64, perLevel int, cv float64) *History {
	h := &History{}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, level := range levels {
		for j := 0; j < perLevel; j++ {
			n := len(h.Runs)
			run := synthRun(r, start.Add(time.Duration(n)*time.Hour), 1, 5, 100)
			run.Commit = fmt.Sprintf("%02d%02d%036d", i, j, n)
			v := level * (1 + cv*r.NormFloat64())
			run.Records[0].Samples.FPS = []float64{v, v, v, v, v}
			h.Runs = append(h.Runs, run)
		}
	}
	return h
}

func TestSeriesAndChangePoints(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 23))
	h := staircase(r, []float64{100, 100, 100, 94, 94}, 8, 0.005)
	keys := h.Keys()
	if len(keys) != 1 {
		t.Fatalf("keys %v", keys)
	}
	pts := h.Series(keys[0], compare.FPS)
	if len(pts) != 40 {
		t.Fatalf("%d points", len(pts))
	}
	cps := ChangePoints(pts, compare.FPS, changepoint.Options{Seed: 1})
	if len(cps) == 0 || cps[0].Index < 22 || cps[0].Index > 26 || !cps[0].Regression || cps[0].Commit != pts[cps[0].Index].Run.Commit {
		t.Fatalf("change points %+v, want the first a regression near run 24", cps)
	}
	if since := Since(pts, cps); len(since) != 40-cps[len(cps)-1].Index {
		t.Errorf("Since: %d points", len(since))
	}
	// A latency series is worse when it rises.
	lat := ChangePoints(pts, compare.P50MS, changepoint.Options{Seed: 1})
	for _, c := range lat {
		if c.Regression != (c.After > c.Before) {
			t.Errorf("latency change %+v: regression flag wrong", c)
		}
	}
	// Marked records are left out of a series.
	h.Runs[0].Records[0].Marks = []string{"throttled: hw_slowdown"}
	if n := len(h.Series(keys[0], compare.FPS)); n != 39 {
		t.Errorf("%d points with one marked run, want 39", n)
	}
}

func TestForCompareAndLatest(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	h := staircase(r, []float64{100, 90}, 10, 0.01)
	rec := h.Runs[0].Records[0]
	cur := []compare.Measurement{
		{Profile: rec.Profile, CaseID: rec.Case, Env: rec.Env},
		{Profile: rec.Profile, CaseID: "other", Env: rec.Env},
	}
	rh := h.ForCompare(cur, changepoint.Options{Seed: 2})
	if len(rh) != 2 || len(rh[0].Medians[compare.FPS]) != 10 || len(rh[1].Medians) != 0 {
		t.Fatalf("ForCompare: %+v, want the 10 runs since the change point and nothing for the other case", rh)
	}
	other := rec.Env
	other.Driver = "999"
	if rh := h.ForCompare([]compare.Measurement{{Profile: rec.Profile, CaseID: rec.Case, Env: other}}, changepoint.Options{}); len(rh[0].Medians) != 0 {
		t.Errorf("runs of another driver were used")
	}
	old := h.Latest(cur)
	if len(old) != 1 || old[0].Samples[compare.FPS][0] != h.Runs[19].Records[0].Samples.FPS[0] {
		t.Errorf("Latest: %+v, want the newest run of the one known case", old)
	}
}

func TestDrift(t *testing.T) {
	// Ten steps of -1.5% after a reference level, each under any
	// threshold, spend a 10% budget, and the change points found account
	// for the drift.
	trials := 100
	if raceEnabled {
		trials = 10
	}
	r := rand.New(rand.NewPCG(25, 26))
	spent, named := 0, 0
	levels := []float64{100}
	for i := 0; i < 10; i++ {
		levels = append(levels, levels[len(levels)-1]*0.985)
	}
	for i := 0; i < trials; i++ {
		h := staircase(r, levels, 6, 0.005)
		pts := h.Series(h.Keys()[0], compare.FPS)
		if _, _, ok := ReferenceOf(pts, pts[0].Run.Commit[:2]+"00"); ok {
			t.Fatalf("a 4-character commit prefix matched")
		}
		since, ref, ok := ReferenceOf(pts, pts[0].Run.Commit)
		if !ok || len(since) != len(pts) {
			t.Fatalf("ReferenceOf: %v %d", ok, len(since))
		}
		b, err := Drift(since, compare.FPS, ref, 0.10, changepoint.Options{Seed: uint64(i)})
		if err != nil {
			t.Fatal(err)
		}
		if b.Spent {
			spent++
		}
		if len(b.Culprits) > 0 && len(b.Culprits) == len(b.Changes) {
			named++
		}
	}
	t.Logf("trials=%d: 10 steps of -1.5%% spent a 10%% budget in %d%%, named only regressions as culprits in %d%%", trials, 100*spent/trials, 100*named/trials)
	if spent != trials || named != trials {
		t.Errorf("budget spent in %d of %d trials, culprits named in %d, want all", spent, trials, named)
	}
	if _, err := Drift(nil, compare.FPS, 0, 0.1, changepoint.Options{}); err == nil {
		t.Errorf("a zero reference was accepted")
	}
	if _, err := Drift(nil, compare.FPS, 100, 0, changepoint.Options{}); err == nil {
		t.Errorf("a zero budget was accepted")
	}
	// Within budget: one step of -5%.
	h := staircase(r, []float64{100, 95}, 10, 0.005)
	pts := h.Series(h.Keys()[0], compare.FPS)
	b, _ := Drift(pts, compare.FPS, 100, 0.10, changepoint.Options{Seed: 3})
	if b.Spent || len(b.Culprits) != 1 || b.DriftPct < 4 || b.DriftPct > 6 {
		t.Errorf("one 5%% step: %+v, want about 5%% drift, not spent, one culprit", b)
	}
}

// TestIndexFollowsRuns: a series read before runs were added includes them
// when read again, and Recent finds the same newest runs as Series.
func TestIndexFollowsRuns(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	h := staircase(r, []float64{100, 90}, Window/2+10, 0.002)
	k := h.Keys()[0]
	n := len(h.Series(k, compare.FPS))
	more := staircase(r, []float64{90}, 3, 0.002)
	h.Runs = append(h.Runs, more.Runs...)
	all := h.Series(k, compare.FPS)
	if len(all) != n+3 {
		t.Fatalf("%d points after adding 3 runs to %d", len(all), n)
	}
	recent, changes := h.Recent(k, compare.FPS, changepoint.Options{Seed: 1})
	want := Newest(all)
	if len(recent) != Window || recent[0].Run != want[0].Run || recent[Window-1].Run != want[Window-1].Run {
		t.Errorf("Recent gave %d points from %v, want the newest %d", len(recent), recent[0].Run.ID, Window)
	}
	if len(changes) != 1 || all[len(all)-Window+changes[0].Index].Run.Commit[:2] != "01" {
		t.Errorf("changes %+v, want the one step down", changes)
	}
}
