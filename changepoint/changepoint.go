// Package changepoint finds the runs after which a series of per-run
// medians moved to another level: E-divisive means (Matteson and James, "A
// Nonparametric Approach for Multiple Change Point Analysis of Multivariate
// Data", JASA 2014), the method of MongoDB's signal-processing-algorithms
// and Apache Otava, with a permutation test deciding each change point.
//
// The series is split in two where the energy distance between the two
// sides, weighted by n·m/(n+m), is largest; the split stands when fewer
// than Alpha of the permuted series (values shuffled within each segment)
// reach as large a statistic. Splitting repeats inside the segments until a
// split fails the test. The method assumes no distribution and finds
// changes of level as well as of spread. It does no I/O.
package changepoint

import (
	"math"
	"math/rand/v2"
	"sort"
)

// Options configures Detect. The zero value of each field takes its default.
type Options struct {
	// MinSize is the fewest values a segment may hold, ≥ 1; 0 means
	// DefaultMinSize.
	MinSize int
	// Alpha is the permutation test's level in (0,1); 0 means DefaultAlpha.
	Alpha float64
	// Permutations is how many shuffled series each test draws; 0 means
	// DefaultPermutations.
	Permutations int
	// Seed seeds the shuffles, so that the same series and options always
	// give the same change points.
	Seed uint64
}

// Defaults of Options.
const (
	// DefaultMinSize is 3 runs: a level held by fewer runs cannot be told
	// from an outlier run, and a larger floor delays the report of a new
	// regression by as many runs of main.
	DefaultMinSize = 3
	// DefaultAlpha is 0.01: a series of 60 step-free runs then gives a false
	// change point in about 1% of cases (see the package's quality test).
	DefaultAlpha = 0.01
	// DefaultPermutations is 199: the p-value (k+1)/(199+1) can reach 0.005,
	// half of DefaultAlpha, with room for one permuted series at least as
	// extreme.
	DefaultPermutations = 199
)

// Point is one change point.
type Point struct {
	// Index is the position of the first value of the new level: the
	// change happened between Index-1 and Index.
	Index int
	// Before and After are the medians of the segments either side of the
	// change, bounded by the neighbouring change points.
	Before, After float64
	// DeltaPct is (After − Before) / Before in percent; 0 when Before is 0.
	DeltaPct float64
	// Q is the split's weighted energy statistic; P is its permutation
	// p-value.
	Q, P float64
}

func (opt Options) withDefaults() Options {
	if opt.MinSize < 1 {
		opt.MinSize = DefaultMinSize
	}
	if !(opt.Alpha > 0 && opt.Alpha < 1) {
		opt.Alpha = DefaultAlpha
	}
	if opt.Permutations < 1 {
		opt.Permutations = DefaultPermutations
	}
	return opt
}

