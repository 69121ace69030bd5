package main

import (
	"context"
	"fmt"
	"time"

	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/report"
	"github.com/yologate/yologate/runner"
	"github.com/yologate/yologate/runner/results"
	"github.com/yologate/yologate/workflow/capacity"
)

// runCapacity finds how many concurrent streams this machine holds at a
// target FPS per stream (and optionally a p99 bound): it measures 1, 2, 4,
// ... streams until one count fails, then bisects.
func runCapacity(ctx context.Context, c *Command, args []string) error {
	fs := c.newFlags("capacity", "capacity --target-fps FPS [--max-p99 66ms] [flags]")
	var bf benchFlags
	bf.register(fs)
	var wf workloadFlags
	wf.register(fs, false)
	target := fs.Float64("target-fps", 0, "frames per second every stream must reach (required)")
	maxP99 := fs.Duration("max-p99", 0, "bound on every stream's p99 latency, e.g. 66ms (default: none)")
	maxStreams := fs.Int("max-streams", 64, "most streams to try")
	out := fs.String("out", "", "write the results JSON (every measured stream count is a case) to `FILE`")
	if err := c.parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errs.Usagef("capacity", "models go in --model", "unexpected argument %q", fs.Arg(0))
	}
	t, err := capacityTarget(*target, *maxP99, *maxStreams)
	if err != nil {
		return err
	}
	wf.streams = 1
	plan, opt, err := c.capacityPlan(&bf, *maxP99)
	if err != nil {
		return err
	}
	if err := checkOutPath("--out", *out); err != nil {
		return err
	}
	w, err := wf.workload(c)
	if err != nil {
		return err
	}
	job, done, err := c.job(&bf, w, plan, opt)
	if err != nil {
		return err
	}
	defer done()
	if len(job.Specs) != 1 {
		return errs.Usagef("--model", "give one model, one --imgsz and one --batch", "capacity measures one case, %d asked for", len(job.Specs))
	}
	job.Check = nil
	res, runErr := capacity.Search(ctx, job, t, *maxStreams)
	if err := writeResults(*out, res.File, runErr); err != nil {
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

// capacityTarget checks the capacity flags and returns the target.
func capacityTarget(target float64, maxP99 time.Duration, maxStreams int) (runner.CapacityTarget, error) {
	t := runner.CapacityTarget{FPS: target, MaxP99MS: float64(maxP99) / float64(time.Millisecond)}
	switch {
	case target == 0:
		return t, errs.Usagef("--target-fps", "say how many frames per second each stream needs, such as --target-fps 15", "no target given")
	case !(target > 0) || target > 1e6:
		return t, errs.Usagef("--target-fps", "use the frames per second each stream needs, such as 15", "bad target %v", target)
	case maxP99 < 0:
		return t, errs.Usagef("--max-p99", "use a positive duration such as 66ms, or leave it out", "bad latency bound %v", maxP99)
	case maxStreams < 1 || maxStreams > runner.MaxStreams:
		return t, errs.Usagef("--max-streams", fmt.Sprintf("use 1 to %d", runner.MaxStreams), "bad stream limit %d", maxStreams)
	}
	return t, nil
}

// capacityPlan is the plan of the one case capacity measures, with the
// iterations per repeat that a p99 bound needs.
func (c *Command) capacityPlan(bf *benchFlags, maxP99 time.Duration) (runner.Plan, runner.Options, error) {
	plan, opt, err := bf.plan()
	if err != nil {
		return plan, opt, err
	}
	c.lighterDefaults(&opt)
	if maxP99 > 0 && !c.given("benchtime") {
		// A p99 needs results.MinIterationsP99 iterations per stream, pooled
		// over the repeats; without them a lower percentile stands in.
		per := (results.MinIterationsP99 + opt.Count - 1) / opt.Count
		opt.Benchtime = runner.Amount{Iterations: per}
		fmt.Fprintf(c.Stderr, "capacity: --max-p99 needs %d iterations per stream: %d per repeat\n", results.MinIterationsP99, per)
	}
	if n := max(len(plan.Models), 1) * max(len(plan.Sizes), 1) * max(len(plan.Batches), 1); n > 1 {
		return plan, opt, errs.Usagef("--model", "give one model, one --imgsz and one --batch", "capacity measures one case, %d asked for", n)
	}
	return plan, opt, nil
}
