package github

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/report"
	"github.com/yologate/yologate/report/github/githubtest"
)

const testToken = "ghs_t0pS3cretTokenValue1234567890"

// fakeClock records the waits instead of sleeping.
type fakeClock struct {
	now    time.Time
	sleeps []time.Duration
}

func (c *fakeClock) clock() *Clock {
	return &Clock{
		Now: func() time.Time { return c.now },
		Sleep: func(_ context.Context, d time.Duration) error {
			c.sleeps = append(c.sleeps, d)
			c.now = c.now.Add(d)
			return nil
		},
	}
}

// harness is one gate's publishing setup against a fake GitHub.
type harness struct {
	gh      *githubtest.Fake
	clock   *fakeClock
	stdout  bytes.Buffer
	log     bytes.Buffer
	dir     string
	summary string
	outputs string
}

func newHarness(t *testing.T, prefix string) *harness {
	dir := t.TempDir()
	return &harness{gh: githubtest.NewFake(t, prefix), clock: &fakeClock{now: time.Unix(1_700_000_000, 0)}, dir: dir,
		summary: filepath.Join(dir, "summary.md"), outputs: filepath.Join(dir, "output.txt")}
}

func (h *harness) publisher(t *testing.T, policy report.CommentPolicy, checkRun bool) *Publisher {
	c, err := NewClient(ClientOptions{APIURL: h.gh.URL(), Token: testToken, Log: &h.log, Clock: h.clock.clock()})
	if err != nil {
		t.Fatal(err)
	}
	env := Env{InActions: true, EventName: "pull_request", Owner: githubtest.Owner, Repo: githubtest.Repo, PR: githubtest.PR,
		SHA: h.gh.HeadSHA, Token: testToken, OutputPath: h.outputs, SummaryPath: h.summary,
		Event: Event{Name: "pull_request", PR: githubtest.PR, HeadSHA: h.gh.HeadSHA}}
	return &Publisher{Client: c, Env: env, Policy: policy, CheckRun: checkRun, Log: &h.log,
		Actions: &Actions{Stdout: &h.stdout, OutputPath: h.outputs, SummaryPath: h.summary}}
}

func (h *harness) read(t *testing.T, path string) string {
	b, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return string(b)
}

// noToken fails if the token leaked into anything the gate wrote.
func (h *harness) noToken(t *testing.T, extra ...string) {
	t.Helper()
	for name, s := range map[string]string{"stdout": h.stdout.String(), "log": h.log.String(),
		"summary": h.read(t, h.summary), "outputs": h.read(t, h.outputs), "extra": strings.Join(extra, "\n")} {
		if strings.Contains(s, testToken) {
			t.Errorf("the token appears in %s:\n%s", name, s)
		}
	}
}

func outcome(verdict string, state report.State, md string) *report.Outcome {
	return &report.Outcome{Key: "perf/gate/gpu=a10", Verdict: verdict, State: state, Title: verdict + ": yolov8n",
		Markdown: md, Changed: verdict != "unchanged", FPS: 412.5, ReportPath: "yologate-report.json",
		Annotations: []report.Annotation{{Level: report.LevelError, Title: "yologate regression", Message: "yolov8n: -12% fps"}}}
}

func TestRerunUpdatesTheSameComment(t *testing.T) {
	h := newHarness(t, "/api/v3")
	h.gh.Seed(3)
	for run := 1; run <= 3; run++ {
		p := h.publisher(t, report.CommentAlways, false)
		md := strings.Repeat("row\n", run) // each run reports something new
		if err := p.Publish(context.Background(), outcome("regression", report.StateFailure, md)); err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
	}
	var ours []githubtest.Comment
	for _, c := range h.gh.Comments {
		if strings.HasPrefix(c.Body, Marker("perf/gate/gpu=a10")) {
			ours = append(ours, c)
		}
	}
	if len(ours) != 1 {
		t.Fatalf("after 3 runs there are %d gate comments, want 1: %+v", len(ours), ours)
	}
	if want := Marker("perf/gate/gpu=a10") + "\nrow\nrow\nrow\n"; ours[0].Body != want {
		t.Errorf("comment body = %q, want the third run's %q", ours[0].Body, want)
	}
	if got := map[string]int{"create": h.gh.Count("POST comments"), "edit": h.gh.Count("PATCH comment"), "status": h.gh.Count("POST status")}; !cmp.Equal(got, map[string]int{"create": 1, "edit": 2, "status": 3}) {
		t.Errorf("API calls = %v", got)
	}
	for _, a := range h.gh.Auth {
		if a != "Bearer "+testToken {
			t.Fatalf("request without the token: Authorization %q", a)
		}
	}
	h.noToken(t)
}

