// Package workflow holds what yologate's measuring commands have in
// common: the Runner they measure with (ONNX Runtime, or a fake in tests),
// the Job that one command's settings describe, and the accuracy check
// that runs after timing. The packages below it:
//
//   - setup turns a command's flags and .yologate.yml into Jobs and the
//     workflows' inputs;
//   - gate measures (or takes results), compares and confirms a suspected
//     regression, or decides against the pull request's base measured in
//     the same job;
//   - ab measures two sides interleaved and compares them pair by pair;
//   - child measures one side in a child process with its own ONNX
//     Runtime library, for a base that needs another one;
//   - capacity finds how many streams a machine holds at a frame rate;
//   - sweep measures a batch × image size grid within a latency budget;
//   - merge combines the reports of several runners into one outcome;
//   - publish sends an outcome to GitHub or to local files;
//   - workflowtest is a fake Runner for their tests.
package workflow

import (
	"context"
	"fmt"
	"io"

	"github.com/yologate/yologate/runner"
	"github.com/yologate/yologate/runner/results"
)

// Runner measures cases. ORT is the real one; tests pass a fake.
type Runner interface {
	// Run measures specs one after another under opt with w's streams and
	// frames, as runner.RunWorkload does; on an error the file holds the
	// cases measured so far.
	Run(ctx context.Context, specs []runner.Spec, opt runner.Options, w runner.Workload) (*results.File, error)
	Preparer
}

// Preparer creates sessions one case at a time, for protocols that
// interleave the repeats of several cases; a side measured in another
// process (package child) is only a Preparer.
type Preparer interface {
	// Prepare creates and times the session of one case.
	Prepare(ctx context.Context, spec runner.Spec, opt runner.Options) (Session, error)
}

// Session is one prepared case: runner.Prepared is the real one.
type Session interface {
	WarmUp(ctx context.Context) error
	RunRepeat(ctx context.Context) (results.Repeat, error)
	// Case returns the case with the repeats run so far.
	Case() results.Case
	Close() error
}

// ORT measures on ONNX Runtime (loaded by the caller).
type ORT struct{}

var _ Runner = ORT{}

// Run implements Runner.
func (ORT) Run(ctx context.Context, specs []runner.Spec, opt runner.Options, w runner.Workload) (*results.File, error) {
	return runner.RunWorkload(ctx, specs, opt, w)
}

// Prepare implements Runner.
func (ORT) Prepare(ctx context.Context, spec runner.Spec, opt runner.Options) (Session, error) {
	p, err := runner.Prepare(ctx, spec, opt)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// Job is one benchmark as a command's flags describe it.
type Job struct {
	Runner   Runner
	Specs    []runner.Spec
	Options  runner.Options
	Workload runner.Workload
	// Check, when set, runs after the timing on the measured cases (the
	// accuracy check); it marks f incomplete when it fails.
	Check func(ctx context.Context, specs []runner.Spec, f *results.File) error
	// Log receives a line for each step a workflow takes beyond the
	// protocol (a confirmation, a stream count); nil for silence.
	Log io.Writer
}

// Run measures the cases whose ids are in only (all when only is nil) and
// checks them. On an error the file holds what was measured, if anything.
func (j *Job) Run(ctx context.Context, only map[string]bool) (*results.File, error) {
	specs := j.Specs
	if only != nil {
		specs = nil
		for _, s := range j.Specs {
			if only[s.ID()] {
				specs = append(specs, s)
			}
		}
	}
	f, err := j.Runner.Run(ctx, specs, j.Options, j.Workload)
	if err == nil && j.Check != nil {
		err = j.Check(ctx, specs, f)
	}
	return f, err
}

// Logf writes one line to the job's log, if any.
func (j *Job) Logf(format string, args ...any) {
	if j.Log != nil {
		fmt.Fprintf(j.Log, format+"\n", args...)
	}
}
