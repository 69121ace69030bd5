package main

import (
	"context"
	"fmt"
	"time"

	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/report"
	"github.com/yologate/yologate/runner"
	"github.com/yologate/yologate/workflow/sweep"
)

// runSweep measures a grid of batch sizes × image sizes and recommends the
// best throughput within a latency budget.
func runSweep(ctx context.Context, c *Command, args []string) error {
	fs := c.newFlags("sweep", "sweep --batch 1,2,4,8 --imgsz 320,480,640 [--latency-budget 50ms] [flags]")
	var bf benchFlags
	bf.register(fs)
	var wf workloadFlags
	wf.register(fs, false)
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
	wf.streams = 1
	plan, opt, err := bf.plan()
	if err != nil {
		return err
	}
	c.lighterDefaults(&opt)
	if len(plan.Batches) == 0 {
		plan.Batches = []int{1, 2, 4, 8}
	}
	if len(plan.Sizes) == 0 {
		plan.Sizes = []runner.Size{{Height: 320, Width: 320}, {Height: 480, Width: 480}, {Height: 640, Width: 640}}
	}
	if err := checkOutPath("--out", *out); err != nil {
		return err
	}
	w, err := wf.workload(c)
	if err != nil {
		return err
	}
	if len(w.Frames) > 0 && len(w.Frames) < maxInt(plan.Batches) {
		fmt.Fprintf(c.Stderr, "yologate: warning: %d input images for batches up to %d: frames repeat within a batch\n", len(w.Frames), maxInt(plan.Batches))
	}
	job, done, err := c.job(&bf, w, plan, opt)
	if err != nil {
		return err
	}
	defer done()
	job.Check = nil
	budgetMS := float64(*budget) / float64(time.Millisecond)
	f, points, runErr := sweep.Run(ctx, job, budgetMS)
	if err := writeResults(*out, f, runErr); err != nil {
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

func maxInt(v []int) int {
	m := 0
	for _, x := range v {
		m = max(m, x)
	}
	return m
}
