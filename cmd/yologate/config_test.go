package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yologate/yologate/runner/results"
)

// TestConfigFile: .yologate.yml in the working directory sets the protocol
// and the cases; a flag on the command line wins; a bad file is named with
// its position.
func TestConfigFile(t *testing.T) {
	for _, e := range ortEnv(t) {
		if v, ok := strings.CutPrefix(e, "YOLOGATE_ORT_LIB="); ok {
			t.Setenv("YOLOGATE_ORT_LIB", v) // absolute: the test changes directory
		}
	}
	dir := t.TempDir()
	t.Chdir(dir)
	cfg := "version: 1\ncount: 2\nbenchtime: 5x\nwarmup: 0\nthreshold: 7%\ncases:\n  - model: yolov8n\n    imgsz: [64, 96]\n"
	if err := os.WriteFile(".yologate.yml", []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runMain(t, "run", "--out", "a.json", "--quiet")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	f, err := results.Read(filepath.Join(dir, "a.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Cases) != 2 || f.Cases[0].Width != 64 || f.Cases[1].Width != 96 || len(f.Cases[0].Repeats) != 2 {
		t.Fatalf("cases from the config: %d cases, first %dpx with %d repeats", len(f.Cases), f.Cases[0].Width, len(f.Cases[0].Repeats))
	}
	// Flags win: --count, and --imgsz replaces the config's cases.
	code, _, stderr = runMain(t, "run", "--out", "b.json", "--quiet", "--count", "3", "--imgsz", "64")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if f, err = results.Read(filepath.Join(dir, "b.json")); err != nil {
		t.Fatal(err)
	}
	if len(f.Cases) != 1 || len(f.Cases[0].Repeats) != 3 {
		t.Fatalf("flags did not win: %d cases, %d repeats", len(f.Cases), len(f.Cases[0].Repeats))
	}

	if err := os.WriteFile("bad.yml", []byte("version: 1\ncount: many\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runMain(t, "run", "--config", "bad.yml", "--out", "c.json")
	if code != 2 || !strings.HasPrefix(stderr, "yologate: bad.yml:2:8: count:") {
		t.Errorf("bad config: exit %d, %q", code, stderr)
	}
	if err := os.WriteFile(".yologate.yml", []byte("treshold: 5%\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runMain(t, "compare", "a.json", "b.json")
	if code != 2 || !strings.Contains(stderr, ".yologate.yml:1:1: unknown key \"treshold\"") {
		t.Errorf("unknown key: exit %d, %q", code, stderr)
	}
	if _, err := os.Stat("c.json"); err == nil {
		t.Error("a results file was written despite the bad config")
	}
}

// TestConfigErrorsNameTheKey: an error about a value the config file set
// names the file's key and position, not a flag the user never typed; run
// settings in the file do not stop a gate that compares given results.
func TestConfigErrorsNameTheKey(t *testing.T) {
	needORT(t)
	dir := t.TempDir()
	res := cmpResults(t, dir, "r.json", cmpProfile, 12, 10, caseV8)
	baseline := filepath.Join(dir, "b.yaml")
	if code, _, stderr := cmpMain(t, "baseline", "update", "--baseline", baseline, "--results", res); code != 0 {
		t.Fatal(stderr)
	}
	doc, err := os.ReadFile("../../docs/config.md")
	if err != nil {
		t.Fatal(err)
	}
	_, example, _ := strings.Cut(string(doc), "```yaml\n")
	example, _, _ = strings.Cut(example, "```")
	quick := []string{"--imgsz", "64", "--count", "1", "--benchtime", "1x", "--warmup", "0", "--quiet", "--threads", "1"}
	tests := []struct {
		name, config string
		args         []string
		code         int
		want         string
	}{
		{"precision the provider cannot run", "ep: cpu\nprecision: fp16\n", append([]string{"run", "--model", "yolov8n"}, quick...),
			2, "cfg.yml:2:12: precision: model yolov8n is fp32 and the cpu provider cannot run it as fp16"},
		{"a case's own precision", "ep: cpu\ncases:\n  - model: yolov8n\n    precision: fp16\n", []string{"run", "--count", "1", "--benchtime", "1x", "--warmup", "0", "--quiet"},
			2, "cfg.yml:4:16: precision: model yolov8n is fp32 and the cpu provider cannot run it as fp16"},
		{"pairs below the count", "base: yolov8n\nmax-count: 3\ncount: 10\n", []string{"gate", "--model", "yolov8n", "--comment", "never"},
			2, "cfg.yml:2:12: max-count: max count 3 is below --count 10"},
		{"the documented example beside --results", example, []string{"gate", "--baseline", baseline, "--results", res, "--comment", "never"}, 0, "verdict: unchanged"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := filepath.Join(t.TempDir(), "cfg.yml")
			if err := os.WriteFile(cfg, []byte(tt.config), 0o644); err != nil {
				t.Fatal(err)
			}
			code, stdout, stderr := runMain(t, append(append([]string{}, tt.args[0], "--config", cfg), tt.args[1:]...)...)
			if code != tt.code || !strings.Contains(stdout+stderr, tt.want) {
				t.Errorf("exit %d, want %d with %q\nstdout:\n%s\nstderr:\n%s", code, tt.code, tt.want, stdout, stderr)
			}
			if tt.code == 2 && !strings.HasPrefix(stderr, "yologate: "+filepath.Dir(cfg)+"/") {
				t.Errorf("the error does not start at the file: %q", stderr)
			}
		})
	}
}

// TestBaselineUpdateReadsConfig: baseline update and show take the
// config file's baseline, as the gate does, so a team names it once.
func TestBaselineUpdateReadsConfig(t *testing.T) {
	dir := t.TempDir()
	res := cmpResults(t, dir, "r.json", cmpProfile, 12, 10, caseV8)
	cfg := filepath.Join(dir, "cfg.yml")
	folder := filepath.Join(dir, "baselines") + "/"
	if err := os.WriteFile(cfg, []byte("baseline: "+folder+"\ncount: 10\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, stdout, stderr := cmpMain(t, "baseline", "update", "--config", cfg, "--results", res); code != 0 || !strings.HasPrefix(stdout, folder+": 0 updated, 1 added") {
		t.Fatalf("baseline update: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if code, stdout, stderr := cmpMain(t, "baseline", "show", "--config", cfg); code != 0 || !strings.Contains(stdout, "yolov8n") {
		t.Errorf("baseline show: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if _, err := os.Stat(filepath.Join(folder, "cpu-amd-epyc-7b13-threads-2.yaml")); err != nil {
		t.Error(err)
	}
}

// TestFlagsFromEnvironment: YOLOGATE_FLAGS, a runner's flags for every
// job, sets what the command line did not, over the config file; a run
// flag in it does not stop a gate that compares given results.
func TestFlagsFromEnvironment(t *testing.T) {
	dir := t.TempDir()
	res := cmpResults(t, dir, "r.json", cmpProfile, 12, 10, caseV8)
	baseline := filepath.Join(dir, "b.yaml")
	if code, _, stderr := cmpMain(t, "baseline", "update", "--baseline", baseline, "--results", res); code != 0 {
		t.Fatal(stderr)
	}
	cfg := filepath.Join(dir, "cfg.yml")
	if err := os.WriteFile(cfg, []byte("threshold: 1%\nformat: json\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	main := func(env string, args ...string) (int, string, string) {
		var o, e bytes.Buffer
		c := &Command{Stdout: &o, Stderr: &e, Getenv: func(k string) string {
			if k == "YOLOGATE_FLAGS" {
				return env
			}
			return ""
		}, Ctx: context.Background()}
		code := c.Main(args)
		return code, o.String(), e.String()
	}
	code, stdout, stderr := main("--threshold=9% --count=3 --format=text", "gate", "--config", cfg, "--baseline", baseline, "--results", res, "--comment", "never")
	if code != 0 || !strings.Contains(stdout, "threshold 9%") {
		t.Errorf("exit %d, want 0 with the environment's threshold over the file's\n%s\n%s", code, stdout, stderr)
	}
	code, _, stderr = main("--count=ten", "gate", "--baseline", baseline, "--results", res)
	if code != 2 || !strings.Contains(stderr, `YOLOGATE_FLAGS: --count: "ten" is not a whole number`) {
		t.Errorf("exit %d, %q; want 2 naming YOLOGATE_FLAGS", code, stderr)
	}
}
