package gate

import (
	"context"
	"fmt"
	"time"

	"github.com/yologate/yologate/compare"
	"github.com/yologate/yologate/runner"
	"github.com/yologate/yologate/runner/results"
	"github.com/yologate/yologate/workflow"
	"github.com/yologate/yologate/workflow/ab"
)

// DefaultMaxCount is the most pairs a paired case grows to while it stays
// inconclusive: Pinpoint's default of 30 repeats per side, enough for the
// paired test to settle a 5% change on a quiet CPU machine.
const DefaultMaxCount = 30

// Paired measures the pull request's base beside the head: both sides'
// repeats interleaved as yologate ab does, and each head case decided by
// the paired test against its base.
type Paired struct {
	// Base holds one case per case of the job, paired by position; a nil
	// entry is a model the base commit does not have (the case is new).
	Base []*runner.Spec
	// BaseSHA names the base commit in the report; "" when unknown.
	BaseSHA string
	// Fresh creates new sessions for every pair of repeats (ab.Input.Fresh).
	Fresh bool
	// MaxCount is the most pairs a case measures while it is
	// inconclusive; 0 means DefaultMaxCount. The job's Count pairs come first.
	MaxCount int
	// Budget, when positive, bounds the job's time: no pairs start that
	// the time measured so far says would end past it. The first Count
	// pairs always run.
	Budget time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Runner, when set, prepares the base side's sessions: a base that
	// needs another ONNX Runtime library runs in a child process
	// (package child). Nil measures both sides with the job's runner.
	Runner workflow.Preparer
	// BaseRuntime is the ONNX Runtime of a base side measured by Runner,
	// recorded in the base's results and named in the report; nil when
	// both sides share the process.
	BaseRuntime *results.Runtime
}

// PairedResult says how the paired measurement went.
type PairedResult struct {
	// Base is the base side's results (the cases that had a base).
	Base *results.File
	// Pairs is the number of pairs measured per head case id.
	Pairs map[string]int
	// Elapsed is the time the measurement took.
	Elapsed time.Duration
	// BudgetStop reports that an inconclusive case stopped growing
	// because the budget was spent.
	BudgetStop bool
	// Reference compares the head with the stored baseline, when the
	// gate had one: shown beside the verdict, never deciding it.
	Reference *compare.Report
}

// missingBaseReason is the note on a case whose model the base lacks.
const missingBaseReason = "the base commit has no such model: new in this pull request, nothing to pair it with"

