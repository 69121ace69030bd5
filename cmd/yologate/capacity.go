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
	switch {
	case *target == 0:
		return errs.Usagef("--target-fps", "say how many frames per second each stream needs, such as --target-fps 15", "no target given")
	case !(*target > 0) || *target > 1e6:
		return errs.Usagef("--target-fps", "use the frames per second each stream needs, such as 15", "bad target %v", *target)
	case *maxP99 < 0:
		return errs.Usagef("--max-p99", "use a positive duration such as 66ms, or leave it out", "bad latency bound %v", *maxP99)
	case *maxStreams < 1 || *maxStreams > runner.MaxStreams:
		return errs.Usagef("--max-streams", fmt.Sprintf("use 1 to %d", runner.MaxStreams), "bad stream limit %d", *maxStreams)
	}
	wf.streams = 1
	plan, opt, err := bf.plan()
	if err != nil {
		return err
	}
	c.lighterDefaults(&opt)
	if *maxP99 > 0 && !c.given("benchtime") {
		// A p99 needs results.MinIterationsP99 iterations per stream, pooled
		// over the repeats; without them a lower percentile stands in.
		per := (results.MinIterationsP99 + opt.Count - 1) / opt.Count
		opt.Benchtime = runner.Amount{Iterations: per}
		fmt.Fprintf(c.Stderr, "capacity: --max-p99 needs %d iterations per stream: %d per repeat\n", results.MinIterationsP99, per)
	}
	if err := checkOutPath("--out", *out); err != nil {
		return err
	}
	if n := max(len(plan.Models), 1) * max(len(plan.Sizes), 1) * max(len(plan.Batches), 1); n > 1 {
		return errs.Usagef("--model", "give one model, one --imgsz and one --batch", "capacity measures one case, %d asked for", n)
	}
	w, err := wf.workload(c)
	if err != nil {
		return err
	}
	specs, err := bf.specs(c, plan)
	if err != nil {
		return err
	}
	if len(specs) != 1 {
		return errs.Usagef("--model", "give one model, one --imgsz and one --batch", "capacity measures one case, %d asked for", len(specs))
	}
	defer c.instrument(&opt)()
	c.applyProgress(&opt, &bf)
	t := runner.CapacityTarget{FPS: *target, MaxP99MS: float64(*maxP99) / float64(time.Millisecond)}
	f := &results.File{Schema: results.Schema, Status: results.StatusIncomplete, Started: time.Now().UTC().Round(0), Fingerprint: opt.Fingerprint, Cases: []results.Case{}}
	best, curve, runErr := runner.SearchCapacity(*maxStreams, func(n int) (runner.CapacityPoint, error) {
		wn := w
		wn.Streams = n
		rf, err := runner.RunWorkload(ctx, specs, opt, wn)
		if rf != nil {
			f.Cases = append(f.Cases, rf.Cases...)
		}
		if err != nil {
			return runner.CapacityPoint{}, err
		}
		p := runner.EvaluateCapacity(rf.Cases[0], t)
		verdict := "holds"
		if !p.Meets {
			verdict = "misses: " + p.Why
		}
		fmt.Fprintf(c.Stderr, "capacity: %d streams %s\n", n, verdict)
		return p, nil
	})
	f.Finished = time.Now().UTC().Round(0)
	if runErr == nil {
		f.Status = results.StatusComplete
		f.Recommendations = append(f.Recommendations, capacityRecommendation(specs[0], w, best, curve, t))
	} else {
		f.StatusReason = runErr.Error()
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
	writeCapacityText(c.Stdout, curve, t, f.Recommendations)
	if *out != "" {
		fmt.Fprintf(c.Stdout, "\nresults: %s\n", *out)
	}
	return nil
}

func capacityRecommendation(s runner.Spec, w runner.Workload, best int, curve []runner.CapacityPoint, t runner.CapacityTarget) results.Recommendation {
	cond := fmt.Sprintf("≥ %.4g fps per stream", t.FPS)
	if t.MaxP99MS > 0 {
		cond += fmt.Sprintf(" and p99 ≤ %.4g ms", t.MaxP99MS)
	}
	r := results.Recommendation{Kind: "capacity"}
	if best == 0 {
		r.Text = fmt.Sprintf("not even one %s stream of %s reaches %s on this machine", w.Mode(), s.ID(), cond)
		return r
	}
	for _, p := range curve {
		if p.Streams == best {
			r.CaseID = p.CaseID
			r.Text = fmt.Sprintf("%d concurrent %s streams of %s hold %s (slowest stream %.2f fps, aggregate %.2f fps)", best, w.Mode(), s.ID(), cond, p.MinStreamFPS, p.AggregateFPS)
		}
	}
	return r
}

// writeCapacityText prints the measured curve and the answer.
func writeCapacityText(w io.Writer, curve []runner.CapacityPoint, t runner.CapacityTarget, recs []results.Recommendation) {
	fmt.Fprintf(w, "\ncapacity curve (target %.4g fps per stream", t.FPS)
	if t.MaxP99MS > 0 {
		fmt.Fprintf(w, ", p99 ≤ %.4g ms", t.MaxP99MS)
	}
	fmt.Fprintln(w, "):")
	fmt.Fprintf(w, "  %7s  %14s  %13s  %14s  %s\n", "streams", "slowest fps", "aggregate fps", "worst p99 ms", "verdict")
	for _, p := range curve {
		p99 := fmt.Sprintf("%.1f", p.WorstP99MS)
		if p.TailLabel != "p99" {
			p99 = fmt.Sprintf("%s %.1f*", p.TailLabel, p.WorstP99MS)
		}
		verdict := "holds"
		if !p.Meets {
			verdict = "misses (" + p.Why + ")"
		}
		fmt.Fprintf(w, "  %7d  %14.2f  %13.2f  %14s  %s\n", p.Streams, p.MinStreamFPS, p.AggregateFPS, p99, verdict)
	}
	for _, p := range curve {
		if p.TailLabel != "p99" {
			fmt.Fprintf(w, "  * too few iterations per stream for a p99 (%d needed): the highest percentile they support stands in\n", results.MinIterationsP99)
			break
		}
	}
	for _, r := range recs {
		fmt.Fprintf(w, "\n%s\n", r.Text)
	}
}
