package report

import (
	"fmt"
	"strings"

	"github.com/yologate/yologate/compare"
)

// HistoryInfo is what a gate took from main's history (yologate gate
// --history): how the verdicts used it, the trend of each case, and
// whether this run was recorded as one of main's.
type HistoryInfo struct {
	// Source names the store read ("perf/history", "branch
	// yologate-history of https://github.com/acme/detector.git").
	Source string
	// Runs is how many runs of main it held.
	Runs int
	// Unread says why it could not be read; "" when it was.
	Unread string
	// Trends are main's runs of each case and this run.
	Trends []Trend
	// Recorded is this run's file in the store when it was recorded as a
	// run of main; "" when it was not.
	Recorded string
}

// historyLine is the comment's sentence on what main's history did for
// the verdicts: "Judged with 20 runs of main's history ..." or "No
// run-to-run history yet ...".
func (h *HistoryInfo) historyLine(r *compare.Report, paired bool) string {
	src := "`" + codeText(h.Source, 200) + "`"
	if h.Unread != "" {
		return fmt.Sprintf("⚠️ Main's history (%s) could not be read, so the verdicts do without its run-to-run spread: %s", src, commentText(h.Unread, 300))
	}
	if paired {
		return fmt.Sprintf("📈 Main's history (%s, %d %s) gives the trend and the drift budget; the paired test needs no run-to-run spread, as base and head share this job.",
			src, h.Runs, plural(h.Runs, "run"))
	}
	lo, hi, judged, compared := 0, 0, 0, 0
	for _, c := range r.Cases {
		if len(c.Metrics) == 0 {
			continue
		}
		compared++
		n := 0
		for _, m := range c.Metrics {
			if m.History != nil {
				n = max(n, m.History.Runs)
			}
		}
		if n == 0 {
			continue
		}
		judged++
		if lo == 0 || n < lo {
			lo = n
		}
		hi = max(hi, n)
	}
	runs := fmt.Sprint(hi)
	if lo != hi {
		runs = fmt.Sprintf("%d to %d", lo, hi)
	}
	switch {
	case compared == 0:
		return fmt.Sprintf("📈 Main's history (%s) holds %d %s; no case was compared with a baseline.", src, h.Runs, plural(h.Runs, "run"))
	case judged == 0:
		return fmt.Sprintf("📉 No run-to-run history yet: main's history (%s) has fewer than %d comparable runs of %s, so %s judged on this run's repeats alone.",
			src, compare.MinHistoryRuns, pick(compared == 1, "this case", "any case"), pick(compared == 1, "it is", "each is"))
	case judged < compared:
		return fmt.Sprintf("📈 Judged with %s runs of main's history (%s) for %d of %d cases, with main's run-to-run spread; no run-to-run history yet for the other %d (fewer than %d comparable runs), judged on this run's repeats alone.",
			runs, src, judged, compared, compared-judged, compare.MinHistoryRuns)
	}
	return fmt.Sprintf("📈 Judged with %s runs of main's history (%s): each case against main's run-to-run spread, not this run's repeats alone.", runs, src)
}

func pick(cond bool, a, b string) string {
	if cond {
		return a
	}
	return b
}

// recordedLine says where this run was recorded as a run of main.
func (h *HistoryInfo) recordedLine() string {
	if h.Recorded == "" {
		return ""
	}
	return fmt.Sprintf("Recorded as a run of main: `%s` in %s.", codeText(h.Recorded, 200), "`"+codeText(h.Source, 200)+"`")
}

// maxTrends bounds the trends of one comment: ten charts of about 750
// characters each leave the comment's room to the table and the details
// when many cases changed at once.
const maxTrends = 10

// writeTrends draws, for each case that is not unchanged, main's last runs
// and this run (TrendMermaid), the worst cases first, up to maxTrends.
func writeTrends(b *strings.Builder, h *HistoryInfo, cases []compare.CaseResult, names caseNames) {
	if h == nil {
		return
	}
	by := map[[2]string]Trend{}
	for _, t := range h.Trends {
		by[[2]string{t.Profile, t.CaseID}] = t
	}
	drawn, more := 0, 0
	for _, c := range cases {
		t, ok := by[[2]string{c.Profile, c.ID}]
		if !ok || c.Verdict == compare.Unchanged {
			continue
		}
		if drawn == maxTrends {
			more++
			continue
		}
		t.Case = names.short(c.ID)
		b.WriteString(TrendMermaid(t))
		drawn++
	}
	if more > 0 {
		fmt.Fprintf(b, "\nThe trends of %d more %s are in the HTML report.\n", more, plural(more, "case"))
	}
}
