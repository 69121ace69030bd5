package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMerge(t *testing.T) {
	dir := t.TempDir()
	const epyc, xeon = "cpu=AMD EPYC 7B13/threads=2", "cpu=Intel Xeon 8375C/threads=2"
	base := cmpResults(t, dir, "base.json", epyc, 40, 10, caseV8, caseV11)
	slow := cmpResults(t, dir, "slow.json", epyc, 30, 10, caseV8, caseV11)
	other := cmpResults(t, dir, "xeon.json", xeon, 25, 10, caseV8)
	baseline := filepath.Join(dir, "b.yaml")
	if code, _, stderr := cmpMain(t, "baseline", "update", "--baseline", baseline, "--results", base); code != 0 {
		t.Fatal(stderr)
	}
	report := filepath.Join(dir, "epyc-report.json")
	if code, _, stderr := cmpMain(t, "gate", "--baseline", baseline, "--results", slow, "--report", report, "--key", "perf/gate/cpu=epyc"); code != 1 {
		t.Fatalf("gate exit %d: %s", code, stderr)
	}

	t.Run("target met, no regression", func(t *testing.T) {
		code, stdout, stderr := cmpMain(t, "merge", "--target-fps", "20", base, other)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		for _, want := range []string{
			"### ✅ yologate matrix: 3 cases on 2 hardware profiles, all meet 20.00 FPS",
			"| hardware | yolov8n |",
			"| cpu=AMD EPYC 7B13/threads=2 | `imgsz=640/batch=1/ep=cpu/precision=fp32` 40.00 ✅ yes<br>`imgsz=640/batch=1/ep=cpu/precision=fp32` 40.00 ✅ yes |",
			"| cpu=Intel Xeon 8375C/threads=2 | 25.00 ✅ yes |",
		} {
			if !strings.Contains(stdout, want) {
				t.Errorf("stdout lacks %q:\n%s", want, stdout)
			}
		}
	})
	t.Run("a regressed runner and a case below target fail", func(t *testing.T) {
		a := newActionsEnv(t, false)
		code, stdout, stderr := a.main(t, "merge", "--target-fps", "28", report, other)
		if code != 1 {
			t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
		}
		if len(a.gh.Comments) != 1 || !strings.Contains(a.gh.Comments[0].Body, "25.00 ❌ no") ||
			!strings.Contains(a.gh.Comments[0].Body, "`perf/gate/cpu=epyc`") {
			t.Errorf("comments %+v", a.gh.Comments)
		}
		if len(a.gh.Statuses) != 1 || a.gh.Statuses[0]["state"] != "failure" || a.gh.Statuses[0]["context"] != "yologate/perf/gate" {
			t.Errorf("statuses %v", a.gh.Statuses)
		}
		if !strings.Contains(stdout, "::error title=yologate below target::") {
			t.Errorf("no annotation:\n%s", stdout)
		}
	})
	t.Run("bad input", func(t *testing.T) {
		bad := filepath.Join(dir, "bad.json")
		os.WriteFile(bad, []byte(`{"schema":"something/else"}`), 0o644)
		for _, args := range [][]string{{"merge"}, {"merge", bad}, {"merge", "--target-fps", "fast", base}} {
			if code, _, stderr := cmpMain(t, args...); code != 2 || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
				t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
			}
		}
	})
}
