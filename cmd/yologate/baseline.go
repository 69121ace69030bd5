package main

import (
	"context"
	"fmt"

	"github.com/yologate/yologate/baselines"
	"github.com/yologate/yologate/internal/config"
	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/report"
	"github.com/yologate/yologate/runner/results"
)

func runBaseline(ctx context.Context, c *Command, args []string) error {
	if len(args) == 0 {
		return errs.Usagef("baseline", "use \"yologate baseline update\" or \"yologate baseline show\"", "missing subcommand")
	}
	switch args[0] {
	case "update":
		return runBaselineUpdate(ctx, c, args[1:])
	case "show":
		return runBaselineShow(ctx, c, args[1:])
	case "-h", "-help", "--help", "help":
		fmt.Fprintln(c.Stdout, "Usage: yologate baseline update --baseline FILE --results FILE [--case GLOB] [--reason TEXT] [--force]")
		fmt.Fprintln(c.Stdout, "       yologate baseline show --baseline FILE")
		return nil
	}
	return errs.Usagef("baseline "+args[0], "use \"yologate baseline update\" or \"yologate baseline show\"", "unknown subcommand")
}

func runBaselineUpdate(_ context.Context, c *Command, args []string) error {
	fs := c.newFlags("baseline update", "baseline update --baseline FILE --results FILE [--case GLOB] [--reason TEXT] [--force]")
	baselinePath := fs.String("baseline", "", "baseline YAML file, or folder of one file per hardware profile (ending in /, or existing), to update; created when missing")
	resultsPath := fs.String("results", "", "results JSON file whose cases to record")
	var o baselines.UpdateOptions
	fs.StringVar(&o.Cases, "case", "", "record only the case ids matching this glob (* also matches /)")
	fs.StringVar(&o.Reason, "reason", "", "why these numbers are the new baseline, kept in the provenance")
	fs.StringVar(&o.Author, "author", "", "who accepted them (default: $GITHUB_ACTOR, else $USER)")
	fs.StringVar(&o.Commit, "commit", "", "commit measured (default: the results' CI commit, else $GITHUB_SHA)")
	fs.StringVar(&o.RunURL, "run-url", "", "URL of the run that measured them (default: the results' CI run)")
	fs.BoolVar(&o.Force, "force", false, "record unstable, throttled or incomplete results anyway")
	if err := c.parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return errs.Usagef("baseline update", "pass files with --baseline and --results", "unexpected argument %q", fs.Arg(0))
	case *baselinePath == "":
		return errs.Usagef("--baseline", "name the baseline YAML file or folder (or set baseline: in "+config.FileName+")", "missing")
	case *resultsPath == "":
		return errs.Usagef("--results", "name the results JSON file written by yologate run --out", "missing")
	}
	res, err := results.Read(*resultsPath)
	if err != nil {
		return err
	}
	o.ResultsPath = *resultsPath
	o.FromEnv(c.Getenv, res)
	sum, err := baselines.UpdatePath(*baselinePath, res, o)
	if err != nil {
		return c.env().Problems(err)
	}
	fmt.Fprintf(c.Stdout, "%s: %s\n", *baselinePath, sum)
	for _, s := range sum.Updated {
		fmt.Fprintf(c.Stdout, "  updated %s\n", s)
	}
	for _, s := range sum.Added {
		fmt.Fprintf(c.Stdout, "  added   %s\n", s)
	}
	return nil
}

func runBaselineShow(_ context.Context, c *Command, args []string) error {
	fs := c.newFlags("baseline show", "baseline show --baseline FILE")
	baselinePath := fs.String("baseline", "", "baseline YAML file to print")
	if err := c.parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 1 && *baselinePath == "" {
		*baselinePath = fs.Arg(0)
	} else if fs.NArg() > 0 {
		return errs.Usagef("baseline show", "pass the file with --baseline", "unexpected argument %q", fs.Arg(0))
	}
	if *baselinePath == "" {
		return errs.Usagef("--baseline", "name the baseline YAML file", "missing")
	}
	f, err := c.env().ReadBaseline(*baselinePath)
	if err != nil {
		return err
	}
	if err := report.WriteBaselineTable(c.Stdout, f); err != nil {
		return errs.Envf("stdout", "", "writing the table: %v", err)
	}
	return nil
}
