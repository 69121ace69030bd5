package report

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/yologate/yologate/compare"
	"github.com/yologate/yologate/internal/golden"
	"github.com/yologate/yologate/runner/results"
)

// syntheticRun builds a results file with every kind of data the HTML
// report draws: repeats with latencies, telemetry and e2e stages.
func syntheticRun(name string, fps float64, gpu bool) *results.File {
	c := results.Case{
		ID:       "model=" + name + "/imgsz=640/batch=1/ep=cpu/precision=fp32",
		Profile:  "cpu=Test CPU/threads=2",
		Includes: "inference only",
		Device:   -1,
	}
	for r := 0; r < 5; r++ {
		rep := results.Repeat{Iterations: 50, Frames: 50, FPS: fps + float64(r)}
		for i := 0; i < 50; i++ {
			rep.LatenciesNS = append(rep.LatenciesNS, int64(1e9/fps)+int64(i*1000))
		}
		rep.Latency = results.Latency{P50MS: 1000 / fps}
		if gpu {
			rep.Telemetry = &results.Telemetry{Available: true, Series: []results.TelemetrySample{
				{TMS: 0, GPUUtilPct: 90, SMClockMHz: 1800, PowerW: 200},
				{TMS: 100, GPUUtilPct: 95, SMClockMHz: 1750, PowerW: 210},
			}}
		}
		c.Repeats = append(c.Repeats, rep)
	}
	c.Stages = []results.Stage{{Name: "preprocess", P50MS: 2}, {Name: "inference", P50MS: 20}, {Name: "postprocess", P50MS: 1}}
	return &results.File{Schema: results.Schema, Status: results.StatusComplete, Started: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC),
		Fingerprint: results.Fingerprint{Host: results.Host{CPUModel: "Test CPU", CPUCores: 2}}, Cases: []results.Case{c}}
}

var svgRe = regexp.MustCompile(`(?s)<svg [^>]*class="chart"[^>]*>(.*?)</svg>`)

func TestWriteHTML(t *testing.T) {
	head := syntheticRun("yolov8n", 100, true)
	base := syntheticRun("yolov8n", 110, false)
	var buf bytes.Buffer
	err := WriteHTML(&buf, HTMLReport{Head: head, Base: base, Verdicts: []HTMLVerdict{{
		Profile: head.Cases[0].Profile, CaseID: head.Cases[0].ID, Metric: "fps", Base: "112", Head: "102",
		Delta: "-8.9%", P: "0.008", Verdict: "regression", BaseLow: 111, BaseHigh: 113, HeadLow: 101, HeadHigh: 103,
	}}})
	if err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	charts := svgRe.FindAllStringSubmatch(out, -1)
	// FPS, latency CDF, telemetry, stages.
	if len(charts) != 4 {
		t.Fatalf("found %d charts, want 4", len(charts))
	}
	for i, m := range charts {
		if !strings.Contains(m[1], "<polyline") && !strings.Contains(m[1], "<circle") && !strings.Contains(m[1], "<rect") {
			t.Errorf("chart %d draws nothing: %.200s", i, m[1])
		}
	}
	for _, want := range []string{`<td class="regression">regression</td>`, "FPS per repeat", "confidence interval", "timing includes: inference only"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(out, "<script") {
		t.Error("report contains a script")
	}
	if m := regexp.MustCompile(`(src|href)=`).FindString(out); m != "" {
		t.Errorf("report references an external resource: %s", m)
	}
}

func TestWriteHTMLEscapes(t *testing.T) {
	head := syntheticRun(`<img src=x onerror=alert(1)>`, 50, false)
	var buf bytes.Buffer
	if err := WriteHTML(&buf, HTMLReport{Title: "<b>t</b>", Head: head}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "<img") || strings.Contains(buf.String(), "<b>t</b>") {
		t.Error("untrusted strings reached the page unescaped")
	}
}

func TestNiceTicks(t *testing.T) {
	for _, tt := range []struct{ lo, hi float64 }{{0, 1}, {3.2, 9.7}, {100, 100}, {0.001, 0.004}, {-5, 5}, {1234, 98765}} {
		ticks := niceTicks(tt.lo, tt.hi, 5)
		if len(ticks) < 2 || ticks[0] > tt.lo || ticks[len(ticks)-1] < tt.hi {
			t.Errorf("niceTicks(%v, %v) = %v does not cover the range", tt.lo, tt.hi, ticks)
		}
	}
}

// chromiumArgs are the flags of a headless Chromium that keeps its profile
// in dir and reaches no network.
func chromiumArgs(dir string) []string {
	return []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + filepath.Join(dir, "profile")}
}

