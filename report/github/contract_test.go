package github

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yologate/yologate/report"
	"github.com/yologate/yologate/report/github/githubtest"
)

// One Prism per test binary: loading GitHub's description takes 15–40 s.
var (
	prismOnce sync.Once
	prism     *githubtest.Prism
	prismErr  error
)

// sharedPrism starts Prism on first use, or skips when the tools are absent.
func sharedPrism(t *testing.T) *githubtest.Prism {
	t.Helper()
	modules := githubtest.NodeModules(t)
	prismOnce.Do(func() { prism, prismErr = githubtest.Start(modules) })
	if prismErr != nil {
		t.Fatalf("starting prism: %v", prismErr)
	}
	prism.Reset()
	return prism
}

func TestMain(m *testing.M) {
	code := m.Run()
	if prism != nil {
		prism.Close()
	}
	os.Exit(code)
}

// TestContract runs the gate's GitHub scenarios against GitHub's own OpenAPI
// description: Prism in --errors mode answers 422 to any request that does
// not match it, so an accepted request is one GitHub would accept.
func TestContract(t *testing.T) {
	p := sharedPrism(t)
	sha := strings.Repeat("a1", 20)
	publisher := func(policy report.CommentPolicy, checkRun bool, stdout *bytes.Buffer) *Publisher {
		c, err := NewClient(ClientOptions{APIURL: p.URL, Token: testToken, Clock: (&fakeClock{}).clock()})
		if err != nil {
			t.Fatal(err)
		}
		env := Env{InActions: true, EventName: "pull_request", Owner: "octo-org", Repo: "octo-repo", PR: 1347, SHA: sha,
			Token: testToken, RunURL: "https://github.com/octo-org/octo-repo/actions/runs/1",
			Event: Event{Name: "pull_request", PR: 1347, HeadSHA: sha}}
		return &Publisher{Client: c, Env: env, Policy: policy, CheckRun: checkRun, Actions: &Actions{Stdout: stdout}}
	}
	o := outcome("regression", report.StateFailure, "## ❌ regression\n\n| case | Δ |\n|---|---|\n| yolov8n | -12% |\n")
	key := o.Key

	type want struct {
		method, path string
		status       int
	}
	tests := []struct {
		name     string
		setup    func()
		policy   report.CommentPolicy
		checkRun bool
		event    string
		want     []want
		stdout   string
	}{
		{name: "first comment and status", policy: report.CommentAlways, want: []want{
			// The description's example Link header always names page 2.
			{"GET", "/repos/octo-org/octo-repo/issues/1347/comments?per_page=100", 200},
			{"GET", "/repos/octo-org/octo-repo/issues/1347/comments?page=2&per_page=100", 200},
			{"POST", "/repos/octo-org/octo-repo/issues/1347/comments", 201},
			{"POST", "/repos/octo-org/octo-repo/statuses/" + sha, 201},
		}},
		{name: "update the marked comment", policy: report.CommentOnRegression, setup: func() {
			// Give the listed example comment our marker, as after a first run.
			p.RewriteResponses(func(method, path string, body []byte) []byte {
				if method == "GET" && strings.HasSuffix(path, "/comments") {
					return bytes.Replace(body, []byte(`"body":"Me too"`), []byte(`"body":"`+strings.ReplaceAll(Marker(key), `"`, `\"`)+`\nold"`), 1)
				}
				return body
			})
		}, want: []want{
			{"GET", "/repos/octo-org/octo-repo/issues/1347/comments?per_page=100", 200},
			{"PATCH", "/repos/octo-org/octo-repo/issues/comments/1", 200},
			{"POST", "/repos/octo-org/octo-repo/statuses/" + sha, 201},
		}},
		{name: "check run", policy: report.CommentNever, checkRun: true, want: []want{
			{"POST", "/repos/octo-org/octo-repo/check-runs", 201},
		}},
		{name: "issue_comment looks up the head", policy: report.CommentNever, event: "issue_comment", setup: func() {
			// The description's own example pull request fails its schema.
			p.Prefer("GET", `/pulls/\d+$`, "dynamic=true")
		}, want: []want{
			{"GET", "/repos/octo-org/octo-repo/pulls/1347", 200},
			{"POST", "/repos/octo-org/octo-repo/statuses/", 201},
		}},
		{name: "403 falls back", policy: report.CommentAlways, setup: func() {
			p.Prefer("POST", `/issues/\d+/comments$`, "code=403")
		}, want: []want{
			{"GET", "/repos/octo-org/octo-repo/issues/1347/comments?per_page=100", 200},
			{"GET", "/repos/octo-org/octo-repo/issues/1347/comments?page=2&per_page=100", 200},
			{"POST", "/repos/octo-org/octo-repo/issues/1347/comments", 403},
			{"POST", "/repos/octo-org/octo-repo/statuses/" + sha, 201},
		}, stdout: "::warning title=yologate::yologate could not post the pull-request comment: POST " + p.URL +
			"/repos/octo-org/octo-repo/issues/1347/comments: 403 "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p.Reset()
			if tt.setup != nil {
				tt.setup()
			}
			var stdout bytes.Buffer
			pub := publisher(tt.policy, tt.checkRun, &stdout)
			if tt.event != "" {
				pub.Env.Event.Name = tt.event
			}
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			if err := pub.Publish(ctx, o); err != nil {
				t.Fatalf("publish: %v\nexchanges: %v\nprism: %s", err, p.Exchanges(), p.Log())
			}
			got := p.Exchanges()
			if len(got) != len(tt.want) {
				t.Fatalf("%d requests, want %d:\n%v", len(got), len(tt.want), got)
			}
			for i, w := range tt.want {
				g := got[i]
				if g.Method != w.method || !strings.HasPrefix(g.Path, w.path) || g.Status != w.status {
					t.Errorf("request %d: %s, want %s %s → %d", i, g, w.method, w.path, w.status)
				}
			}
			if tt.stdout != "" && !strings.Contains(stdout.String(), tt.stdout) {
				t.Errorf("stdout lacks %q:\n%s", tt.stdout, stdout.String())
			}
			if strings.Contains(stdout.String(), testToken) {
				t.Errorf("token in stdout")
			}
		})
	}

	// Validation is really on: a request that breaks the description is
	// rejected, so the acceptances above mean something.
	t.Run("malformed request is rejected", func(t *testing.T) {
		p.Reset()
		req, _ := http.NewRequest("POST", p.URL+"/repos/octo-org/octo-repo/issues/1347/comments", strings.NewReader(`{"bodyx":1}`))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("malformed comment got %d, want 422", resp.StatusCode)
		}
		req, _ = http.NewRequest("POST", p.URL+"/repos/octo-org/octo-repo/statuses/"+sha, strings.NewReader(`{"state":"neutral"}`))
		req.Header.Set("Content-Type", "application/json")
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("status with state neutral got %d, want 422", resp.StatusCode)
		}
	})
}
