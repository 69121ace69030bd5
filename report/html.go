package report

import (
	"fmt"
	"html/template"
	"io"
	"sort"
	"strings"

	"github.com/yologate/yologate/internal/stat"
	"github.com/yologate/yologate/runner/results"
)

// HTMLReport is the input of the self-contained HTML report: this run, an
// optional baseline, and the verdict rows of a comparison.
type HTMLReport struct {
	Title string
	// Head is the run being judged.
	Head *results.File
	// Base is an earlier run to draw against; optional.
	Base *results.File
	// BaseFPS holds baseline FPS samples per case id when the baseline is a
	// YAML file rather than a results file; optional.
	BaseFPS map[string][]float64
	// Verdicts are the comparison's rows, in display order; optional.
	Verdicts []HTMLVerdict
	// History is what a gate took from main's history: each case's trend
	// is drawn after its FPS chart, with the change points; optional.
	History *HistoryInfo
}

// HTMLVerdict is one row of the verdict table, already formatted, plus the
// confidence intervals of the medians (FPS) for the chart bands.
type HTMLVerdict struct {
	Profile, CaseID, Metric string
	Base, Head, Delta, P    string
	Verdict                 string
	Note                    string
	BaseLow, BaseHigh       float64 // CI of the baseline median; zero when unknown
	HeadLow, HeadHigh       float64 // CI of the current median; zero when unknown
}

// Colours of the two sides, chosen to stay distinct for colour-blind readers.
const (
	colorBase = "#7a869a"
	colorHead = "#1f6feb"
	colorWarn = "#d97706"
)

// maxCDFPoints bounds each latency CDF line: more points than pixels only
// make the file bigger.
const maxCDFPoints = 400

type htmlCase struct {
	ID, Profile, Includes string
	Summary               string
	Charts                []template.HTML
}

// WriteHTML renders r as one HTML file with inline CSS and SVG: no script,
// no network access when it is viewed.
func WriteHTML(w io.Writer, r HTMLReport) error {
	if r.Head == nil {
		return fmt.Errorf("html report: no results to show")
	}
	title := r.Title
	if title == "" {
		title = "yologate report"
	}
	base := map[string]*results.Case{}
	if r.Base != nil {
		for i := range r.Base.Cases {
			c := &r.Base.Cases[i]
			base[c.Profile+"\x00"+c.ID] = c
		}
	}
	bands := map[string]HTMLVerdict{}
	for _, v := range r.Verdicts {
		if v.Metric == "" || strings.EqualFold(v.Metric, "fps") {
			bands[v.Profile+"\x00"+v.CaseID] = v
		}
	}
	trends := map[string]Trend{}
	host := hostLine(r.Head.Fingerprint)
	if h := r.History; h != nil {
		for _, t := range h.Trends {
			trends[t.Profile+"\x00"+t.CaseID] = t
		}
		host += fmt.Sprintf(" · main's history: %d %s in %s", h.Runs, plural(h.Runs, "run"), h.Source)
	}
	var cases []htmlCase
	for i := range r.Head.Cases {
		c := &r.Head.Cases[i]
		bc := base[c.Profile+"\x00"+c.ID]
		hc := htmlCase{ID: c.ID, Profile: c.Profile, Includes: c.Includes, Summary: caseSummary(c)}
		hc.Charts = append(hc.Charts, fpsChart(c, bc, r.BaseFPS[c.ID], bands[c.Profile+"\x00"+c.ID]))
		if t, ok := trends[c.Profile+"\x00"+c.ID]; ok && len(t.Runs) > 0 {
			t.Case = c.Model.Name
			hc.Charts = append(hc.Charts, template.HTML(TrendSVG(t)))
		}
		hc.Charts = append(hc.Charts, cdfChart(c, bc))
		if ch, ok := telemetryChart(c); ok {
			hc.Charts = append(hc.Charts, ch)
		}
		if len(c.Stages) > 0 {
			labels := make([]string, len(c.Stages))
			vals := make([]float64, len(c.Stages))
			for i, s := range c.Stages {
				labels[i], vals[i] = s.Name, s.P50MS
			}
			hc.Charts = append(hc.Charts, template.HTML(svgBars("Per-stage latency, median per frame", "ms", labels, vals, colorHead)))
		}
		cases = append(cases, hc)
	}
	data := struct {
		Title    string
		Head     *results.File
		Verdicts []HTMLVerdict
		Cases    []htmlCase
		Host     string
	}{title, r.Head, r.Verdicts, cases, host}
	return htmlPage.Execute(w, data)
}

