package report

import (
	"fmt"
	"math"
	"strings"
)

// Trend charts: main's recent runs of one case, then this run, as a line
// in the PR comment (Mermaid) and in the HTML report (SVG), with main's
// level and its change points marked.

// TrendRun is one run of main on a trend chart.
type TrendRun struct {
	Commit string
	// FPS is the run's median FPS.
	FPS float64
	// Change marks the first run at a new level (a change point).
	Change bool
}

// Trend is main's runs of one case, oldest first, and this run.
type Trend struct {
	// Profile and CaseID identify the case the trend belongs to.
	Profile, CaseID string
	// Case is the case's name as the chart's title shows it; "" means
	// CaseID.
	Case string
	Runs []TrendRun
	// Current is this run's median FPS; 0 draws main's runs alone.
	Current float64
	// Level is main's current level (the runs since the newest change
	// point); 0 when unknown.
	Level float64
}

// maxTrendRuns is how many runs of main the comment's trend shows: with
// this run, 10 x labels of up to 8 characters, as many as fit side by side
// beside the legend in a comment (checked in Chromium).
const maxTrendRuns = 9

// TrendMermaid returns a Mermaid line chart of the last maxTrendRuns runs
// of main and this run, the value axis from zero; "" with no runs. Runs
// after a change point are labelled "cp:" and their commit.
func TrendMermaid(t Trend) string {
	runs := t.Runs
	if len(runs) > maxTrendRuns {
		runs = runs[len(runs)-maxTrendRuns:]
	}
	if len(runs) == 0 {
		return ""
	}
	var labels, values, level []string
	top := math.Max(t.Current, t.Level)
	seen := map[string]bool{"this run": true}
	for i, r := range runs {
		l := shortCommit(r.Commit, 6)
		if r.Change {
			l = "cp:" + shortCommit(r.Commit, 4)
		}
		// Mermaid merges equal x labels into one point: a repeated commit
		// prefix gets the run's position instead.
		if l = mermaidText(l); seen[l] {
			l = fmt.Sprintf("run %d", len(t.Runs)-len(runs)+i+1)
		}
		seen[l] = true
		labels = append(labels, `"`+l+`"`)
		values = append(values, chartValue(r.FPS))
		top = math.Max(top, r.FPS)
	}
	if t.Current > 0 {
		labels = append(labels, `"this run"`)
		values = append(values, chartValue(t.Current))
	}
	for range labels {
		level = append(level, chartValue(t.Level))
	}
	title := fmt.Sprintf("%s: FPS of the last %d runs of main", t.name(), len(runs))
	if t.Current > 0 {
		title = fmt.Sprintf("%s: FPS of main and this run", t.name())
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n```mermaid\n%s\nxychart-beta\n", chartInit)
	fmt.Fprintf(&b, "    title \"%s\"\n", mermaidText(cut(title, maxTitle)))
	fmt.Fprintf(&b, "    x-axis \"commit on main (cp: a change point)\" [%s]\n", strings.Join(labels, ", "))
	fmt.Fprintf(&b, "    y-axis \"FPS\" 0 --> %s\n", chartValue(niceCeil(top*1.05)))
	fmt.Fprintf(&b, "    line \"runs\" [%s]\n", strings.Join(values, ", "))
	if t.Level > 0 {
		fmt.Fprintf(&b, "    line \"main level\" [%s]\n", strings.Join(level, ", "))
	}
	b.WriteString("```\n")
	return b.String()
}

// TrendSVG returns an SVG chart of every run of main in t, this run and
// main's level since the newest change point, with the change points as
// red dots; no script.
func TrendSVG(t Trend) string {
	main := svgSeries{Name: "main", Color: "#0969da"}
	changes := svgSeries{Name: "change", Color: "#cf222e", Points: true}
	for i, r := range t.Runs {
		x := float64(i + 1)
		main.X, main.Y = append(main.X, x), append(main.Y, r.FPS)
		if r.Change {
			changes.X, changes.Y = append(changes.X, x), append(changes.Y, r.FPS)
		}
	}
	series := []svgSeries{main}
	if t.Level > 0 && len(t.Runs) > 0 {
		// main's level holds from the newest change point on.
		from := 1.0
		if n := len(changes.X); n > 0 {
			from = changes.X[n-1]
		}
		to := float64(len(t.Runs))
		if t.Current > 0 {
			to++
		}
		series = append(series, svgSeries{Name: "level", Color: "#8c959f", X: []float64{from, to}, Y: []float64{t.Level, t.Level}})
	}
	if len(changes.X) > 0 {
		series = append(series, changes)
	}
	if t.Current > 0 {
		series = append(series, svgSeries{Name: "this run", Color: "#1a7f37", Points: true,
			X: []float64{float64(len(t.Runs) + 1)}, Y: []float64{t.Current}})
	}
	return svgChart{Title: t.name() + ": FPS on main", XLabel: "run of main, oldest first (red: a change point; grey: main's level since)", YLabel: "FPS",
		Series: series, YFromZero: true, XInteger: true}.render()
}

func (t Trend) name() string {
	if t.Case == "" {
		return t.CaseID
	}
	return t.Case
}

// shortCommit is the first n characters of a commit.
func shortCommit(c string, n int) string {
	if len(c) > n {
		return c[:n]
	}
	return c
}
