package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReportCommand(t *testing.T) {
	dir := t.TempDir()
	base := cmpResults(t, dir, "base.json", cmpProfile, 100, 10, caseV8)
	head := cmpResults(t, dir, "head.json", cmpProfile, 80, 10, caseV8)
	out := filepath.Join(dir, "report.html")
	code, stdout, stderr := cmpMain(t, "report", "--results", head, "--base", base, "-o", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, out) {
		t.Errorf("stdout does not name the report: %q", stdout)
	}
	page, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<svg", `class="regression">regression`, caseV8, "FPS per repeat"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

// TestReportBaselineFolder reads a folder of baselines as compare does, and
// judges with the same statistics flags.
func TestReportBaselineFolder(t *testing.T) {
	dir := t.TempDir()
	base := cmpResults(t, dir, "base.json", cmpProfile, 100, 10, caseV8)
	head := cmpResults(t, dir, "head.json", cmpProfile, 90, 10, caseV8)
	folder := filepath.Join(dir, "baselines")
	if err := os.Mkdir(folder, 0o755); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := cmpMain(t, "baseline", "update", "--baseline", filepath.Join(folder, "cpu.yaml"), "--results", base); code != 0 {
		t.Fatalf("baseline update: exit %d: %s", code, stderr)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"default threshold", nil, `class="regression">regression`},
		{"wider threshold", []string{"--threshold", "15%"}, `class="unchanged">`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "r.html")
			args := append([]string{"report", "--results", head, "--baseline", folder, "-o", out}, tt.args...)
			if code, _, stderr := cmpMain(t, args...); code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			page, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(page), tt.want) {
				t.Errorf("report lacks %q", tt.want)
			}
		})
	}
}

func TestReportBadInput(t *testing.T) {
	dir := t.TempDir()
	head := cmpResults(t, dir, "head.json", cmpProfile, 80, 5, caseV8)
	notJSON := filepath.Join(dir, "x.json")
	if err := os.WriteFile(notJSON, []byte("{\"schema\": 3"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "r.html")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no results", []string{"-o", out}, "--results: missing"},
		{"no output", []string{"--results", head}, "-o: missing"},
		{"both baselines", []string{"--results", head, "--base", head, "--baseline", "b.yaml", "-o", out}, "--base: conflicts with --baseline"},
		{"truncated results", []string{"--results", notJSON, "-o", out}, "x.json"},
		{"missing folder", []string{"--results", head, "-o", filepath.Join(dir, "nope", "r.html")}, "does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := cmpMain(t, append([]string{"report"}, tt.args...)...)
			if code != 2 || !strings.Contains(stderr, tt.want) || strings.Count(stderr, "\n") != 1 {
				t.Errorf("exit %d, stderr %q; want 2 and %q on one line", code, stderr, tt.want)
			}
			if _, err := os.Stat(out); err == nil {
				t.Error("a report was written despite the error")
			}
		})
	}
}

func TestGateWritesHTML(t *testing.T) {
	dir := t.TempDir()
	base := cmpResults(t, dir, "base.json", cmpProfile, 100, 10, caseV8)
	head := cmpResults(t, dir, "head.json", cmpProfile, 80, 10, caseV8)
	yaml := filepath.Join(dir, "baselines.yaml")
	if code, _, stderr := cmpMain(t, "baseline", "update", "--baseline", yaml, "--results", base); code != 0 {
		t.Fatalf("baseline update: exit %d: %s", code, stderr)
	}
	html := filepath.Join(dir, "gate.html")
	code, _, stderr := cmpMain(t, "gate", "--results", head, "--baseline", yaml, "--comment", "never", "--html", html)
	if code != 1 {
		t.Fatalf("gate: exit %d, want 1 (regression): %s", code, stderr)
	}
	page, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), `class="regression">regression`) || !strings.Contains(string(page), "<svg") {
		t.Error("the gate's HTML report lacks the regression or the charts")
	}
}