// Detect returns the change points of series, ordered by Index. NaN and
// infinite values are not allowed: the caller leaves them out.
func Detect(series []float64, opt Options) []Point {
	opt = opt.withDefaults()
	rng := rand.New(rand.NewPCG(opt.Seed, 0x9e3779b97f4a7c15))
	var cuts []int
	type best struct {
		tau int
		q   float64
	}
	memo := map[[2]int]best{}
	pvals, qs := map[int]float64{}, map[int]float64{}
	scratch := make([]float64, len(series))
	for {
		bounds := append(append([]int{0}, cuts...), len(series))
		cand := best{tau: -1}
		for i := 0; i+1 < len(bounds); i++ {
			w := [2]int{bounds[i], bounds[i+1]}
			b, ok := memo[w]
			if !ok {
				tau, q := bestSplit(series[w[0]:w[1]], opt.MinSize)
				b = best{tau: -1}
				if tau >= 0 {
					b = best{tau: w[0] + tau, q: q}
				}
				memo[w] = b
			}
			if b.tau >= 0 && (cand.tau < 0 || b.q > cand.q) {
				cand = b
			}
		}
		if cand.tau < 0 {
			break
		}
		// Permutation test: shuffle every segment within itself and take
		// the largest statistic any segment then reaches.
		reach := 0
		for p := 0; p < opt.Permutations; p++ {
			copy(scratch, series)
			top := math.Inf(-1)
			for i := 0; i+1 < len(bounds); i++ {
				seg := scratch[bounds[i]:bounds[i+1]]
				rng.Shuffle(len(seg), func(a, b int) { seg[a], seg[b] = seg[b], seg[a] })
				if _, q := bestSplit(seg, opt.MinSize); q > top {
					top = q
				}
			}
			if top >= cand.q {
				reach++
				// Once this many shuffles reach it, the split cannot pass
				// the test whatever the rest do: stop drawing them.
				if float64(reach+1)/float64(opt.Permutations+1) > opt.Alpha {
					break
				}
			}
		}
		pval := float64(reach+1) / float64(opt.Permutations+1)
		if pval > opt.Alpha {
			break
		}
		cuts = append(cuts, cand.tau)
		sort.Ints(cuts)
		pvals[cand.tau] = pval
		qs[cand.tau] = cand.q
	}
	return points(series, cuts, pvals, qs)
}

// bestSplit returns the split tau of v (v[:tau] and v[tau:], each at least
// minSize long) with the largest weighted energy statistic, and that
// statistic; tau is -1 when v is too short to split.
//
// For X = v[:tau] and Y = v[tau:], n = |X|, m = |Y|, the statistic is
// n·m/(n+m) · (2·mean|X−Y| − mean|X−X'| − mean|Y−Y'|), the within-sample
// means taken over the n(n−1)/2 (m(m−1)/2) pairs of distinct values, as in
// Matteson and James. The sums are updated as tau moves, O(len(v)²).
func bestSplit(v []float64, minSize int) (int, float64) {
	n := len(v)
	if n < 2*minSize {
		return -1, math.Inf(-1)
	}
	// x: sum over i<j<tau of |vi−vj|; y: the same over tau ≤ i<j;
	// xy: sum over i<tau≤j.
	var x, y, xy float64
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			y += math.Abs(v[i] - v[j])
		}
	}
	bestTau, bestQ := -1, math.Inf(-1)
	for tau := 0; tau < n; tau++ {
		if tau >= minSize && n-tau >= minSize {
			a, b := float64(tau), float64(n-tau)
			e := 2 * xy / (a * b)
			if tau > 1 {
				e -= 2 * x / (a * (a - 1))
			}
			if n-tau > 1 {
				e -= 2 * y / (b * (b - 1))
			}
			if q := a * b / (a + b) * e; q > bestQ {
				bestTau, bestQ = tau, q
			}
		}
		// Move v[tau] from Y to X.
		var col, row float64
		for i := 0; i < tau; i++ {
			col += math.Abs(v[i] - v[tau])
		}
		for j := tau + 1; j < n; j++ {
			row += math.Abs(v[tau] - v[j])
		}
		xy += row - col
		x += col
		y -= row
	}
	return bestTau, bestQ
}

// points builds the change points at cuts (sorted) with the medians of the
// segments either side.
func points(series []float64, cuts []int, pvals, qs map[int]float64) []Point {
	var out []Point
	for i, c := range cuts {
		lo, hi := 0, len(series)
		if i > 0 {
			lo = cuts[i-1]
		}
		if i+1 < len(cuts) {
			hi = cuts[i+1]
		}
		p := Point{Index: c, Before: Median(series[lo:c]), After: Median(series[c:hi]), P: pvals[c], Q: qs[c]}
		if p.Before != 0 {
			p.DeltaPct = (p.After - p.Before) / p.Before * 100
		}
		out = append(out, p)
	}
	return out
}

// Median returns the median of v (the mean of the middle two for an even
// count); NaN for none.
func Median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