// runPaired measures in.Job's cases against in.Paired.Base and decides
// each with the paired test.
func runPaired(ctx context.Context, in Input, cmp comparer) (*Result, error) {
	p := in.Paired
	now := p.Now
	if now == nil {
		now = time.Now
	}
	job := in.Job
	if len(p.Base) != len(job.Specs) {
		return nil, fmt.Errorf("%d base case(s) for %d head case(s)", len(p.Base), len(job.Specs))
	}
	maxCount := p.MaxCount
	if maxCount == 0 {
		maxCount = DefaultMaxCount
	}
	start := now()
	var bases, heads []runner.Spec
	headOnly := map[string]bool{}
	for i, b := range p.Base {
		if b == nil {
			headOnly[job.Specs[i].ID()] = true
			continue
		}
		bases, heads = append(bases, *b), append(heads, job.Specs[i])
	}
	abIn := ab.Input{Runner: job.Runner, RunnerA: p.Runner, A: bases, B: heads, Options: job.Options, Fresh: p.Fresh, Check: job.Check, Log: job.Log}
	opt := in.Options
	opt.Paired = true
	res, err := ab.Run(ctx, abIn, opt)
	if err != nil {
		return nil, err
	}
	if p.BaseRuntime != nil {
		res.A.Fingerprint.Runtime = *p.BaseRuntime
	}
	pr := &PairedResult{Base: res.A, Pairs: map[string]int{}}
	a, b := res.A, res.B
	// Inconclusive cases grow by doubling their pairs, as Pinpoint adds
	// attempts, until they settle, reach maxCount or the budget is spent.
	abIn.Check = nil
	for {
		rep := pairedReport(a, b, opt)
		var grow []int
		for i, c := range rep.Cases {
			// More pairs settle noise, not a suspect measurement (marks)
			// or another environment.
			noise := len(c.Marks) == 0 && len(c.EnvDiff) == 0
			if c.Verdict == compare.Inconclusive && noise && len(b.Cases[i].Repeats) < maxCount {
				grow = append(grow, i)
			}
		}
		if len(grow) == 0 {
			break
		}
		n := len(b.Cases[grow[0]].Repeats)
		extra := min(n, maxCount-n)
		if p.Budget > 0 {
			// The time per pair so far says how many more fit.
			pairs := 0
			for _, c := range b.Cases {
				pairs += len(c.Repeats)
			}
			spent := now().Sub(start)
			per := spent / time.Duration(max(pairs, 1))
			fit := 0
			if left := p.Budget - spent; left > 0 && per > 0 {
				fit = int(left/per) / len(grow)
			} else if left > 0 {
				fit = extra
			}
			if fit < extra {
				pr.BudgetStop = true
				extra = fit
			}
		}
		if extra < 1 {
			break
		}
		job.Logf("yologate: %d inconclusive case(s): measuring %d more pair(s) each", len(grow), extra)
		abIn.A, abIn.B = nil, nil
		for _, i := range grow {
			abIn.A, abIn.B = append(abIn.A, bases[i]), append(abIn.B, heads[i])
		}
		abIn.Options.Count = extra
		more, err := ab.Run(ctx, abIn, opt)
		if err != nil {
			return nil, err
		}
		for k, i := range grow {
			a.Cases[i].Repeats = append(a.Cases[i].Repeats, more.A.Cases[k].Repeats...)
			b.Cases[i].Repeats = append(b.Cases[i].Repeats, more.B.Cases[k].Repeats...)
		}
		b.Finished = more.B.Finished
	}

	cur := b
	if len(headOnly) > 0 {
		alone, err := job.Run(ctx, headOnly)
		if err != nil {
			return nil, err
		}
		cur = mergeInOrder(job.Specs, b, alone)
	}
	for _, c := range b.Cases {
		pr.Pairs[c.ID] = len(c.Repeats)
	}
	ma, mb := pairedMeasurements(a, b)
	mb = append(mb, compare.FromResults(onlyCases(cur, headOnly))...)
	rep := compare.Compare(ma, mb, opt)
	for i := range rep.Cases {
		if headOnly[rep.Cases[i].ID] && rep.Cases[i].Verdict == compare.New {
			rep.Cases[i].Reason, rep.Cases[i].Remedy = missingBaseReason, ""
		}
	}
	if in.Baseline != nil {
		pr.Reference = cmp(in.Baseline.Measurements(), compare.FromResults(cur), in.Options)
	}
	pr.Elapsed = now().Sub(start)
	return &Result{Current: cur, Report: rep, Paired: pr}, nil
}

// pairedReport compares b with a pair by pair, under the head's ids.
func pairedReport(a, b *results.File, opt compare.Options) *compare.Report {
	ma, mb := pairedMeasurements(a, b)
	return compare.Compare(ma, mb, opt)
}

// pairedMeasurements pairs the cases of both sides by position as
// ab.Measurements does, named by the head's case id, which is the id the
// stored baselines and the comment use.
func pairedMeasurements(a, b *results.File) ([]compare.Measurement, []compare.Measurement) {
	ma, mb := ab.Measurements(a, b)
	for i := range mb {
		ma[i].CaseID, mb[i].CaseID = b.Cases[i].ID, b.Cases[i].ID
	}
	return ma, mb
}

// onlyCases returns f with the cases whose ids are in ids.
func onlyCases(f *results.File, ids map[string]bool) *results.File {
	out := *f
	out.Cases = nil
	for _, c := range f.Cases {
		if ids[c.ID] {
			out.Cases = append(out.Cases, c)
		}
	}
	return &out
}

// mergeInOrder returns paired's file with the cases of both files in the
// order of specs.
func mergeInOrder(specs []runner.Spec, paired, alone *results.File) *results.File {
	byID := map[string]results.Case{}
	for _, f := range []*results.File{paired, alone} {
		for _, c := range f.Cases {
			byID[c.ID] = c
		}
	}
	out := *paired
	out.Cases = nil
	for _, s := range specs {
		if c, ok := byID[s.ID()]; ok {
			out.Cases = append(out.Cases, c)
		}
	}
	if alone.Finished.After(out.Finished) {
		out.Finished = alone.Finished
	}
	return &out
}

// Validate checks the settings of a paired gate for a job of count pairs.
func (p *Paired) Validate(count int) error {
	if p.MaxCount != 0 && p.MaxCount < count {
		return fmt.Errorf("max count %d is below the count %d", p.MaxCount, count)
	}
	if p.Budget < 0 {
		return fmt.Errorf("negative budget %v", p.Budget)
	}
	return nil
}