func caseSummary(c *results.Case) string {
	if len(c.Repeats) == 0 {
		return "no repeats"
	}
	fps := make([]float64, len(c.Repeats))
	p50 := make([]float64, len(c.Repeats))
	for i, r := range c.Repeats {
		fps[i], p50[i] = r.FPS, r.Latency.P50MS
	}
	return fmt.Sprintf("%d repeats · median %.1f FPS · median p50 %.2f ms · session %.0f ms%s · first inference %.1f ms",
		len(c.Repeats), stat.Median(fps), stat.Median(p50), c.ColdStart.SessionCreateMS, c.ColdStart.EngineNote(), c.ColdStart.FirstInferenceMS)
}

func fpsChart(c, base *results.Case, baseFPS []float64, band HTMLVerdict) template.HTML {
	ch := svgChart{Title: "FPS per repeat", XLabel: "repeat", YLabel: "frames per second", XInteger: true}
	if base != nil {
		baseFPS = nil
		for _, r := range base.Repeats {
			baseFPS = append(baseFPS, r.FPS)
		}
	}
	if len(baseFPS) > 0 {
		s := svgSeries{Name: "baseline", Color: colorBase, Points: true}
		for i, v := range baseFPS {
			s.X, s.Y = append(s.X, float64(i+1)), append(s.Y, v)
		}
		if band.BaseHigh > 0 {
			s.Band = &[2]float64{band.BaseLow, band.BaseHigh}
		}
		ch.Series = append(ch.Series, s)
	}
	s := svgSeries{Name: "this run", Color: colorHead, Points: true}
	for i, r := range c.Repeats {
		s.X, s.Y = append(s.X, float64(i+1)), append(s.Y, r.FPS)
	}
	if band.HeadHigh > 0 {
		s.Band = &[2]float64{band.HeadLow, band.HeadHigh}
	}
	ch.Series = append(ch.Series, s)
	return template.HTML(ch.render())
}

func cdfChart(c, base *results.Case) template.HTML {
	ch := svgChart{Title: "Latency distribution (CDF of every iteration)", XLabel: "latency (ms)", YLabel: "fraction of iterations"}
	if base != nil {
		ch.Series = append(ch.Series, cdfSeries("baseline", colorBase, base))
	}
	ch.Series = append(ch.Series, cdfSeries("this run", colorHead, c))
	return template.HTML(ch.render())
}

