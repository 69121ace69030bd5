package report

import (
	"strings"
	"testing"

	"github.com/yologate/yologate/changepoint"
	"github.com/yologate/yologate/compare"
	"github.com/yologate/yologate/history"
)

func TestWriteHistoryReview(t *testing.T) {
	sha := func(c byte) string { return strings.Repeat(string(c), 40) }
	step := history.Change{Point: changepoint.Point{DeltaPct: -6.1}, Commit: sha('a'), Regression: true}
	series := []history.SeriesReview{
		{Key: history.Key{Profile: "cpu=x", Case: "model=yolov8n"}, Runs: 32, Latest: 94.2, Changes: []history.Change{step}, Worse: true,
			Drift: &history.Budget{DriftPct: 6.3, BudgetPct: 5, Spent: true, Culprits: []history.Change{step}}},
		{Key: history.Key{Profile: "cpu=x", Case: "model=yolo11n"}, Runs: 3, Latest: 80, NoReference: true},
	}
	var b strings.Builder
	if err := WriteHistoryReview(&b, series, compare.FPS, sha('b')); err != nil {
		t.Fatal(err)
	}
	want := `profile  case           runs  latest fps  change points
cpu=x    model=yolov8n  32    94.2        aaaaaaaaaaaa -6.1%
cpu=x    model=yolo11n  3     80          -

model=yolov8n on cpu=x: the newest change point, at aaaaaaaaaaaa, made fps worse by -6.1%
model=yolov8n on cpu=x: drifted 6.3% since bbbbbbbbbbbb, past the 5% budget; steps: aaaaaaaaaaaa -6.1%
model=yolo11n on cpu=x: no level of ` + sha('b') + ` in the history, no drift budget
`
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}
