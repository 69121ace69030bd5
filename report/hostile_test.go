package report

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/yologate/yologate/compare"
	"github.com/yologate/yologate/runner/results"
)

// hostile are strings a pull request controls: model names and metadata,
// branch names in gate keys and run URLs, hardware names from a runner.
var hostile = []string{
	"@octocat",
	"[link](http://x.example)",
	"<img src=x onerror=alert(1)>",
	"a|b\n| injected | row |",
	"feature/<script>alert(1)</script>",
	"**bold** #12 ![i](http://x.example/i.png)",
}

// TestMatrixEscapesHostileStrings merges runners whose keys, hardware and
// model names carry mentions, links, HTML, pipes and newlines: none of it
// may render as markup, and the tables keep their shape.
func TestMatrixEscapesHostileStrings(t *testing.T) {
	var gates []*GateReport
	for i, h := range hostile {
		f := &results.File{Schema: results.Schema, Status: results.StatusComplete}
		c := results.Case{ID: "model=" + h + "/imgsz=640/batch=1/ep=cpu/precision=fp32", Profile: "gpu=" + h, Model: results.Model{Name: h}}
		for _, x := range fpsSamples(100+float64(i), 5) {
			c.Repeats = append(c.Repeats, results.Repeat{FPS: x})
		}
		f.Cases = []results.Case{c}
		r := compare.Compare(compare.FromResults(f), compare.FromResults(f), compare.DefaultOptions())
		gates = append(gates, NewGateReport("perf/gate/branch="+h, "javascript:alert(1)", f, r))
	}
	out := MatrixMarkdown(MatrixInput{Gates: gates, TargetFPS: 50})
	checkNoMarkup(t, out)
	checkTables(t, out)
}

// TestHTMLEscapesHostileStrings draws a comparison whose model names,
// profiles, title and verdict notes are hostile: no tag, attribute or
// link may reach the page.
func TestHTMLEscapesHostileStrings(t *testing.T) {
	for _, h := range hostile {
		head := syntheticRun(h, 50, false)
		base := syntheticRun(h, 55, false)
		head.Cases[0].Profile = "cpu=" + h
		var buf bytes.Buffer
		rep := HTMLReport{Title: h, Head: head, Base: base,
			Verdicts: []HTMLVerdict{{Profile: h, CaseID: head.Cases[0].ID, Metric: "fps", Base: "55", Head: "50", Delta: "-9%", P: "0.01", Verdict: h, Note: h}}}
		if err := WriteHTML(&buf, rep); err != nil {
			t.Fatal(err)
		}
		page := buf.String()
		// The string is on the page, as text: the test would see a tag.
		if strings.Contains(h, "<") && !strings.Contains(page, "&lt;") {
			t.Errorf("%q: the hostile string is not on the page at all", h)
		}
		for _, bad := range []string{"<img", "<script>alert", "href=\"http://x", "src=\"http"} {
			if strings.Contains(page, bad) {
				t.Errorf("%q: the page contains %q", h, bad)
			}
		}
	}
}

// checkNoMarkup fails when markdown outside code spans holds a mention, a
// link, an image, HTML or emphasis from a hostile string.
func checkNoMarkup(t *testing.T, md string) {
	t.Helper()
	plain := regexp.MustCompile("`[^`\n]*`").ReplaceAllString(md, "CODE")
	for _, bad := range []string{"@octocat", "](http://x", "<img", "<script", "javascript:", "**bold**", "#12", "\n| injected"} {
		if strings.Contains(plain, bad) {
			t.Errorf("markdown contains %q:\n%s", bad, md)
		}
	}
}
