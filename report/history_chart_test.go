package report

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

func trendFixture(n int) Trend {
	t := Trend{Case: "yolov8n 640 b1 trt fp16", Current: 88.5, Level: 99.2}
	for i := 0; i < n; i++ {
		fps := 100.0
		if i >= n-4 {
			fps = 99
		}
		commit := fmt.Sprintf("%08x", uint32(i+1)*2654435761)
		if i == n-2 {
			commit = t.Runs[n-3].Commit // the same commit measured twice
		}
		t.Runs = append(t.Runs, TrendRun{Commit: commit, FPS: fps + float64(i%3)/10, Change: i == n-4})
	}
	return t
}

func TestTrendMermaid(t *testing.T) {
	got := TrendMermaid(trendFixture(20))
	want := "\n```mermaid\n" + chartInit + `
xychart-beta
    title "yolov8n 640 b1 trt fp16: FPS of main and this run"
    x-axis "commit on main (cp: a change point)" ["6a99b4", "08d12d", "a708a7", "454021", "e3779b", "cp:81af", "1fe68e", "run 19", "5c5581", "this run"]
    y-axis "FPS" 0 --> 110.0
    line "runs" [100.2, 100.0, 100.1, 100.2, 100.0, 99.10, 99.20, 99.00, 99.10, 88.50]
    line "main level" [99.20, 99.20, 99.20, 99.20, 99.20, 99.20, 99.20, 99.20, 99.20, 99.20]
` + "```\n"
	if got != want {
		t.Errorf("TrendMermaid:\n%s\nwant:\n%s", got, want)
	}
	title := regexp.MustCompile(`title "([^"]*)"`).FindStringSubmatch(got)[1]
	if n := len([]rune(title)); n > maxTitle {
		t.Errorf("title of %d characters, more than %d", n, maxTitle)
	}
	if TrendMermaid(Trend{Case: "x"}) != "" {
		t.Errorf("a trend without runs drew a chart")
	}
	short := TrendMermaid(Trend{Case: "a case with a very long name that does not fit the title line", Runs: []TrendRun{{Commit: "abc", FPS: 5}}})
	if strings.Contains(short, "this run") || !strings.Contains(short, "titl_") || strings.Contains(short, "main level") {
		t.Errorf("one run, no current, no level:\n%s", short)
	}
}

func TestTrendSVG(t *testing.T) {
	svg := TrendSVG(trendFixture(40))
	for _, want := range []string{`aria-label="yolov8n 640 b1 trt fp16: FPS on main"`, `fill="#cf222e"><title>change: 99</title>`, `<title>this run: 88.5</title>`, `>0</text>`} {
		if !strings.Contains(svg, want) {
			t.Errorf("SVG lacks %s", want)
		}
	}
	if strings.Contains(svg, "<script") {
		t.Errorf("SVG has a script")
	}
	if n := strings.Count(svg, `fill="#cf222e"><title>`); n != 1 {
		t.Errorf("%d change point dots, want 1", n)
	}
}
