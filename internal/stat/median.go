// Package stat holds the one median that yologate's summaries use (the
// verdicts' statistics come from golang.org/x/perf/benchmath in compare).
package stat

import "slices"

// Median returns the median of v, the mean of the middle two for an even
// count, and 0 for none; v is not modified.
func Median[T ~int64 | ~float64](v []T) float64 {
	n := len(v)
	if n == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if n%2 == 1 {
		return float64(s[n/2])
	}
	return (float64(s[n/2-1]) + float64(s[n/2])) / 2
}
