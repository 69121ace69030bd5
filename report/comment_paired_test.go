package report

import (
	"testing"
	"time"
)

func TestPairedLine(t *testing.T) {
	sha := "abababababababababababababababababababab"
	tests := []struct {
		name string
		in   PairedInfo
		want string
	}{
		{"one process", PairedInfo{BaseSHA: sha, Pairs: map[string]int{"a": 10, "b": 10}, MaxCount: 30, Elapsed: 80 * time.Second},
			"Paired against base `abababababab`, measured in this job: 10 pairs per case (up to 30 while inconclusive), 1m20s."},
		{"grown, budget spent", PairedInfo{Pairs: map[string]int{"a": 10, "b": 20}, MaxCount: 30, Elapsed: time.Minute, BudgetStop: true},
			"Paired against the base, measured in this job: 10 to 20 pairs per case (up to 30 while inconclusive), 1m0s. The --budget stopped an inconclusive case from growing further."},
		{"base in a child process", PairedInfo{BaseSHA: sha, Pairs: map[string]int{"a": 10}, MaxCount: 10, Elapsed: time.Second,
			BaseRuntime: "1.29.0", HeadRuntime: "1.30.0"},
			"Paired against base `abababababab`, measured in this job: 10 pairs per case (up to 10 while inconclusive), 1s. The base ran ONNX Runtime `1.29.0` in a child process, the head `1.30.0`."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.in.pairedLine(); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}
