package runner

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yologate/yologate/runner/results"
)

func TestSearchCapacity(t *testing.T) {
	tests := []struct {
		name  string
		max   int
		meets func(n int) bool
		want  int
		// measured lists the stream counts measured, in search order.
		measured []int
	}{
		{"holds 5", 64, func(n int) bool { return n <= 5 }, 5, []int{1, 2, 4, 8, 6, 5}},
		{"holds none", 64, func(n int) bool { return false }, 0, []int{1}},
		{"holds one", 64, func(n int) bool { return n == 1 }, 1, []int{1, 2}},
		{"holds a power of two", 64, func(n int) bool { return n <= 16 }, 16, []int{1, 2, 4, 8, 16, 32, 24, 20, 18, 17}},
		{"capped", 10, func(n int) bool { return true }, 10, []int{1, 2, 4, 8, 10}},
		{"cap between powers fails", 10, func(n int) bool { return n <= 9 }, 9, []int{1, 2, 4, 8, 10, 9}},
		// Noise: 2 fails although 4 would pass; the search never goes above
		// a failure, so 4 is never reported.
		{"non-monotone", 64, func(n int) bool { return n != 2 && n <= 6 }, 1, []int{1, 2}},
		// 13 would pass but 12 failed first: 11 is the answer.
		{"noise inside the bisection", 64, func(n int) bool { return n <= 13 && n != 12 }, 11, []int{1, 2, 4, 8, 16, 12, 10, 11}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var order []int
			got, curve, err := SearchCapacity(tc.max, func(n int) (CapacityPoint, error) {
				order = append(order, n)
				return CapacityPoint{Meets: tc.meets(n)}, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("capacity = %d, want %d", got, tc.want)
			}
			if diff := cmp.Diff(tc.measured, order); diff != "" {
				t.Errorf("measured (-want +got):\n%s", diff)
			}
			for i := 1; i < len(curve); i++ {
				if curve[i-1].Streams >= curve[i].Streams {
					t.Errorf("curve not sorted by streams: %+v", curve)
				}
			}
			for _, p := range curve {
				if !p.Meets && p.Streams <= got {
					t.Errorf("reported %d streams although %d streams failed", got, p.Streams)
				}
			}
		})
	}
}

func TestSearchCapacityError(t *testing.T) {
	boom := errors.New("boom")
	got, curve, err := SearchCapacity(64, func(n int) (CapacityPoint, error) {
		if n == 4 {
			return CapacityPoint{}, boom
		}
		return CapacityPoint{Meets: true}, nil
	})
	if !errors.Is(err, boom) || got != 2 || len(curve) != 2 {
		t.Errorf("got %d, %d points, %v; want 2, 2 points, boom", got, len(curve), err)
	}
}

// streamsCase builds a case of n streams, one repeat, each stream with the
// given FPS and iterations of latency ms.
func streamsCase(fps []float64, iters int, latMS float64) results.Case {
	c := results.Case{ID: "x", Streams: len(fps)}
	r := results.Repeat{}
	for k, f := range fps {
		r.Streams = append(r.Streams, results.StreamResult{Stream: k, Iterations: iters, FPS: f})
		for i := 0; i < iters; i++ {
			r.LatenciesNS = append(r.LatenciesNS, int64(latMS*1e6))
		}
		r.FPS += f
	}
	c.Repeats = []results.Repeat{r}
	return c
}

func TestEvaluateCapacity(t *testing.T) {
	tests := []struct {
		name   string
		c      results.Case
		target CapacityTarget
		meets  bool
		label  string
	}{
		{"all streams fast", streamsCase([]float64{20, 18}, 700, 50), CapacityTarget{FPS: 15}, true, "p99"},
		{"one slow stream", streamsCase([]float64{20, 14}, 700, 50), CapacityTarget{FPS: 15}, false, "p99"},
		{"p99 over bound", streamsCase([]float64{20, 18}, 700, 70), CapacityTarget{FPS: 15, MaxP99MS: 66}, false, "p99"},
		{"p95 stands in for p99", streamsCase([]float64{20, 18}, 200, 50), CapacityTarget{FPS: 15, MaxP99MS: 66}, true, "p95"},
		{"median below the p90 floor", streamsCase([]float64{20, 18}, 10, 50), CapacityTarget{FPS: 15, MaxP99MS: 66}, true, "p50"},
		{"no repeats", results.Case{Streams: 2}, CapacityTarget{FPS: 1}, false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := EvaluateCapacity(tc.c, tc.target)
			if p.Meets != tc.meets || p.TailLabel != tc.label || (p.Why == "") != tc.meets {
				t.Errorf("point %+v: want meets %v, tail %q", p, tc.meets, tc.label)
			}
		})
	}
}

func sweepCase(id string, size, batch int, fps float64, latMS float64, iters int) results.Case {
	r := results.Repeat{FPS: fps, Latency: results.Latency{P50MS: latMS}}
	for i := 0; i < iters; i++ {
		r.LatenciesNS = append(r.LatenciesNS, int64(latMS*1e6))
	}
	return results.Case{ID: id, Height: size, Width: size, Batch: batch, Repeats: []results.Repeat{r}}
}

func TestEvaluateSweep(t *testing.T) {
	cases := []results.Case{
		sweepCase("a", 320, 1, 40, 25, 10),
		sweepCase("b", 320, 4, 60, 66, 10),
		sweepCase("c", 640, 1, 12, 80, 10),
	}
	_, recs := EvaluateSweep(cases, 50)
	got := []string{}
	for _, r := range recs {
		got = append(got, r.Kind+":"+r.CaseID)
	}
	if diff := cmp.Diff([]string{"sweep:a", "sweep-imgsz:a"}, got); diff != "" {
		t.Errorf("recommendations (-want +got):\n%s", diff)
	}
	_, recs = EvaluateSweep(cases, 0)
	if recs[0].CaseID != "b" {
		t.Errorf("without a budget the best is b, got %+v", recs[0])
	}
	_, recs = EvaluateSweep(cases, 10)
	if recs[0].CaseID != "" || len(recs) != 1 {
		t.Errorf("nothing fits 10 ms, got %+v", recs)
	}
}

func TestTailLatency(t *testing.T) {
	lat := func(n int) []int64 {
		v := make([]int64, n)
		for i := range v {
			v[i] = int64(i+1) * 1e6 // 1..n ms
		}
		return v
	}
	for _, tc := range []struct {
		n     int
		ms    float64
		label string
	}{
		{0, 0, ""}, {10, 5, "p50"}, {64, 58, "p90"}, {130, 124, "p95"}, {700, 693, "p99"},
	} {
		ms, label := TailLatency(lat(tc.n))
		if ms != tc.ms || label != tc.label {
			t.Errorf("TailLatency(%d iterations) = %v %q, want %v %q", tc.n, ms, label, tc.ms, tc.label)
		}
	}
}
