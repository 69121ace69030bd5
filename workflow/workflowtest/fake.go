// Package workflowtest is a fake workflow.Runner for the workflows' tests:
// it measures nothing, takes no time and records what it was asked to do.
package workflowtest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/yologate/yologate/runner"
	"github.com/yologate/yologate/runner/results"
	"github.com/yologate/yologate/workflow"
)

// Profile is the hardware profile of every fake case.
const Profile = "cpu=fake/threads=1"

// Spec returns a CPU case of a model at a square size, batch 1.
func Spec(model string, imgsz int) runner.Spec {
	return runner.Spec{Model: &runner.Model{Name: model}, Size: runner.Size{Height: imgsz, Width: imgsz},
		Batch: 1, Provider: "cpu", Precision: "fp32"}
}

// ErrBudget is the error a Runner returns once its budget is spent.
var ErrBudget = errors.New("fake runner: out of budget")

// Runner is a fake workflow.Runner.
type Runner struct {
	// FPS returns the frame rate of one stream of case id when streams
	// run at once, in the call-th measurement of that case (from 0).
	FPS func(id string, streams, call int) float64
	// Budget, when positive, is how many repeats may run; the next one
	// fails with ErrBudget.
	Budget int

	mu      sync.Mutex
	calls   map[string]int
	repeats int
	// Log records each step: "run ID x N", "prepare ID", "warm-up ID",
	// "repeat ID".
	Log []string
}

var _ workflow.Runner = (*Runner)(nil)

func (r *Runner) logf(format string, args ...any) {
	r.Log = append(r.Log, fmt.Sprintf(format, args...))
}

// repeat returns one repeat of id at fps per stream, or ErrBudget.
func (r *Runner) repeat(fps float64, streams int) (results.Repeat, error) {
	if r.Budget > 0 && r.repeats >= r.Budget {
		return results.Repeat{}, ErrBudget
	}
	r.repeats++
	const frames = 100
	wall := int64(float64(frames) / fps * 1e9)
	per := wall / frames
	rep := results.Repeat{Iterations: frames * streams, Frames: frames * streams, WallNS: wall, FPS: fps * float64(streams)}
	for s := 0; s < streams; s++ {
		for i := 0; i < frames; i++ {
			rep.LatenciesNS = append(rep.LatenciesNS, per)
		}
		if streams > 1 {
			rep.Streams = append(rep.Streams, results.StreamResult{Stream: s, Iterations: frames, Frames: frames, FPS: fps})
		}
	}
	ms := float64(per) / 1e6
	rep.Latency = results.Latency{MinMS: ms, MeanMS: ms, P50MS: ms, MaxMS: ms}
	return rep, nil
}

// jitter spreads the repeats of a case by up to 0.8%, as a quiet machine.
func jitter(fps float64, k int) float64 { return fps * (1 + 0.002*float64(k%5)) }

func (r *Runner) newCase(s runner.Spec, streams int) results.Case {
	return results.Case{ID: s.ID(), Profile: Profile, Model: results.Model{Name: s.Model.Name},
		Height: s.Size.Height, Width: s.Size.Width, Batch: s.Batch, Precision: s.Precision,
		Provider: results.Provider{Name: s.Provider}, Mode: results.ModeInfer, Streams: streams, Device: -1,
		Warmup: results.Warmup{Stable: true}}
}

// call counts a measurement of id and returns its index.
func (r *Runner) call(id string) int {
	if r.calls == nil {
		r.calls = map[string]int{}
	}
	n := r.calls[id]
	r.calls[id]++
	return n
}

// Run implements workflow.Runner.
func (r *Runner) Run(ctx context.Context, specs []runner.Spec, opt runner.Options, w runner.Workload) (*results.File, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	streams := max(w.Streams, 1)
	f := &results.File{Schema: results.Schema, Status: results.StatusIncomplete, Started: time.Unix(0, 0).UTC(),
		Fingerprint: opt.Fingerprint, Cases: []results.Case{}}
	for _, s := range specs {
		id := s.ID()
		r.logf("run %s x %d", id, streams)
		n := r.call(id)
		c := r.newCase(s, streams)
		for k := 0; k < opt.Count; k++ {
			rep, err := r.repeat(jitter(r.FPS(id, streams, n), k), streams)
			if err != nil {
				if len(c.Repeats) > 0 {
					f.Cases = append(f.Cases, c)
				}
				f.StatusReason = err.Error()
				return f, err
			}
			c.Repeats = append(c.Repeats, rep)
		}
		f.Cases = append(f.Cases, c)
	}
	f.Status = results.StatusComplete
	f.Finished = time.Unix(1, 0).UTC()
	return f, nil
}

// Prepare implements workflow.Runner.
func (r *Runner) Prepare(ctx context.Context, s runner.Spec, opt runner.Options) (workflow.Session, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	id := s.ID()
	r.logf("prepare %s", id)
	return &session{r: r, id: id, call: r.call(id), c: r.newCase(s, 1)}, nil
}

type session struct {
	r    *Runner
	id   string
	call int
	c    results.Case
}

func (s *session) WarmUp(ctx context.Context) error {
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	s.r.logf("warm-up %s", s.id)
	return nil
}

func (s *session) RunRepeat(ctx context.Context) (results.Repeat, error) {
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	s.r.logf("repeat %s", s.id)
	rep, err := s.r.repeat(jitter(s.r.FPS(s.id, 1, s.call), len(s.c.Repeats)), 1)
	if err != nil {
		return rep, err
	}
	s.c.Repeats = append(s.c.Repeats, rep)
	return rep, nil
}

func (s *session) Case() results.Case { return s.c }
func (s *session) Close() error       { return nil }

// ID returns the id of Spec(model, imgsz).
func ID(model string, imgsz int) string {
	s := Spec(model, imgsz)
	return s.ID()
}
