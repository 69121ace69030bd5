package main

import (
	"context"
	"flag"
	"fmt"
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
	var ids []string
	for _, c := range rep.Cases {
		if c.Verdict.Fails(rep.Options) {
			ids = append(ids, c.ID)
		}
	}
	return &regressionError{msg: fmt.Sprintf("%s in %d case(s): %s", rep.Verdict, len(ids), strings.Join(ids, ", "))}
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
