package gate

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yologate/yologate/baselines"
	"github.com/yologate/yologate/changepoint"
	"github.com/yologate/yologate/compare"
	"github.com/yologate/yologate/history"
	"github.com/yologate/yologate/runner"
	"github.com/yologate/yologate/workflow/workflowtest"
)

// commitOf is the made-up commit of main's i-th run.
func commitOf(i int) string { return fmt.Sprintf("%07x%033d", 0xa000000+i, i) }

// mainRuns records one run of main per level into a store folder, the
// i-th at levels[i] fps for every case of specs, and returns the folder.
func mainRuns(t *testing.T, levels []float64, specs ...runner.Spec) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "history")
	for i, fps := range levels {
		r := &workflowtest.Runner{FPS: func(string, int, int) float64 { return fps }}
		f, err := job(r, nil, specs...).Run(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		run, err := history.NewRun("run", f, history.Meta{Commit: commitOf(i), Date: time.Date(2026, 11, 1, i, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := history.Save(dir, run); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// spread returns n run levels around center, each moved by up to ±pct%
// in a fixed pattern, as runs of main on different days.
func spread(n int, center, pct float64) []float64 {
	pattern := []float64{0, 1, -1, 0.5, -0.5, 0.8, -0.8, 0.2, -0.2, 0.9, -0.9}
	out := make([]float64, n)
	for i := range out {
		out[i] = center * (1 + pct/100*pattern[i%len(pattern)])
	}
	return out
}

// TestGateHistoryVerdict shows what main's history changes: a run 6% below
// a baseline of one run is a regression by its repeats alone, but main's
// runs move by ±6% from day to day, so with 20 of them it is inconclusive
// and says why; with 3 it is judged as without history and says that.
func TestGateHistoryVerdict(t *testing.T) {
	v8 := workflowtest.Spec("yolov8n", 640)
	base := baseline(t, v8)
	for _, tt := range []struct {
		name    string
		runs    int
		verdict compare.Verdict
		note    string
	}{
		{"no history", -1, compare.Regression, ""},
		{"3 runs", 3, compare.Regression, "no run-to-run history yet (3 of 5 comparable runs of main)"},
		{"20 runs", 20, compare.Inconclusive, "run-to-run spread from 20 runs of main"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := &workflowtest.Runner{FPS: func(string, int, int) float64 { return 94 }}
			in := Input{Job: job(r, nil, v8), Baseline: base, Options: compare.DefaultOptions()}
			if tt.runs >= 0 {
				in.History = &History{Store: history.Folder(mainRuns(t, spread(tt.runs, 100, 6), v8))}
			}
			res, err := Run(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			c := res.Report.Cases[0]
			if c.Verdict != tt.verdict || c.HistoryNote != tt.note {
				t.Errorf("verdict %s, note %q; want %s, %q (reason %q)", c.Verdict, c.HistoryNote, tt.verdict, tt.note, c.Reason)
			}
			if tt.runs >= 0 && (res.History == nil || res.History.Runs != tt.runs || len(res.History.Trends) != 1) {
				t.Fatalf("history result %+v", res.History)
			}
			if tt.runs == 20 && !strings.Contains(c.Reason, "main itself moves") {
				t.Errorf("reason %q does not name main's spread", c.Reason)
			}
		})
	}
}

// TestGateHistoryLeftOut puts a foreign and a truncated file into the
// store: both are left out with a warning, and the verdict says so.
func TestGateHistoryLeftOut(t *testing.T) {
	v8 := workflowtest.Spec("yolov8n", 640)
	base := baseline(t, v8)
	dir := mainRuns(t, spread(6, 100, 1), v8)
	runs, _ := filepath.Glob(filepath.Join(dir, "runs", "*", "*.hist"))
	data, err := os.ReadFile(runs[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(runs[0], data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(filepath.Dir(runs[0]), "notes.txt"), []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	r := &workflowtest.Runner{FPS: func(string, int, int) float64 { return 100 }}
	res, err := Run(context.Background(), Input{Job: job(r, nil, v8), Baseline: base, Options: compare.DefaultOptions(),
		History: &History{Store: history.Folder(dir), Log: &log}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.History.Warnings) != 2 || res.History.Runs != 5 {
		t.Errorf("%d runs, warnings %v; want 5 runs and 2 warnings", res.History.Runs, res.History.Warnings)
	}
	notes := strings.Join(res.Report.Notes, "\n")
	if !strings.Contains(notes, "2 damaged or foreign part(s) of main's history left out of the verdict") {
		t.Errorf("notes %q do not say that the history was cut", notes)
	}
	if !strings.Contains(log.String(), "notes.txt: not a history file") || !strings.Contains(log.String(), "(left out of the history)") {
		t.Errorf("log %q", log.String())
	}
}

// brokenStore cannot be read or written.
type brokenStore struct{}

func (brokenStore) Read(context.Context) (*history.History, error) {
	return nil, errors.New("git fetch: could not resolve host")
}
func (brokenStore) Save(context.Context, *history.Run) (string, error) {
	return "", errors.New("git push: could not resolve host")
}
func (brokenStore) String() string { return "branch yologate-history of origin" }

// TestGateHistoryUnreadable: the verdict is made without the history and
// says so; recording fails without changing it.
func TestGateHistoryUnreadable(t *testing.T) {
	v8 := workflowtest.Spec("yolov8n", 640)
	base := baseline(t, v8)
	r := &workflowtest.Runner{FPS: func(string, int, int) float64 { return 100 }}
	res, err := Run(context.Background(), Input{Job: job(r, nil, v8), Baseline: base, Options: compare.DefaultOptions(),
		History: &History{Store: brokenStore{}, Record: true, Meta: history.Meta{Commit: commitOf(1)}, DriftBudget: 0.1,
			DriftReference: history.Reference{Commit: commitOf(0)}}})
	if err != nil {
		t.Fatal(err)
	}
	h := res.History
	if h.ReadErr == nil || h.RecordErr == nil || h.Recorded != "" || res.Report.Verdict != compare.Unchanged {
		t.Errorf("history %+v, verdict %s", h, res.Report.Verdict)
	}
	if !strings.Contains(strings.Join(res.Report.Notes, "\n"), "drift budget not checked: main's history could not be read") {
		t.Errorf("notes %q", res.Report.Notes)
	}
}

// TestGateDriftBudget: main slid in three steps of 1.5%, each inside the
// 5% threshold, and this run is 1.5% below main's level: the run passes
// the baseline of main's last level but is past a 5% budget since the
// reference commit, and the three steps are named.
func TestGateDriftBudget(t *testing.T) {
	v8 := workflowtest.Spec("yolov8n", 640)
	var levels []float64
	for step := 0; step < 4; step++ {
		levels = append(levels, spread(10, 100*(1-0.015*float64(step)), 0.3)...)
	}
	dir := mainRuns(t, levels, v8)
	lastLevel := &workflowtest.Runner{FPS: func(string, int, int) float64 { return levels[len(levels)-1] }}
	f, err := job(lastLevel, nil, v8).Run(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	bpath := filepath.Join(t.TempDir(), "b.yaml")
	if _, err := baselines.Update(bpath, f, baselines.UpdateOptions{Reason: "main's level"}); err != nil {
		t.Fatal(err)
	}
	base, err := baselines.ReadPath(bpath)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name    string
		budget  float64
		verdict compare.Verdict
		spent   bool
	}{
		{"5% budget", 0.05, compare.Regression, true},
		{"10% budget", 0.10, compare.Unchanged, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := &workflowtest.Runner{FPS: func(string, int, int) float64 { return 100 * 0.955 * 0.985 }}
			res, err := Run(context.Background(), Input{Job: job(r, nil, v8), Baseline: base, Options: compare.DefaultOptions(),
				History: &History{Store: history.Folder(dir), DriftBudget: tt.budget, DriftReference: history.Reference{Label: "v1.0", Commit: commitOf(0)},
					ChangePoints: changepoint.Options{Seed: 1}}})
			if err != nil {
				t.Fatal(err)
			}
			c := res.Report.Cases[0]
			d := c.Drift
			if d == nil {
				t.Fatalf("no drift check: notes %q", res.Report.Notes)
			}
			if c.Verdict != tt.verdict || d.Spent != tt.spent || res.Report.Fail != tt.spent {
				t.Errorf("verdict %s, spent %v, fail %v; want %s, %v (reason %q)", c.Verdict, d.Spent, res.Report.Fail, tt.verdict, tt.spent, c.Reason)
			}
			if m := c.Metrics[0]; m.Verdict != compare.Unchanged {
				t.Errorf("fps verdict %s: the run alone should pass", m.Verdict)
			}
			if len(d.Steps) != 3 || d.Steps[0].Commit != commitOf(10) || d.Steps[2].Commit != commitOf(30) {
				t.Errorf("steps %+v, want the three steps at runs 10, 20 and 30", d.Steps)
			}
			if d.Reference != "v1.0 (a00000000000)" || d.DriftPct < 5.5 || d.DriftPct > 6.5 {
				t.Errorf("drift %+v", d)
			}
			if tt.spent && !strings.Contains(c.Reason, "past the 5% drift budget; steps on main: a00000a00000 -1.5%, a00001400000 -1.5%, a00001e00000 -1.5%") {
				t.Errorf("reason %q", c.Reason)
			}
		})
	}
	t.Run("reference never measured", func(t *testing.T) {
		r := &workflowtest.Runner{FPS: func(string, int, int) float64 { return 94 }}
		res, err := Run(context.Background(), Input{Job: job(r, nil, v8), Baseline: base, Options: compare.DefaultOptions(),
			History: &History{Store: history.Folder(dir), DriftBudget: 0.05, DriftReference: history.Reference{Commit: "fffffff"}}})
		if err != nil {
			t.Fatal(err)
		}
		if res.Report.Cases[0].Drift != nil || !strings.Contains(strings.Join(res.Report.Notes, "\n"), "drift budget not checked for 1 case(s)") {
			t.Errorf("drift %+v, notes %q", res.Report.Cases[0].Drift, res.Report.Notes)
		}
	})
}

// TestGateRecords records the run in the store; a paired gate records
// only its head side, as main's own measurement.
func TestGateRecords(t *testing.T) {
	v8 := workflowtest.Spec("yolov8n", 640)
	base := baseline(t, v8)
	for _, paired := range []bool{false, true} {
		t.Run(fmt.Sprint("paired=", paired), func(t *testing.T) {
			dir := mainRuns(t, spread(3, 100, 1), headV8)
			r := &workflowtest.Runner{FPS: headFPS(func(int) float64 { return 101 })}
			in := Input{Job: job(r, nil, headV8), Baseline: base, Options: compare.DefaultOptions(),
				History: &History{Store: history.Folder(dir), Record: true, Meta: history.Meta{Commit: commitOf(99), Ref: "refs/heads/main", URL: "https://ci/run/1", Date: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)}}}
			if paired {
				in.Paired = &Paired{Base: []*runner.Spec{&baseV8}, MaxCount: 10}
			}
			res, err := Run(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			if res.History.RecordErr != nil || res.History.Recorded == "" {
				t.Fatalf("not recorded: %+v", res.History)
			}
			h, err := history.Read(dir)
			if err != nil || len(h.Runs) != 4 {
				t.Fatalf("%v runs after recording, err %v", len(h.Runs), err)
			}
			run := h.Runs[len(h.Runs)-1]
			if run.Commit != commitOf(99) || run.Ref != "refs/heads/main" || run.URL != "https://ci/run/1" || len(run.Records) != 1 {
				t.Fatalf("recorded %+v", run)
			}
			if rec := run.Records[0]; rec.Case != headV8.ID() || rec.N != len(res.Current.Cases[0].Repeats) {
				t.Errorf("recorded case %s with %d repeats, want the head %s with %d", rec.Case, rec.N, headV8.ID(), len(res.Current.Cases[0].Repeats))
			}
		})
	}
}

func TestNewHistory(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for _, tt := range []struct {
		name   string
		o      HistoryOptions
		record bool
		err    string
	}{
		{"off", HistoryOptions{}, false, ""},
		{"auto on a run of main", HistoryOptions{Dir: dir, MainRun: true, Why: "a push to the default branch main", Meta: history.Meta{Commit: "abc1234"}}, true, ""},
		{"auto on a pull request", HistoryOptions{Dir: dir, Why: "a pull_request event"}, false, ""},
		{"always", HistoryOptions{Dir: dir, Record: RecordAlways, Meta: history.Meta{Commit: "abc1234"}}, true, ""},
		{"never on main", HistoryOptions{Dir: dir, Record: RecordNever, MainRun: true}, false, ""},
		{"unknown policy", HistoryOptions{Dir: dir, Record: "sometimes"}, false, "--record"},
		{"always without a folder", HistoryOptions{Record: RecordAlways}, false, "--record"},
		{"remote without a folder", HistoryOptions{Remote: "https://example.com/r.git"}, false, "--history-remote"},
		{"budget without a reference", HistoryOptions{Dir: dir, DriftBudget: "10%"}, false, "--drift-budget"},
		{"reference without a budget", HistoryOptions{Dir: dir, DriftReference: "abc1234"}, false, "--drift-budget"},
		{"budget that is no percentage", HistoryOptions{Dir: dir, DriftBudget: "0.1", DriftReference: "abc1234"}, false, "--drift-budget"},
		{"baseline reference without a baseline", HistoryOptions{Dir: dir, DriftBudget: "10%", DriftReference: "baseline"}, false, "--drift-reference"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h, err := NewHistory(ctx, tt.o)
			if tt.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.err) {
					t.Errorf("error %v, want one naming %s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (h == nil) != (tt.o.Dir == "") || h != nil && h.Record != tt.record {
				t.Errorf("history %+v, want record %v", h, tt.record)
			}
		})
	}
	h, err := NewHistory(ctx, HistoryOptions{Dir: dir, DriftBudget: "7.5%", DriftReference: "abc1234"})
	if err != nil || h.DriftBudget != 0.075 || h.DriftReference.Commit != "abc1234" {
		t.Errorf("history %+v, err %v", h, err)
	}
}
