package github

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/yologate/yologate/report"
	"github.com/yologate/yologate/report/github/githubtest"
)

// TestFaults publishes a regression through every fault GitHub or the
// network can throw at every endpoint the gate calls. Each must end within
// the retry cap, leave a warning in the log, the annotations and the step
// summary, keep the verdict, and write the outputs; none may leak the token.
func TestFaults(t *testing.T) {
	always := func(c githubtest.Canned) []githubtest.Canned {
		rs := make([]githubtest.Canned, maxAttempts)
		for i := range rs {
			rs[i] = c
		}
		return rs
	}
	tests := []struct {
		name  string
		fault []githubtest.Canned
		// retried is whether the fault is worth another attempt.
		retried bool
		// fails is whether Publish reports an error (an outage or a bad
		// token), rather than only falling back (permissions, rate limits).
		fails bool
		warn  string
	}{
		{"500 every time", always(githubtest.Canned{Status: 500, Body: `{"message":"Server Error"}`}), true, true, "500 Internal Server Error"},
		{"502 every time", always(githubtest.Canned{Status: 502}), true, true, "502 Bad Gateway"},
		{"503 every time", always(githubtest.Canned{Status: 503}), true, true, "503 Service Unavailable"},
		{"dropped connection every time", always(githubtest.Canned{Status: githubtest.DropConnection}), true, true, "EOF"},
		{"429 without Retry-After", always(githubtest.Canned{Status: 429, Body: `{"message":"slow down"}`}), true, false, "rate limited"},
		{"429 with Retry-After", always(githubtest.Canned{Status: 429, Header: map[string]string{"Retry-After": "20"}}), true, false, "rate limited"},
		{"secondary rate limit: 403 with Retry-After", always(githubtest.Canned{Status: 403,
			Header: map[string]string{"Retry-After": "60"},
			Body:   `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}`}), true, false, "secondary rate limit"},
		{"401 bad token", []githubtest.Canned{{Status: 401, Body: `{"message":"Bad credentials"}`}}, false, true, "401 Bad credentials"},
		{"404 repository", []githubtest.Canned{{Status: 404, Body: `{"message":"Not Found"}`}}, false, false, "404 Not Found"},
		{"422 validation", []githubtest.Canned{{Status: 422, Body: `{"message":"Validation Failed","errors":[{"resource":"Status","code":"custom"}]}`}}, false, true, "422 Validation Failed"},
	}
	faults := 0
	for _, tt := range tests {
		for _, route := range []string{"GET comments", "POST comments", "POST status"} {
			t.Run(tt.name+"/"+route, func(t *testing.T) {
				h := newHarness(t, "")
				h.gh.Fail(route, tt.fault...)
				p := h.publisher(t, report.CommentAlways, false)
				o := outcome("regression", report.StateFailure, "## report\n")
				err := p.Publish(context.Background(), o)
				if (err != nil) != tt.fails {
					t.Errorf("Publish error = %v, want an error: %v", err, tt.fails)
				}
				if err != nil && strings.Contains(err.Error(), "\n") {
					t.Errorf("error spans lines: %q", err)
				}
				if o.Verdict != "regression" || o.State != report.StateFailure {
					t.Errorf("the fault changed the verdict: %s %s", o.Verdict, o.State)
				}
				attempts := h.gh.Count(route)
				if tt.retried && attempts < 2 || !tt.retried && attempts != 1 || attempts > maxAttempts {
					t.Errorf("%d attempts on %s", attempts, route)
				}
				var waited time.Duration
				for _, d := range h.clock.sleeps {
					waited += d
				}
				if waited > maxTotalWait {
					t.Errorf("waited %v in all, over the %v cap", waited, maxTotalWait)
				}
				if !strings.Contains(h.stdout.String(), "::warning title=yologate::yologate could not") {
					t.Errorf("no warning annotation:\n%s", h.stdout.String())
				}
				if !strings.Contains(h.stdout.String()+h.log.String(), tt.warn) {
					t.Errorf("the warning does not say %q:\nstdout: %s\nlog: %s", tt.warn, h.stdout.String(), h.log.String())
				}
				if s := h.read(t, h.summary); !strings.HasPrefix(s, "## report\n") || !strings.Contains(s, "> [!WARNING]") {
					t.Errorf("summary lacks the report or the warning:\n%s", s)
				}
				if !strings.Contains(h.read(t, h.outputs), "\nregression\n") {
					t.Errorf("outputs lack the verdict:\n%s", h.read(t, h.outputs))
				}
				errText := ""
				if err != nil {
					errText = err.Error()
				}
				h.noToken(t, errText)
			})
			faults++
		}
	}
	t.Logf("GitHub faults survived: %d (%d kinds x 3 endpoints)", faults, len(tests))
}

// TestNetworkFaults covers the faults below HTTP: nobody listening, and a
// server that accepts the connection but never answers (a timeout, injected
// small through the transport).
func TestNetworkFaults(t *testing.T) {
	hang := make(chan struct{})
	stalled := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	defer stalled.Close()
	defer close(hang)
	refused := httptest.NewServer(http.NotFoundHandler())
	refusedURL := refused.URL
	refused.Close()

	for _, tc := range []struct {
		name, url, warn string
	}{
		{"connection refused", refusedURL, "connection refused"},
		{"timeout", stalled.URL, "timeout awaiting response headers"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, "")
			tr := http.DefaultTransport.(*http.Transport).Clone()
			tr.ResponseHeaderTimeout = 50 * time.Millisecond
			c, err := NewClient(ClientOptions{APIURL: tc.url, Token: testToken, Log: &h.log, Clock: h.clock.clock(), Transport: tr})
			if err != nil {
				t.Fatal(err)
			}
			p := h.publisher(t, report.CommentAlways, false)
			p.Client = c
			o := outcome("regression", report.StateFailure, "## report\n")
			err = p.Publish(context.Background(), o)
			if err == nil {
				t.Fatal("Publish succeeded against a dead API")
			}
			if o.Verdict != "regression" {
				t.Errorf("verdict changed to %s", o.Verdict)
			}
			// Two calls (comment lookup, status), each retried to the limit.
			if n := len(h.clock.sleeps); n != 2*(maxAttempts-1) {
				t.Errorf("%d waits, want %d", n, 2*(maxAttempts-1))
			}
			var waited time.Duration
			for _, d := range h.clock.sleeps {
				waited += d
			}
			if waited > 2*maxTotalWait {
				t.Errorf("waited %v", waited)
			}
			if !strings.Contains(h.stdout.String(), tc.warn) || !strings.Contains(h.stdout.String(), "::warning") {
				t.Errorf("no warning naming %q:\n%s", tc.warn, h.stdout.String())
			}
			h.noToken(t, err.Error())
		})
	}
}
