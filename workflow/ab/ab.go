// Package ab is the interleaved A/B workflow: two sides (models or
// settings) measured on the same machine with their repeats alternating,
// and B compared with A pair by pair.
package ab

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/yologate/yologate/baselines"
	"github.com/yologate/yologate/compare"
	"github.com/yologate/yologate/runner"
	"github.com/yologate/yologate/runner/results"
	"github.com/yologate/yologate/workflow"
)

// Input is one A/B run. A and B hold the same number of cases, paired by
// position.
type Input struct {
	Runner workflow.Runner
	// RunnerA, when set, prepares side A's sessions instead of Runner: a
	// side that needs another ONNX Runtime library, in a child process.
	RunnerA workflow.Preparer
	A, B    []runner.Spec
	Options runner.Options
	// Fresh creates and warms up new sessions for every pair of repeats.
	Fresh bool
	// Check runs after the timing on each side (the accuracy check).
	Check func(ctx context.Context, specs []runner.Spec, f *results.File) error
	// Log receives a line per session, warm-up and repeat; nil for silence.
	Log io.Writer
}

// Result is both sides' results and B compared with A.
type Result struct {
	A, B *results.File
	// Report is nil when the run failed.
	Report *compare.Report
}

// Run measures both sides interleaved and compares them with opt (Paired
// is set). On an error the sides hold what was measured, marked
// incomplete with the reason, for the caller to write.
func Run(ctx context.Context, in Input, opt compare.Options) (*Result, error) {
	if len(in.A) != len(in.B) {
		return nil, fmt.Errorf("side a has %d case(s), side b %d", len(in.A), len(in.B))
	}
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	sides := []*side{{name: "a", specs: in.A}, {name: "b", specs: in.B}}
	for _, s := range sides {
		s.file = &results.File{Schema: results.Schema, Status: results.StatusIncomplete, Started: time.Now().UTC().Round(0),
			Fingerprint: in.Options.Fingerprint, Cases: []results.Case{}}
	}
	runErr := in.run(ctx, sides)
	for _, s := range sides {
		if runErr == nil && in.Check != nil {
			// B's detections are compared with A's, as with a baseline's.
			runErr = in.Check(ctx, s.specs, s.file)
		}
	}
	for _, s := range sides {
		s.file.Finished = time.Now().UTC().Round(0)
		if runErr == nil {
			s.file.Status = results.StatusComplete
		} else {
			s.file.StatusReason = runErr.Error()
		}
	}
	res := &Result{A: sides[0].file, B: sides[1].file}
	if runErr != nil {
		return res, runErr
	}
	res.Report = Report(res.A, res.B, opt)
	return res, nil
}

// side is one side's cases and results.
type side struct {
	name  string
	specs []runner.Spec
	file  *results.File
}

func (in *Input) logf(format string, args ...any) {
	if in.Log != nil {
		fmt.Fprintf(in.Log, "ab: "+format+"\n", args...)
	}
}

// run measures each pair of cases with their repeats interleaved: both
// sessions are created and warmed up, then the repeats alternate in the
// order A B, B A, A B, ... so that a drift of the machine (heat, other
// load) falls on both sides alike. With Fresh, every pair of repeats gets
// new sessions (created and warmed up again): a session's own speed (where
// its weights and buffers happen to lie in memory) then varies from pair
// to pair like any other noise, instead of favouring one side for the
// whole run.
func (in *Input) run(ctx context.Context, sides []*side) error {
	count := in.Options.Count
	block := count
	if in.Fresh {
		block = 1
	}
	for i := range sides[0].specs {
		var acc [2]*results.Case
		keep := func() {
			for k, s := range sides {
				if acc[k] != nil && len(acc[k].Repeats) > 0 {
					s.file.Cases = append(s.file.Cases, *acc[k])
				}
			}
		}
		for start := 0; start < count; start += block {
			if err := in.block(ctx, sides, i, start, min(start+block, count), &acc); err != nil {
				keep()
				return err
			}
		}
		keep()
	}
	return nil
}

// block creates and warms up one session per side for case i, runs the
// repeats [from, to) interleaved, and adds them to acc.
func (in *Input) block(ctx context.Context, sides []*side, i, from, to int, acc *[2]*results.Case) error {
	var ps [2]workflow.Session
	defer func() {
		for k, p := range ps {
			if p != nil {
				acc[k] = merge(acc[k], p.Case())
				p.Close()
			}
		}
	}()
	for k, s := range sides {
		in.logf("side %s: %s", s.name, s.specs[i].ID())
		var prep workflow.Preparer = in.Runner
		if k == 0 && in.RunnerA != nil {
			prep = in.RunnerA
		}
		p, err := prep.Prepare(ctx, s.specs[i], in.Options)
		if err != nil {
			return fmt.Errorf("side %s: %w", s.name, err)
		}
		ps[k] = p
	}
	for k := range ps {
		in.logf("warm-up, side %s", sides[k].name)
		if err := ps[k].WarmUp(ctx); err != nil {
			return err
		}
	}
	for r := from; r < to; r++ {
		order := []int{0, 1}
		if r%2 == 1 {
			order = []int{1, 0}
		}
		for _, k := range order {
			in.logf("repeat %d/%d, side %s", r+1, in.Options.Count, sides[k].name)
			if _, err := ps[k].RunRepeat(ctx); err != nil {
				return fmt.Errorf("side %s: %w", sides[k].name, err)
			}
		}
	}
	return nil
}

// merge adds the repeats and marks of got to acc.
func merge(acc *results.Case, got results.Case) *results.Case {
	if acc == nil {
		return &got
	}
	acc.Repeats = append(acc.Repeats, got.Repeats...)
	acc.Unstable = acc.Unstable || got.Unstable
	for _, m := range got.Marks {
		if !slices.Contains(acc.Marks, m) {
			acc.Marks = append(acc.Marks, m)
		}
	}
	return acc
}

// Measurements pairs the cases of both sides by position. A pair whose
// ids differ (other size, other model) is compared under the label
// "A-id vs B-id". The environment is the same machine on both sides, and
// what differs between the sides (settings, model) is the point of the
// run, so it is neither a mismatch nor a "model changed".
func Measurements(a, b *results.File) ([]compare.Measurement, []compare.Measurement) {
	ma, mb := compare.FromResults(a), compare.FromResults(b)
	for i := range ma {
		if i >= len(mb) {
			break
		}
		id := ma[i].CaseID
		if mb[i].CaseID != id {
			id = ma[i].CaseID + " vs " + mb[i].CaseID
		}
		ma[i].CaseID, mb[i].CaseID = id, id
		mb[i].Profile = ma[i].Profile
		ma[i].Env, mb[i].Env = baselines.Environment{}, baselines.Environment{}
		// A generated model differs with its size; two model files are
		// what the run compares: either way the ids say it already.
		ma[i].Model, mb[i].Model = baselines.Model{}, baselines.Model{}
	}
	return ma, mb
}

// Report compares B with A pair by pair (compare.Options.Paired): the
// interleaving is what lets the test see past the machine's drift.
func Report(a, b *results.File, opt compare.Options) *compare.Report {
	opt.Paired = true
	ma, mb := Measurements(a, b)
	return compare.Compare(ma, mb, opt)
}
