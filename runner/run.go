package runner

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/yologate/yologate/internal/progress"
	"github.com/yologate/yologate/internal/stat"
	"github.com/yologate/yologate/runner/results"
)

// Run measures every case in turn — Prepare, WarmUp, opt.Count repeats,
// Close — and returns the results. On cancellation or failure it returns
// the results so far with Status "incomplete" and the reason, together
// with the error; the case that was running keeps the repeats it finished.
// opt.Fingerprint is filled from a default Environment when empty.
func Run(ctx context.Context, specs []Spec, opt Options) (*results.File, error) {
	if opt.Fingerprint.Host.CPUCores == 0 {
		opt.Fingerprint = Environment{}.Fingerprint()
	}
	f := &results.File{
		Schema:      results.Schema,
		Status:      results.StatusIncomplete,
		Started:     now(),
		Fingerprint: opt.Fingerprint,
		Cases:       []results.Case{},
	}
	fail := func(err error) (*results.File, error) {
		f.Finished = now()
		f.StatusReason = err.Error()
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			f.StatusReason = "interrupted: " + err.Error()
		}
		return f, err
	}
	if err := opt.check(); err != nil {
		return fail(err)
	}
	for i := range specs {
		c, err := runCase(ctx, &specs[i], opt)
		if c != nil {
			f.Cases = append(f.Cases, *c)
		}
		if err != nil {
			return fail(fmt.Errorf("%s: %w", specs[i].ID(), err))
		}
	}
	f.Status = results.StatusComplete
	f.Finished = now()
	return f, nil
}

// runCase runs one case through the whole protocol; on an error after the
// cold start it returns the case as far as it got.
func runCase(ctx context.Context, s *Spec, opt Options) (*results.Case, error) {
	p, err := Prepare(ctx, *s, opt)
	if err != nil {
		return nil, err
	}
	defer p.Close()
	partial := func(err error) (*results.Case, error) {
		c := p.Case()
		return &c, err
	}
	if err := p.WarmUp(ctx); err != nil {
		return partial(err)
	}
	for i := 0; i < opt.Count; i++ {
		if _, err := p.RunRepeat(ctx); err != nil {
			return partial(err)
		}
	}
	c := p.Case()
	fps := make([]float64, len(c.Repeats))
	for i, r := range c.Repeats {
		fps[i] = r.FPS
	}
	note := ""
	if c.Unstable {
		note = "unstable"
	}
	p.event(progress.Event{Phase: progress.PhaseDone, FPS: stat.Median(fps), Note: note})
	return &c, nil
}

// now is the wall-clock time for results files, in UTC without the
// monotonic reading (which JSON would drop anyway).
func now() time.Time { return time.Now().UTC().Round(0) }
