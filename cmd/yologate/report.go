package main

import (
	"context"
	"fmt"

	"github.com/yologate/yologate/compare"
	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/report"
	"github.com/yologate/yologate/runner/results"
	"github.com/yologate/yologate/workflow/setup"
)

func runReport(_ context.Context, c *Command, args []string) error {
	fs := c.newFlags("report", "report --results FILE [--baseline FILE.yaml | --base OLD.json] -o report.html")
	resultsPath := fs.String("results", "", "results JSON of the run to show (required)")
	baselinePath := fs.String("baseline", "", "baseline YAML to compare against (optional)")
	basePath := fs.String("base", "", "an earlier results JSON to compare against, instead of --baseline (optional)")
	out := fs.String("o", "", "write the HTML report to `FILE` (required)")
	title := fs.String("title", "", "page title (default: yologate report)")
	var sf setup.Stats
	sf.RegisterVerdict(fs)
	if err := c.parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case *resultsPath == "":
		return errs.Usagef("--results", "give the results JSON that yologate run --out wrote", "missing")
	case *out == "":
		return errs.Usagef("-o", "give the HTML file to write, e.g. -o report.html", "missing")
	case *baselinePath != "" && *basePath != "":
		return errs.Usagef("--base", "give --baseline (YAML) or --base (results JSON), not both", "conflicts with --baseline")
	case fs.NArg() > 0:
		return errs.Usagef("report", "files go in --results, --baseline or --base", "unexpected argument %q", fs.Arg(0))
	}
	if err := setup.CheckOutPath("-o", *out); err != nil {
		return err
	}
	opt, err := sf.Options()
	if err != nil {
		return err
	}
	head, err := results.Read(*resultsPath)
	if err != nil {
		return err
	}
	in := report.HTMLReport{Title: *title, Head: head}
	old, err := c.reportBase(*baselinePath, *basePath, &in)
	if err != nil {
		return err
	}
	var rep *compare.Report
	if old != nil {
		rep = compare.Compare(old, compare.FromResults(head), opt)
	}
	if err := report.SaveHTML(*out, in, rep); err != nil {
		return err
	}
	fmt.Fprintf(c.Stdout, "report: %s\n", *out)
	return nil
}

// reportBase reads the side to compare with, a baseline or earlier results
// (which the page then shows too); none without either.
func (c *Command) reportBase(baselinePath, basePath string, in *report.HTMLReport) ([]compare.Measurement, error) {
	switch {
	case baselinePath != "":
		b, err := c.env().ReadBaseline(baselinePath)
		if err != nil {
			return nil, err
		}
		return b.Measurements(), nil
	case basePath != "":
		base, err := results.Read(basePath)
		if err != nil {
			return nil, err
		}
		in.Base = base
		return compare.FromResults(base), nil
	}
	return nil, nil
}
