package publish

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yologate/yologate/compare"
	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/report"
	ghreport "github.com/yologate/yologate/report/github"
	"github.com/yologate/yologate/runner/results"
	"github.com/yologate/yologate/workflow/gate"
)

func events(name string) string {
	return filepath.Join("..", "..", "report", "github", "testdata", "events", name)
}

func TestReadTarget(t *testing.T) {
	vars := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "workflow_run", "GITHUB_REPOSITORY": "acme/detector",
		"GITHUB_WORKFLOW": "perf", "GITHUB_JOB": "report"}
	getenv := func(k string) string { return vars[k] }
	// The report job of a fork-safe pair learns the pull request from the
	// payload the run job saved.
	tg, err := ReadTarget(getenv, Where{Event: events("workflow_run_fork.json"), PREvent: events("pull_request_fork.json"), Matrix: `{"gpu":"a10"}`})
	if err != nil {
		t.Fatal(err)
	}
	if tg.Env.PR != 42 || tg.Key != "perf/report/gpu=a10" {
		t.Errorf("pull request %d, key %q; want 42 and perf/report/gpu=a10", tg.Env.PR, tg.Key)
	}
	if tg, err := ReadTarget(getenv, Where{Event: events("workflow_run_fork.json"), Key: "mine"}); err != nil || tg.Key != "mine" {
		t.Errorf("key %q (%v), want the given one", tg.Key, err)
	}
	for _, w := range []Where{{PREvent: filepath.Join(t.TempDir(), "none.json")}, {PREvent: events("../../../../go.mod")}} {
		_, err := ReadTarget(func(string) string { return "" }, w)
		if k := errs.KindOf(err); k != errs.Input || !strings.Contains(err.Error(), w.PREvent) {
			t.Errorf("%s: error %v (%v), want an input error naming it", w.PREvent, err, k)
		}
	}
}

// fakePublisher returns err from Publish.
type fakePublisher struct{ err error }

func (p fakePublisher) Publish(context.Context, *report.Outcome) error { return p.err }

// TestSend checks that the verdict alone decides the error: an API
// failure is a warning, a local write failure an error when the gate
// passed, and a regression stays one whatever publishing did.
func TestSend(t *testing.T) {
	regression := errors.New("regression in 1 case(s)")
	api := errs.Envf(ghreport.APIWhere, "", "cannot post the comment: 502")
	local := errs.Envf("comment.md", "", "cannot write")
	tests := []struct {
		name             string
		verdict, publish error
		want             error
		warns            bool
	}{
		{"pass", nil, nil, nil, false},
		{"regression", regression, nil, regression, false},
		{"API down, gate passed", nil, api, nil, true},
		{"API down, regression", regression, api, regression, true},
		{"local file, gate passed", nil, local, local, false},
		{"local file, regression", regression, local, regression, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log strings.Builder
			got := Send(context.Background(), fakePublisher{tt.publish}, &report.Outcome{}, tt.verdict, &log)
			if got != tt.want {
				t.Errorf("error %v, want %v", got, tt.want)
			}
			if warned := strings.Contains(log.String(), "warning"); warned != tt.warns {
				t.Errorf("log %q, want a warning: %v", log.String(), tt.warns)
			}
		})
	}
}

func TestPublisher(t *testing.T) {
	var log strings.Builder
	pub, err := Target{Key: "k"}.Publisher(Options{CommentFile: "c.md", Log: &log})
	if lp, ok := pub.(*report.LocalPublisher); err != nil || !ok || lp.CommentPath != "c.md" {
		t.Errorf("outside Actions: %T %+v (%v), want the local publisher writing c.md", pub, pub, err)
	}
	pub, err = Target{Env: ghreport.Env{InActions: true}, Key: "k"}.Publisher(Options{Log: &log})
	if gp, ok := pub.(*ghreport.Publisher); err != nil || !ok || gp.Client != nil || !strings.Contains(log.String(), "GITHUB_TOKEN is not set") {
		t.Errorf("in Actions without a token: %T (%v), log %q; want the step summary only", pub, err, log.String())
	}
}

// TestGateOutcome writes the gate report and the HTML report and checks
// the outcome names them.
func TestGateOutcome(t *testing.T) {
	dir := t.TempDir()
	cur := &results.File{Schema: results.Schema, Status: results.StatusComplete}
	rep := compare.Compare(nil, nil, compare.DefaultOptions())
	files := GateFiles{Report: filepath.Join(dir, "gate.json"), HTML: filepath.Join(dir, "report.html")}
	o, err := Target{Key: "perf/gate"}.GateOutcome(&gate.Result{Current: cur, Report: rep}, nil, nil, nil, files)
	if err != nil {
		t.Fatal(err)
	}
	if o.Key != "perf/gate" || o.ReportPath != files.Report {
		t.Errorf("outcome key %q, report %q", o.Key, o.ReportPath)
	}
	gr, err := report.ReadMergeInput(files.Report)
	if err != nil || gr.Key != "perf/gate" {
		t.Errorf("gate report %+v (%v)", gr, err)
	}
	if html, err := os.ReadFile(files.HTML); err != nil || !strings.Contains(string(html), "yologate gate perf/gate") {
		t.Errorf("HTML report: %v", err)
	}
}
