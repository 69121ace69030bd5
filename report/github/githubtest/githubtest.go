// Package githubtest runs GitHub's REST API contract for tests: Prism
// (npm @stoplight/prism-cli) serving GitHub's official OpenAPI description
// (npm @octokit/openapi) in --errors mode, so that a request that does not
// match the description is answered 422. Both come pinned from
// .ci/npm/package-lock.json, installed by `make setup` into .cache/npm.
package githubtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// startTimeout bounds Prism's start: it parses the 13 MB description for
// 15–40 s on a loaded two-core machine.
const startTimeout = 3 * time.Minute

// ModuleRoot returns the directory holding go.mod above the working directory.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// NodeModules returns the node_modules directory of the pinned test tools
// (YOLOGATE_NPM_MODULES, else .cache/npm/node_modules in the module root),
// or skips t with the reason when they are not installed.
func NodeModules(t testing.TB) string {
	t.Helper()
	dir, err := nodeModules()
	if err != nil {
		t.Skipf("npm test tools absent (%v): run make setup, which installs them", err)
	}
	return dir
}

func nodeModules() (string, error) {
	dir := os.Getenv("YOLOGATE_NPM_MODULES")
	if dir == "" {
		root, err := ModuleRoot()
		if err != nil {
			return "", err
		}
		dir = filepath.Join(root, ".cache", "npm", "node_modules")
	}
	for _, need := range []string{prismBin, openAPISpec} {
		if _, err := os.Stat(filepath.Join(dir, need)); err != nil {
			return "", err
		}
	}
	if _, err := exec.LookPath("node"); err != nil {
		return "", err
	}
	return dir, nil
}

const (
	prismBin    = "@stoplight/prism-cli/dist/index.js"
	openAPISpec = "@octokit/openapi/generated/api.github.com.json"
)

// Exchange is one request the proxy forwarded and Prism's answer.
type Exchange struct {
	Method, Path string
	Status       int
	// Body is the start of Prism's answer, for failure messages.
	Body string
}

func (e Exchange) String() string {
	return fmt.Sprintf("%s %s → %d %s", e.Method, e.Path, e.Status, e.Body)
}

// Prism is a running Prism mock server behind a proxy. The proxy rewrites
// Accept to application/json (Prism answers 406 to GitHub's vendor media
// type) and forwards method, path, query and body unchanged.
type Prism struct {
	// URL is the proxy's base URL, to be used as GITHUB_API_URL.
	URL string

	cmd    *exec.Cmd
	done   chan struct{}
	proxy  *httptest.Server
	target string
	log    bytes.Buffer // Prism's output, for failure messages

	mu        sync.Mutex
	exchanges []Exchange
	prefer    []preferRule
	rewrite   func(method, path string, body []byte) []byte
}

type preferRule struct {
	method string
	path   *regexp.Regexp
	prefer string
}

// Start starts Prism on a free 127.0.0.1 port with nodeModules' tools and
// waits until it answers. The caller must Close it; Prism runs in its own
// process group, which Close kills, and dies with the test process.
func Start(nodeModules string) (*Prism, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	p := &Prism{target: fmt.Sprintf("http://127.0.0.1:%d", port), done: make(chan struct{})}
	p.cmd = exec.Command("node", filepath.Join(nodeModules, prismBin), "mock", "--errors",
		"-h", "127.0.0.1", "-p", fmt.Sprint(port), filepath.Join(nodeModules, openAPISpec))
	p.cmd.Stdout = &syncWriter{mu: &p.mu, w: &p.log}
	p.cmd.Stderr = p.cmd.Stdout
	p.cmd.SysProcAttr = procAttr()
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting prism: %w", err)
	}
	go func() { p.cmd.Wait(); close(p.done) }()
	if err := p.waitReady(); err != nil {
		p.Close()
		return nil, err
	}
	p.proxy = httptest.NewServer(http.HandlerFunc(p.forward))
	p.URL = p.proxy.URL
	return p, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (p *Prism) waitReady() error {
	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			return fmt.Errorf("prism exited during start: %s", p.Log())
		default:
		}
		resp, err := http.Get(p.target + "/")
		if err == nil {
			resp.Body.Close()
			return nil
		}
		time.Sleep(250 * time.Millisecond)
	}
	return fmt.Errorf("prism did not answer within %s: %s", startTimeout, p.Log())
}

// Close stops the proxy and kills Prism's process group.
func (p *Prism) Close() {
	if p.proxy != nil {
		p.proxy.Close()
	}
	if p.cmd == nil || p.cmd.Process == nil {
		return
	}
	pgid := p.cmd.Process.Pid
	syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		syscall.Kill(-pgid, syscall.SIGKILL)
		<-p.done
	}
}

// Log returns the end of Prism's own output.
func (p *Prism) Log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.log.String()
	if len(s) > 2000 {
		s = s[len(s)-2000:]
	}
	return s
}

// Exchanges returns the requests forwarded since the last Reset.
func (p *Prism) Exchanges() []Exchange {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Exchange(nil), p.exchanges...)
}

// Reset forgets the recorded exchanges, Prefer rules and rewrite hook.
func (p *Prism) Reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.exchanges, p.prefer, p.rewrite = nil, nil, nil
}

// Prefer sends Prism's Prefer header (such as "code=403" for the described
// 403 answer, or "dynamic=true" for an answer generated from the schema
// where the description's example is invalid) on requests matching method
// and the path pattern. The request is still validated first: an invalid
// one gets 422 instead.
func (p *Prism) Prefer(method, pathPattern, prefer string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.prefer = append(p.prefer, preferRule{method, regexp.MustCompile(pathPattern), prefer})
}

// RewriteResponses sets a hook that may change Prism's answer bodies, to
// give the client a state the static examples lack (such as a comment that
// carries the gate's marker).
func (p *Prism) RewriteResponses(f func(method, path string, body []byte) []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rewrite = f
}

func (p *Prism) forward(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	// A stuck mock must fail the test, not hang it.
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, r.Method, p.target+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	req.Header = r.Header.Clone()
	req.Header.Set("Accept", "application/json")
	p.mu.Lock()
	for _, rule := range p.prefer {
		if rule.method == r.Method && rule.path.MatchString(r.URL.Path) {
			req.Header.Set("Prefer", rule.prefer)
		}
	}
	rewrite := p.rewrite
	p.mu.Unlock()
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		p.mu.Lock()
		p.exchanges = append(p.exchanges, Exchange{Method: r.Method, Path: r.URL.RequestURI(), Status: http.StatusBadGateway, Body: err.Error()})
		p.mu.Unlock()
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if rewrite != nil {
		out = rewrite(r.Method, r.URL.Path, out)
	}
	ex := Exchange{Method: r.Method, Path: r.URL.RequestURI(), Status: resp.StatusCode, Body: string(out[:min(len(out), 300)])}
	p.mu.Lock()
	p.exchanges = append(p.exchanges, ex)
	p.mu.Unlock()
	for k, vs := range resp.Header {
		if strings.EqualFold(k, "Content-Length") {
			continue
		}
		w.Header()[k] = vs
	}
	w.WriteHeader(resp.StatusCode)
	w.Write(out)
}

// syncWriter serializes writes into a buffer read under the same lock.
type syncWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(b)
}
