package gate

import (
	"context"
	"math/rand"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/yologate/yologate/compare"
	"github.com/yologate/yologate/runner"
	"github.com/yologate/yologate/workflow/workflowtest"
)

// Two models stand for the base and head sides: the fake runner keys its
// frame rates by case id.
var (
	baseV8 = workflowtest.Spec("base", 640)
	headV8 = workflowtest.Spec("yolov8n", 640)
)

// headFPS returns a runner function with the base at 100 fps and the head
// at head(call) in its call-th session.
func headFPS(head func(call int) float64) func(string, int, int) float64 {
	return func(id string, _ int, call int) float64 {
		if id == headV8.ID() {
			return head(call)
		}
		return 100
	}
}

// noisy returns a head whose sessions run 7% faster than the base give or
// take 30%, drawn from seed: too noisy for 10 pairs to settle. Seed 9 stays
// inconclusive up to 30 pairs; seed 2 settles as unchanged and seed 3 as
// an improvement at 20.
func noisy(seed int64) func(call int) float64 {
	rnd := rand.New(rand.NewSource(seed))
	fps := make([]float64, 100)
	for i := range fps {
		fps[i] = 100 * (1.07 + 0.6*(rnd.Float64()-0.5))
	}
	return func(call int) float64 { return fps[call] }
}

// TestPairedInterleaves checks ab's order with fresh sessions: both
// sessions per pair, then the repeats A B, B A, ...
func TestPairedInterleaves(t *testing.T) {
	r := &workflowtest.Runner{FPS: headFPS(func(int) float64 { return 100 })}
	j := job(r, nil, headV8)
	j.Options.Count = 3
	res, err := Run(context.Background(), Input{Job: j, Options: compare.DefaultOptions(),
		Paired: &Paired{Base: []*runner.Spec{&baseV8}, Fresh: true, MaxCount: 3}})
	if err != nil {
		t.Fatal(err)
	}
	b, h := baseV8.ID(), headV8.ID()
	pair := func(first, second string) []string {
		return []string{"prepare " + b, "prepare " + h, "warm-up " + b, "warm-up " + h, "repeat " + first, "repeat " + second}
	}
	var want []string
	want = append(want, pair(b, h)...)
	want = append(want, pair(h, b)...)
	want = append(want, pair(b, h)...)
	if !slices.Equal(r.Log, want) {
		t.Errorf("steps\n%q\nwant\n%q", r.Log, want)
	}
	if res.Report.Cases[0].ID != h || !res.Report.Cases[0].Metrics[0].Paired {
		t.Errorf("case %+v, want the head's id compared pair by pair", res.Report.Cases[0])
	}
}

// TestPairedGrowth grows inconclusive cases up to the maximum, and leaves
// settled ones at the count.
func TestPairedGrowth(t *testing.T) {
	tests := []struct {
		name     string
		head     func(call int) float64
		maxCount int
		verdict  compare.Verdict
		pairs    int
	}{
		{"regression settles at the count", func(int) float64 { return 80 }, 30, compare.Regression, 10},
		{"unchanged settles at the count", func(int) float64 { return 100 }, 30, compare.Unchanged, 10},
		{"inconclusive grows to the maximum", noisy(9), 30, compare.Inconclusive, 30},
		{"inconclusive grows to an odd maximum", noisy(9), 25, compare.Inconclusive, 25},
		{"no growth when the maximum is the count", noisy(9), 10, compare.Inconclusive, 10},
		{"grows until unchanged", noisy(2), 30, compare.Unchanged, 20},
		{"grows until an improvement", noisy(3), 30, compare.Improvement, 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &workflowtest.Runner{FPS: headFPS(tt.head)}
			var log strings.Builder
			res, err := Run(context.Background(), Input{Job: job(r, &log, headV8), Options: compare.DefaultOptions(),
				Paired: &Paired{Base: []*runner.Spec{&baseV8}, Fresh: true, MaxCount: tt.maxCount}})
			if err != nil {
				t.Fatal(err)
			}
			c := res.Report.Cases[0]
			if c.Verdict != tt.verdict || res.Paired.Pairs[headV8.ID()] != tt.pairs || c.Metrics[0].New.N != tt.pairs {
				t.Errorf("verdict %s after %d pairs (%d samples), want %s after %d", c.Verdict, res.Paired.Pairs[headV8.ID()], c.Metrics[0].New.N, tt.verdict, tt.pairs)
			}
			if grew := tt.pairs > 10; grew != strings.Contains(log.String(), "more pair(s)") {
				t.Errorf("log %q", log.String())
			}
			if res.Paired.BudgetStop {
				t.Error("budget stop without a budget")
			}
		})
	}
}

