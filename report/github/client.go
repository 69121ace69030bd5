package github

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	gh "github.com/google/go-github/v60/github"
)

// Retry limits. Five attempts with doubling backoff from one second ride out
// a GitHub deploy blip (about 15 s); the total cap keeps a gate from hanging
// on a rate limit that resets in an hour: then it falls back instead.
const (
	maxAttempts  = 5
	firstBackoff = time.Second
	maxTotalWait = 2 * time.Minute
)

// Clock is the time source of the retry loop; tests inject a fake.
type Clock struct {
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

// realClock sleeps for real, waking early when ctx ends.
var realClock = Clock{
	Now: time.Now,
	Sleep: func(ctx context.Context, d time.Duration) error {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	},
}

// ClientOptions configures NewClient.
type ClientOptions struct {
	// APIURL is the REST API root, used verbatim (https://api.github.com,
	// https://HOST/api/v3, or a test server at any path).
	APIURL string
	Token  string
	// Log receives one line per retry; nil discards them.
	Log io.Writer
	// Clock defaults to the real clock.
	Clock *Clock
	// Transport defaults to http.DefaultTransport.
	Transport http.RoundTripper
}

// NewClient returns a go-github client for opts.APIURL whose requests carry
// the token and are retried on 5xx, network errors and rate limits.
func NewClient(opts ClientOptions) (*gh.Client, error) {
	base, err := url.Parse(opts.APIURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("GITHUB_API_URL %q is not an http(s) URL", opts.APIURL)
	}
	// go-github resolves paths against BaseURL and requires the slash.
	if !strings.HasSuffix(base.Path, "/") {
		base.Path += "/"
	}
	clock := realClock
	if opts.Clock != nil {
		clock = *opts.Clock
	}
	next := opts.Transport
	if next == nil {
		// No http.Client.Timeout: it would also cut the retry waits short.
		// A stalled server is caught per attempt instead; the caller's
		// context bounds the whole exchange.
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.ResponseHeaderTimeout = 30 * time.Second
		next = tr
	}
	log := opts.Log
	if log == nil {
		log = io.Discard
	}
	rt := &transport{next: next, token: opts.Token, clock: clock, log: log}
	c := gh.NewClient(&http.Client{Transport: rt})
	c.BaseURL = base
	c.UploadURL = base
	return c, nil
}

// transport adds the token and retries. A request is retried when the
// response is 5xx or 429, a 403 that is a rate limit, or a network error.
type transport struct {
	next  http.RoundTripper
	token string
	clock Clock
	log   io.Writer
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	waited := time.Duration(0)
	backoff := firstBackoff
	for attempt := 1; ; attempt++ {
		r := req.Clone(ctx)
		if req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			r.Body = body
		}
		if t.token != "" {
			r.Header.Set("Authorization", "Bearer "+t.token)
		}
		resp, err := t.next.RoundTrip(r)
		wait, why := retryAfter(resp, err, backoff, t.clock.Now())
		if why == "" || attempt == maxAttempts || ctx.Err() != nil {
			return resp, t.scrub(err)
		}
		if waited+wait > maxTotalWait {
			fmt.Fprintf(t.log, "github: %s %s: %s; not waiting %s (over the %s cap)\n",
				req.Method, req.URL.Path, why, wait.Round(time.Second), maxTotalWait)
			return resp, t.scrub(err)
		}
		if resp != nil {
			io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
			resp.Body.Close()
		}
		fmt.Fprintf(t.log, "github: %s %s: %s; retrying in %s (attempt %d of %d)\n",
			req.Method, req.URL.Path, why, wait, attempt+1, maxAttempts)
		if err := t.clock.Sleep(ctx, wait); err != nil {
			return nil, err
		}
		waited += wait
		backoff *= 2
	}
}

// retryAfter decides whether to retry and after how long; why is empty for
// no retry. Retry-After and X-RateLimit-Reset, when given, replace backoff.
func retryAfter(resp *http.Response, err error, backoff time.Duration, now time.Time) (time.Duration, string) {
	if err != nil {
		// A per-attempt timeout (ResponseHeaderTimeout) also reads as
		// DeadlineExceeded; only the caller's own context ending stops
		// the retries, and RoundTrip checks that.
		if errors.Is(err, context.Canceled) {
			return 0, ""
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return backoff, "timeout"
		}
		if errors.Is(err, context.DeadlineExceeded) {
			return 0, ""
		}
		return backoff, "network error"
	}
	code := resp.StatusCode
	rateLimited := code == http.StatusTooManyRequests ||
		(code == http.StatusForbidden && (resp.Header.Get("Retry-After") != "" || resp.Header.Get("X-RateLimit-Remaining") == "0"))
	if code < 500 && !rateLimited {
		return 0, ""
	}
	why := resp.Status
	if s := resp.Header.Get("Retry-After"); s != "" {
		if secs, err := strconv.Atoi(strings.TrimSpace(s)); err == nil && secs >= 0 {
			return time.Duration(secs) * time.Second, why + " with Retry-After " + s
		}
		if at, err := http.ParseTime(s); err == nil {
			return max(at.Sub(now), 0), why + " with Retry-After " + s
		}
	}
	if resp.Header.Get("X-RateLimit-Remaining") == "0" {
		if secs, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64); err == nil {
			// One second of slack: the reset time has a one-second resolution.
			return max(time.Unix(secs, 0).Sub(now)+time.Second, 0), why + ", rate limit resets at " + time.Unix(secs, 0).UTC().Format(time.TimeOnly)
		}
	}
	return backoff, why
}

// scrub removes the token from err's message; see scrubbedError.
func (t *transport) scrub(err error) error { return scrubError(err, t.token) }

// scrubbedError is an error whose message had the token removed. It keeps
// the HTTP status for the fallback decision but does not unwrap, so that no
// caller can reach the original message.
type scrubbedError struct {
	msg    string
	status int
}

func (e *scrubbedError) Error() string { return e.msg }

// scrubError returns err with every occurrence of token replaced by "***".
func scrubError(err error, token string) error {
	if err == nil {
		return nil
	}
	status := 0
	var er *gh.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		status = er.Response.StatusCode
	}
	var rl *gh.RateLimitError
	if errors.As(err, &rl) && rl.Response != nil {
		status = rl.Response.StatusCode
	}
	var al *gh.AbuseRateLimitError
	if errors.As(err, &al) && al.Response != nil {
		status = al.Response.StatusCode
	}
	var se *scrubbedError
	if errors.As(err, &se) && status == 0 {
		status = se.status
	}
	msg := err.Error()
	if token != "" {
		msg = strings.ReplaceAll(msg, token, "***")
	}
	return &scrubbedError{msg: msg, status: status}
}

// statusOf returns the HTTP status an API error carries, or 0.
func statusOf(err error) int {
	var se *scrubbedError
	if errors.As(err, &se) {
		return se.status
	}
	return 0
}
