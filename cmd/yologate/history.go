package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/yologate/yologate/baselines"
	"github.com/yologate/yologate/compare"
	"github.com/yologate/yologate/history"
	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/report"
	"github.com/yologate/yologate/runner/results"
	"github.com/yologate/yologate/workflow/setup"
)

const historyUsage = `Usage: yologate history record --history DIR --results FILE [--commit SHA] [--date T] [--ref REF] [--url URL]
       yologate history show --history DIR [--case GLOB] [--metric fps]
       yologate history check --history DIR [--case GLOB] [--metric fps] [--drift-budget 10% --drift-reference COMMIT|TAG|baseline]
With --history-remote URL [--history-branch yologate-history], DIR is a working copy of that branch: fetched before reading, pushed after recording.`

func runHistory(ctx context.Context, c *Command, args []string) error {
	if len(args) == 0 {
		return errs.Usagef("history", "use \"yologate history record\", \"show\" or \"check\"", "missing subcommand")
	}
	switch args[0] {
	case "record":
		return runHistoryRecord(ctx, c, args[1:])
	case "show":
		return runHistoryShow(ctx, c, args[1:], false)
	case "check":
		return runHistoryShow(ctx, c, args[1:], true)
	case "-h", "-help", "--help", "help":
		fmt.Fprintln(c.Stdout, historyUsage)
		return nil
	}
	return errs.Usagef("history "+args[0], "use \"yologate history record\", \"show\" or \"check\"", "unknown subcommand")
}

// historyStoreFlags registers where the history is kept.
func historyStoreFlags(fs *flag.FlagSet) (dir, remote, branch *string) {
	dir = fs.String("history", "", "history `DIR`: one file per run of main (docs/history.md)")
	remote = fs.String("history-remote", "", "keep the history on a branch of this git remote `URL`; DIR is its working copy")
	branch = fs.String("history-branch", history.DefaultBranch, "with --history-remote: the branch")
	return dir, remote, branch
}

func runHistoryRecord(ctx context.Context, c *Command, args []string) error {
	fs := c.newFlags("history record", "history record --history DIR --results FILE [flags]")
	dir, remote, branch := historyStoreFlags(fs)
	resultsPath := fs.String("results", "", "results JSON `FILE` of a run of main")
	var meta history.Meta
	fs.StringVar(&meta.Commit, "commit", "", "commit measured (default: the results' CI commit)")
	date := fs.String("date", "", "when it ran, RFC 3339 (default: when the results finished)")
	fs.StringVar(&meta.Ref, "ref", "", "ref measured (default: the results' CI ref)")
	fs.StringVar(&meta.URL, "url", "", "URL of the run (default: the results' CI run)")
	if err := c.parseFlags(fs, args); err != nil {
		return err
	}
	if *dir == "" || *resultsPath == "" {
		return errs.Usagef("history record", "pass --history DIR and --results FILE", "missing --history or --results")
	}
	if *date != "" {
		t, err := time.Parse(time.RFC3339, *date)
		if err != nil {
			return errs.Usagef("--date", "write it as 2026-12-04T18:30:00Z", "%q is not an RFC 3339 time", *date)
		}
		meta.Date = t
	}
	f, err := setup.ReadResults(*resultsPath)
	if err != nil {
		return err
	}
	run, err := history.NewRun(*resultsPath, f, meta)
	if err != nil {
		return err
	}
	store := history.Open(*dir, *remote, *branch)
	path, err := store.Save(ctx, run)
	if err != nil {
		return err
	}
	commit := "-"
	if run.Commit != "" {
		commit = results.ShortSHA(run.Commit)
	}
	fmt.Fprintf(c.Stdout, "%s in %s: %d cases of %s at %s\n", path, store, len(run.Records), commit, run.Date.Format(time.RFC3339))
	return nil
}

// runHistoryShow prints each series of the history with its change points;
// check also judges them: exit 1 when a series' newest change point made it
// worse, or when it drifted past the budget since the reference.
func runHistoryShow(ctx context.Context, c *Command, args []string, check bool) error {
	name := "history show"
	if check {
		name = "history check"
	}
	fs := c.newFlags(name, name+" --history DIR [flags]")
	dir, remote, branch := historyStoreFlags(fs)
	o := history.ReviewOptions{Check: check}
	fs.StringVar(&o.Case, "case", "", "only the case ids matching this glob (* also matches /)")
	metric := fs.String("metric", string(compare.FPS), "metric: fps, p50_ms or p99_ms")
	budget := fs.String("drift-budget", "", "with --drift-reference: the most a case may have drifted since the reference, as a percentage (10%)")
	reference := fs.String("drift-reference", "", "the drift budget's reference: a commit, a tag of the checkout, or baseline (with --baseline)")
	fs.StringVar(reference, "reference", "", "the same as --drift-reference")
	baselinePath := fs.String("baseline", "", "baseline `FILE` whose medians are the reference of --drift-reference baseline")
	if err := c.parseFlags(fs, args); err != nil {
		return err
	}
	if !check {
		*budget = "" // show lists runs; .yologate.yml's budget is check's
	}
	if *dir == "" {
		return errs.Usagef("--history", "pass the history folder", "missing")
	}
	if o.Metric = compare.Metric(*metric); o.Metric != compare.FPS && o.Metric != compare.P50MS && o.Metric != compare.P99MS {
		return errs.Usagef("--metric", "use fps, p50_ms or p99_ms", "unknown metric %q", *metric)
	}
	if err := c.driftBudget(ctx, &o, *budget, *reference, *baselinePath); err != nil {
		return err
	}
	h, err := history.Open(*dir, *remote, *branch).Read(ctx)
	if err != nil {
		return err
	}
	for _, w := range h.Warnings {
		fmt.Fprintf(c.Stderr, "warning: %v (left out)\n", w)
	}
	series, err := history.Review(h, o)
	if err != nil {
		return err
	}
	if err := report.WriteHistoryReview(c.Stdout, series, o.Metric, o.Reference.String()); err != nil {
		return err
	}
	if n := history.Failing(series); n > 0 {
		return &regressionError{msg: fmt.Sprintf("%d series got worse on main", n)}
	}
	return nil
}

// driftBudget sets o's drift budget (a percentage) and its reference: a
// commit, a tag of the checkout, or baseline (the --baseline file's medians).
func (c *Command) driftBudget(ctx context.Context, o *history.ReviewOptions, budget, spec, baselinePath string) error {
	if budget == "" {
		return nil
	}
	v, err := baselines.ParsePercent(budget)
	if err != nil || !(v > 0) || spec == "" {
		return errs.Usagef("--drift-budget", "pass a percentage such as 10% and --drift-reference COMMIT", "%q needs a percentage and a reference", budget)
	}
	o.Budget = v / 100 // a fraction
	var base *baselines.File
	if spec == history.BaselineReference && baselinePath != "" {
		if base, err = c.env().ReadBaseline(baselinePath); err != nil {
			return err
		}
	}
	o.Reference, err = history.ResolveReference(ctx, spec, "", base)
	return err
}
