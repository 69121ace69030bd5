package githubtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Fake is a stateful stand-in for the few REST endpoints the gate
// uses, mounted under an arbitrary path prefix (like GHES's /api/v3). It
// keeps comments, statuses and check runs, paginates comment lists through
// the Link header, and can be told to answer the next requests of a route
// with canned failures.
type Fake struct {
	Server *httptest.Server
	prefix string

	// The fields below are the state; read them only between requests.
	mu        sync.Mutex
	Comments  []Comment
	nextID    int64
	Statuses  []map[string]any
	CheckRuns []map[string]any
	calls     map[string]int // "METHOD route" → count
	failures  map[string][]Canned
	Auth      []string // Authorization headers seen
	HeadSHA   string
	HeadRepo  string
}

// Comment is a stored issue comment.
type Comment struct {
	ID   int64  `json:"id"`
	Body string `json:"body"`
}

// Canned is a response Fail queues.
type Canned struct {
	Status int
	Header map[string]string
	Body   string
}

// DropConnection as a Canned status closes the connection without an
// answer: a network error.
const DropConnection = -1

// The repository and pull request the Fake serves.
const Owner, Repo, PR = "octo-org", "octo-repo", 7

// NewFake starts a Fake under prefix, closed when t ends.
func NewFake(t testing.TB, prefix string) *Fake {
	f := &Fake{prefix: prefix, nextID: 1000, calls: map[string]int{}, failures: map[string][]Canned{},
		HeadSHA: strings.Repeat("ab", 20), HeadRepo: Owner + "/" + Repo}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Server.Close)
	return f
}

// URL is the API root to use as GITHUB_API_URL.
func (f *Fake) URL() string { return f.Server.URL + f.prefix }

// Fail makes the next len(rs) requests of route answer rs in order.
func (f *Fake) Fail(route string, rs ...Canned) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failures[route] = append(f.failures[route], rs...)
}

// Count returns how often "METHOD route" was called (routes: comments,
// comment, status, check-runs, pull).
func (f *Fake) Count(route string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[route]
}

// Seed adds n comments by other people before any of ours.
func (f *Fake) Seed(n int) {
	for i := 0; i < n; i++ {
		f.Comments = append(f.Comments, Comment{ID: f.nextID, Body: fmt.Sprintf("comment %d by someone", i)})
		f.nextID++
	}
}

var (
	reComments  = regexp.MustCompile(`^/repos/([^/]+)/([^/]+)/issues/(\d+)/comments$`)
	reComment   = regexp.MustCompile(`^/repos/([^/]+)/([^/]+)/issues/comments/(\d+)$`)
	reStatus    = regexp.MustCompile(`^/repos/([^/]+)/([^/]+)/statuses/([0-9a-f]{40})$`)
	reCheckRuns = regexp.MustCompile(`^/repos/([^/]+)/([^/]+)/check-runs$`)
	rePull      = regexp.MustCompile(`^/repos/([^/]+)/([^/]+)/pulls/(\d+)$`)
)

func (f *Fake) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	path, ok := strings.CutPrefix(r.URL.Path, f.prefix)
	if !ok {
		http.Error(w, `{"message":"Not Found"}`, http.StatusNotFound)
		return
	}
	route := routeOf(path)
	f.calls[r.Method+" "+route]++
	f.Auth = append(f.Auth, r.Header.Get("Authorization"))
	if q := f.failures[r.Method+" "+route]; len(q) > 0 {
		f.failures[r.Method+" "+route] = q[1:]
		if q[0].Status == DropConnection {
			if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
				conn.Close()
			}
			return
		}
		for k, v := range q[0].Header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(q[0].Status)
		fmt.Fprint(w, q[0].Body)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	var body map[string]any
	if r.Body != nil && (r.Method == http.MethodPost || r.Method == http.MethodPatch) {
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, `{"message":"Problems parsing JSON"}`, http.StatusBadRequest)
			return
		}
	}
	switch {
	case r.Method == http.MethodGet && route == "comments":
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		if page == 0 {
			page = 1
		}
		per, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
		if per == 0 {
			per = 30
		}
		lo, hi := min((page-1)*per, len(f.Comments)), min(page*per, len(f.Comments))
		if hi < len(f.Comments) {
			next := *r.URL
			q := next.Query()
			q.Set("page", strconv.Itoa(page+1))
			next.RawQuery = q.Encode()
			w.Header().Set("Link", fmt.Sprintf(`<%s%s>; rel="next"`, f.Server.URL, next.RequestURI()))
		}
		out := []map[string]any{}
		for _, c := range f.Comments[lo:hi] {
			out = append(out, f.commentJSON(c))
		}
		json.NewEncoder(w).Encode(out)
	case r.Method == http.MethodPost && route == "comments":
		c := Comment{ID: f.nextID, Body: body["body"].(string)}
		f.nextID++
		f.Comments = append(f.Comments, c)
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(f.commentJSON(c))
	case r.Method == http.MethodPatch && route == "comment":
		id, _ := strconv.ParseInt(reComment.FindStringSubmatch(path)[3], 10, 64)
		for i := range f.Comments {
			if f.Comments[i].ID == id {
				f.Comments[i].Body = body["body"].(string)
				json.NewEncoder(w).Encode(f.commentJSON(f.Comments[i]))
				return
			}
		}
		http.Error(w, `{"message":"Not Found"}`, http.StatusNotFound)
	case r.Method == http.MethodPost && route == "status":
		f.Statuses = append(f.Statuses, body)
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(body)
	case r.Method == http.MethodPost && route == "check-runs":
		f.CheckRuns = append(f.CheckRuns, body)
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(map[string]any{"id": 1, "html_url": f.Server.URL + "/checks/1"})
	case r.Method == http.MethodGet && route == "pull":
		json.NewEncoder(w).Encode(map[string]any{"number": PR,
			"head": map[string]any{"sha": f.HeadSHA, "repo": map[string]any{"full_name": f.HeadRepo}}})
	default:
		http.Error(w, `{"message":"Not Found"}`, http.StatusNotFound)
	}
}

func (f *Fake) commentJSON(c Comment) map[string]any {
	return map[string]any{"id": c.ID, "body": c.Body,
		"html_url": fmt.Sprintf("%s/%s/%s/pull/%d#issuecomment-%d", f.Server.URL, Owner, Repo, PR, c.ID)}
}

func routeOf(path string) string {
	switch {
	case reComments.MatchString(path):
		return "comments"
	case reComment.MatchString(path):
		return "comment"
	case reStatus.MatchString(path):
		return "status"
	case reCheckRuns.MatchString(path):
		return "check-runs"
	case rePull.MatchString(path):
		return "pull"
	}
	return path
}
