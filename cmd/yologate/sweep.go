package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/report"
	"github.com/yologate/yologate/runner"
	"github.com/yologate/yologate/runner/results"
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
	specs, err := bf.specs(c, plan)
	if err != nil {
		return err
	}
	defer c.instrument(&opt)()
	c.applyProgress(&opt, &bf)
	f, runErr := runner.RunWorkload(ctx, specs, opt, w)
	budgetMS := float64(*budget) / float64(time.Millisecond)
	points, recs := runner.EvaluateSweep(f.Cases, budgetMS)
	if runErr == nil {
		f.Recommendations = append(f.Recommendations, recs...)
	}
	if *out != "" && (runErr == nil || len(f.Cases) > 0) {
		if err := results.Write(*out, f); err != nil {
			return errors.Join(runErr, err)
		}
	}
	if runErr != nil {
		return runErr
	}
	if err := report.WriteRunText(c.Stdout, f); err != nil {
		return err
	}
	writeSweepText(c.Stdout, points, budgetMS, f.Recommendations)
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

// writeSweepText prints the grid and the recommendation.
func writeSweepText(w io.Writer, points []runner.SweepPoint, budgetMS float64, recs []results.Recommendation) {
	fmt.Fprintln(w, "\nsweep (fps: median over repeats; latency per iteration, i.e. per batch):")
	fmt.Fprintf(w, "  %7s  %5s  %9s  %9s  %12s  %s\n", "imgsz", "batch", "fps", "p50 ms", "p99 ms", "fits budget")
	note := false
	for _, p := range points {
		lat := fmt.Sprintf("%.1f", p.LatencyMS)
		if p.LatencyLabel != "p99" {
			lat, note = fmt.Sprintf("%s %.1f*", p.LatencyLabel, p.LatencyMS), true
		}
		fits := "yes"
		switch {
		case budgetMS <= 0:
			fits = "-"
		case !p.FitsBudget:
			fits = "no"
		}
		fmt.Fprintf(w, "  %7v  %5d  %9.2f  %9.2f  %12s  %s\n", p.Size, p.Batch, p.FPS, p.P50MS, lat, fits)
	}
	if note {
		fmt.Fprintf(w, "  * too few iterations for a p99 (%d needed): the highest percentile they support stands in (p95 from %d, p90 from %d, else p50)\n", results.MinIterationsP99, results.MinIterationsP95, results.MinIterationsP90)
	}
	fmt.Fprintln(w)
	for _, r := range recs {
		fmt.Fprintln(w, r.Text)
	}
}
