package runner

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yologate/yologate/runner/results"
)

func ptr(v float64) *float64 { return &v }

func TestSummarize(t *testing.T) {
	// 1..n milliseconds in shuffled order.
	series := func(n int) []int64 {
		s := make([]int64, n)
		for i := range s {
			s[i] = int64((i*7919)%n+1) * 1e6
		}
		return s
	}
	for _, tc := range []struct {
		name string
		in   []int64
		want results.Latency
	}{
		{"empty", nil, results.Latency{}},
		{"one", []int64{2e6}, results.Latency{MinMS: 2, MeanMS: 2, P50MS: 2, MaxMS: 2}},
		{"two", []int64{3e6, 1e6}, results.Latency{MinMS: 1, MeanMS: 2, P50MS: 1, MaxMS: 3, CV: math.Sqrt(2) / 2}},
		// Below the p90 floor: only min/mean/p50/max.
		{"63", series(63), results.Latency{MinMS: 1, MeanMS: 32, P50MS: 32, MaxMS: 63, CV: cv(63)}},
		{"64", series(64), results.Latency{MinMS: 1, MeanMS: 32.5, P50MS: 32, P90MS: ptr(58), MaxMS: 64, CV: cv(64)}},
		{"130", series(130), results.Latency{MinMS: 1, MeanMS: 65.5, P50MS: 65, P90MS: ptr(117), P95MS: ptr(124), MaxMS: 130, CV: cv(130)}},
		{"1000", series(1000), results.Latency{MinMS: 1, MeanMS: 500.5, P50MS: 500, P90MS: ptr(900), P95MS: ptr(950), P99MS: ptr(990), MaxMS: 1000, CV: cv(1000)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Summarize(tc.in)
			if diff := cmp.Diff(tc.want, got, cmp.Comparer(func(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(a)) })); diff != "" {
				t.Errorf("Summarize mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// cv is the coefficient of variation of 1..n (sample standard deviation).
func cv(n int) float64 {
	mean := float64(n+1) / 2
	variance := float64(n) * float64(n+1) / 12 // n(n+1)/12 is the sample variance of 1..n
	return math.Sqrt(variance) / mean
}

func TestSteady(t *testing.T) {
	flat := []int64{10, 11, 10, 10, 11, 10, 11, 10, 10, 11, 10, 10, 11, 10, 10}
	for i := range flat {
		flat[i] *= 1e6
	}
	if ok, detail := steady(flat, 5, 0.10); !ok {
		t.Errorf("steady(flat) = false (%s)", detail)
	}
	falling := make([]int64, 15)
	for i := range falling {
		falling[i] = int64(30-i) * 1e6 // 30 → 16 ms: still warming
	}
	if ok, detail := steady(falling, 5, 0.10); ok {
		t.Errorf("steady(falling) = true (%s)", detail)
	}
	if ok, _ := steady(flat[:14], 5, 0.10); ok {
		t.Error("steady with fewer than three windows = true")
	}
}
