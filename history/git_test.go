package history

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func needGit(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed: the git store cannot be tested")
	}
}

func gitOut(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// Twenty recorders push to one branch of a local bare repository at once:
// every run arrives, and the branch only ever moved forward.
func TestGitConcurrentRecorders(t *testing.T) {
	needGit(t)
	root := t.TempDir()
	remote := filepath.Join(root, "remote.git")
	gitOut(t, root, "init", "-q", "--bare", remote)
	// The remote refuses any push that is not a fast-forward, as a
	// protected branch does: a force push would fail the test.
	gitOut(t, remote, "config", "receive.denyNonFastForwards", "true")
	gitOut(t, remote, "config", "receive.denyDeletes", "true")

	const recorders = 20
	r := rand.New(rand.NewPCG(9, 10))
	runs := make([]*Run, recorders)
	for i := range runs {
		runs[i] = synthRun(r, time.Date(2026, 12, 4, 12, 0, i, 0, time.UTC), 3, 10, 100)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	errc := make(chan error, recorders)
	for i := 0; i < recorders; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			g := &Git{Remote: remote, Dir: filepath.Join(root, fmt.Sprintf("job%d", i)), Attempts: 200, Backoff: 20 * time.Millisecond}
			if _, err := g.Save(ctx, runs[i]); err != nil {
				errc <- fmt.Errorf("recorder %d: %w", i, err)
			}
		}(i)
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	reader := &Git{Remote: remote, Dir: filepath.Join(root, "reader")}
	h, err := reader.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Runs) != recorders || len(h.Warnings) > 0 {
		t.Fatalf("%d runs on the branch (warnings %v), want %d", len(h.Runs), h.Warnings, recorders)
	}
	// One commit per run, in one line of history.
	if n := gitOut(t, remote, "rev-list", "--count", DefaultBranch); n != fmt.Sprint(recorders) {
		t.Errorf("%s commits on the branch, want %d", n, recorders)
	}
	if merges := gitOut(t, remote, "rev-list", "--merges", DefaultBranch); merges != "" {
		t.Errorf("merge commits on the branch: %s", merges)
	}
	// Recording a run that is already there changes nothing.
	before := gitOut(t, remote, "rev-parse", DefaultBranch)
	if _, err := (&Git{Remote: remote, Dir: filepath.Join(root, "job1")}).Save(ctx, runs[1]); err != nil {
		t.Fatal(err)
	}
	if after := gitOut(t, remote, "rev-parse", DefaultBranch); after != before {
		t.Errorf("recording a run twice moved the branch from %s to %s", before, after)
	}
	// Compaction is one more commit on top; the runs stay.
	if n, err := reader.Compact(ctx, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil || n != recorders {
		t.Fatalf("Compact: %d, %v", n, err)
	}
	h, err = (&Git{Remote: remote, Dir: filepath.Join(root, "job0")}).Read(ctx)
	if err != nil || len(h.Runs) != recorders || !h.Runs[0].Summarized {
		t.Fatalf("after compaction: %v, %d runs", err, len(h.Runs))
	}
}

func TestGitErrors(t *testing.T) {
	needGit(t)
	g := &Git{Remote: filepath.Join(t.TempDir(), "missing.git"), Dir: filepath.Join(t.TempDir(), "w")}
	_, err := g.Read(context.Background())
	if err == nil || !strings.Contains(err.Error(), "git fetch") {
		t.Errorf("reading a missing remote: %v, want a git fetch error", err)
	}
	if got := redact("fatal: unable to access 'https://x-access-token:ghs_secret@github.com/o/r/'"); strings.Contains(got, "ghs_secret") {
		t.Errorf("redact left the token in: %s", got)
	}
}
