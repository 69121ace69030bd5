package history

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/yologate/yologate/internal/errs"
)

// DefaultBranch is the branch a Git store keeps its files on.
const DefaultBranch = "yologate-history"

// Git is a store kept on a branch of a git repository, in the same layout
// as a store folder, fetched and pushed with the git command. A change is
// made on a fresh copy of the branch and pushed without force; when the
// push is rejected because another job pushed first, the change is made
// again on the new tip and pushed again. Runs never share a file, so a
// retry never has a conflict to resolve, and no run is lost. The branch is
// never rewritten.
type Git struct {
	// Remote is what git fetches from and pushes to: a URL or a path.
	Remote string
	// Branch is the branch; "" means DefaultBranch.
	Branch string
	// Dir is a local working folder for the branch; it is created when
	// missing and may be reused between calls.
	Dir string
	// Attempts bounds the pushes of one change; 0 means 30.
	Attempts int
	// Backoff is the first wait after a rejected push, doubled each time
	// up to 2 s, with jitter; 0 means 50 ms.
	Backoff time.Duration
}

// Save records run r on the branch and returns the path of its file
// inside the branch.
func (g *Git) Save(ctx context.Context, r *Run) (string, error) {
	var rel string
	err := g.change(ctx, "history: record "+r.ID, func(dir string) error {
		p, err := Save(dir, r)
		if err == nil {
			rel, _ = filepath.Rel(dir, p)
		}
		return err
	})
	return rel, err
}

// Compact compacts the branch's months that ended before before (see
// Compact) and returns how many runs it moved.
func (g *Git) Compact(ctx context.Context, before time.Time) (int, error) {
	var n int
	err := g.change(ctx, "history: compact runs before "+before.UTC().Format("2006-01"), func(dir string) error {
		var err error
		n, err = Compact(dir, before)
		return err
	})
	return n, err
}

// Read fetches the branch and reads it; a branch that does not exist yet
// is an empty history.
func (g *Git) Read(ctx context.Context) (*History, error) {
	exists, err := g.checkout(ctx)
	if err != nil {
		return nil, err
	}
	if !exists {
		return &History{}, nil
	}
	return Read(g.Dir)
}

func (g *Git) branch() string {
	if g.Branch == "" {
		return DefaultBranch
	}
	return g.Branch
}

// change applies edit to a fresh copy of the branch, commits and pushes,
// retrying on a rejected push.
func (g *Git) change(ctx context.Context, msg string, edit func(dir string) error) error {
	attempts := g.Attempts
	if attempts <= 0 {
		attempts = 30
	}
	wait := g.Backoff
	if wait <= 0 {
		wait = 50 * time.Millisecond
	}
	var last error
	for i := 0; i < attempts; i++ {
		if i > 0 {
			d := wait/2 + rand.N(wait)
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(d):
			}
			wait = min(2*wait, 2*time.Second)
		}
		if _, err := g.checkout(ctx); err != nil {
			return err
		}
		if err := edit(g.Dir); err != nil {
			return err
		}
		if _, err := g.git(ctx, "add", "-A", "--", "."); err != nil {
			return err
		}
		out, err := g.git(ctx, "-c", "user.name=yologate", "-c", "user.email=yologate@localhost", "-c", "commit.gpgsign=false",
			"commit", "-q", "--no-verify", "-m", msg)
		if err != nil {
			if strings.Contains(out, "nothing to commit") || strings.Contains(out, "nothing added to commit") {
				return nil // the change is already on the branch
			}
			return err
		}
		if _, err = g.git(ctx, "push", "-q", "origin", "HEAD:refs/heads/"+g.branch()); err == nil {
			return nil
		}
		if !rejected(err) {
			return err
		}
		last = err
	}
	return &errs.Error{Kind: errs.Env, Where: redact(g.Remote), Msg: fmt.Sprintf("branch %q: push rejected %d times: %v", g.branch(), attempts, last),
		Fix: "too many jobs record at once; rerun the job"}
}

// rejected reports whether a push failed because the branch moved on
// (another job pushed first), which a retry on the new tip resolves.
func rejected(err error) bool {
	s := err.Error()
	for _, m := range []string{"[rejected]", "non-fast-forward", "fetch first", "cannot lock ref", "failed to update ref", "incorrect old value", "[remote rejected]"} {
		if strings.Contains(s, m) {
			return true
		}
	}
	return false
}

// checkout makes g.Dir a clean copy of the remote branch's tip, or of an
// empty new branch when the remote has none; it reports which.
func (g *Git) checkout(ctx context.Context) (bool, error) {
	if _, err := os.Stat(filepath.Join(g.Dir, ".git")); err != nil {
		if err := os.MkdirAll(g.Dir, 0o755); err != nil {
			return false, &errs.Error{Kind: errs.Env, Where: g.Dir, Msg: err.Error()}
		}
		if _, err := g.git(ctx, "init", "-q"); err != nil {
			return false, err
		}
		if _, err := g.git(ctx, "remote", "add", "origin", g.Remote); err != nil {
			return false, err
		}
	}
	b := g.branch()
	remoteRef := "refs/remotes/origin/" + b
	if _, err := g.git(ctx, "fetch", "-q", "--no-tags", "origin", "+refs/heads/"+b+":"+remoteRef); err != nil {
		if !strings.Contains(err.Error(), "couldn't find remote ref") {
			return false, err
		}
		// No branch yet: start an empty one with no parent.
		if _, err := g.git(ctx, "checkout", "-q", "-f", "--orphan", "yologate-new-"+fmt.Sprint(rand.Uint32())); err != nil {
			return false, err
		}
		if _, err := g.git(ctx, "rm", "-rfq", "--cached", "--ignore-unmatch", "."); err != nil {
			return false, err
		}
		_, err := g.git(ctx, "clean", "-fdxq")
		return false, err
	}
	if _, err := g.git(ctx, "checkout", "-q", "-f", "-B", b, remoteRef); err != nil {
		return false, err
	}
	// Files a failed attempt left behind: the branch's own are tracked.
	_, err := g.git(ctx, "clean", "-fdxq", "--", "runs", "months")
	return true, err
}

// git runs the git command in g.Dir and returns its standard output; an
// error carries its standard error.
func (g *Git) git(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = g.Dir
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "LC_ALL=C")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return stdout.String(), &errs.Error{Kind: errs.Env, Where: g.Dir, Msg: redact(fmt.Sprintf("git %s: %s", args[0], strings.TrimSpace(strings.ReplaceAll(stderr.String(), "\n", " "))))}
		}
		return "", &errs.Error{Kind: errs.Env, Where: g.Dir, Msg: "running git: " + err.Error(), Fix: "install git"}
	}
	return stdout.String(), nil
}

// credentials matches the user and password of a URL.
var credentials = regexp.MustCompile(`://[^/@\s]+@`)

// redact removes credentials from URLs in s, so that a token in the
// remote's URL is never printed.
func redact(s string) string {
	return credentials.ReplaceAllString(s, "://***@")
}
