package main

import (
	"context"
	"fmt"

	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/report"
	"github.com/yologate/yologate/workflow/capacity"
	"github.com/yologate/yologate/workflow/setup"
)

// runCapacity finds how many concurrent streams this machine holds at a
// target FPS per stream (and optionally a p99 bound): it measures 1, 2, 4,
// ... streams until one count fails, then bisects.
func runCapacity(ctx context.Context, c *Command, args []string) error {
	fs := c.newFlags("capacity", "capacity --target-fps FPS [--max-p99 66ms] [flags]")
	var bf setup.Bench
	bf.Register(fs)
	var wf setup.Workload
	wf.Register(fs, false)
	var cf setup.Capacity
	cf.Register(fs)
	out := fs.String("out", "", "write the results JSON (every measured stream count is a case) to `FILE`")
	if err := c.parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errs.Usagef("capacity", "models go in --model", "unexpected argument %q", fs.Arg(0))
	}
	t, err := cf.Target()
	if err != nil {
		return err
	}
	env := c.env()
	plan, opt, err := cf.Plan(env, &bf)
	if err != nil {
		return err
	}
	if err := setup.CheckOutPath("--out", *out); err != nil {
		return err
	}
	w, err := wf.Build(env)
	if err != nil {
		return err
	}
	job, done, err := bf.Job(env, w, plan, opt)
	if err != nil {
		return err
	}
	defer done()
	if len(job.Specs) != 1 {
		return errs.Usagef("--model", "give one model, one --imgsz and one --batch", "capacity measures one case, %d asked for", len(job.Specs))
	}
	job.Check = nil
	res, runErr := capacity.Search(ctx, job, t, cf.MaxStreams)
	if err := setup.WriteResults(*out, res.File, runErr); err != nil || bf.Quiet {
		return err
	}
	if err := report.WriteRunText(c.Stdout, res.File); err != nil {
		return err
	}
	report.WriteCapacityText(c.Stdout, res.Curve, t, res.File.Recommendations)
	if *out != "" {
		fmt.Fprintf(c.Stdout, "\nresults: %s\n", *out)
	}
	return nil
}
