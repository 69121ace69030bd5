package main

import (
	"fmt"
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
