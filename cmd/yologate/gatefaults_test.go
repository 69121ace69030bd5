package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/yologate/yologate/report/github/githubtest"
)

// TestGateExitCodeSurvivesGitHubFaults checks that what GitHub answers never
// changes the gate's exit code: a pass stays 0 and a regression stays 1,
// with a warning on stderr and in the annotations.
func TestGateExitCodeSurvivesGitHubFaults(t *testing.T) {
	dir := t.TempDir()
	base := cmpResults(t, dir, "base.json", cmpProfile, 12, 10, caseV8, caseV11)
	same := cmpResults(t, dir, "same.json", cmpProfile, 12, 10, caseV8, caseV11)
	slow := cmpResults(t, dir, "slow.json", cmpProfile, 10.2, 10, caseV8, caseV11)
	baseline := filepath.Join(dir, "baselines.yaml")
	if code, _, stderr := cmpMain(t, "baseline", "update", "--baseline", baseline, "--results", base, "--reason", "first"); code != 0 {
		t.Fatalf("baseline update: exit %d: %s", code, stderr)
	}
	t.Run("merge keeps exit 0 on 401", func(t *testing.T) {
		a := newActionsEnv(t, false)
		report := filepath.Join(a.dir, "gate.json")
		if code, _, stderr := a.main(t, "gate", "--baseline", baseline, "--results", same, "--report", report); code != 0 {
			t.Fatalf("gate: exit %d: %s", code, stderr)
		}
		bad := githubtest.Canned{Status: 401, Body: `{"message":"Bad credentials"}`}
		a.gh.Fail("GET comments", bad)
		a.gh.Fail("POST status", bad)
		code, stdout, stderr := a.main(t, "merge", report)
		if code != 0 || !strings.Contains(stderr, "yologate: warning: GitHub API") {
			t.Fatalf("merge: exit %d, want 0 with a warning\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
		}
	})
	faults := []githubtest.Canned{
		{Status: 401, Body: `{"message":"Bad credentials"}`},
		{Status: 404, Body: `{"message":"Not Found"}`},
		{Status: 422, Body: `{"message":"Validation Failed"}`},
	}
	for _, fault := range faults {
		for _, tc := range []struct {
			results string
			code    int
			verdict string
		}{{same, 0, "unchanged"}, {slow, 1, "regression"}} {
			t.Run(strings.Fields(fault.Body)[1]+"/"+tc.verdict, func(t *testing.T) {
				a := newActionsEnv(t, false)
				a.gh.Fail("GET comments", fault)
				a.gh.Fail("POST status", fault)
				code, stdout, stderr := a.main(t, "gate", "--baseline", baseline, "--results", tc.results)
				if code != tc.code {
					t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, stdout, stderr)
				}
				if out := a.outputs(t); out["verdict"] != tc.verdict {
					t.Errorf("verdict output %q, want %q", out["verdict"], tc.verdict)
				}
				if !strings.Contains(stdout, "::warning title=yologate::yologate could not") {
					t.Errorf("no warning annotation:\n%s", stdout)
				}
				if fault.Status != 404 && !strings.Contains(stderr, "yologate: warning: GitHub API") {
					t.Errorf("no warning on stderr:\n%s", stderr)
				}
				if strings.Contains(stdout+stderr+a.file(t, "summary.md")+a.file(t, "output"), gateToken) {
					t.Errorf("the token leaked")
				}
			})
		}
	}
}
