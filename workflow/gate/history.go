package gate

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/yologate/yologate/changepoint"
	"github.com/yologate/yologate/compare"
	"github.com/yologate/yologate/history"
	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/report"
	"github.com/yologate/yologate/runner/results"
)

// History is main's history as the gate uses it: the run-to-run spread in
// each verdict, a drift budget against a pinned reference, each case's
// trend, and this run recorded when it is one of main's.
type History struct {
	// Store holds main's runs.
	Store history.Store
	// Record records the current side (with Paired, the head only) in
	// Store once the verdict is made.
	Record bool
	// Meta says where a recorded run came from; a zero field is taken from
	// the results (history.NewRun).
	Meta history.Meta
	// DriftBudget, when positive, is how much worse than DriftReference a
	// case's FPS may be, as a fraction (0.10 = 10%); a case past it fails.
	DriftBudget    float64
	DriftReference history.Reference
	// ChangePoints configures change point detection; zero takes the
	// defaults.
	ChangePoints changepoint.Options
	// Log receives what the gate did with the history; nil discards it.
	Log io.Writer
}

// HistoryResult says what the gate did with main's history.
type HistoryResult struct {
	// Source names the store read.
	Source string
	// Runs is how many runs of main it held; ReadErr why it could not be
	// read (the verdicts were then made without it).
	Runs    int
	ReadErr error
	// Warnings name the files or lines of the store that were left out.
	Warnings []error
	// Trends hold main's runs of each case that has any, and this run.
	Trends []report.Trend
	// Recorded is this run's file in the store; "" when it was not
	// recorded. RecordErr says why recording failed.
	Recorded  string
	RecordErr error
}

// comparer makes a comparison: with or without main's history.
type comparer func(old, cur []compare.Measurement, opt compare.Options) *compare.Report

func (h *History) logf(format string, args ...any) {
	if h.Log != nil {
		fmt.Fprintf(h.Log, format+"\n", args...)
	}
}

// read reads the store and returns the comparer that uses it; a store
// that cannot be read leaves the verdicts to the plain comparison and says
// so in the result.
func (h *History) read(ctx context.Context) (*history.History, comparer, *HistoryResult) {
	hr := &HistoryResult{Source: h.Store.String()}
	hist, err := h.Store.Read(ctx)
	if err != nil {
		hr.ReadErr = err
		h.logf("yologate: warning: main's history (%s) could not be read, the verdicts do without it: %v", hr.Source, err)
		return nil, compare.Compare, hr
	}
	hr.Runs, hr.Warnings = len(hist.Runs), hist.Warnings
	h.logf("yologate: main's history: %d runs in %s", hr.Runs, hr.Source)
	for _, w := range hist.Warnings {
		h.logf("yologate: warning: %v (left out of the history)", w)
	}
	with := func(old, cur []compare.Measurement, opt compare.Options) *compare.Report {
		return compare.CompareHistory(old, cur, hist.ForCompare(cur, h.ChangePoints), opt)
	}
	return hist, with, hr
}

// finish completes a gate's result with the history: the note on files
// left out, the drift budget, the trends, and the recorded run.
func (h *History) finish(ctx context.Context, hist *history.History, hr *HistoryResult, res *Result) {
	res.History = hr
	rep := res.Report
	cur := compare.FromResults(res.Current)
	if hist != nil {
		if n := hist.LeftOutNote(); n != "" {
			rep.Notes = append(rep.Notes, n)
		}
		hr.Trends = trends(hist, cur, h.ChangePoints)
	}
	if h.DriftBudget > 0 {
		if hist == nil {
			rep.Notes = append(rep.Notes, "drift budget not checked: main's history could not be read")
		} else {
			h.drift(hist, cur, rep)
		}
		rep.Finish()
	}
	if h.Record {
		hr.Recorded, hr.RecordErr = h.record(ctx, res.Current)
	}
}

