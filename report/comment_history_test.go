package report

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/yologate/yologate/compare"
	"github.com/yologate/yologate/internal/golden"
)

// mainTrend returns a trend of main's runs of a case: the levels in turn,
// perLevel runs each with a ±0.5% pattern, the first run of each new level
// marked as a change point.
func mainTrend(id string, perLevel int, current float64, levels ...float64) Trend {
	t := Trend{Profile: a10, CaseID: id, Current: current, Level: levels[len(levels)-1]}
	for i, level := range levels {
		for j := 0; j < perLevel; j++ {
			n := len(t.Runs)
			t.Runs = append(t.Runs, TrendRun{Commit: fmt.Sprintf("%07x", 0x1a2b3c0+n*977), FPS: level * (1 + 0.005*jitter[n%len(jitter)]/0.015),
				Change: i > 0 && j == 0})
		}
	}
	return t
}

// runMedians returns n run medians of main around center, ±1%.
func runMedians(center float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = center * (1 + 0.01*jitter[i%len(jitter)]/0.015)
	}
	return out
}

func TestCommentHistoryGolden(t *testing.T) {
	base := []compare.Measurement{meas(a10, "yolov8n", 410, 10), meas(a10, "yolov8s", 220, 10), meas(a10, "yolo11n", 382, 10)}
	cur := []compare.Measurement{meas(a10, "yolov8n", 411, 10), meas(a10, "yolov8s", 190, 10), meas(a10, "yolo11n", 379, 10)}
	ids := make([]string, len(base))
	for i, m := range base {
		ids[i] = m.CaseID
	}

	t.Run("comment_history.md", func(t *testing.T) {
		var hist []compare.RunHistory
		for i, center := range []float64{410, 220, 382} {
			med := map[compare.Metric][]float64{compare.FPS: runMedians(center, 20), compare.P50MS: runMedians(1000/center, 20)}
			hist = append(hist, compare.RunHistory{Profile: a10, CaseID: ids[i], Medians: med})
		}
		r := compare.CompareHistory(base, cur, hist, compare.DefaultOptions())
		// yolo11n slid 1.5% at a time since v1.4.0: each step passed, the
		// sum spends a 5% budget.
		r.Cases[2].SetDrift(&compare.DriftCheck{Metric: compare.FPS, Reference: "v1.4.0 (0a1b2c3)", Level: 400, Main: 382, Current: 379.9,
			DriftPct: 5.0, BudgetPct: 5, Spent: true, Steps: []compare.DriftStep{{Commit: "1a2c6d5", DeltaPct: -1.5}, {Commit: "1a2d9ea", DeltaPct: -1.5}, {Commit: "1a2ecff", DeltaPct: -1.5}}})
		r.Finish()
		in := CommentInput{Report: r, Key: "perf/gate/gpu=a10", RunURL: "https://github.com/acme/detector/actions/runs/42", Args: gateArgs,
			History: &HistoryInfo{Source: "branch yologate-history of https://github.com/acme/detector.git", Runs: 60, Trends: []Trend{
				mainTrend(ids[0], 20, 411, 410),
				mainTrend(ids[1], 20, 190, 220),
				mainTrend(ids[2], 5, 379, 400, 394, 388, 382),
			}}}
		got := CommentMarkdown(in)
		if n := utf8.RuneCountInString(got); n > MaxCommentChars {
			t.Errorf("%d characters, over %d", n, MaxCommentChars)
		}
		for _, want := range []string{"📈 Judged with 20 runs of main's history", "yolov8s: FPS of main and this run", "yolo11n: FPS of main and this run",
			"past the 5% drift budget; steps on main: 1a2c6d5 -1.5%, 1a2d9ea -1.5%, 1a2ecff -1.5%"} {
			if !strings.Contains(got, want) {
				t.Errorf("the comment lacks %q", want)
			}
		}
		if strings.Contains(got, "yolov8n: FPS of main") {
			t.Errorf("an unchanged case got a trend")
		}
		checkTables(t, got)
		golden.Check(t, "comment_history.md", got)
	})

	t.Run("comment_history_first_runs.md", func(t *testing.T) {
		// The first runs of main: too few for the spread; this run is
		// recorded as the fourth.
		var hist []compare.RunHistory
		for i, center := range []float64{410, 220, 382} {
			hist = append(hist, compare.RunHistory{Profile: a10, CaseID: ids[i], Medians: map[compare.Metric][]float64{compare.FPS: runMedians(center, 3)}})
		}
		r := compare.CompareHistory(base, cur, hist, compare.DefaultOptions())
		in := CommentInput{Report: r, Key: "perf/gate/gpu=a10", RunURL: "https://github.com/acme/detector/actions/runs/43", Args: gateArgs,
			History: &HistoryInfo{Source: "perf/history", Runs: 3, Recorded: "runs/2026-12/20261204T185215Z-0123456789ab-1a2b3c4d.hist",
				Trends: []Trend{mainTrend(ids[1], 3, 190, 220)}}}
		got := CommentMarkdown(in)
		if !strings.Contains(got, "📉 No run-to-run history yet") || !strings.Contains(got, "Recorded as a run of main") {
			t.Errorf("the comment does not say the history is too short, or that the run was recorded:\n%s", got)
		}
		checkTables(t, got)
		golden.Check(t, "comment_history_first_runs.md", got)
	})
}

