// Package gate is the gate's workflow: measure (or take given results),
// compare with the baselines, and measure a suspected regression once more
// before it fails. With main's history (History) the verdicts take main's
// run-to-run spread into account, a drift budget is checked, each case's
// trend is drawn from it, and a run of main is recorded into it.
// Publishing the outcome is the caller's (report).
package gate

import (
	"context"
	"errors"
	"strings"

	"github.com/yologate/yologate/baselines"
	"github.com/yologate/yologate/compare"
	"github.com/yologate/yologate/history"
	"github.com/yologate/yologate/runner/results"
	"github.com/yologate/yologate/workflow"
)

// Input is what one gate compares: the current side with the stored
// baselines, or with the pull request's base measured in the same job.
type Input struct {
	// Job measures the current side; unused when Current is set.
	Job *workflow.Job
	// Current, when set, is compared instead of running Job.
	Current  *results.File
	Baseline *baselines.File
	Options  compare.Options
	// Confirm measures each case flagged as a regression once more and
	// keeps the new measurement (only with Job, not with Paired).
	Confirm bool
	// Paired, when set, decides each case against the base measured
	// interleaved with it (needs Job); Baseline, if any, is then only
	// the reference shown beside it.
	Paired *Paired
	// History, when set, is main's history: the verdicts against Baseline
	// take main's run-to-run spread into account (a paired verdict needs
	// none: both sides share the run), a drift budget is checked, and the
	// run is recorded when History.Record says so.
	History *History
}

// Result is the gate's verdict and what it rests on.
type Result struct {
	Current *results.File
	Report  *compare.Report
	// Confirmed are the ids of the cases measured again.
	Confirmed []string
	// Paired says how the base was measured; nil without Input.Paired.
	Paired *PairedResult
	// History says what the gate did with main's history; nil without
	// Input.History.
	History *HistoryResult
}

// Run measures (unless in.Current is given), compares with the baselines
// and confirms suspected regressions. An error of the run is returned as
// is, with no result.
func Run(ctx context.Context, in Input) (*Result, error) {
	if err := in.Options.Validate(); err != nil {
		return nil, err
	}
	if in.Paired != nil {
		if in.Job == nil {
			return nil, errors.New("a paired gate measures: it needs a job")
		}
		if err := in.Paired.Validate(in.Job.Options.Count); err != nil {
			return nil, err
		}
	}
	cmp := comparer(compare.Compare)
	var hist *history.History
	var hr *HistoryResult
	if in.History != nil {
		hist, cmp, hr = in.History.read(ctx)
	}
	var res *Result
	var err error
	if in.Paired != nil {
		res, err = runPaired(ctx, in, cmp)
	} else {
		res, err = runStored(ctx, in, cmp)
	}
	if err != nil {
		return nil, err
	}
	if in.History != nil {
		in.History.finish(ctx, hist, hr, res)
	}
	return res, nil
}

// runStored measures unless given results and compares with the stored
// baselines.
func runStored(ctx context.Context, in Input, cmp comparer) (*Result, error) {
	res := &Result{Current: in.Current}
	base := in.Baseline.Measurements()
	if res.Current == nil {
		cur, err := in.Job.Run(ctx, nil)
		if err != nil {
			return nil, err
		}
		res.Current = cur
		if in.Confirm {
			rep := cmp(base, compare.FromResults(cur), in.Options)
			if res.Current, res.Confirmed, err = Confirm(ctx, in.Job, rep, cur); err != nil {
				return nil, err
			}
		}
	}
	res.Report = cmp(base, compare.FromResults(res.Current), in.Options)
	return res, nil
}

// Confirm measures the cases rep flags as regressions once more and puts
// the new measurements in their place in a copy of cur, so that only a
// regression that holds fails. It returns the re-measured case ids.
func Confirm(ctx context.Context, job *workflow.Job, rep *compare.Report, cur *results.File) (*results.File, []string, error) {
	suspects := map[string]bool{}
	var ids []string
	for _, c := range rep.Cases {
		if c.Verdict == compare.Regression && !suspects[c.ID] {
			suspects[c.ID] = true
			ids = append(ids, c.ID)
		}
	}
	if len(ids) == 0 {
		return cur, nil, nil
	}
	job.Logf("yologate: measuring %d case(s) flagged as regression again to confirm: %s", len(ids), strings.Join(ids, ", "))
	again, err := job.Run(ctx, suspects)
	if err != nil {
		return nil, nil, err
	}
	fresh := map[string]results.Case{}
	for _, c := range again.Cases {
		fresh[c.Profile+"\x00"+c.ID] = c
	}
	out := *cur
	out.Cases = make([]results.Case, len(cur.Cases))
	for i, c := range cur.Cases {
		if n, ok := fresh[c.Profile+"\x00"+c.ID]; ok {
			c = n
		}
		out.Cases[i] = c
	}
	out.Finished = again.Finished
	return &out, ids, nil
}