// TestHTMLInChromium renders the report in headless Chromium and keeps a
// screenshot in build/. It needs Debian's chromium package.
func TestHTMLInChromium(t *testing.T) {
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not installed (apt-get install chromium); the HTML is still checked by TestWriteHTML")
	}
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	var buf bytes.Buffer
	if err := WriteHTML(&buf, HTMLReport{Head: syntheticRun("yolov8n", 100, true), Base: syntheticRun("yolov8n", 110, false)}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(page, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	args := chromiumArgs(dir)
	dom, err := exec.Command(bin, append(args, "--dump-dom", "file://"+page)...).Output()
	if err != nil {
		t.Fatalf("chromium --dump-dom: %v", err)
	}
	if n := len(svgRe.FindAll(dom, -1)); n != 4 {
		t.Errorf("rendered DOM has %d charts, want 4", n)
	}
	shotDir, _ := filepath.Abs("../build")
	if err := os.MkdirAll(shotDir, 0o755); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(shotDir, "report.png")
	cmd := exec.Command(bin, append(args, "--screenshot="+shot, "--window-size=1100,1600", "file://"+page)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium --screenshot: %v\n%s", err, out)
	}
	st, err := os.Stat(shot)
	if err != nil || st.Size() < 10000 {
		t.Fatalf("screenshot %s missing or tiny: %v", shot, err)
	}
	t.Logf("screenshot: %s (%d bytes)", shot, st.Size())
}

// TestHTMLHistoryGolden draws main's history in the HTML report: the trend
// of the case with its change points after the FPS chart, and the drift
// budget as a row of the verdict table.
func TestHTMLHistoryGolden(t *testing.T) {
	head := syntheticRun("yolov8n", 100, false)
	head.Cases[0].Model.Name = "yolov8n"
	c := head.Cases[0]
	old := []compare.Measurement{{Profile: c.Profile, CaseID: c.ID, Samples: map[compare.Metric][]float64{compare.FPS: {104, 105, 106, 105, 104}}}}
	r := compare.CompareHistory(old, compare.FromResults(head), []compare.RunHistory{{Profile: c.Profile, CaseID: c.ID,
		Medians: map[compare.Metric][]float64{compare.FPS: {103, 104, 105, 104, 103, 104}}}}, compare.DefaultOptions())
	r.Cases[0].SetDrift(&compare.DriftCheck{Metric: compare.FPS, Reference: "v1.0 (0a1b2c3)", Level: 110, Main: 104, Current: 102,
		DriftPct: 7.3, BudgetPct: 5, Spent: true, Steps: []compare.DriftStep{{Commit: "1a2c6d5", DeltaPct: -3}, {Commit: "1a2d9ea", DeltaPct: -2.9}}})
	r.Finish()
	trend := mainTrend(c.ID, 8, 102, 110, 107, 104)
	trend.Profile = c.Profile
	in := HTMLReport{Title: "yologate gate perf/gate", Head: head, History: &HistoryInfo{Source: "perf/history", Runs: 24, Trends: []Trend{trend}}}
	in.Verdicts, in.BaseFPS = HTMLVerdicts(r)
	var buf bytes.Buffer
	if err := WriteHTML(&buf, in); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{`aria-label="yolov8n: FPS on main"`, "run-to-run spread from 6 runs of main", "<td>drift budget</td>", "main&#39;s history: 24 runs in perf/history",
		"past the 5% drift budget; steps on main: 1a2c6d5 -3.0%, 1a2d9ea -2.9%"} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	if n := strings.Count(out, `fill="#cf222e"><title>change: `); n != 2 {
		t.Errorf("%d change points drawn, want 2", n)
	}
	if strings.Contains(out, "<script") {
		t.Error("the report has a script")
	}
	golden.Check(t, "report_history.html", out)
}
