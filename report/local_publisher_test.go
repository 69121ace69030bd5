package report

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLocalPublisher prints what GitHub would show: a commit status has no
// neutral state, so an inconclusive gate reads success there and neutral
// only as a check run; a comment the policy does not post is said to be
// not written.
func TestLocalPublisher(t *testing.T) {
	dir := t.TempDir()
	inconclusive := &Outcome{Key: "local", Verdict: "inconclusive", State: StateNeutral, Title: "inconclusive", Markdown: "# c"}
	for _, tc := range []struct {
		name     string
		p        LocalPublisher
		want     []string
		wantFile bool
	}{
		{"status", LocalPublisher{CommentPath: filepath.Join(dir, "a.md")}, []string{"status yologate/local: success: inconclusive", "comment: written to"}, true},
		{"check run", LocalPublisher{CheckRun: true}, []string{"check run yologate/local: neutral: inconclusive"}, false},
		{"comment never", LocalPublisher{CommentPath: filepath.Join(dir, "b.md"), Policy: CommentNever}, []string{"comment: not written to", "--comment never"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			tc.p.Out = &out
			if err := tc.p.Publish(context.Background(), inconclusive); err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
			if tc.p.CommentPath != "" {
				_, err := os.Stat(tc.p.CommentPath)
				if (err == nil) != tc.wantFile {
					t.Errorf("comment file written = %v, want %v", err == nil, tc.wantFile)
				}
			}
		})
	}
}