func TestMarkerFoundOnPage3(t *testing.T) {
	h := newHarness(t, "/deep/path/without/slash")
	h.gh.Seed(2*pageSize + 17)
	mine := githubtest.Comment{ID: 1, Body: Marker("perf/gate/gpu=a10") + "\nold report"}
	h.gh.Comments = append(h.gh.Comments, mine)
	h.gh.Seed(5)
	// A comment that quotes the marker is not ours.
	h.gh.Comments = append(h.gh.Comments[:10], append([]githubtest.Comment{{ID: 2, Body: "> " + mine.Body}}, h.gh.Comments[10:]...)...)

	// on-regression with a pass would not create a comment, so this must update.
	p := h.publisher(t, report.CommentOnRegression, false)
	if err := p.Publish(context.Background(), outcome("unchanged", report.StateSuccess, "all good\n")); err != nil {
		t.Fatal(err)
	}
	if n := h.gh.Count("GET comments"); n != 3 {
		t.Errorf("listed %d pages, want 3", n)
	}
	if n := h.gh.Count("POST comments"); n != 0 {
		t.Errorf("created %d comments, want the one on page 3 updated", n)
	}
	for _, c := range h.gh.Comments {
		if c.ID == 1 && c.Body != Marker("perf/gate/gpu=a10")+"\nall good\n" {
			t.Errorf("page-3 comment not updated: %q", c.Body)
		}
		if c.ID == 2 && !strings.HasPrefix(c.Body, "> ") {
			t.Errorf("the quoting comment was edited: %q", c.Body)
		}
	}
}

func TestRetries(t *testing.T) {
	reset := time.Unix(1_700_000_000+7, 0)
	tests := []struct {
		name   string
		fail   []githubtest.Canned
		sleeps []time.Duration
		logs   string
	}{
		{"502 then 200", []githubtest.Canned{{Status: 502, Body: "bad gateway"}},
			[]time.Duration{time.Second}, "502 Bad Gateway; retrying in 1s (attempt 2 of 5)"},
		{"502 twice then 200: backoff doubles", []githubtest.Canned{{Status: 502}, {Status: 503}},
			[]time.Duration{time.Second, 2 * time.Second}, "503 Service Unavailable; retrying in 2s (attempt 3 of 5)"},
		{"network error then 200", []githubtest.Canned{{Status: githubtest.DropConnection}},
			[]time.Duration{time.Second}, "network error; retrying in 1s (attempt 2 of 5)"},
		{"429 with Retry-After", []githubtest.Canned{{Status: 429, Header: map[string]string{"Retry-After": "3"}}},
			[]time.Duration{3 * time.Second}, "429 Too Many Requests with Retry-After 3; retrying in 3s"},
		{"403 rate limit waits for the reset", []githubtest.Canned{{Status: 403, Header: map[string]string{
			"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1700000007"}, Body: `{"message":"API rate limit exceeded"}`}},
			[]time.Duration{8 * time.Second}, "rate limit resets at " + reset.UTC().Format(time.TimeOnly)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, "")
			h.gh.Fail("POST comments", tt.fail...)
			p := h.publisher(t, report.CommentAlways, false)
			if err := p.Publish(context.Background(), outcome("regression", report.StateFailure, "x\n")); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.sleeps, h.clock.sleeps); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
			if len(h.gh.Comments) != 1 {
				t.Errorf("%d comments after the retries, want 1", len(h.gh.Comments))
			}
			if !strings.Contains(h.log.String(), tt.logs) {
				t.Errorf("log lacks %q:\n%s", tt.logs, h.log.String())
			}
			h.noToken(t)
		})
	}
}

