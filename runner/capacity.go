package runner

import (
	"fmt"
	"slices"
	"sort"

	"github.com/yologate/yologate/internal/stat"
	"github.com/yologate/yologate/runner/results"
)

// CapacityTarget is what every stream must reach for a stream count to
// count as held.
type CapacityTarget struct {
	// FPS is the frames per second each stream must reach, > 0.
	FPS float64
	// MaxP99MS bounds each stream's p99 latency in milliseconds; 0 means no bound.
	MaxP99MS float64
}

// CapacityPoint is one measured stream count.
type CapacityPoint struct {
	Streams int
	CaseID  string
	// MinStreamFPS is the slowest stream's FPS (each stream's median over
	// the repeats); AggregateFPS is all streams' frames per second.
	MinStreamFPS, AggregateFPS float64
	// WorstP99MS is the highest per-stream p99 latency, in milliseconds.
	// When a stream had fewer iterations than results.MinIterationsP99, the
	// highest percentile its iterations support stands in (TailLabel says
	// which: "p95", "p90" or "p50"; "p99" otherwise).
	WorstP99MS float64
	TailLabel  string
	Meets      bool
	// Why says which condition failed, empty when Meets.
	Why string
}

// EvaluateCapacity decides whether case c (one stream count) meets t.
func EvaluateCapacity(c results.Case, t CapacityTarget) CapacityPoint {
	p := CapacityPoint{Streams: max(c.Streams, 1), CaseID: c.ID}
	var agg []float64
	for _, r := range c.Repeats {
		agg = append(agg, r.FPS)
	}
	p.AggregateFPS = stat.Median(agg)
	first := true
	for _, s := range perStream(c) {
		if first || s.fps < p.MinStreamFPS {
			p.MinStreamFPS = s.fps
		}
		first = false
		if s.p99 > p.WorstP99MS {
			p.WorstP99MS = s.p99
		}
		if p.TailLabel == "" || tailRank(s.label) < tailRank(p.TailLabel) {
			p.TailLabel = s.label
		}
	}
	switch {
	case len(c.Repeats) == 0:
		p.Why = "no repeats measured"
	case p.MinStreamFPS < t.FPS:
		p.Why = fmt.Sprintf("slowest stream %.2f fps < %.2f", p.MinStreamFPS, t.FPS)
	case t.MaxP99MS > 0 && p.WorstP99MS > t.MaxP99MS:
		what := "p99"
		if p.TailLabel != "p99" {
			what = p.TailLabel + " (too few iterations for a p99)"
		}
		p.Why = fmt.Sprintf("worst stream %s %.1f ms > %.1f ms", what, p.WorstP99MS, t.MaxP99MS)
	default:
		p.Meets = true
	}
	return p
}

type streamStat struct {
	fps   float64
	p99   float64
	label string
}

// TailLatency returns the highest latency percentile that len(sortedNS)
// iterations support under the MLPerf floors (p99 from
// results.MinIterationsP99 iterations, p95, p90, else the median), in
// milliseconds, and its name.
func TailLatency(sortedNS []int64) (float64, string) {
	n := len(sortedNS)
	switch {
	case n == 0:
		return 0, ""
	case n >= results.MinIterationsP99:
		return ms(nearestRank(sortedNS, 99)), "p99"
	case n >= results.MinIterationsP95:
		return ms(nearestRank(sortedNS, 95)), "p95"
	case n >= results.MinIterationsP90:
		return ms(nearestRank(sortedNS, 90)), "p90"
	}
	return ms(nearestRank(sortedNS, 50)), "p50"
}

// tailRank orders percentile names, weakest first.
func tailRank(label string) int {
	switch label {
	case "p99":
		return 3
	case "p95":
		return 2
	case "p90":
		return 1
	}
	return 0
}

// perStream returns each stream's median FPS over the repeats and its p99
// (or max, below the p99 floor) over all its iterations.
func perStream(c results.Case) []streamStat {
	n := max(c.Streams, 1)
	fps := make([][]float64, n)
	lat := make([][]int64, n)
	for _, r := range c.Repeats {
		if len(r.Streams) == 0 {
			fps[0] = append(fps[0], r.FPS)
			lat[0] = append(lat[0], r.LatenciesNS...)
			continue
		}
		off := 0
		for _, s := range r.Streams {
			if s.Stream < n {
				fps[s.Stream] = append(fps[s.Stream], s.FPS)
				if off+s.Iterations <= len(r.LatenciesNS) {
					lat[s.Stream] = append(lat[s.Stream], r.LatenciesNS[off:off+s.Iterations]...)
				}
			}
			off += s.Iterations
		}
	}
	out := make([]streamStat, n)
	for k := range out {
		out[k].fps = stat.Median(fps[k])
		if len(lat[k]) == 0 {
			continue
		}
		sorted := slices.Clone(lat[k])
		slices.Sort(sorted)
		out[k].p99, out[k].label = TailLatency(sorted)
	}
	return out
}

