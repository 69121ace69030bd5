package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yologate/yologate/internal/golden"
)

func TestBaselineUpdateAndShow(t *testing.T) {
	wd, _ := os.Getwd()
	dir := t.TempDir()
	t.Chdir(dir)
	first := cmpResults(t, ".", "first.json", cmpProfile, 12, 10, caseV8, caseV11)
	second := cmpResults(t, ".", "second.json", cmpProfile, 13, 10, caseV8, caseV11)
	code, stdout, stderr := cmpMain(t, "baseline", "update", "--baseline", "baselines.yaml", "--results", first, "--reason", "first baseline", "--author", "alice")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if want := "baselines.yaml: 0 updated, 2 added\n  added   " + cmpProfile + " | " + caseV8 + "\n  added   " + cmpProfile + " | " + caseV11 + "\n"; stdout != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", stdout, want)
	}
	// A reviewer's comment survives the next update.
	b, _ := os.ReadFile("baselines.yaml")
	commented := strings.Replace(string(b), "profiles:\n", "profiles:\n  # the CI runner; ask #perf before changing\n", 1)
	if err := os.WriteFile("baselines.yaml", []byte(commented), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = cmpMain(t, "baseline", "update", "--baseline", "baselines.yaml", "--results", second, "--case", "model=yolo11n/*", "--reason", "faster yolo11n", "--author", "bob")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	got, _ := os.ReadFile("baselines.yaml")
	t.Chdir(wd)
	golden.Check(t, "baseline_update.yaml", string(got))
	if !strings.Contains(string(got), "# the CI runner; ask #perf before changing\n") {
		t.Errorf("the comment was lost")
	}
	t.Chdir(dir)
	code, stdout, stderr = cmpMain(t, "baseline", "show", "--baseline", "baselines.yaml")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	t.Chdir(wd)
	golden.Check(t, "baseline_show.txt", stdout)
}

// TestBaselineFailuresKeepFile checks that a failing command never changes
// the baseline file: its hash is the same before and after.
func TestBaselineFailuresKeepFile(t *testing.T) {
	dir := t.TempDir()
	res := cmpResults(t, dir, "r.json", cmpProfile, 12, 10, caseV8)
	baseline := filepath.Join(dir, "baselines.yaml")
	if code, _, stderr := cmpMain(t, "baseline", "update", "--baseline", baseline, "--results", res); code != 0 {
		t.Fatal(stderr)
	}
	slow := cmpResults(t, dir, "slow.json", cmpProfile, 10, 10, caseV8)
	broken := filepath.Join(dir, "broken.yaml")
	if err := os.WriteFile(broken, []byte("schema: yologate/baselines/v1\nprofiles:\n  p: [\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	unstable := filepath.Join(dir, "unstable.json")
	data, _ := os.ReadFile(res)
	if err := os.WriteFile(unstable, []byte(strings.Replace(string(data), `"repeats"`, `"unstable": true, "repeats"`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	truncated := filepath.Join(dir, "truncated.json")
	if err := os.WriteFile(truncated, data[:len(data)/3], 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		file string
		args []string
		code int
		want string
	}{
		{"regression", baseline, []string{"compare", "--baseline", baseline, "--results", slow}, 1, "regression in 1 case(s)"},
		{"unstable results", baseline, []string{"baseline", "update", "--baseline", baseline, "--results", unstable}, 2, "is suspect (unstable) and was not recorded"},
		{"truncated results", baseline, []string{"baseline", "update", "--baseline", baseline, "--results", truncated}, 2, "invalid JSON"},
		{"no matching case", baseline, []string{"baseline", "update", "--baseline", baseline, "--results", res, "--case", "nope*"}, 2, `--case: no case matches "nope*"`},
		{"broken baseline", broken, []string{"baseline", "update", "--baseline", broken, "--results", res}, 2, "broken.yaml:3: malformed YAML"},
		{"missing flag", baseline, []string{"baseline", "update", "--baseline", baseline}, 2, "--results: missing"},
		{"unknown subcommand", baseline, []string{"baseline", "edit"}, 2, "baseline edit: unknown subcommand"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := fileHash(t, tt.file)
			code, _, stderr := cmpMain(t, tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, tt.code, tt.want)
			}
			if fileHash(t, tt.file) != before {
				t.Errorf("the failing command changed %s", tt.file)
			}
		})
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}