func TestRetryGivesUp(t *testing.T) {
	t.Run("5xx after five attempts is an environment error", func(t *testing.T) {
		h := newHarness(t, "")
		for i := 0; i < maxAttempts; i++ {
			h.gh.Fail("POST status", githubtest.Canned{Status: 500, Body: `{"message":"boom ` + testToken + `"}`})
		}
		p := h.publisher(t, report.CommentNever, false)
		err := p.Publish(context.Background(), outcome("unchanged", report.StateSuccess, "ok\n"))
		if errs.KindOf(err) != errs.Env {
			t.Fatalf("error %v (kind %v), want an environment error", err, errs.KindOf(err))
		}
		if n := h.gh.Count("POST status"); n != maxAttempts {
			t.Errorf("%d attempts, want %d", n, maxAttempts)
		}
		h.noToken(t, err.Error())
		// The summary and outputs are still written.
		if !strings.Contains(h.read(t, h.summary), "ok\n") || !strings.Contains(h.read(t, h.outputs), "verdict<<") {
			t.Errorf("summary or outputs missing after an API failure")
		}
	})
	t.Run("a wait beyond the cap is not made", func(t *testing.T) {
		h := newHarness(t, "")
		h.gh.Fail("POST comments", githubtest.Canned{Status: 429, Header: map[string]string{"Retry-After": "3600"}})
		p := h.publisher(t, report.CommentAlways, false)
		if err := p.Publish(context.Background(), outcome("regression", report.StateFailure, "x\n")); err != nil {
			t.Fatalf("a rate limit must fall back, not fail: %v", err)
		}
		if len(h.clock.sleeps) != 0 {
			t.Errorf("waited %v", h.clock.sleeps)
		}
		if !strings.Contains(h.stdout.String(), "::warning title=yologate::yologate could not post the pull-request comment") {
			t.Errorf("no fallback warning:\n%s", h.stdout.String())
		}
	})
}

func TestForbiddenFallsBack(t *testing.T) {
	h := newHarness(t, "")
	forbidden := githubtest.Canned{Status: 403, Body: `{"message":"Resource not accessible by integration","documentation_url":"https://docs.github.com/rest"}`}
	h.gh.Fail("GET comments", forbidden)
	h.gh.Fail("POST status", forbidden)
	p := h.publisher(t, report.CommentAlways, false)
	p.Env.Event.Fork = true
	o := outcome("regression", report.StateFailure, "## report\n")
	if err := p.Publish(context.Background(), o); err != nil {
		t.Fatalf("403 must not be an error: %v", err)
	}
	if o.Verdict != "regression" || o.State != report.StateFailure {
		t.Errorf("the fallback changed the verdict: %s %s", o.Verdict, o.State)
	}
	base := h.gh.Server.URL
	wantStdout := "::error title=yologate regression::yolov8n: -12%25 fps\n" +
		"::warning title=yologate::yologate could not post the pull-request comment: GET " + base +
		"/repos/octo-org/octo-repo/issues/7/comments?per_page=100: 403 Resource not accessible by integration [] " +
		"(pull requests from forks get a read-only token; post from a workflow_run job (see the fork-safe workflow in the README)); the report is in the step summary\n" +
		"::warning title=yologate::yologate could not set the commit status: POST " + base +
		"/repos/octo-org/octo-repo/statuses/" + h.gh.HeadSHA + ": 403 Resource not accessible by integration [] " +
		"(pull requests from forks get a read-only token; post from a workflow_run job (see the fork-safe workflow in the README)); the report is in the step summary\n"
	if diff := cmp.Diff(wantStdout, h.stdout.String()); diff != "" {
		t.Errorf("fallback stdout (-want +got):\n%s", diff)
	}
	summary := h.read(t, h.summary)
	if !strings.HasPrefix(summary, "## report\n") || strings.Count(summary, "> [!WARNING]") != 2 {
		t.Errorf("summary lacks the report or the two notes:\n%s", summary)
	}
	out := h.read(t, h.outputs)
	for _, want := range []string{"verdict<<ghadelimiter_", "\nregression\n", "fps<<ghadelimiter_", "\n412.50\n", "report<<", "\nyologate-report.json\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("outputs lack %q:\n%s", want, out)
		}
	}
	h.noToken(t)
}

func TestCommentPolicy(t *testing.T) {
	tests := []struct {
		policy  report.CommentPolicy
		verdict string
		state   report.State
		changed bool
		creates bool
	}{
		{report.CommentAlways, "unchanged", report.StateSuccess, false, true},
		{report.CommentOnChange, "unchanged", report.StateSuccess, false, false},
		{report.CommentOnChange, "improvement", report.StateSuccess, true, true},
		{report.CommentOnRegression, "improvement", report.StateSuccess, true, false},
		{report.CommentOnRegression, "regression", report.StateFailure, true, true},
		{report.CommentNever, "regression", report.StateFailure, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.policy.String()+"/"+tt.verdict, func(t *testing.T) {
			h := newHarness(t, "")
			p := h.publisher(t, tt.policy, false)
			o := outcome(tt.verdict, tt.state, "x\n")
			o.Changed = tt.changed
			if err := p.Publish(context.Background(), o); err != nil {
				t.Fatal(err)
			}
			if got := len(h.gh.Comments) == 1; got != tt.creates {
				t.Errorf("created a comment: %v, want %v", got, tt.creates)
			}
		})
	}
}