// TestPairedBudget stops growing when the pairs so far say the next ones
// would end past the budget.
func TestPairedBudget(t *testing.T) {
	tests := []struct {
		budget time.Duration
		pairs  int
		stop   bool
	}{
		// 10 pairs take 20 s; 5 s left fit 2 more.
		{25 * time.Second, 12, true},
		{0, 30, false},
		{time.Hour, 30, false},
		// Spent already: the first pairs still run.
		{time.Second, 10, true},
	}
	for _, tt := range tests {
		t.Run(tt.budget.String(), func(t *testing.T) {
			// Each repeat takes one second of the fake clock.
			clock := time.Unix(0, 0)
			fps := headFPS(noisy(9))
			r := &workflowtest.Runner{FPS: func(id string, streams, call int) float64 {
				clock = clock.Add(time.Second)
				return fps(id, streams, call)
			}}
			res, err := Run(context.Background(), Input{Job: job(r, nil, headV8), Options: compare.DefaultOptions(),
				Paired: &Paired{Base: []*runner.Spec{&baseV8}, Fresh: true, Budget: tt.budget, Now: func() time.Time { return clock }}})
			if err != nil {
				t.Fatal(err)
			}
			p := res.Paired
			if p.Pairs[headV8.ID()] != tt.pairs || p.BudgetStop != tt.stop || p.Elapsed != time.Duration(2*tt.pairs)*time.Second {
				t.Errorf("%d pairs, budget stop %v, %v elapsed; want %d, %v, %ds", p.Pairs[headV8.ID()], p.BudgetStop, p.Elapsed, tt.pairs, tt.stop, 2*tt.pairs)
			}
		})
	}
}

// TestPairedMissingBase measures a case whose model the base lacks alone,
// as new with a note, and shows the stored baseline as the reference.
func TestPairedMissingBase(t *testing.T) {
	v11 := workflowtest.Spec("yolo11n", 640)
	stored := baseline(t, headV8, v11)
	r := &workflowtest.Runner{FPS: headFPS(func(int) float64 { return 100 })}
	res, err := Run(context.Background(), Input{Job: job(r, nil, v11, headV8), Baseline: stored, Options: compare.DefaultOptions(),
		Paired: &Paired{Base: []*runner.Spec{nil, &baseV8}, Fresh: true}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]compare.Verdict{}
	for _, c := range res.Report.Cases {
		got[c.ID] = c.Verdict
		if c.ID == v11.ID() && (c.Reason != missingBaseReason || c.Remedy != "") {
			t.Errorf("reason %q, remedy %q; want %q and none (no baseline to record)", c.Reason, c.Remedy, missingBaseReason)
		}
	}
	if got[v11.ID()] != compare.New || got[headV8.ID()] != compare.Unchanged || res.Report.Fail {
		t.Errorf("verdicts %v, want new and unchanged, passing", got)
	}
	if !slices.Contains(r.Log, "run "+v11.ID()+" x 1") {
		t.Errorf("steps %q: the new case was not measured alone", r.Log)
	}
	if len(res.Current.Cases) != 2 || res.Current.Cases[0].ID != v11.ID() {
		t.Errorf("current cases %v, want both in plan order", res.Current.Cases)
	}
	if ref := res.Paired.Reference; ref == nil || len(ref.Cases) != 2 {
		t.Errorf("reference %+v, want both cases against the stored baseline", ref)
	}
}

func TestPairedRefusesBadSettings(t *testing.T) {
	r := &workflowtest.Runner{FPS: headFPS(noisy(9))}
	tests := map[string]*Paired{
		"max below count": {Base: []*runner.Spec{&baseV8}, MaxCount: 5},
		"negative budget": {Base: []*runner.Spec{&baseV8}, Budget: -time.Second},
		"unpaired cases":  {Base: []*runner.Spec{&baseV8, &baseV8}},
	}
	for name, p := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := Run(context.Background(), Input{Job: job(r, nil, headV8), Options: compare.DefaultOptions(), Paired: p}); err == nil {
				t.Error("accepted")
			}
		})
	}
}
