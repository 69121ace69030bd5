package runner

import (
	"math"
	"slices"

	"github.com/yologate/yologate/runner/results"
)

// Summarize returns the latency summary of one repeat's per-iteration
// latencies (nanoseconds, in run order). Percentiles are nearest-rank (the
// smallest latency with at least p% of the iterations at or below it, never
// interpolated); p90, p95 and p99 are left nil below the MLPerf floors
// results.MinIterationsP90/P95/P99. CV is the sample standard deviation over
// the mean. An empty input gives the zero Latency.
func Summarize(latNS []int64) results.Latency {
	n := len(latNS)
	if n == 0 {
		return results.Latency{}
	}
	sorted := slices.Clone(latNS)
	slices.Sort(sorted)
	var sum float64
	for _, v := range sorted {
		sum += float64(v)
	}
	mean := sum / float64(n)
	var ss float64
	for _, v := range sorted {
		d := float64(v) - mean
		ss += d * d
	}
	cv := 0.0
	if n > 1 && mean > 0 {
		cv = math.Sqrt(ss/float64(n-1)) / mean
	}
	l := results.Latency{
		MinMS:  ms(sorted[0]),
		MeanMS: mean / 1e6,
		P50MS:  ms(nearestRank(sorted, 50)),
		MaxMS:  ms(sorted[n-1]),
		CV:     cv,
	}
	pct := func(p float64, floor int) *float64 {
		if n < floor {
			return nil
		}
		v := ms(nearestRank(sorted, p))
		return &v
	}
	l.P90MS = pct(90, results.MinIterationsP90)
	l.P95MS = pct(95, results.MinIterationsP95)
	l.P99MS = pct(99, results.MinIterationsP99)
	return l
}

// nearestRank returns the p-th percentile (0 < p <= 100) of sorted values.
func nearestRank(sorted []int64, p float64) int64 {
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	if rank < 1 {
		rank = 1
	}
	if rank > len(sorted) {
		rank = len(sorted)
	}
	return sorted[rank-1]
}

func ms(ns int64) float64 { return float64(ns) / 1e6 }
