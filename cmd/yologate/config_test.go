package main

import (
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
