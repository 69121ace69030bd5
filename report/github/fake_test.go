package github

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

// fakeGitHub is a stateful stand-in for the few REST endpoints the gate
// uses, mounted under an arbitrary path prefix (like GHES's /api/v3). It
// keeps comments, statuses and check runs, paginates comment lists through
// the Link header, and can be told to answer the next requests of a route
// with canned failures.
type fakeGitHub struct {
	t      *testing.T
	srv    *httptest.Server
	prefix string

	mu        sync.Mutex
	comments  []fakeComment
	nextID    int64
	statuses  []map[string]any
	checkRuns []map[string]any
	calls     map[string]int // "METHOD route" → count
	failures  map[string][]cannedResponse
	auth      []string // Authorization headers seen
	headSHA   string
	headRepo  string
}

type fakeComment struct {
	ID   int64  `json:"id"`
	Body string `json:"body"`
}

type cannedResponse struct {
	status int
	header map[string]string
	body   string
}

const fakeOwner, fakeRepo, fakePR = "octo-org", "octo-repo", 7

func newFakeGitHub(t *testing.T, prefix string) *fakeGitHub {
	f := &fakeGitHub{t: t, prefix: prefix, nextID: 1000, calls: map[string]int{}, failures: map[string][]cannedResponse{},
		headSHA: strings.Repeat("ab", 20), headRepo: fakeOwner + "/" + fakeRepo}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeGitHub) url() string { return f.srv.URL + f.prefix }

// fail makes the next len(rs) requests of route answer rs in order.
func (f *fakeGitHub) fail(route string, rs ...cannedResponse) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failures[route] = append(f.failures[route], rs...)
}

func (f *fakeGitHub) count(route string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[route]
}

// seed adds n comments by other people before any of ours.
func (f *fakeGitHub) seed(n int) {
	for i := 0; i < n; i++ {
		f.comments = append(f.comments, fakeComment{ID: f.nextID, Body: fmt.Sprintf("comment %d by someone", i)})
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

func (f *fakeGitHub) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	path, ok := strings.CutPrefix(r.URL.Path, f.prefix)
	if !ok {
		http.Error(w, `{"message":"Not Found"}`, http.StatusNotFound)
		return
	}
	route := routeOf(path)
	f.calls[r.Method+" "+route]++
	f.auth = append(f.auth, r.Header.Get("Authorization"))
	if q := f.failures[r.Method+" "+route]; len(q) > 0 {
		f.failures[r.Method+" "+route] = q[1:]
		for k, v := range q[0].header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(q[0].status)
		fmt.Fprint(w, q[0].body)
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
		lo, hi := min((page-1)*per, len(f.comments)), min(page*per, len(f.comments))
		if hi < len(f.comments) {
			next := *r.URL
			q := next.Query()
			q.Set("page", strconv.Itoa(page+1))
			next.RawQuery = q.Encode()
			w.Header().Set("Link", fmt.Sprintf(`<%s%s>; rel="next"`, f.srv.URL, next.RequestURI()))
		}
		out := []map[string]any{}
		for _, c := range f.comments[lo:hi] {
			out = append(out, f.commentJSON(c))
		}
		json.NewEncoder(w).Encode(out)
	case r.Method == http.MethodPost && route == "comments":
		c := fakeComment{ID: f.nextID, Body: body["body"].(string)}
		f.nextID++
		f.comments = append(f.comments, c)
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(f.commentJSON(c))
	case r.Method == http.MethodPatch && route == "comment":
		id, _ := strconv.ParseInt(reComment.FindStringSubmatch(path)[3], 10, 64)
		for i := range f.comments {
			if f.comments[i].ID == id {
				f.comments[i].Body = body["body"].(string)
				json.NewEncoder(w).Encode(f.commentJSON(f.comments[i]))
				return
			}
		}
		http.Error(w, `{"message":"Not Found"}`, http.StatusNotFound)
	case r.Method == http.MethodPost && route == "status":
		f.statuses = append(f.statuses, body)
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(body)
	case r.Method == http.MethodPost && route == "check-runs":
		f.checkRuns = append(f.checkRuns, body)
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(map[string]any{"id": 1, "html_url": f.srv.URL + "/checks/1"})
	case r.Method == http.MethodGet && route == "pull":
		json.NewEncoder(w).Encode(map[string]any{"number": fakePR,
			"head": map[string]any{"sha": f.headSHA, "repo": map[string]any{"full_name": f.headRepo}}})
	default:
		http.Error(w, `{"message":"Not Found"}`, http.StatusNotFound)
	}
}

func (f *fakeGitHub) commentJSON(c fakeComment) map[string]any {
	return map[string]any{"id": c.ID, "body": c.Body,
		"html_url": fmt.Sprintf("%s/%s/%s/pull/%d#issuecomment-%d", f.srv.URL, fakeOwner, fakeRepo, fakePR, c.ID)}
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
