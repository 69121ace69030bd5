package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/report"
	"github.com/yologate/yologate/workflow/setup"
	"github.com/yologate/yologate/workflow/sweep"
)

// runSweep measures a grid of batch sizes × image sizes and recommends the
// best throughput within a latency budget.
func runSweep(ctx context.Context, c *Command, args []string) error {
	fs := c.newFlags("sweep", "sweep --batch 1,2,4,8 --imgsz 320,480,640 [--latency-budget 50ms] [flags]")
	var bf setup.Bench
	bf.Register(fs)
	var wf setup.Workload
	wf.Register(fs, false)
	budget := fs.Duration("latency-budget", 0, "per-iteration (per batch) latency the recommendation must stay within, e.g. 50ms (default: none)")
	out := fs.String("out", "", "write the results JSON (every grid point is a case, the advice in recommendations) to `FILE`")
	if err := c.parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errs.Usagef("sweep", "models go in --model", "unexpected argument %q", fs.Arg(0))
	}
	if *budget < 0 {
		return errs.Usagef("--latency-budget", "use a positive duration such as 50ms, or leave it out", "bad latency budget %v", *budget)
	}
	env := c.env()
	plan, opt, err := setup.SweepPlan(env, &bf)
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
	if n := slices.Max(plan.Batches); len(w.Frames) > 0 && len(w.Frames) < n {
		env.Warn(fmt.Sprintf("%d input images for batches up to %d: frames repeat within a batch", len(w.Frames), n))
	}
	job, done, err := bf.Job(env, w, plan, opt)
	if err != nil {
		return err
	}
	defer done()
	job.Check = nil
	budgetMS := float64(*budget) / float64(time.Millisecond)
	f, points, runErr := sweep.Run(ctx, job, budgetMS)
	if err := setup.WriteResults(*out, f, runErr); err != nil || bf.Quiet {
		return err
	}
	if err := report.WriteRunText(c.Stdout, f); err != nil {
		return err
	}
	report.WriteSweepText(c.Stdout, points, budgetMS, f.Recommendations)
	if *out != "" {
		fmt.Fprintf(c.Stdout, "\nresults: %s\n", *out)
	}
	return nil
}
