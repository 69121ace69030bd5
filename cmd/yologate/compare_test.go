package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/yologate/yologate/compare"
	"github.com/yologate/yologate/runner/results"
)

// cmpMain runs yologate with args and returns the exit code and streams.
func cmpMain(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	c := &Command{Stdout: &o, Stderr: &e, Getenv: func(string) string { return "" }, Ctx: context.Background()}
	code = c.Main(args)
	return code, o.String(), e.String()
}

const cmpProfile = "cpu=AMD EPYC 7B13/threads=2"

// cmpResults writes a valid results file with one case per id: count
// repeats with FPS spread ±1% around fps.
func cmpResults(t *testing.T, dir, name, profile string, fps float64, count int, ids ...string) string {
	t.Helper()
	f := &results.File{
		Schema: results.Schema, Status: results.StatusComplete,
		Started:  time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC),
		Finished: time.Date(2026, 11, 25, 9, 5, 0, 0, time.UTC),
		Fingerprint: results.Fingerprint{
			Host:     results.Host{CPUModel: "AMD EPYC 7B13", CPUCores: 2, OS: "linux", Arch: "amd64"},
			Runtime:  results.Runtime{ORTVersion: "1.30.0", Providers: []string{"cpu"}},
			Yologate: results.Yologate{Version: "test"},
		},
	}
	for i, id := range ids {
		c := results.Case{ID: id, Profile: profile, Model: results.Model{Name: "yolov8n", SHA256: fmt.Sprintf("%064x", i+1)},
			Height: 640, Width: 640, Batch: 1, Precision: "fp32", Provider: results.Provider{Name: "cpu"}, Mode: "infer",
			Threads: 2, Device: -1, Includes: "inference", Warmup: results.Warmup{Iterations: 5, Stable: true}}
		for r := 0; r < count; r++ {
			v := fps * (1 + 0.01*(float64((r*7+3)%count)/float64(max(count-1, 1))*2-1))
			frames := 100
			wall := int64(float64(frames) / v * 1e9)
			v = float64(frames) / (float64(wall) / 1e9)
			lat := make([]int64, frames)
			for k := range lat {
				lat[k] = wall / int64(frames)
			}
			ms := float64(wall/int64(frames)) / 1e6
			c.Repeats = append(c.Repeats, results.Repeat{Iterations: frames, Frames: frames, WallNS: wall, FPS: v, LatenciesNS: lat,
				Latency: results.Latency{MinMS: ms, MeanMS: ms, P50MS: ms, MaxMS: ms}})
		}
		f.Cases = append(f.Cases, c)
	}
	path := filepath.Join(dir, name)
	if err := results.Write(path, f); err != nil {
		t.Fatal(err)
	}
	return path
}

func fileHash(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

const (
	caseV8  = "model=yolov8n/imgsz=640/batch=1/ep=cpu/precision=fp32"
	caseV11 = "model=yolo11n/imgsz=640/batch=1/ep=cpu/precision=fp32"
)

func TestCompareCommand(t *testing.T) {
	dir := t.TempDir()
	base := cmpResults(t, dir, "base.json", cmpProfile, 12, 10, caseV8, caseV11)
	same := cmpResults(t, dir, "same.json", cmpProfile, 12, 10, caseV8, caseV11)
	slow := cmpResults(t, dir, "slow.json", cmpProfile, 10.8, 10, caseV8, caseV11)
	baseline := filepath.Join(dir, "baselines.yaml")
	if code, _, stderr := cmpMain(t, "baseline", "update", "--baseline", baseline, "--results", base, "--reason", "first"); code != 0 {
		t.Fatalf("baseline update: exit %d: %s", code, stderr)
	}
	// A team's .yologate.yml names its baseline; two files on the command
	// line still compare with each other.
	cfg := filepath.Join(dir, "team.yml")
	if err := os.WriteFile(cfg, []byte("version: 1\nbaseline: perf/baselines/\ncount: 10\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		code     int
		contains string
	}{
		{"A/A results vs results", []string{"compare", base, same}, 0, "verdict: unchanged"},
		{"two files beside a config's baseline", []string{"compare", "--config", cfg, base, same}, 0, "verdict: unchanged"},
		{"baseline vs same", []string{"compare", "--baseline", baseline, "--results", same}, 0, "verdict: unchanged"},
		{"regression", []string{"compare", "--baseline", baseline, "--results", slow}, 1, "verdict: regression (fails the gate): 2 regression of 2 cases"},
		{"regression flags after files", []string{"compare", base, slow, "--threshold", "15%"}, 0, "verdict: unchanged"},
		{"markdown", []string{"compare", "--format", "markdown", base, slow}, 1, "| `" + caseV8 + "` | fps |"},
		{"fps only", []string{"compare", "--metrics", "fps", base, slow}, 1, "Holm correction across 2 tests"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := cmpMain(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout, stderr)
			}
			if !strings.Contains(stdout, tt.contains) {
				t.Errorf("stdout does not contain %q:\n%s", tt.contains, stdout)
			}
		})
	}
	t.Run("json", func(t *testing.T) {
		code, stdout, _ := cmpMain(t, "compare", "--format", "json", "--baseline", baseline, "--results", slow)
		var rep compare.Report
		if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
			t.Fatal(err)
		}
		if code != 1 || rep.Verdict != compare.Regression || len(rep.Cases) != 2 || math.Abs(rep.Cases[0].Metrics[0].DeltaPct+10) > 0.5 {
			t.Errorf("exit %d, report %+v", code, rep)
		}
	})
}

