package history

import (
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/yologate/yologate/changepoint"
	"github.com/yologate/yologate/compare"
)

// storeRuns and storeCases size the store of docs/BENCHMARKS.md: 10,000
// runs of 20 cases, about two years of a dozen runs a day.
const (
	storeRuns  = 10000
	storeCases = 20
)

// buildStore writes a store of storeRuns runs, one every 2 hours, with
// --count 10: every month compacted except the newest, as Compact leaves
// it when run monthly.
func buildStore(tb testing.TB, dir string) {
	r := rand.New(rand.NewPCG(15, 16))
	start := time.Date(2024, 12, 1, 0, 0, 0, 0, time.UTC)
	last := start.Add(storeRuns * 2 * time.Hour)
	newest := time.Date(last.Year(), last.Month(), 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < storeRuns; i++ {
		run := synthRun(r, start.Add(time.Duration(i)*2*time.Hour), storeCases, 10, 100)
		if _, err := Save(dir, run); err != nil {
			tb.Fatal(err)
		}
	}
	if _, err := Compact(dir, newest); err != nil {
		tb.Fatal(err)
	}
}

func dirSize(tb testing.TB, dir string) (int64, int) {
	var size int64
	files := 0
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			info, _ := d.Info()
			size += info.Size()
			files++
		}
		return nil
	})
	return size, files
}

// BenchmarkReadStore reads a store of 10,000 runs of 20 cases.
//
//	go test -run '^$' -bench ReadStore -benchtime 5x ./history
func BenchmarkReadStore(b *testing.B) {
	dir := b.TempDir()
	buildStore(b, dir)
	size, files := dirSize(b, dir)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		h, err := Read(dir)
		if err != nil || len(h.Runs) != storeRuns || len(h.Warnings) > 0 {
			b.Fatalf("%v: %d runs, warnings %v", err, len(h.Runs), h.Warnings)
		}
	}
	b.ReportMetric(float64(size)/1e6, "MB-on-disk")
	b.ReportMetric(float64(files), "files")
	os.RemoveAll(dir)
}

// BenchmarkGateUse is what a gate does with a store of 10,000 runs of 20
// cases once it is read: the records indexed by series, each case's recent
// run medians of every metric for the verdicts (ForCompare) and its FPS
// change points for the trend, over the newest Window runs.
//
//	go test -run '^$' -bench GateUse -benchtime 5x ./history
func BenchmarkGateUse(b *testing.B) {
	dir := b.TempDir()
	buildStore(b, dir)
	h, err := Read(dir)
	if err != nil {
		b.Fatal(err)
	}
	var cur []compare.Measurement
	for _, rec := range h.Runs[len(h.Runs)-1].Records {
		cur = append(cur, compare.Measurement{Profile: rec.Profile, CaseID: rec.Case, Env: rec.Env})
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rh := h.ForCompare(cur, changepoint.Options{})
		for _, k := range h.Keys() {
			h.Recent(k, compare.FPS, changepoint.Options{}) // the trend
		}
		h.byKey, h.recent = nil, nil
		if len(rh) != len(cur) {
			b.Fatal(len(rh))
		}
	}
	b.ReportMetric(float64(len(cur)), "cases")
	os.RemoveAll(dir)
}
