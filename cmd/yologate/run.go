package main

import (
	"context"
	"fmt"

	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/report"
	"github.com/yologate/yologate/runner/results"
	"github.com/yologate/yologate/workflow/setup"
)

func runRun(ctx context.Context, c *Command, args []string) error {
	fs := c.newFlags("run", "run [flags]")
	var bf setup.Bench
	bf.Register(fs)
	var wf setup.Workload
	wf.Register(fs, true)
	out := fs.String("out", "", "write the results JSON (schema "+results.Schema+") to `FILE`")
	format := fs.String("format", "text", "what to print: text (a table), json (the results) or bench (Go benchmark lines for benchstat)")
	if err := c.parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errs.Usagef("run", "models go in --model", "unexpected argument %q", fs.Arg(0))
	}
	switch *format {
	case "text", "json", "bench":
	default:
		return errs.Usagef("--format", "use text, json or bench", "unknown format %q", *format)
	}
	plan, opt, err := bf.Plan()
	if err != nil {
		return err
	}
	if err := setup.CheckOutPath("--out", *out); err != nil {
		return err
	}
	env := c.env()
	w, err := wf.Build(env)
	if err != nil {
		return err
	}
	job, done, err := bf.Job(env, w, plan, opt)
	if err != nil {
		return err
	}
	defer done()
	f, runErr := job.Run(ctx, nil)
	if err := setup.WriteResults(*out, f, runErr); err != runErr {
		return err
	}
	if bf.Quiet && *format == "text" {
		return runErr // nothing but errors: the results are in --out
	}
	if runErr != nil {
		if f != nil && len(f.Cases) > 0 {
			if *format == "text" {
				report.WriteRunText(c.Stdout, f)
			}
			if *out != "" {
				fmt.Fprintf(c.Stderr, "yologate: incomplete results written to %s\n", *out)
			}
		}
		return runErr
	}
	return c.renderRun(*format, *out, f)
}

// renderRun prints a finished run in format, and where its results went.
func (c *Command) renderRun(format, out string, f *results.File) error {
	switch format {
	case "json":
		data, err := results.Marshal(f)
		if err != nil {
			return err
		}
		_, err = c.Stdout.Write(data)
		return err
	case "bench":
		return report.WriteBench(c.Stdout, f)
	}
	if err := report.WriteRunText(c.Stdout, f); err != nil {
		return err
	}
	report.WriteWorkloadText(c.Stdout, f)
	report.WriteAccuracyText(c.Stdout, f)
	if out != "" {
		fmt.Fprintf(c.Stdout, "\nresults: %s\n", out)
	}
	return nil
}
