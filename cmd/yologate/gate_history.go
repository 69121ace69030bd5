package main

import (
	"context"
	"fmt"

	"github.com/yologate/yologate/baselines"
	"github.com/yologate/yologate/history"
	ghreport "github.com/yologate/yologate/report/github"
	"github.com/yologate/yologate/workflow/gate"
)

// gateHistory passes the history flags to the gate: nil without --history.
func (c *Command) gateHistory(ctx context.Context, g *gateFlags, env ghreport.Env, base *baselines.File) (*gate.History, error) {
	mainRun, why := env.MainRun()
	return gate.NewHistory(ctx, gate.HistoryOptions{Dir: g.history, Remote: g.historyRemote, Branch: g.historyBranch, Record: g.record,
		MainRun: mainRun, Why: why, Meta: history.Meta{Commit: env.SHA, Ref: env.Ref, URL: env.RunURL},
		DriftBudget: g.driftBudget, DriftReference: g.driftReference, Baseline: base, Log: c.Stderr})
}

// afterRecord adds to the error that decides the exit code a run of main
// that was not recorded: it fails a passing gate (exit 3, or 2 for a run
// that names no commit) and is a warning beside a failing one.
func (c *Command) afterRecord(err, rec error) error {
	if rec == nil {
		return err
	}
	if err == nil {
		return rec
	}
	fmt.Fprintf(c.Stderr, "yologate: warning: %v\n", rec)
	return err
}