// SearchCapacity finds the largest stream count in [1, maxStreams] that
// measure reports as meeting the target: doubling from 1 until a count
// fails (or maxStreams is reached), then bisecting between the last count
// that held and the first that failed. It measures O(log maxStreams)
// counts, never a count above one that already failed, so the answer is
// never a count that a smaller measured count contradicts. It returns 0
// when one stream already fails, and every measured point, by stream count.
func SearchCapacity(maxStreams int, measure func(streams int) (CapacityPoint, error)) (int, []CapacityPoint, error) {
	var curve []CapacityPoint
	try := func(n int) (bool, error) {
		p, err := measure(n)
		if err != nil {
			return false, err
		}
		p.Streams = n
		curve = append(curve, p)
		return p.Meets, nil
	}
	sorted := func() []CapacityPoint {
		sort.Slice(curve, func(i, j int) bool { return curve[i].Streams < curve[j].Streams })
		return curve
	}
	lo, hi := 0, 0 // lo held (0: none yet), hi failed (0: none yet)
	for n := 1; ; n *= 2 {
		n = min(n, maxStreams)
		ok, err := try(n)
		if err != nil {
			return lo, sorted(), err
		}
		if !ok {
			hi = n
			break
		}
		lo = n
		if n == maxStreams {
			return lo, sorted(), nil
		}
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		ok, err := try(mid)
		if err != nil {
			return lo, sorted(), err
		}
		if ok {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo, sorted(), nil
}

// SweepPoint is one measured case of a batch × image-size sweep.
type SweepPoint struct {
	CaseID string
	Size   Size
	Batch  int
	// FPS is the median over repeats; LatencyMS is the per-iteration (per
	// batch) latency compared with the budget: the p99 over all repeats'
	// iterations, or the highest percentile they support (LatencyLabel).
	FPS          float64
	P50MS        float64
	LatencyMS    float64
	LatencyLabel string
	// FitsBudget is set when LatencyMS is within the budget (always, without one).
	FitsBudget bool
}

// EvaluateSweep turns a sweep's cases into points and recommends the
// highest-throughput case whose latency fits budgetMS (0: no budget), overall
// and for each image size. It returns the points in case order.
func EvaluateSweep(cases []results.Case, budgetMS float64) ([]SweepPoint, []results.Recommendation) {
	points := make([]SweepPoint, 0, len(cases))
	for _, c := range cases {
		p := SweepPoint{CaseID: c.ID, Size: Size{c.Height, c.Width}, Batch: c.Batch}
		var fps, p50 []float64
		var lat []int64
		for _, r := range c.Repeats {
			fps = append(fps, r.FPS)
			p50 = append(p50, r.Latency.P50MS)
			lat = append(lat, r.LatenciesNS...)
		}
		p.FPS, p.P50MS = stat.Median(fps), stat.Median(p50)
		slices.Sort(lat)
		p.LatencyMS, p.LatencyLabel = TailLatency(lat)
		p.FitsBudget = len(c.Repeats) > 0 && (budgetMS <= 0 || p.LatencyMS <= budgetMS)
		points = append(points, p)
	}
	budget := "no latency budget"
	if budgetMS > 0 {
		budget = fmt.Sprintf("latency budget %.0f ms", budgetMS)
	}
	best := func(keep func(SweepPoint) bool) (SweepPoint, bool) {
		var b SweepPoint
		found := false
		for _, p := range points {
			if p.FitsBudget && keep(p) && (!found || p.FPS > b.FPS) {
				b, found = p, true
			}
		}
		return b, found
	}
	describe := func(p SweepPoint) string {
		return fmt.Sprintf("imgsz %v batch %d: %.2f fps, %s %.1f ms", p.Size, p.Batch, p.FPS, p.LatencyLabel, p.LatencyMS)
	}
	var recs []results.Recommendation
	if b, ok := best(func(SweepPoint) bool { return true }); ok {
		recs = append(recs, results.Recommendation{Kind: "sweep", CaseID: b.CaseID, Text: "best throughput within " + budget + ": " + describe(b)})
	} else {
		recs = append(recs, results.Recommendation{Kind: "sweep", Text: "no case fits the " + budget + "; raise the budget or use a smaller imgsz or batch"})
	}
	var sizes []Size
	for _, p := range points {
		if !slices.Contains(sizes, p.Size) {
			sizes = append(sizes, p.Size)
		}
	}
	if len(sizes) > 1 {
		for _, sz := range sizes {
			if b, ok := best(func(p SweepPoint) bool { return p.Size == sz }); ok {
				recs = append(recs, results.Recommendation{Kind: "sweep-imgsz", CaseID: b.CaseID, Text: fmt.Sprintf("at imgsz %v within %s: %s", sz, budget, describe(b))})
			}
		}
	}
	return points, recs
}