// TestCompareBadInput checks each bad input: one line naming the file (with
// line:col where it applies) or the flag, exit 2.
func TestCompareBadInput(t *testing.T) {
	dir := t.TempDir()
	res := cmpResults(t, dir, "r.json", cmpProfile, 12, 10, caseV8)
	other := cmpResults(t, dir, "other.json", "gpu=NVIDIA A10", 300, 10, caseV8)
	baseline := filepath.Join(dir, "baselines.yaml")
	if code, _, stderr := cmpMain(t, "baseline", "update", "--baseline", baseline, "--results", res); code != 0 {
		t.Fatal(stderr)
	}
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	malformed := write("malformed.yaml", "schema: yologate/baselines/v1\nprofiles:\n  p:\n    c: [1, 2\n")
	v9 := write("v9.yaml", "schema: yologate/baselines/v9\nprofiles: {}\n")
	many := write("many.yaml", "schema: yologate/baselines/v1\nprofiles:\n  p:\n    c:\n      samples:\n        fps: [-1, .nan]\n      colour: red\n")
	data, _ := os.ReadFile(res)
	truncated := write("truncated.json", string(data[:len(data)/2]))
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string // regexp the last stderr line must match
	}{
		{"malformed yaml", []string{"compare", "--baseline", malformed, "--results", res}, 2, `^yologate: .*malformed\.yaml:\d+: malformed YAML: `},
		{"wrong schema", []string{"compare", "--baseline", v9, "--results", res}, 2, `^yologate: .*v9\.yaml:1:9: unknown schema version "yologate/baselines/v9"`},
		{"every problem", []string{"compare", "--baseline", many, "--results", res}, 2, `^yologate: .*many\.yaml:6:15: samples\.fps value is -1, want a positive number .* \(and 2 more problems\)$`},
		{"truncated results", []string{"compare", "--baseline", baseline, "--results", truncated}, 2, `^yologate: .*truncated\.json:\d+:\d+: invalid JSON: unexpected end of JSON input`},
		{"missing results", []string{"compare", "--baseline", baseline, "--results", filepath.Join(dir, "nope.json")}, 2, `nope\.json: no such results file`},
		{"threshold abc", []string{"compare", "--threshold", "abc", res, res}, 2, `^yologate: --threshold: "abc" is not a percentage`},
		{"threshold negative", []string{"compare", "--threshold", "-3%", res, res}, 2, `^yologate: --threshold: "-3%" is negative`},
		{"alpha zero", []string{"compare", "--alpha", "0", res, res}, 2, `^yologate: --alpha: "0" is not in \(0,1\)`},
		{"alpha one", []string{"compare", "--alpha", "1", res, res}, 2, `^yologate: --alpha: "1" is not in \(0,1\)`},
		{"alpha text", []string{"compare", "--alpha", "x", res, res}, 2, `^yologate: --alpha: "x" is not in \(0,1\)`},
		{"format", []string{"compare", "--format", "xml", res, res}, 2, `^yologate: --format: unknown format "xml"`},
		{"one file", []string{"compare", res}, 2, `^yologate: compare: expected a baseline and results, or two results files, got 1`},
		{"baseline without results", []string{"compare", "--baseline", baseline}, 2, `^yologate: --results: missing`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := cmpMain(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout, stderr)
			}
			lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
			if !regexp.MustCompile(tt.stderr).MatchString(lines[len(lines)-1]) {
				t.Errorf("stderr last line:\n %s\ndoes not match\n %s", lines[len(lines)-1], tt.stderr)
			}
		})
	}
	t.Run("every problem on its own line", func(t *testing.T) {
		_, _, stderr := cmpMain(t, "compare", "--baseline", many, "--results", res)
		want := []string{"many.yaml:6:15: samples.fps value is -1", "many.yaml:6:19: samples.fps value is .nan", `many.yaml:7:7: unknown field "colour"`}
		lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
		if len(lines) != 4 {
			t.Fatalf("%d lines, want 3 problems and a summary:\n%s", len(lines), stderr)
		}
		for i, w := range want {
			if !strings.Contains(lines[i], w) {
				t.Errorf("line %d %q does not contain %q", i+1, lines[i], w)
			}
		}
	})
	t.Run("another hardware profile", func(t *testing.T) {
		code, stdout, stderr := cmpMain(t, "compare", "--baseline", baseline, "--results", other)
		if code != 0 || !strings.Contains(stdout, `no baseline for profile "gpu=NVIDIA A10"`) || !strings.Contains(stdout, "verdict: new") {
			t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
		}
	})
}

func TestCompareFailOnInconclusive(t *testing.T) {
	dir := t.TempDir()
	a := cmpResults(t, dir, "a.json", cmpProfile, 12, 3, caseV8)
	b := cmpResults(t, dir, "b.json", cmpProfile, 10, 3, caseV8)
	if code, stdout, _ := cmpMain(t, "compare", a, b); code != 0 || !strings.Contains(stdout, "too few samples") {
		t.Errorf("exit %d without --fail-on-inconclusive:\n%s", code, stdout)
	}
	if code, _, stderr := cmpMain(t, "compare", "--fail-on-inconclusive", a, b); code != 1 || !strings.Contains(stderr, "inconclusive in 1 case(s)") {
		t.Errorf("exit %d with --fail-on-inconclusive: %s", code, stderr)
	}
}