// drift checks each case's FPS against the pinned reference.
func (h *History) drift(hist *history.History, cur []compare.Measurement, rep *compare.Report) {
	by := map[[2]string]*compare.Measurement{}
	for i := range cur {
		by[[2]string{cur[i].Profile, cur[i].CaseID}] = &cur[i]
	}
	var noLevel []string
	for i := range rep.Cases {
		c := &rep.Cases[i]
		m := by[[2]string{c.Profile, c.ID}]
		if m == nil || len(m.Samples[compare.FPS]) == 0 {
			continue
		}
		k := history.Key{Profile: m.Profile, Case: m.CaseID, Env: history.EnvKey(m.Env)}
		now := changepoint.Median(m.Samples[compare.FPS])
		b, ok, err := history.DriftOf(k, hist.Series(k, compare.FPS), compare.FPS, h.DriftReference, now, h.DriftBudget, h.ChangePoints)
		if err != nil || !ok {
			noLevel = append(noLevel, c.ID)
			continue
		}
		d := &compare.DriftCheck{Metric: compare.FPS, Reference: h.DriftReference.String(), Level: b.Reference, Main: b.Main,
			Current: b.Current, DriftPct: b.DriftPct, BudgetPct: b.BudgetPct, Spent: b.Spent}
		for _, st := range b.Culprits {
			d.Steps = append(d.Steps, compare.DriftStep{Commit: st.Commit, Date: st.Date, DeltaPct: st.DeltaPct})
		}
		c.SetDrift(d)
	}
	if len(noLevel) > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("drift budget not checked for %d case(s) (%s): %s has no comparable run of them in main's history; pin a reference main has measured",
			len(noLevel), strings.Join(noLevel, ", "), h.DriftReference))
	}
}

// trends returns main's FPS runs of each current case with its change
// points and level, and this run's median.
func trends(hist *history.History, cur []compare.Measurement, opt changepoint.Options) []report.Trend {
	var out []report.Trend
	for _, m := range cur {
		k := history.Key{Profile: m.Profile, Case: m.CaseID, Env: history.EnvKey(m.Env)}
		pts, changes := hist.Recent(k, compare.FPS, opt)
		if len(pts) == 0 {
			continue
		}
		at := map[int]bool{}
		for _, c := range changes {
			at[c.Index] = true
		}
		t := report.Trend{Profile: m.Profile, CaseID: m.CaseID,
			Level: changepoint.Median(history.Medians(history.Since(pts, changes)))}
		for i, p := range pts {
			t.Runs = append(t.Runs, report.TrendRun{Commit: p.Run.Commit, FPS: p.Median, Change: at[i]})
		}
		if v := m.Samples[compare.FPS]; len(v) > 0 {
			t.Current = changepoint.Median(v)
		}
		out = append(out, t)
	}
	return out
}

// record saves the current results as a run of main.
func (h *History) record(ctx context.Context, cur *results.File) (string, error) {
	run, err := history.NewRun("the results", cur, h.Meta)
	if err != nil {
		if errs.KindOf(err) == errs.Usage {
			return "", errs.Usagef("--record", "run the gate in a git checkout or in GitHub Actions, or record later with yologate history record --commit SHA",
				"this run names no commit or time to record it under")
		}
		return "", err
	}
	path, err := h.Store.Save(ctx, run)
	if err != nil {
		return "", err
	}
	h.logf("yologate: recorded this run in main's history: %s (%s)", path, h.Store)
	return path, nil
}

// Info is what the comment and the reports say about the history; nil
// for a gate without one.
func (hr *HistoryResult) Info() *report.HistoryInfo {
	if hr == nil {
		return nil
	}
	info := &report.HistoryInfo{Source: hr.Source, Runs: hr.Runs, Trends: hr.Trends, Recorded: hr.Recorded}
	if hr.ReadErr != nil {
		info.Unread = hr.ReadErr.Error()
	}
	return info
}

// RecordError is why this run was not recorded though it should have
// been; nil for a gate without history.
func (hr *HistoryResult) RecordError() error {
	if hr == nil {
		return nil
	}
	return hr.RecordErr
}
