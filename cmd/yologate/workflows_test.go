package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/yologate/yologate/report/github/githubtest"
)

// TestWorkflowActionsPinned checks that every action a workflow uses is
// this repository's own or pinned to a full commit with its version in a
// comment, as the release tooling must be. The example workflows for other
// repositories may name yologate's own action by its release tag.
func TestWorkflowActionsPinned(t *testing.T) {
	root, err := githubtest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(root, ".github", "workflows", "*.yml"))
	files = append(files, filepath.Join(root, "action.yml"))
	examples, _ := filepath.Glob(filepath.Join(root, "examples", "workflows", "*.yml"))
	files = append(files, examples...)
	if len(files) < 2 {
		t.Fatal("no workflows found")
	}
	uses := regexp.MustCompile(`^\s*(?:-\s+)?uses:\s*(\S+)(.*)$`)
	pinned := regexp.MustCompile(`^[\w.-]+/[\w./-]+@[0-9a-f]{40}$`)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(data), "\n") {
			m := uses.FindStringSubmatch(line)
			if m == nil || strings.HasPrefix(m[1], "./") || strings.HasPrefix(m[1], "yologate/yologate@") && slices.Contains(examples, f) {
				continue
			}
			if !pinned.MatchString(m[1]) || !strings.Contains(m[2], "# v") {
				t.Errorf("%s:%d: %s is not pinned to a commit with its version in a comment", filepath.Base(f), i+1, m[1])
			}
		}
	}
}
