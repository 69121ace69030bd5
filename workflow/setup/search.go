package setup

import (
	"flag"
	"fmt"
	"time"

	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/runner"
	"github.com/yologate/yologate/runner/results"
)

// Capacity are the settings of the capacity search: the frame rate every
// stream must reach, an optional p99 bound, and the most streams to try.
type Capacity struct {
	TargetFPS  float64
	MaxP99     time.Duration
	MaxStreams int
}

// Register defines the capacity flags on fs.
func (c *Capacity) Register(fs *flag.FlagSet) {
	fs.Float64Var(&c.TargetFPS, "target-fps", 0, "frames per second every stream must reach (required)")
	fs.DurationVar(&c.MaxP99, "max-p99", 0, "bound on every stream's p99 latency, e.g. 66ms (default: none)")
	fs.IntVar(&c.MaxStreams, "max-streams", 64, "most streams to try")
}

// Target checks the settings and returns the target.
func (c *Capacity) Target() (runner.CapacityTarget, error) {
	t := runner.CapacityTarget{FPS: c.TargetFPS, MaxP99MS: float64(c.MaxP99) / float64(time.Millisecond)}
	switch {
	case c.TargetFPS == 0:
		return t, errs.Usagef("--target-fps", "say how many frames per second each stream needs, such as --target-fps 15", "no target given")
	case !(c.TargetFPS > 0) || c.TargetFPS > 1e6:
		return t, errs.Usagef("--target-fps", "use the frames per second each stream needs, such as 15", "bad target %v", c.TargetFPS)
	case c.MaxP99 < 0:
		return t, errs.Usagef("--max-p99", "use a positive duration such as 66ms, or leave it out", "bad latency bound %v", c.MaxP99)
	case c.MaxStreams < 1 || c.MaxStreams > runner.MaxStreams:
		return t, errs.Usagef("--max-streams", fmt.Sprintf("use 1 to %d", runner.MaxStreams), "bad stream limit %d", c.MaxStreams)
	}
	return t, nil
}

// Plan is the plan of the one case capacity measures, on the lighter
// protocol (lighterDefaults) with the iterations per repeat that a p99
// bound needs, which it says on Stderr.
func (c *Capacity) Plan(env Env, b *Bench) (runner.Plan, runner.Options, error) {
	plan, opt, err := b.Plan()
	if err != nil {
		return plan, opt, err
	}
	lighterDefaults(env, &opt)
	if c.MaxP99 > 0 && !env.given("benchtime") {
		// A p99 needs results.MinIterationsP99 iterations per stream, pooled
		// over the repeats; without them a lower percentile stands in.
		per := (results.MinIterationsP99 + opt.Count - 1) / opt.Count
		opt.Benchtime = runner.Amount{Iterations: per}
		if !b.Quiet {
			fmt.Fprintf(env.stderr(), "capacity: --max-p99 needs %d iterations per stream: %d per repeat\n", results.MinIterationsP99, per)
		}
	}
	if n := max(len(plan.Models), 1) * max(len(plan.Sizes), 1) * max(len(plan.Batches), 1); n > 1 {
		return plan, opt, errs.Usagef("--model", "give one model, one --imgsz and one --batch", "capacity measures one case, %d asked for", n)
	}
	return plan, opt, nil
}

// SweepPlan is the grid sweep measures, on the lighter protocol
// (lighterDefaults): batches 1, 2, 4 and 8 and sizes 320, 480 and 640
// unless given.
func SweepPlan(env Env, b *Bench) (runner.Plan, runner.Options, error) {
	plan, opt, err := b.Plan()
	if err != nil {
		return plan, opt, err
	}
	lighterDefaults(env, &opt)
	if len(plan.Batches) == 0 {
		plan.Batches = []int{1, 2, 4, 8}
	}
	if len(plan.Sizes) == 0 {
		plan.Sizes = []runner.Size{{Height: 320, Width: 320}, {Height: 480, Width: 480}, {Height: 640, Width: 640}}
	}
	return plan, opt, nil
}
