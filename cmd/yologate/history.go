package main

import (
	"context"
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
       yologate history check --history DIR [--case GLOB] [--metric fps] [--drift-budget 10% --reference COMMIT]`

func runHistory(ctx context.Context, c *Command, args []string) error {
	if len(args) == 0 {
		return errs.Usagef("history", "use \"yologate history record\", \"show\" or \"check\"", "missing subcommand")
	}
	switch args[0] {
	case "record":
		return runHistoryRecord(c, args[1:])
	case "show":
		return runHistoryShow(c, args[1:], false)
	case "check":
		return runHistoryShow(c, args[1:], true)
	case "-h", "-help", "--help", "help":
		fmt.Fprintln(c.Stdout, historyUsage)
		return nil
	}
	return errs.Usagef("history "+args[0], "use \"yologate history record\", \"show\" or \"check\"", "unknown subcommand")
}

func runHistoryRecord(c *Command, args []string) error {
	fs := c.newFlags("history record", "history record --history DIR --results FILE [flags]")
	dir := fs.String("history", "", "history `DIR`: one file per run of main (docs/history.md)")
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
	path, err := history.Save(*dir, run)
	if err != nil {
		return err
	}
	commit := "-"
	if run.Commit != "" {
		commit = results.ShortSHA(run.Commit)
	}
	fmt.Fprintf(c.Stdout, "%s: %d cases of %s at %s\n", path, len(run.Records), commit, run.Date.Format(time.RFC3339))
	return nil
}

// runHistoryShow prints each series of the history with its change points;
// check also judges them: exit 1 when a series' newest change point made it
// worse, or when it drifted past the budget since the reference.
func runHistoryShow(c *Command, args []string, check bool) error {
	name := "history show"
	if check {
		name = "history check"
	}
	fs := c.newFlags(name, name+" --history DIR [flags]")
	dir := fs.String("history", "", "history `DIR`")
	o := history.ReviewOptions{Check: check}
	fs.StringVar(&o.Case, "case", "", "only the case ids matching this glob (* also matches /)")
	metric := fs.String("metric", string(compare.FPS), "metric: fps, p50_ms or p99_ms")
	budget := fs.String("drift-budget", "", "with --reference: the most a case may have drifted since the reference, as a percentage (10%)")
	fs.StringVar(&o.Reference, "reference", "", "commit whose runs are the drift budget's reference")
	if err := c.parseFlags(fs, args); err != nil {
		return err
	}
	if *dir == "" {
		return errs.Usagef("--history", "pass the history folder", "missing")
	}
	if o.Metric = compare.Metric(*metric); o.Metric != compare.FPS && o.Metric != compare.P50MS && o.Metric != compare.P99MS {
		return errs.Usagef("--metric", "use fps, p50_ms or p99_ms", "unknown metric %q", *metric)
	}
	if *budget != "" {
		v, err := baselines.ParsePercent(*budget)
		if err != nil || !(v > 0) || o.Reference == "" {
			return errs.Usagef("--drift-budget", "pass a percentage such as 10% and --reference COMMIT", "%q needs a percentage and a reference", *budget)
		}
		o.Budget = v / 100 // a fraction
	}
	h, err := history.Read(*dir)
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
	if err := report.WriteHistoryReview(c.Stdout, series, o.Metric, o.Reference); err != nil {
		return err
	}
	failed := 0
	for _, s := range series {
		if s.Failed() {
			failed++
		}
	}
	if failed > 0 {
		return &regressionError{msg: fmt.Sprintf("%d series got worse on main", failed)}
	}
	return nil
}
