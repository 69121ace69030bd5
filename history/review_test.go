package history

import (
	"math/rand/v2"
	"testing"

	"github.com/yologate/yologate/changepoint"
	"github.com/yologate/yologate/compare"
)

// TestReview reviews a series that fell 6%: shown, it is listed with its
// change point; checked, it fails on the change point and, against the
// first commit, on a 5% drift budget, but not on a 10% one.
func TestReview(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	h := staircase(r, []float64{100, 100, 94, 94}, 8, 0.003)
	first := h.Runs[0].Commit
	cp := changepoint.Options{Seed: 3}
	show, err := Review(h, ReviewOptions{Changepoint: cp})
	if err != nil || len(show) != 1 {
		t.Fatalf("show: %d series (%v), want 1", len(show), err)
	}
	if s := show[0]; s.Runs != 32 || len(s.Changes) == 0 || s.Failed() || s.Drift != nil {
		t.Errorf("show: %+v, want 32 runs with a change point and no verdict", s)
	}
	check := func(budget float64, ref string) SeriesReview {
		t.Helper()
		out, err := Review(h, ReviewOptions{Metric: compare.FPS, Check: true, Budget: budget, Reference: Reference{Commit: ref}, Changepoint: cp})
		if err != nil || len(out) != 1 {
			t.Fatalf("check: %d series (%v)", len(out), err)
		}
		return out[0]
	}
	if s := check(0.05, first); !s.Worse || s.Drift == nil || !s.Drift.Spent || !s.Failed() {
		t.Errorf("5%% budget: %+v, want worse and the budget spent", s)
	}
	if s := check(0.10, first); s.Drift == nil || s.Drift.Spent {
		t.Errorf("10%% budget: %+v, want the budget kept", s)
	}
	if s := check(0.05, "fffffff"); !s.NoReference || s.Drift != nil {
		t.Errorf("unknown reference: %+v, want no drift checked", s)
	}
	if out, _ := Review(h, ReviewOptions{Case: "model=none/*"}); len(out) != 0 {
		t.Errorf("a glob matching no case selected %d series", len(out))
	}
}