func TestStatusAndCheckRun(t *testing.T) {
	long := strings.Repeat("é", 200)
	t.Run("status", func(t *testing.T) {
		h := newHarness(t, "")
		p := h.publisher(t, report.CommentNever, false)
		p.Env.RunURL = "https://github.com/octo-org/octo-repo/actions/runs/1"
		o := outcome("regression", report.StateFailure, "md\n")
		o.Title = long
		if err := p.Publish(context.Background(), o); err != nil {
			t.Fatal(err)
		}
		want := []map[string]any{{"state": "failure", "context": "yologate/perf/gate/gpu=a10",
			"description": strings.Repeat("é", 139) + "…", "target_url": "https://github.com/octo-org/octo-repo/actions/runs/1"}}
		if diff := cmp.Diff(want, h.gh.Statuses); diff != "" {
			t.Errorf("status (-want +got):\n%s", diff)
		}
	})
	t.Run("check run", func(t *testing.T) {
		h := newHarness(t, "")
		p := h.publisher(t, report.CommentNever, true)
		if err := p.Publish(context.Background(), outcome("inconclusive", report.StateNeutral, "md\n")); err != nil {
			t.Fatal(err)
		}
		if len(h.gh.CheckRuns) != 1 || h.gh.Count("POST status") != 0 {
			t.Fatalf("check runs %v, statuses %d", h.gh.CheckRuns, h.gh.Count("POST status"))
		}
		cr := h.gh.CheckRuns[0]
		delete(cr, "completed_at")
		want := map[string]any{"name": "yologate/perf/gate/gpu=a10", "head_sha": h.gh.HeadSHA, "status": "completed",
			"conclusion": "neutral", "output": map[string]any{"title": "inconclusive: yolov8n", "summary": "md\n"}}
		if diff := cmp.Diff(want, cr); diff != "" {
			t.Errorf("check run (-want +got):\n%s", diff)
		}
	})
}

func TestIssueCommentLooksUpTheHead(t *testing.T) {
	h := newHarness(t, "")
	p := h.publisher(t, report.CommentAlways, false)
	p.Env.SHA = strings.Repeat("0", 39) + "1" // GITHUB_SHA: the default branch, not the PR
	p.Env.Event = Event{Name: "issue_comment", PR: githubtest.PR}
	if err := p.Publish(context.Background(), outcome("unchanged", report.StateSuccess, "x\n")); err != nil {
		t.Fatal(err)
	}
	if h.gh.Count("GET pull") != 1 || len(h.gh.Statuses) != 1 {
		t.Fatalf("pull lookups %d, statuses %d", h.gh.Count("GET pull"), len(h.gh.Statuses))
	}
	if !strings.Contains(h.log.String(), "on "+h.gh.HeadSHA[:12]) {
		t.Errorf("status not on the PR head:\n%s", h.log.String())
	}
}

func TestTruncate(t *testing.T) {
	s := strings.Repeat("line of text\n", 10000)
	got := Truncate(s, MaxBody)
	if n := len([]rune(got)); n > MaxBody {
		t.Errorf("truncated to %d characters, over %d", n, MaxBody)
	}
	if !strings.HasSuffix(got, "(truncated: the full report is in the step summary and the job's artifacts)\n") {
		t.Errorf("no truncation note: %q", got[len(got)-100:])
	}
	if strings.Contains(got, "line of te\n") {
		t.Errorf("cut inside a line")
	}
	if Truncate("short", MaxBody) != "short" {
		t.Errorf("short text changed")
	}
}

func TestNewClientBaseURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://api.github.com":             "https://api.github.com/",
		"https://ghe.example.com/api/v3":     "https://ghe.example.com/api/v3/",
		"http://127.0.0.1:4010/some/prefix/": "http://127.0.0.1:4010/some/prefix/",
	} {
		c, err := NewClient(ClientOptions{APIURL: in})
		if err != nil {
			t.Fatal(err)
		}
		if c.BaseURL.String() != want {
			t.Errorf("%s: base %s, want %s", in, c.BaseURL, want)
		}
	}
	if _, err := NewClient(ClientOptions{APIURL: "api.github.com"}); err == nil {
		t.Errorf("a URL without scheme was accepted")
	}
}
