package report

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// svgSeries is one line or set of points on a chart.
type svgSeries struct {
	Name   string
	Color  string
	X, Y   []float64
	Points bool // dots instead of a line
	// Band, when set, shades Y values between Band[0] and Band[1] across the chart.
	Band *[2]float64
}

// svgChart is a plain SVG x/y chart: axes, nice ticks, a legend. It needs
// no script to render, so the report reads the same in any browser and in
// an e-mail attachment.
type svgChart struct {
	Title, XLabel, YLabel string
	Series                []svgSeries
	Width, Height         int
	// YFromZero starts the y axis at zero (bars, utilization).
	YFromZero bool
	// XInteger keeps x ticks on whole numbers (repeat indices).
	XInteger bool
}

// Chart geometry in SVG user units.
const (
	chartW, chartH                       = 640, 300
	padLeft, padRight, padTop, padBottom = 64, 16, 28, 44
)

func (c svgChart) render() string {
	w, h := c.Width, c.Height
	if w == 0 {
		w = chartW
	}
	if h == 0 {
		h = chartH
	}
	xmin, xmax, ymin, ymax := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, s := range c.Series {
		for i := range s.X {
			xmin, xmax = math.Min(xmin, s.X[i]), math.Max(xmax, s.X[i])
			ymin, ymax = math.Min(ymin, s.Y[i]), math.Max(ymax, s.Y[i])
		}
		if s.Band != nil {
			ymin, ymax = math.Min(ymin, s.Band[0]), math.Max(ymax, s.Band[1])
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s">`,
		w, h, w, h, html.EscapeString(c.Title))
	fmt.Fprintf(&b, `<text x="%d" y="16" class="title">%s</text>`, padLeft, html.EscapeString(c.Title))
	if math.IsInf(xmin, 1) {
		fmt.Fprintf(&b, `<text x="%d" y="%d" class="empty">no data</text></svg>`, w/2-30, h/2)
		return b.String()
	}
	if c.YFromZero && ymin > 0 {
		ymin = 0
	}
	xt := niceTicks(xmin, xmax, 6)
	if c.XInteger && len(xt) > 1 && xt[1]-xt[0] < 1 {
		xt = xt[:0]
		for x := math.Floor(xmin); x <= math.Ceil(xmax); x++ {
			xt = append(xt, x)
		}
	}
	yt := niceTicks(ymin, ymax, 5)
	xmin, xmax = xt[0], xt[len(xt)-1]
	if c.XInteger {
		// Half a step of margin keeps the first and last points off the axes.
		xmin, xmax = xmin-0.5, xmax+0.5
	}
	ymin, ymax = yt[0], yt[len(yt)-1]
	pw, ph := float64(w-padLeft-padRight), float64(h-padTop-padBottom)
	px := func(x float64) float64 { return float64(padLeft) + (x-xmin)/(xmax-xmin)*pw }
	py := func(y float64) float64 { return float64(padTop) + ph - (y-ymin)/(ymax-ymin)*ph }

	for _, y := range yt {
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" class="grid"/>`, padLeft, w-padRight, py(y), py(y))
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" class="tick" text-anchor="end">%s</text>`, padLeft-6, py(y)+4, tickLabel(y))
	}
	for _, x := range xt {
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" class="tick" text-anchor="middle">%s</text>`, px(x), h-padBottom+16, tickLabel(x))
	}
	fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%d" y2="%d" class="axis"/>`, padLeft, w-padRight, h-padBottom, h-padBottom)
	fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%d" y2="%d" class="axis"/>`, padLeft, padLeft, padTop, h-padBottom)
	fmt.Fprintf(&b, `<text x="%d" y="%d" class="label" text-anchor="middle">%s</text>`, padLeft+int(pw)/2, h-6, html.EscapeString(c.XLabel))
	fmt.Fprintf(&b, `<text x="14" y="%d" class="label" text-anchor="middle" transform="rotate(-90 14 %d)">%s</text>`,
		padTop+int(ph)/2, padTop+int(ph)/2, html.EscapeString(c.YLabel))

	for _, s := range c.Series {
		if s.Band != nil {
			fmt.Fprintf(&b, `<rect x="%d" y="%.1f" width="%.1f" height="%.1f" fill="%s" opacity="0.15"><title>%s</title></rect>`,
				padLeft, py(s.Band[1]), pw, math.Max(py(s.Band[0])-py(s.Band[1]), 1), s.Color, html.EscapeString(s.Name+" confidence interval"))
		}
		if s.Points {
			for i := range s.X {
				fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3.5" fill="%s"><title>%s: %s</title></circle>`,
					px(s.X[i]), py(s.Y[i]), s.Color, html.EscapeString(s.Name), tickLabel(s.Y[i]))
			}
			continue
		}
		if len(s.X) == 0 {
			continue
		}
		var pts strings.Builder
		for i := range s.X {
			fmt.Fprintf(&pts, "%.1f,%.1f ", px(s.X[i]), py(s.Y[i]))
		}
		fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>`, strings.TrimSpace(pts.String()), s.Color)
	}
	// The legend sits on the title line, right-aligned, so it never covers data.
	lx := w - padRight
	for i := len(c.Series) - 1; i >= 0; i-- {
		s := c.Series[i]
		lx -= 24 + 6*len([]rune(s.Name))
		fmt.Fprintf(&b, `<rect x="%d" y="7" width="10" height="10" fill="%s"/><text x="%d" y="16" class="legend">%s</text>`,
			lx, s.Color, lx+14, html.EscapeString(s.Name))
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// svgBars draws horizontal bars, one per label, for per-stage times.
func svgBars(title, unit string, labels []string, values []float64, color string) string {
	const rowH = 26
	h := padTop + rowH*len(labels) + 12
	max := 0.0
	for _, v := range values {
		max = math.Max(max, v)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s">`,
		chartW, h, chartW, h, html.EscapeString(title))
	fmt.Fprintf(&b, `<text x="%d" y="16" class="title">%s</text>`, padLeft, html.EscapeString(title))
	barMax := float64(chartW - 260)
	for i, l := range labels {
		y := padTop + i*rowH
		wid := 0.0
		if max > 0 {
			wid = values[i] / max * barMax
		}
		fmt.Fprintf(&b, `<text x="130" y="%d" class="tick" text-anchor="end">%s</text>`, y+15, html.EscapeString(l))
		fmt.Fprintf(&b, `<rect x="138" y="%d" width="%.1f" height="18" fill="%s"/>`, y+2, math.Max(wid, 1), color)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" class="tick">%s %s</text>`, 144+wid, y+15, tickLabel(values[i]), html.EscapeString(unit))
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// niceTicks returns about n evenly spaced round numbers covering [lo, hi].
func niceTicks(lo, hi float64, n int) []float64 {
	if hi == lo {
		pad := math.Max(math.Abs(lo)*0.05, 1e-9)
		lo, hi = lo-pad, hi+pad
	}
	raw := (hi - lo) / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	start := math.Floor(lo/step) * step
	var ticks []float64
	for i := 0; ; i++ {
		v := start + float64(i)*step
		ticks = append(ticks, v)
		if (v >= hi-step*1e-9 && len(ticks) >= 2) || len(ticks) > 4*n {
			break
		}
	}
	return ticks
}

func tickLabel(v float64) string {
	av := math.Abs(v)
	switch {
	case av == 0:
		return "0"
	case av >= 1000:
		return fmt.Sprintf("%.0f", v)
	case av >= 10:
		return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.1f", v), "0"), ".")
	case av >= 0.1:
		return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", v), "0"), ".")
	}
	return fmt.Sprintf("%.3g", v)
}
