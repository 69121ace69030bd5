package main

import (
	"context"

	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/report"
	"github.com/yologate/yologate/runner/results"
	"github.com/yologate/yologate/workflow/ab"
	"github.com/yologate/yologate/workflow/setup"
)

func runAB(ctx context.Context, c *Command, args []string) error {
	fs := c.newFlags("ab", `ab --a "A" --b "B" [flags]`+"\n\n"+
		"A and B are each a model (yolov8n, model.onnx) or benchmark flags (\"--imgsz 640x704\");\n"+
		"the other flags are shared by both sides. Repeats run interleaved (A B B A A B ...)\n"+
		"on this machine, and B is compared with A: exit 1 when B regressed")
	var bf setup.Bench
	bf.Register(fs)
	var s setup.AB
	s.Register(fs)
	var sf setup.Stats
	sf.Register(fs)
	if err := c.parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errs.Usagef("ab", "put each side's settings in --a and --b", "unexpected argument %q", fs.Arg(0))
	}
	copt, err := sf.Options()
	if err != nil {
		return err
	}
	in, done, err := s.Input(c.env(), fs)
	if err != nil {
		return err
	}
	defer done()
	res, runErr := ab.Run(ctx, in, copt)
	for i, p := range []string{s.OutA, s.OutB} {
		if p != "" && res != nil {
			if err := setup.WriteResults(p, []*results.File{res.A, res.B}[i], runErr); err != runErr {
				return err
			}
		}
	}
	if runErr != nil {
		return runErr
	}
	if !bf.Quiet {
		if err := report.WriteCompare(c.Stdout, res.Report, sf.Format); err != nil {
			return errs.Envf("stdout", "", "writing the report: %v", err)
		}
	}
	return verdictError(res.Report)
}
