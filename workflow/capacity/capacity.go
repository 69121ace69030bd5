// Package capacity finds how many concurrent streams a machine holds at a
// target frame rate per stream (and optionally a p99 bound).
package capacity

import (
	"context"
	"fmt"
	"time"

	"github.com/yologate/yologate/runner"
	"github.com/yologate/yologate/runner/results"
	"github.com/yologate/yologate/workflow"
)

// Result is the search's answer and every point it measured.
type Result struct {
	// File holds every measured stream count as a case, and the answer in
	// its recommendations.
	File *results.File
	// Best is the most streams that met the target; 0 when not even one did.
	Best  int
	Curve []runner.CapacityPoint
}

// Search measures job's one case with 1, 2, 4, ... streams until a count
// misses t, then bisects, up to maxStreams (runner.SearchCapacity). On an
// error the file holds the counts measured so far, marked incomplete.
func Search(ctx context.Context, job *workflow.Job, t runner.CapacityTarget, maxStreams int) (*Result, error) {
	if len(job.Specs) != 1 {
		return nil, fmt.Errorf("capacity measures one case, %d asked for", len(job.Specs))
	}
	f := &results.File{Schema: results.Schema, Status: results.StatusIncomplete, Started: time.Now().UTC().Round(0),
		Fingerprint: job.Options.Fingerprint, Cases: []results.Case{}}
	best, curve, err := runner.SearchCapacity(maxStreams, func(n int) (runner.CapacityPoint, error) {
		one := *job
		one.Workload.Streams = n
		rf, err := one.Run(ctx, nil)
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
		job.Logf("capacity: %d streams %s", n, verdict)
		return p, nil
	})
	f.Finished = time.Now().UTC().Round(0)
	res := &Result{File: f, Best: best, Curve: curve}
	if err != nil {
		f.StatusReason = err.Error()
		return res, err
	}
	f.Status = results.StatusComplete
	f.Recommendations = append(f.Recommendations, recommendation(job.Specs[0], job.Workload, best, curve, t))
	return res, nil
}

func recommendation(s runner.Spec, w runner.Workload, best int, curve []runner.CapacityPoint, t runner.CapacityTarget) results.Recommendation {
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
