package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHistoryCommands records a main branch whose FPS steps down 10% at
// its seventh run, then shows and checks it: the change point names that
// commit, check fails on it, and a drift budget against the first commit
// is spent.
func TestHistoryCommands(t *testing.T) {
	dir := t.TempDir()
	hist := filepath.Join(dir, "history")
	for i := range 14 {
		fps := 100.0 + 0.3*float64(i%3)
		if i >= 7 {
			fps = 90 + 0.3*float64(i%3)
		}
		res := cmpResults(t, dir, fmt.Sprintf("run%d.json", i), cmpProfile, fps, 10, caseV8)
		commit := fmt.Sprintf("%02d%038x", i, i)
		date := fmt.Sprintf("2026-11-%02dT10:00:00Z", i+1)
		if code, out, errOut := cmpMain(t, "history", "record", "--history", hist, "--results", res, "--commit", commit, "--date", date); code != 0 {
			t.Fatalf("record %d: exit %d\n%s%s", i, code, out, errOut)
		}
	}
	code, out, errOut := cmpMain(t, "history", "show", "--history", hist)
	if code != 0 || !strings.Contains(out, caseV8) || !strings.Contains(out, "070000000000 -10.") {
		t.Fatalf("show: exit %d, want the change point at commit 0700000:\n%s%s", code, out, errOut)
	}
	code, out, _ = cmpMain(t, "history", "check", "--history", hist)
	if code != 1 || !strings.Contains(out, "newest change point, at 070000000000") {
		t.Errorf("check: exit %d, want 1 naming the change point:\n%s", code, out)
	}
	code, out, _ = cmpMain(t, "history", "check", "--history", hist, "--case", "model=other*")
	if code != 0 {
		t.Errorf("check of no case: exit %d\n%s", code, out)
	}
	code, out, _ = cmpMain(t, "history", "check", "--history", hist, "--drift-budget", "5%", "--reference", "0000000")
	if code != 1 || !strings.Contains(out, "past the 5% budget") {
		t.Errorf("drift budget: exit %d, want 1 and the budget spent:\n%s", code, out)
	}
	for _, bad := range [][]string{
		{"history", "record", "--history", hist, "--results", filepath.Join(dir, "run0.json"), "--date", "yesterday"},
		{"history", "show"},
		{"history", "show", "--history", hist, "--metric", "watts"},
		{"history", "check", "--history", hist, "--drift-budget", "5%"},
		{"history", "forget"},
	} {
		if code, _, errOut := cmpMain(t, bad...); code != 2 || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
			t.Errorf("%v: exit %d, want 2 with one line:\n%s", bad, code, errOut)
		}
	}
}

// TestCompareWithHistory compares a run with main's recorded runs: without
// a baseline, main's recent runs are the old side, and the verdict says it
// used their run-to-run spread.
func TestCompareWithHistory(t *testing.T) {
	dir := t.TempDir()
	hist := filepath.Join(dir, "history")
	for i := range 8 {
		res := cmpResults(t, dir, fmt.Sprintf("run%d.json", i), cmpProfile, 100+0.4*float64(i%4), 10, caseV8)
		if code, out, errOut := cmpMain(t, "history", "record", "--history", hist, "--results", res,
			"--commit", fmt.Sprintf("%040x", i+1), "--date", fmt.Sprintf("2026-11-%02dT10:00:00Z", i+1)); code != 0 {
			t.Fatalf("record: exit %d\n%s%s", code, out, errOut)
		}
	}
	same := cmpResults(t, dir, "same.json", cmpProfile, 100.5, 10, caseV8)
	slow := cmpResults(t, dir, "slow.json", cmpProfile, 85, 10, caseV8)
	code, out, errOut := cmpMain(t, "compare", "--history", hist, "--results", same)
	if code != 0 || !strings.Contains(out, "verdict: unchanged") || !strings.Contains(out, "runs of main") {
		t.Errorf("same: exit %d, want unchanged judged with main's runs:\n%s%s", code, out, errOut)
	}
	code, out, errOut = cmpMain(t, "compare", "--history", hist, "--results", slow)
	if code != 1 || !strings.Contains(out, "regression") {
		t.Errorf("slow: exit %d, want a regression:\n%s%s", code, out, errOut)
	}
}

// recordMain records n runs of main at about fps into a new history folder
// and returns it.
func recordMain(t *testing.T, dir string, n int, fps float64) string {
	t.Helper()
	hist := filepath.Join(dir, "history")
	for i := range n {
		res := cmpResults(t, dir, fmt.Sprintf("main%d.json", i), cmpProfile, fps*(1+0.004*float64(i%4)), 10, caseV8)
		if code, out, errOut := cmpMain(t, "history", "record", "--history", hist, "--results", res,
			"--commit", fmt.Sprintf("%040x", i+1), "--date", fmt.Sprintf("2026-11-%02dT10:00:00Z", i+1)); code != 0 {
			t.Fatalf("record: exit %d\n%s%s", code, out, errOut)
		}
	}
	return hist
}

