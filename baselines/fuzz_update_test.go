package baselines

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/runner/results"
)

// fuzzResults is one complete, stable case to record into fuzzed baselines.
func fuzzResults() *results.File {
	f := &results.File{Schema: results.Schema, Status: results.StatusComplete,
		Started: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC), Finished: time.Date(2026, 11, 25, 9, 5, 0, 0, time.UTC),
		Fingerprint: results.Fingerprint{Host: results.Host{CPUModel: "AMD EPYC 7B13", CPUCores: 2, OS: "linux", Arch: "amd64"},
			Runtime: results.Runtime{ORTVersion: "1.30.0", Providers: []string{"cpu"}}, Yologate: results.Yologate{Version: "test"}}}
	c := results.Case{ID: "model=yolov8n/imgsz=640/batch=1/ep=cpu/precision=fp32", Profile: "cpu=AMD EPYC 7B13/threads=2",
		Model: results.Model{Name: "yolov8n", SHA256: strings.Repeat("ab", 32)}, Height: 640, Width: 640, Batch: 1,
		Precision: "fp32", Provider: results.Provider{Name: "cpu"}, Mode: "infer", Threads: 2, Device: -1,
		Includes: "inference", Warmup: results.Warmup{Iterations: 5, Stable: true}}
	for r := 0; r < 3; r++ {
		lat := []int64{80e6, 80e6, 80e6, 80e6}
		c.Repeats = append(c.Repeats, results.Repeat{Iterations: 4, Frames: 4, WallNS: 320e6, FPS: 12.5, LatenciesNS: lat,
			Latency: results.Latency{MinMS: 80, MeanMS: 80, P50MS: 80, MaxMS: 80}})
	}
	f.Cases = []results.Case{c}
	return f
}

// FuzzApply records a case into arbitrary baseline text, as baseline update
// does. Whatever the old text, Apply either refuses it or returns a file
// that parses and holds the new case; it never panics (testdata/fuzz/FuzzApply
// keeps the inputs that once made it miss a multi-line quoted value or
// panic on bare carriage returns). Should its in-place edit ever not read
// back as intended, its guard refuses the update and leaves the file
// unchanged: that refusal is allowed, a bad file is not.
func FuzzApply(f *testing.F) {
	res := fuzzResults()
	if err := results.Validate("fuzz", res); err != nil {
		f.Fatal(err)
	}
	for _, pat := range []string{"testdata/*.yaml", "testdata/update/*.yaml", "testdata/bad/*.yaml"} {
		files, _ := filepath.Glob(pat)
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, old []byte) {
		out, _, err := Apply("fuzz.yaml", old, res, UpdateOptions{Reason: "fuzz"})
		if err != nil {
			if errs.KindOf(err) == errs.Internal && !strings.Contains(err.Error(), "the file was not changed") {
				t.Fatalf("unexpected internal error: %v\n%s", err, old)
			}
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Fatalf("error spans lines: %q", err)
			}
			return
		}
		got, err := Parse("fuzz.yaml", out)
		if err != nil {
			t.Fatalf("updated baseline does not parse: %v\n%s", err, out)
		}
		if got.Lookup(res.Cases[0].Profile, res.Cases[0].ID) == nil {
			t.Fatalf("updated baseline lacks the case:\n%s", out)
		}
	})
}

// FuzzParsePercent checks the --threshold parser: a value it accepts is
// finite, not negative, and reads back the same when printed.
func FuzzParsePercent(f *testing.F) {
	for _, s := range []string{"5%", "2.5%", " 7.5 % ", "0%", "-5%", "5", "NaN%", "Inf%", "1e308%", "1e999%", "%", "0x10%", "５%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParsePercent(s)
		if err != nil {
			if strings.ContainsAny(err.Error(), "\n\r") && !strings.ContainsAny(s, "\n\r") {
				t.Fatalf("error spans lines: %q", err)
			}
			return
		}
		if !(v >= 0) || v > 1e308 {
			t.Fatalf("ParsePercent(%q) = %v", s, v)
		}
		back, err := ParsePercent(strconvFormat(v) + "%")
		if err != nil || back != v {
			t.Fatalf("%v%% reads back as %v, %v", v, back, err)
		}
	})
}

func strconvFormat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// TestApplyAfterMultilineQuotedValue records a new profile after a profile
// whose last value is a quoted string continued on a less indented line
// (found by FuzzApply): the new profile goes after the closing quote.
func TestApplyAfterMultilineQuotedValue(t *testing.T) {
	for _, old := range []string{
		"schema: yologate/baselines/v1\nprofiles:\n 0:\n  0:\n      model: \n        sha256: \"\n\"\n      samples:",
		"schema: yologate/baselines/v1\nprofiles:\n 0:\n  0:\n      model: \n        sha256: 'it''s\n'\n      samples:\n",
		"schema: yologate/baselines/v1\nprofiles:\n 0:\n  0:\n      model:\n        sha256: \"a\\\"\nb\"\n      samples:\n",
	} {
		res := fuzzResults()
		out, _, err := Apply("x.yaml", []byte(old), res, UpdateOptions{Reason: "test"})
		if err != nil {
			t.Fatalf("Apply(%q): %v", old, err)
		}
		got, err := Parse("x.yaml", out)
		if err != nil || got.Lookup(res.Cases[0].Profile, res.Cases[0].ID) == nil || got.Lookup("0", "0") == nil {
			t.Fatalf("Apply(%q) wrote a file without both cases (%v):\n%s", old, err, out)
		}
	}
}