func cdfSeries(name, color string, c *results.Case) svgSeries {
	var all []int64
	for _, r := range c.Repeats {
		all = append(all, r.LatenciesNS...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	s := svgSeries{Name: name, Color: color}
	n := len(all)
	if n == 0 {
		return s
	}
	step := 1
	if n > maxCDFPoints {
		step = n / maxCDFPoints
	}
	for i := 0; i < n; i += step {
		s.X = append(s.X, float64(all[i])/1e6)
		s.Y = append(s.Y, float64(i+1)/float64(n))
	}
	if s.Y[len(s.Y)-1] != 1 {
		s.X, s.Y = append(s.X, float64(all[n-1])/1e6), append(s.Y, 1)
	}
	return s
}

func telemetryChart(c *results.Case) (template.HTML, bool) {
	util := svgSeries{Name: "GPU utilization %", Color: colorHead}
	clock := svgSeries{Name: "SM clock / 20 MHz", Color: colorWarn}
	power := svgSeries{Name: "power W", Color: colorBase}
	offset := 0.0
	for _, r := range c.Repeats {
		t := r.Telemetry
		if t == nil || !t.Available {
			continue
		}
		last := 0.0
		for _, s := range t.Series {
			x := (offset + s.TMS) / 1000
			util.X, util.Y = append(util.X, x), append(util.Y, s.GPUUtilPct)
			clock.X, clock.Y = append(clock.X, x), append(clock.Y, s.SMClockMHz/20)
			power.X, power.Y = append(power.X, x), append(power.Y, s.PowerW)
			last = s.TMS
		}
		offset += last
	}
	if len(util.X) == 0 {
		return "", false
	}
	ch := svgChart{Title: "GPU telemetry over the repeats", XLabel: "seconds", YLabel: "value", YFromZero: true,
		Series: []svgSeries{util, clock, power}}
	return template.HTML(ch.render()), true
}

func hostLine(f results.Fingerprint) string {
	parts := []string{}
	if f.Host.CPUModel != "" {
		parts = append(parts, fmt.Sprintf("%s (%d CPUs)", f.Host.CPUModel, f.Host.CPUCores))
	}
	for _, g := range f.GPUs {
		parts = append(parts, fmt.Sprintf("GPU %d: %s, driver %s", g.Index, g.Name, g.DriverVersion))
	}
	if f.Runtime.ORTVersion != "" {
		parts = append(parts, "ONNX Runtime "+f.Runtime.ORTVersion)
	}
	if f.Yologate.Version != "" {
		parts = append(parts, "yologate "+f.Yologate.Version)
	}
	return strings.Join(parts, " · ")
}

var htmlPage = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1000px;color:#1f2328;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 4px;word-break:break-all}
.meta{color:#59636e;font-size:13px}
table{border-collapse:collapse;margin:12px 0;width:100%}
th,td{border-bottom:1px solid #d1d9e0;padding:4px 8px;text-align:left;font-variant-numeric:tabular-nums}
td.case,td.profile{overflow-wrap:anywhere}th{white-space:nowrap}
td.regression,td.accuracy-regression{color:#cf222e;font-weight:600}td.improvement{color:#1a7f37;font-weight:600}
td.inconclusive{color:#9a6700}tr.note td{color:#59636e;font-size:12px;border-bottom:1px solid #d1d9e0;padding-top:0}
.charts{display:flex;flex-wrap:wrap;gap:12px}
svg.chart{background:#fff;border:1px solid #d1d9e0;border-radius:6px;max-width:100%;height:auto}
svg .title{font-weight:600;font-size:13px}svg .tick,svg .legend{font-size:11px;fill:#59636e}
svg .label{font-size:12px;fill:#1f2328}svg .grid{stroke:#eef1f4}svg .axis{stroke:#59636e}
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<p class="meta">{{.Host}}{{if not .Head.Started.IsZero}} · {{.Head.Started.UTC.Format "2006-01-02 15:04 UTC"}}{{end}}{{if ne .Head.Status "complete"}} · <strong>{{.Head.Status}}</strong> {{.Head.StatusReason}}{{end}}</p>
{{if .Verdicts}}
<table id="verdicts">
<thead><tr><th>profile</th><th>case</th><th>metric</th><th>baseline</th><th>current</th><th>Δ</th><th>p</th><th>verdict</th></tr></thead>
<tbody>{{range .Verdicts}}
<tr><td class="profile">{{.Profile}}</td><td class="case">{{.CaseID}}</td><td>{{.Metric}}</td><td>{{.Base}}</td><td>{{.Head}}</td><td>{{.Delta}}</td><td>{{.P}}</td><td class="{{.Verdict}}">{{.Verdict}}</td></tr>{{if .Note}}
<tr class="note"><td></td><td colspan="7">{{.Note}}</td></tr>{{end}}{{end}}
</tbody>
</table>
{{end}}
{{range .Cases}}
<section class="case">
<h2>{{.ID}}</h2>
<p class="meta">{{.Profile}} · {{.Summary}}{{if .Includes}} · timing includes: {{.Includes}}{{end}}</p>
<div class="charts">{{range .Charts}}{{.}}{{end}}</div>
</section>
{{end}}
</body>
</html>
`))
