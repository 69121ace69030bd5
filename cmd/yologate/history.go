package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/yologate/yologate/baselines"
	"github.com/yologate/yologate/changepoint"
	"github.com/yologate/yologate/compare"
	"github.com/yologate/yologate/history"
	"github.com/yologate/yologate/internal/errs"
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
	f, err := readResults(*resultsPath)
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
	fmt.Fprintf(c.Stdout, "%s in %s: %d cases of %s at %s\n", path, store, len(run.Records), shortCommit(run.Commit), run.Date.Format(time.RFC3339))
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
	glob := fs.String("case", "", "only the case ids matching this glob (* also matches /)")
	metric := fs.String("metric", string(compare.FPS), "metric: fps, p50_ms or p99_ms")
	budget := fs.String("drift-budget", "", "with --drift-reference: the most a case may have drifted since the reference, as a percentage (10%)")
	reference := fs.String("drift-reference", "", "the drift budget's reference: a commit, a tag of the checkout, or baseline (with --baseline)")
	fs.StringVar(reference, "reference", "", "the same as --drift-reference")
	baselinePath := fs.String("baseline", "", "baseline `FILE` whose medians are the reference of --drift-reference baseline")
	if err := c.parseFlags(fs, args); err != nil {
		return err
	}
	if *dir == "" {
		return errs.Usagef("--history", "pass the history folder", "missing")
	}
	m := compare.Metric(*metric)
	if m != compare.FPS && m != compare.P50MS && m != compare.P99MS {
		return errs.Usagef("--metric", "use fps, p50_ms or p99_ms", "unknown metric %q", *metric)
	}
	if !check {
		*budget = "" // show lists runs; .yologate.yml's budget is check's
	}
	var budgetFrac float64
	if *budget != "" {
		v, err := baselines.ParsePercent(*budget)
		if err != nil || *reference == "" {
			return errs.Usagef("--drift-budget", "pass a percentage such as 10% and --drift-reference COMMIT", "%q needs a percentage and a reference", *budget)
		}
		budgetFrac = v / 100 // Drift takes a fraction
	}
	var ref history.Reference
	var err error
	if *budget != "" {
		var base *baselines.File
		if *reference == history.BaselineReference && *baselinePath != "" {
			if base, err = c.readBaseline(*baselinePath); err != nil {
				return err
			}
		}
		if ref, err = history.ResolveReference(ctx, *reference, "", base); err != nil {
			return err
		}
	}
	h, err := history.Open(*dir, *remote, *branch).Read(ctx)
	if err != nil {
		return err
	}
	for _, w := range h.Warnings {
		fmt.Fprintf(c.Stderr, "warning: %v (left out)\n", w)
	}
	failed := 0
	tw := tabwriter.NewWriter(c.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "profile\tcase\truns\tlatest %s\tchange points\n", m.Label())
	var notes []string
	for _, k := range h.Keys() {
		if *glob != "" {
			if ok, _ := baselines.MatchCase(*glob, k.Case); !ok {
				continue
			}
		}
		pts := h.Series(k, m)
		if len(pts) == 0 {
			continue
		}
		changes := history.ChangePoints(pts, m, changepoint.Options{})
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.4g\t%s\n", k.Profile, k.Case, len(pts), pts[len(pts)-1].Median, changeList(changes))
		if !check {
			continue
		}
		if n := len(changes); n > 0 && changes[n-1].Regression {
			failed++
			notes = append(notes, fmt.Sprintf("%s on %s: the newest change point, at %s, made %s worse by %+.1f%%", k.Case, k.Profile, shortCommit(changes[n-1].Commit), m.Label(), changes[n-1].DeltaPct))
		}
		if *budget != "" {
			b, ok, err := history.DriftOf(k, pts, m, ref, 0, budgetFrac, changepoint.Options{})
			if err != nil {
				return err
			}
			if !ok {
				notes = append(notes, fmt.Sprintf("%s on %s: no level of %s in the history, no drift budget", k.Case, k.Profile, ref))
				continue
			}
			if b.Spent {
				failed++
				notes = append(notes, fmt.Sprintf("%s on %s: drifted %.1f%% since %s, past the %g%% budget; steps: %s", k.Case, k.Profile, b.DriftPct, ref, b.BudgetPct, changeList(b.Culprits)))
			}
		}
	}
	tw.Flush()
	writeLines(c.Stdout, notes)
	if failed > 0 {
		return &regressionError{msg: fmt.Sprintf("%d series got worse on main", failed)}
	}
	return nil
}

// changeList formats change points as "abc1234 -6.1%, ...", "-" for none.
func changeList(changes []history.Change) string {
	if len(changes) == 0 {
		return "-"
	}
	s := ""
	for i, ch := range changes {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%s %+.1f%%", shortCommit(ch.Commit), ch.DeltaPct)
	}
	return s
}

func writeLines(w io.Writer, lines []string) {
	if len(lines) > 0 {
		fmt.Fprintln(w)
	}
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
}

// shortCommit is a commit as people read it, or "-" when unknown.
func shortCommit(sha string) string {
	if sha == "" {
		return "-"
	}
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}
