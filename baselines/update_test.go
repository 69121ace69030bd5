package baselines

import (
	"testing"

	"github.com/yologate/yologate/runner/results"
)

func TestUpdateOptionsFromEnv(t *testing.T) {
	vars := map[string]string{"GITHUB_ACTOR": "octocat", "USER": "ci", "GITHUB_SHA": "abc123"}
	getenv := func(k string) string { return vars[k] }
	noCI := &results.File{}
	withCI := &results.File{Fingerprint: results.Fingerprint{CI: &results.CI{Commit: "def456"}}}
	tests := []struct {
		name               string
		in                 UpdateOptions
		res                *results.File
		author, commit     string
		withoutGitHubActor bool
	}{
		{"from the environment", UpdateOptions{}, noCI, "octocat", "abc123", false},
		{"given values stay", UpdateOptions{Author: "me", Commit: "fff"}, noCI, "me", "fff", false},
		{"the results' CI commit wins", UpdateOptions{}, withCI, "octocat", "", false},
		{"USER without GITHUB_ACTOR", UpdateOptions{}, noCI, "ci", "abc123", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := getenv
			if tt.withoutGitHubActor {
				env = func(k string) string {
					if k == "GITHUB_ACTOR" {
						return ""
					}
					return vars[k]
				}
			}
			o := tt.in
			o.FromEnv(env, tt.res)
			if o.Author != tt.author || o.Commit != tt.commit {
				t.Errorf("author %q, commit %q; want %q, %q", o.Author, o.Commit, tt.author, tt.commit)
			}
		})
	}
}
