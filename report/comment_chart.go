package report

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/yologate/yologate/compare"
	"github.com/yologate/yologate/internal/stat"
)

// Mermaid charts of the pull-request comment (GitHub renders ```mermaid
// blocks; https://mermaid.js.org/syntax/xyChart.html). Every chart is
// drawn so that it cannot mislead: its value axis starts at zero, the
// baseline and this run are two series in two colours with a legend, and
// its x-axis has at most 2×maxBarsPerSide labels.

// maxCharts bounds the charts: one per case up to this many, the most
// severe cases first; more would bury the table.
const maxCharts = 3

// maxBarsPerSide is the most bars a side gets. More repeats than this are
// grouped, each bar the median of a run of consecutive repeats, so that
// the x labels stay readable in a chart about 700 px wide.
const maxBarsPerSide = 10

// groupedBarsPerSide is how many bars a side with grouped repeats gets at
// most: labels such as "b51-60" need about twice the room of "b10".
const groupedBarsPerSide = 6

// chartInit sets the colours of the two series, blue for this run and grey
// for the baseline, and a smaller font for the x labels.
const chartInit = `%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "#0969da, #8c959f"}}, "xyChart": {"xAxis": {"labelFontSize": 12}}}}%%`

// maxTitle bounds a chart title, in characters: the title is drawn in
// 20 px type and must fit the chart's 700 px.
const maxTitle = 56

// bar is one bar of a chart: its x label, value, and whether it belongs
// to this run (else to the baseline).
type bar struct {
	label   string
	value   float64
	current bool
}

// writeCharts draws a chart for each of the most severe cases: the
// accuracy scores of a case whose accuracy failed, else the FPS of each
// repeat. When no case changed, the first case is drawn.
func writeCharts(b *strings.Builder, cases []compare.CaseResult, names caseNames) {
	var order []compare.CaseResult
	for _, c := range cases {
		if m := fpsMetric(&c); m != nil && len(m.Old.Values)+len(m.New.Values) > 0 {
			if c.Verdict != compare.Unchanged || len(order) == 0 {
				order = append(order, c)
			}
		}
	}
	if len(order) > 1 && order[0].Verdict == compare.Unchanged {
		order = order[1:]
	}
	sort.SliceStable(order, func(i, j int) bool { return order[i].Verdict.Severity() > order[j].Verdict.Severity() })
	if len(order) > maxCharts {
		order = order[:maxCharts]
	}
	for _, c := range order {
		name := names.short(c.ID)
		if c.Verdict == compare.AccuracyRegression && c.Accuracy != nil {
			if bars := accuracyBars(c.Accuracy); len(bars) > 0 {
				writeChart(b, name+": accuracy", "score", bars, 1)
				continue
			}
		}
		m := fpsMetric(&c)
		bars, group := repeatBars(m.Old.Values, m.New.Values)
		title := name + ": FPS of each repeat"
		if group > 1 {
			title = fmt.Sprintf("%s: median FPS of every %d repeats", name, group)
		}
		top := 0.0
		for _, x := range bars {
			top = math.Max(top, x.value)
		}
		writeChart(b, title, "FPS", bars, niceCeil(top*1.05))
	}
}

// repeatBars lays out the baseline's repeats, then this run's: one bar
// per repeat ("b1", "r1"), or, with more than maxBarsPerSide repeats on a
// side, one bar per group of consecutive repeats ("b1-10"), its median.
func repeatBars(old, cur []float64) (bars []bar, group int) {
	group = 1
	if n := max(len(old), len(cur)); n > maxBarsPerSide {
		group = (n + groupedBarsPerSide - 1) / groupedBarsPerSide
	}
	side := func(v []float64, prefix string, current bool) {
		for i := 0; i < len(v); i += group {
			j := min(i+group, len(v))
			label := fmt.Sprintf("%s%d", prefix, i+1)
			if j-i > 1 {
				label += fmt.Sprintf("-%d", j)
			}
			bars = append(bars, bar{label: label, value: stat.Median(v[i:j]), current: current})
		}
	}
	side(old, "b", false)
	side(cur, "r", true)
	return bars, group
}

// accuracyBars are the accuracy scores of a case, the baseline's, then
// this run's. Without labels the baseline's own detections are the truth,
// so its recall and precision are 1.
func accuracyBars(a *compare.AccuracyVerdict) []bar {
	var base, cur []bar
	pair := func(label string, b, c float64) {
		base = append(base, bar{label + " b", b, false})
		cur = append(cur, bar{label + " r", c, true})
	}
	s := a.Scores
	if cur, ok := s[compare.ScoreMAP5095]; ok {
		if base, ok := s[compare.ScoreBaseMAP5095]; ok {
			pair("mAP50-95", base, cur)
		}
	}
	if r, ok := s[compare.ScoreRecall]; ok {
		pair("recall", 1, r)
		pair("precision", 1, s[compare.ScorePrecision])
	}
	return append(base, cur...)
}

// writeChart writes a bar chart whose value axis runs from 0 to top. The
// bars are the baseline's, then this run's, as two series in two colours:
// this run's first, with zeros under the baseline's bars, then the
// baseline's, which is only as long as its own bars and is drawn over
// those zeros (Mermaid draws a bar of 0 a few pixels high).
func writeChart(b *strings.Builder, title, unit string, bars []bar, top float64) {
	labels := make([]string, len(bars))
	var base, cur []string
	for i, x := range bars {
		labels[i] = `"` + mermaidText(x.label) + `"`
		if x.current {
			cur = append(cur, chartValue(x.value))
		} else {
			base = append(base, chartValue(x.value))
			cur = append(cur, "0")
		}
	}
	fmt.Fprintf(b, "\n```mermaid\n%s\nxychart-beta\n", chartInit)
	fmt.Fprintf(b, "    title \"%s\"\n", mermaidText(cut(title, maxTitle)))
	fmt.Fprintf(b, "    x-axis \"b = baseline, r = this run\" [%s]\n", strings.Join(labels, ", "))
	fmt.Fprintf(b, "    y-axis \"%s\" 0 --> %s\n", unit, chartValue(top))
	fmt.Fprintf(b, "    bar \"this run\" [%s]\n", strings.Join(cur, ", "))
	fmt.Fprintf(b, "    bar \"baseline\" [%s]\n```\n", strings.Join(base, ", "))
}

// chartValue formats a chart value: as the tables do, 0 as "0".
func chartValue(v float64) string {
	if v == 0 {
		return "0"
	}
	return cmpValue(v)
}

// niceCeil rounds v up to a round number for the top of an axis: a
// multiple of a tenth of its power of ten (234 → 240, 85.3 → 86).
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	step := math.Pow(10, math.Floor(math.Log10(v))) / 10
	return math.Ceil(v/step-1e-9) * step
}
