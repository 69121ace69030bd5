// Package sweep measures a grid of batch sizes × image sizes and
// recommends the best throughput within a latency budget.
package sweep

import (
	"context"

	"github.com/yologate/yologate/runner"
	"github.com/yologate/yologate/runner/results"
	"github.com/yologate/yologate/workflow"
)

// Run measures every case of job (one per grid point) and evaluates the
// grid against budgetMS, the per-iteration latency the recommendation must
// stay within (0: none). On an error the file holds the points measured so
// far, without a recommendation.
func Run(ctx context.Context, job *workflow.Job, budgetMS float64) (*results.File, []runner.SweepPoint, error) {
	f, err := job.Run(ctx, nil)
	if f == nil {
		return nil, nil, err
	}
	points, recs := runner.EvaluateSweep(f.Cases, budgetMS)
	if err == nil {
		f.Recommendations = append(f.Recommendations, recs...)
	}
	return f, points, err
}