// TestGateWithHistory runs the gate in simulated GitHub Actions with
// main's history: a pull request reads it (the comment says the verdict
// used 8 runs of main and draws no trend for an unchanged case); a push to
// the default branch, with the history and a drift budget set in
// .yologate.yml, also records its run under the pushed commit.
func TestGateWithHistory(t *testing.T) {
	dir := t.TempDir()
	hist := recordMain(t, dir, 8, 100)
	base := cmpResults(t, dir, "base.json", cmpProfile, 100, 10, caseV8)
	same := cmpResults(t, dir, "same.json", cmpProfile, 100.4, 10, caseV8)
	baseline := filepath.Join(dir, "baselines.yaml")
	if code, _, stderr := cmpMain(t, "baseline", "update", "--baseline", baseline, "--results", base, "--reason", "first"); code != 0 {
		t.Fatalf("baseline update: exit %d: %s", code, stderr)
	}

	a := newActionsEnv(t, false)
	code, stdout, stderr := a.main(t, "gate", "--baseline", baseline, "--results", same, "--history", hist)
	if code != 0 || len(a.gh.Comments) != 1 {
		t.Fatalf("pull request: exit %d, %d comments\n%s%s", code, len(a.gh.Comments), stdout, stderr)
	}
	if body := a.gh.Comments[0].Body; !strings.Contains(body, "📈 Judged with 8 runs of main's history") || strings.Contains(body, "FPS of main and this run") {
		t.Errorf("comment:\n%s", body)
	}
	if !strings.Contains(stderr, "main's history: reading (a pull_request event, not a push to the default branch)") {
		t.Errorf("stderr does not say why the run is not recorded:\n%s", stderr)
	}

	push := filepath.Join(dir, "push.json")
	sha := strings.Repeat("c", 40)
	if err := os.WriteFile(push, []byte(`{"ref":"refs/heads/main","after":"`+sha+`","repository":{"full_name":"acme/detector","default_branch":"main"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "yologate.yml")
	if err := os.WriteFile(cfg, []byte("history: "+hist+"\ndrift_budget: 5%\ndrift_reference: "+fmt.Sprintf("%040x", 1)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	a = newActionsEnv(t, false)
	a.vars["GITHUB_EVENT_NAME"], a.vars["GITHUB_EVENT_PATH"], a.vars["GITHUB_REF"] = "push", push, "refs/heads/main"
	html := filepath.Join(dir, "report.html")
	code, stdout, stderr = a.main(t, "gate", "--config", cfg, "--baseline", baseline, "--results", same, "--html", html)
	if code != 0 {
		t.Fatalf("push: exit %d\n%s%s", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "recorded this run in main's history: runs/") || !strings.Contains(a.file(t, "summary.md"), "Recorded as a run of main") {
		t.Errorf("the run was not recorded, or the summary does not say so:\n%s", stderr)
	}
	code, out, _ := cmpMain(t, "history", "show", "--history", hist)
	if code != 0 || !strings.Contains(out, "  9  ") {
		t.Errorf("history after the push: exit %d, want 9 runs:\n%s", code, out)
	}
	page, err := os.ReadFile(html)
	if err != nil || !strings.Contains(string(page), "FPS on main") || !strings.Contains(string(page), "<td>drift budget</td>") {
		t.Errorf("the HTML report lacks the trend or the drift budget (%v)", err)
	}
	// A run that cannot be recorded fails a passing gate: the environment.
	a = newActionsEnv(t, false)
	a.vars["GITHUB_EVENT_NAME"], a.vars["GITHUB_EVENT_PATH"] = "push", push
	blocked := filepath.Join(dir, "blocked")
	if err := os.WriteFile(blocked, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = a.main(t, "gate", "--baseline", baseline, "--results", same, "--history", blocked)
	if code != 3 {
		t.Errorf("recording into a file that is not a folder: exit %d, want 3\n%s", code, stderr)
	}
}

// TestHistoryCheckConfig: history check takes its drift budget from
// .yologate.yml, written with underscores; show ignores it.
func TestHistoryCheckConfig(t *testing.T) {
	dir := t.TempDir()
	hist := filepath.Join(dir, "history")
	for i := range 12 {
		fps := 100 * (1 - 0.02*float64(i/4)) * (1 + 0.002*float64(i%2))
		res := cmpResults(t, dir, fmt.Sprintf("run%d.json", i), cmpProfile, fps, 10, caseV8)
		if code, out, errOut := cmpMain(t, "history", "record", "--history", hist, "--results", res,
			"--commit", fmt.Sprintf("%02d%038x", i, i), "--date", fmt.Sprintf("2026-11-%02dT10:00:00Z", i+1)); code != 0 {
			t.Fatalf("record: exit %d\n%s%s", code, out, errOut)
		}
	}
	cfg := filepath.Join(dir, "yologate.yml")
	write := func(body string) {
		if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("history: " + hist + "\ndrift_budget: 3%\ndrift_reference: 0000000\n")
	if code, out, errOut := cmpMain(t, "history", "check", "--config", cfg); code != 1 || !strings.Contains(out, "past the 3% budget") {
		t.Errorf("check: exit %d, want 1 with the budget spent:\n%s%s", code, out, errOut)
	}
	write("history: " + hist + "\ndrift_budget: 3%\ndrift_reference: no-such-tag\n")
	if code, out, errOut := cmpMain(t, "history", "show", "--config", cfg); code != 0 || !strings.Contains(out, caseV8) {
		t.Errorf("show: exit %d, want 0 whatever the drift reference:\n%s%s", code, out, errOut)
	}
}
