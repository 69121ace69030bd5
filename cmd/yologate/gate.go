package main

import (
	"context"

	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/internal/flagdef"
	"github.com/yologate/yologate/report"
	"github.com/yologate/yologate/workflow/gate"
	"github.com/yologate/yologate/workflow/publish"
	"github.com/yologate/yologate/workflow/setup"
)

func runGate(ctx context.Context, c *Command, args []string) error {
	fs := c.newFlags("gate", "gate --baseline FILE [--results FILE | benchmark flags] [flags]")
	var bf setup.Bench
	bf.Register(fs)
	var wf setup.Workload
	wf.Register(fs, true)
	var sf setup.Stats
	sf.Register(fs)
	var g setup.Gate
	g.Register(fs)
	if err := c.parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errs.Usagef("gate", "models go in --model, results in --results", "unexpected argument %q", fs.Arg(0))
	}
	if err := c.resultsOrBenchmark(g.Results); err != nil {
		return err
	}
	opt, err := sf.Options()
	if err != nil {
		return err
	}
	policy, err := g.Policy()
	if err != nil {
		return err
	}
	target, err := publish.ReadTarget(c.Getenv, g.Where())
	if err != nil {
		return err
	}
	in, done, err := g.Input(c.env(), &bf, &wf, opt, target.Env.Event.BaseSHA)
	defer done()
	if err != nil {
		return err
	}
	if in.History, err = g.MainHistory(ctx, c.env(), target.Env, in.Baseline); err != nil {
		return err
	}
	res, err := gate.Run(ctx, in)
	if err != nil {
		return err
	}
	if g.Results == "" {
		if err := setup.WriteResults(g.Out, res.Current, nil); err != nil {
			return err
		}
	}
	if err := report.WriteCompare(c.Stdout, res.Report, sf.Format); err != nil {
		return errs.Envf("stdout", "", "writing the report: %v", err)
	}
	return c.publishGate(ctx, &g, target, policy, in, res, args)
}

// publishGate writes the gate's report files and publishes its outcome;
// the verdict decides the error returned (publish.Send).
func (c *Command) publishGate(ctx context.Context, g *setup.Gate, target publish.Target, policy report.CommentPolicy, in gate.Input, res *gate.Result, args []string) error {
	o, err := target.GateOutcome(res, in.Baseline, in.Paired, args, publish.GateFiles{Report: g.Report, HTML: g.HTML})
	if err != nil {
		return err
	}
	pub, err := target.Publisher(publish.Options{Policy: policy, CommentFile: g.CommentFile, CheckRun: g.CheckRun,
		NoStatus: !g.Status, Stdout: c.Stdout, Log: c.Stderr})
	if err != nil {
		return err
	}
	return publish.WithRecord(publish.Send(ctx, pub, o, verdictError(res.Report), c.Stderr), res.History.RecordError(), c.Stderr)
}

// resultsOrBenchmark refuses a benchmark or workload flag given on the
// command line next to --results: the gate compares the file and would
// silently ignore it. The config file's settings are for runs and do not
// count.
func (c *Command) resultsOrBenchmark(results string) error {
	if results == "" {
		return nil
	}
	for _, d := range flagdef.Defs {
		if d.RunOnly() && c.onCommandLine(d.Name) {
			return errs.Usagef("--results", "drop --"+d.Name+", or drop --results to run the benchmark",
				"--results compares a file; --%s only applies to a run", d.Name)
		}
	}
	return nil
}
