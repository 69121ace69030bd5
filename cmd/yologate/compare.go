package main

import (
	"context"
	"flag"
	"fmt"
	"sort"
	"strings"

	"github.com/yologate/yologate/compare"
	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/report"
	"github.com/yologate/yologate/workflow/setup"
)

// verdictError turns a failing report into the error that exits 1.
func verdictError(rep *compare.Report) error {
	if !rep.Fail {
		return nil
	}
	// By each failing case's own verdict: a new case fails under
	// require-baseline whatever the worst verdict is.
	ids := map[compare.Verdict][]string{}
	var order []compare.Verdict
	for _, c := range rep.Cases {
		if c.Verdict.Fails(rep.Options) {
			if ids[c.Verdict] == nil {
				order = append(order, c.Verdict)
			}
			ids[c.Verdict] = append(ids[c.Verdict], c.ID)
		}
	}
	sort.SliceStable(order, func(i, j int) bool { return order[i].Severity() > order[j].Severity() })
	var parts []string
	for _, v := range order {
		what := string(v)
		if v == compare.New {
			what = "no baseline (require-baseline)"
		}
		parts = append(parts, fmt.Sprintf("%s in %d case(s): %s", what, len(ids[v]), strings.Join(ids[v], ", ")))
	}
	return &regressionError{msg: strings.Join(parts, "; ")}
}

// parseInterleaved parses flags that may come before, between or after
// positional arguments, and returns the positional ones.
func (c *Command) parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := c.parseFlags(fs, args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if rest[0] == "--" {
			return append(pos, rest[1:]...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

func runCompare(_ context.Context, c *Command, args []string) error {
	fs := c.newFlags("compare", "compare --baseline FILE --results FILE [flags]\n       yologate compare [flags] OLD.json NEW.json")
	var in setup.Comparison
	fs.StringVar(&in.Baseline, "baseline", "", "baseline YAML file (or a folder of them) to compare with")
	fs.StringVar(&in.Results, "results", "", "results JSON file of the current run")
	fs.StringVar(&in.History, "history", "", "history `DIR` of main's runs (yologate history record): verdicts use their run-to-run spread; without --baseline, main's recent runs are the old side")
	var sf setup.Stats
	sf.Register(fs)
	files, err := c.parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	opt, err := sf.Options()
	if err != nil {
		return err
	}
	in.Files = files
	rep, err := in.Compare(c.env(), opt)
	if err != nil {
		return err
	}
	if err := report.WriteCompare(c.Stdout, rep, sf.Format); err != nil {
		return errs.Envf("stdout", "", "writing the report: %v", err)
	}
	return verdictError(rep)
}