func TestHistoryLine(t *testing.T) {
	base := []compare.Measurement{meas(a10, "yolov8n", 410, 10), meas(a10, "yolov8s", 220, 10)}
	cur := []compare.Measurement{meas(a10, "yolov8n", 411, 10), meas(a10, "yolov8s", 221, 10)}
	some := []compare.RunHistory{{Profile: a10, CaseID: base[0].CaseID, Medians: map[compare.Metric][]float64{compare.FPS: runMedians(410, 12)}}}
	h := &HistoryInfo{Source: "perf/history", Runs: 12}
	for _, tt := range []struct {
		name   string
		r      *compare.Report
		paired bool
		info   *HistoryInfo
		want   string
	}{
		{"some cases", compare.CompareHistory(base, cur, some, compare.DefaultOptions()), false, h,
			"📈 Judged with 12 runs of main's history (`perf/history`) for 1 of 2 cases, with main's run-to-run spread; no run-to-run history yet for the other 1"},
		{"paired", compare.Compare(base, cur, compare.DefaultOptions()), true, h, "the paired test needs no run-to-run spread"},
		{"unread", compare.Compare(base, cur, compare.DefaultOptions()), false, &HistoryInfo{Source: "perf/history", Unread: "git fetch: no route"},
			"⚠️ Main's history (`perf/history`) could not be read, so the verdicts do without its run-to-run spread: git fetch: no route"},
		{"nothing compared", compare.Compare(nil, cur, compare.DefaultOptions()), false, h, "no case was compared with a baseline"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.info.historyLine(tt.r, tt.paired); !strings.Contains(got, tt.want) {
				t.Errorf("historyLine = %q, want %q in it", got, tt.want)
			}
		})
	}
}

// TestCommentTrendsWithinLimit: 60 slower cases, each with a trend of 200
// runs of main, still give a comment under GitHub's limit with the first
// maxTrends trends and a note on the others, and each trend drawn shows at
// most 9 runs of main and this run.
func TestCommentTrendsWithinLimit(t *testing.T) {
	var old, cur []compare.Measurement
	h := &HistoryInfo{Source: "perf/history", Runs: 200}
	for i := 0; i < 60; i++ {
		m := meas(a10, fmt.Sprintf("detector-%02d", i), 100, 10)
		old = append(old, m)
		cur = append(cur, meas(a10, fmt.Sprintf("detector-%02d", i), 80, 10))
		h.Trends = append(h.Trends, mainTrend(m.CaseID, 200, 80, 100))
	}
	in := commentInput(old, cur)
	in.History = h
	got := CommentMarkdown(in)
	if n := utf8.RuneCountInString(got); n > MaxCommentChars {
		t.Errorf("%d characters, over %d", n, MaxCommentChars)
	}
	n := strings.Count(got, "FPS of main and this run")
	if n != maxTrends || !strings.Contains(got, "The trends of 50 more cases are in the HTML report.") {
		t.Errorf("%d trends drawn, want %d and a note on the other 50", n, maxTrends)
	}
	for _, line := range strings.Split(got, "\n") {
		if strings.HasPrefix(line, `    line "runs" [`) && strings.Count(line, ",") > maxTrendRuns {
			t.Errorf("a trend of more than %d runs and this run: %s", maxTrendRuns, line)
		}
	}
	t.Logf("%d trends in %d characters", n, utf8.RuneCountInString(got))
}
