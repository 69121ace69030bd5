package baselines

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/runner/results"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func ptr[T any](v T) *T { return &v }

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(name, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(name)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", name, diff)
	}
}

func TestParseValid(t *testing.T) {
	f, err := Read("testdata/valid.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := &File{
		Path:   "testdata/valid.yaml",
		Schema: Schema,
		Profiles: []Profile{
			{Name: "cpu=AMD EPYC 7B13/threads=2", Cases: []Case{
				{
					ID:           "model=yolov8n/imgsz=640/batch=1/ep=cpu/precision=fp32",
					ThresholdPct: ptr(7.5),
					Model:        Model{Name: "yolov8n", SHA256: "3f1c0e7a9b2d4c6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e"},
					Samples:      Samples{FPS: []float64{11.8, 11.9, 12.1, 12, 11.95}, P50MS: []float64{83.1, 82.9, 82.4, 83.3, 83}},
					Environment:  Environment{CPUModel: "AMD EPYC 7B13", Threads: 2, ORTVersion: "1.30.0", Provider: "cpu", Precision: "fp32"},
					Provenance:   Provenance{Commit: "0123456789abcdef", Date: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC), Author: "ci", Reason: "first baseline"},
				},
				{
					ID:         "model=yolo11n/imgsz=640/batch=1/ep=cpu/precision=fp32",
					Samples:    Samples{FPS: []float64{10.5, 10.4, 10.6}, P50MS: []float64{95, 96.1, 94.8}, P99MS: []float64{101, 102, 100.5}},
					Marks:      []string{"throttled: sw_power_cap"},
					Provenance: Provenance{Forced: true, Reason: "known slow runner"},
				},
			}},
			{Name: "gpu=NVIDIA A10", Cases: []Case{{
				ID:      "model=yolov8s/imgsz=640/batch=8/ep=tensorrt/precision=fp16",
				Samples: Samples{FPS: []float64{1510, 1502, 1498}},
				Environment: Environment{GPUModel: "NVIDIA A10", Driver: "550.54.15", Provider: "tensorrt",
					ProviderOptions: map[string]string{"trt_fp16_enable": "1"}},
				GPU:   &GPUState{GPUUtilPct: 97.5, SMClockMHz: 1695, MemClockMHz: 6251, PowerW: 148.2, PowerLimitW: 150, TempC: 71, HostCPUPct: 99.4},
				Check: &CheckSettings{Conf: 0.25, IoU: 0.45},
				Detections: []results.ImageDetections{{Image: "bus.jpg", Width: 810, Height: 1080, Detections: []results.Detection{
					{Class: 0, Name: "person", Score: 0.91, X1: 48, Y1: 398, X2: 245, Y2: 902},
					{Class: 5, Name: "bus", Score: 0.88, X1: 17.5, Y1: 230, X2: 801, Y2: 741.25},
				}}},
			}}},
		},
	}
	if diff := cmp.Diff(want, f); diff != "" {
		t.Errorf("parse mismatch (-want +got):\n%s", diff)
	}
	if c := f.Lookup("gpu=NVIDIA A10", "model=yolov8s/imgsz=640/batch=8/ep=tensorrt/precision=fp16"); c == nil || c.Samples.FPS[0] != 1510 {
		t.Errorf("Lookup did not find the A10 case")
	}
	if f.Lookup("gpu=NVIDIA A10", "nope") != nil {
		t.Errorf("Lookup found a case that does not exist")
	}
}

// TestParseBad checks that every problem of a bad file is reported, each
// on one line with file:line:col, against testdata/bad/NAME.err.
func TestParseBad(t *testing.T) {
	files, _ := filepath.Glob("testdata/bad/*.yaml")
	if len(files) == 0 {
		t.Fatal("no test files in testdata/bad")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			_, err := Read(file)
			if err == nil {
				t.Fatal("parsed without error")
			}
			if k := errs.KindOf(err); k != errs.Input {
				t.Errorf("error kind %v, want input", k)
			}
			var lines []string
			var l errs.List
			var e *errs.Error
			switch {
			case errors.As(err, &l):
				for _, x := range l {
					lines = append(lines, x.Error())
				}
			case errors.As(err, &e):
				lines = append(lines, e.Error())
			default:
				t.Fatalf("error %T is not an errs error: %v", err, err)
			}
			for _, line := range lines {
				if !strings.HasPrefix(line, file+":") {
					t.Errorf("error does not start with the file name: %s", line)
				}
			}
			golden(t, strings.TrimSuffix(file, ".yaml")+".err", []byte(strings.Join(lines, "\n")+"\n"))
		})
	}
}

func TestFormatRoundTrip(t *testing.T) {
	f, err := Read("testdata/valid.yaml")
	if err != nil {
		t.Fatal(err)
	}
	out := Format(f)
	g, err := Parse("formatted", out)
	if err != nil {
		t.Fatalf("formatted file does not parse: %v\n%s", err, out)
	}
	if diff := cmp.Diff(f, g, cmpopts.IgnoreFields(File{}, "Path")); diff != "" {
		t.Errorf("round trip mismatch (-want +got):\n%s", diff)
	}
	golden(t, "testdata/valid.formatted.yaml", out)
}

func TestQuote(t *testing.T) {
	for _, s := range []string{"", "plain", "1.30.0", "12", "true", "null", "~", "a: b", "x #y", "-lead", "tab\there",
		"line\nbreak", "quote\"d", "ünïcode", "trailing ", "[x]", "{y}", "a,b", "*alias", "&anchor", "!tag", "%x", "@x", "`x", "0x1f", "1e5", ".inf"} {
		in := "schema: " + quote(Schema) + "\nprofiles:\n  " + quote(s+"p") + ":\n    " + quote(s+"c") + ":\n      samples:\n        fps: [1]\n      provenance:\n        reason: " + quote(s) + "\n"
		f, err := Parse("q", []byte(in))
		if err != nil {
			t.Errorf("quote(%q): %v\n%s", s, err, in)
			continue
		}
		if got := f.Profiles[0].Cases[0].Provenance.Reason; got != s {
			t.Errorf("quote(%q) reads back as %q", s, got)
		}
		if got := f.Profiles[0].Cases[0].ID; got != s+"c" {
			t.Errorf("quote(%q) as a key reads back as %q", s+"c", got)
		}
	}
}

func TestReadTooLarge(t *testing.T) {
	name := filepath.Join(t.TempDir(), "huge.yaml")
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	// A sparse file: refused by its size, never read.
	if err := f.Truncate(MaxFileSize + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	_, err = Read(name)
	if err == nil || !strings.Contains(err.Error(), "bytes, more than") {
		t.Fatalf("Read of a huge file: %v, want a size error", err)
	}
}

// testResults builds a results file with one case per id on profile, with
// count repeats whose FPS starts at fps.
func testResults(profile string, fps float64, count int, ids ...string) *results.File {
	f := &results.File{
		Schema:   results.Schema,
		Status:   results.StatusComplete,
		Started:  time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC),
		Finished: time.Date(2026, 11, 25, 9, 5, 0, 0, time.UTC),
		Fingerprint: results.Fingerprint{
			Host:     results.Host{CPUModel: "AMD EPYC 7B13", CPUCores: 2, OS: "linux", Kernel: "6.1.0", Arch: "amd64"},
			Runtime:  results.Runtime{ORTVersion: "1.30.0", Providers: []string{"cpu"}},
			Yologate: results.Yologate{Version: "v0.3.0"},
			CI:       &results.CI{System: "github-actions", RunURL: "https://github.com/acme/detector/actions/runs/42", Commit: "fedcba9876543210"},
		},
	}
	for i, id := range ids {
		c := results.Case{ID: id, Profile: profile, Model: results.Model{Name: "yolov8n", SHA256: fmt.Sprintf("%064x", i+1)},
			Precision: "fp32", Provider: results.Provider{Name: "cpu"}, Threads: 2, Device: -1}
		for r := 0; r < count; r++ {
			v := fps + float64(r)*0.1234567
			p99 := 1000/v + 5
			c.Repeats = append(c.Repeats, results.Repeat{Iterations: 100, Frames: 100, FPS: v,
				Latency: results.Latency{P50MS: 1000 / v, P99MS: &p99}})
		}
		f.Cases = append(f.Cases, c)
	}
	return f
}

// lineDiff renders a minimal line diff of a and b ("-" old, "+" new, " "
// kept), for golden files a reviewer reads like a pull request.
func lineDiff(a, b string) string {
	x, y := strings.SplitAfter(a, "\n"), strings.SplitAfter(b, "\n")
	n, m := len(x), len(y)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out strings.Builder
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && x[i] == y[j]:
			out.WriteString("  " + x[i])
			i++
			j++
		case i < n && (j == m || lcs[i+1][j] >= lcs[i][j+1]):
			out.WriteString("- " + x[i])
			i++
		default:
			out.WriteString("+ " + y[j])
			j++
		}
	}
	return out.String()
}

func TestApplyGolden(t *testing.T) {
	valid, err := os.ReadFile("testdata/valid.yaml")
	if err != nil {
		t.Fatal(err)
	}
	const (
		v8  = "model=yolov8n/imgsz=640/batch=1/ep=cpu/precision=fp32"
		v11 = "model=yolo11n/imgsz=640/batch=1/ep=cpu/precision=fp32"
		cpu = "cpu=AMD EPYC 7B13/threads=2"
	)
	throttled := testResults(cpu, 12, 3, v11)
	throttled.Cases[0].Repeats[1].Marks = []string{"throttled: sw_thermal"}
	tests := []struct {
		name string
		old  []byte
		res  *results.File
		opt  UpdateOptions
	}{
		{"update-one", valid, testResults(cpu, 12.5, 5, v8), UpdateOptions{Reason: "faster letterbox", Author: "alice"}},
		{"add-case-and-profile", valid, func() *results.File {
			f := testResults(cpu, 20, 3, "model=yolov8n/imgsz=320/batch=1/ep=cpu/precision=fp32")
			g := testResults("cpu=Intel Xeon 8375C/threads=4", 30, 3, v8)
			f.Cases = append(f.Cases, g.Cases...)
			return f
		}(), UpdateOptions{Reason: "new cases"}},
		{"case-glob", valid, testResults(cpu, 9, 3, v8, v11), UpdateOptions{Cases: "model=yolo11n/*", Reason: "only yolo11n"}},
		{"new-file", nil, testResults(cpu, 12, 3, v8), UpdateOptions{Reason: "first"}},
		{"forced", valid, throttled, UpdateOptions{Force: true, Reason: "accepted on a hot runner"}},
		{"no-final-newline", []byte(strings.TrimSuffix(string(valid), "\n")), func() *results.File {
			f := testResults(cpu, 11, 3, v8)
			g := testResults("gpu=NVIDIA A10", 1400, 3, "model=yolov8s/imgsz=640/batch=8/ep=tensorrt/precision=fp16", "model=yolov8s/imgsz=640/batch=1/ep=tensorrt/precision=fp16")
			f.Cases = append(f.Cases, g.Cases...)
			return f
		}(), UpdateOptions{Reason: "last entry without a newline"}},
		{"flow-profiles", []byte("# keep me\nschema: yologate/baselines/v1\nprofiles: {}\n# and me\n"), testResults(cpu, 12, 3, v8), UpdateOptions{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, sum, err := Apply("baselines.yaml", tt.old, tt.res, tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Parse("out", out); err != nil {
				t.Fatalf("output does not parse: %v", err)
			}
			golden(t, "testdata/update/"+tt.name+".yaml", out)
			golden(t, "testdata/update/"+tt.name+".diff", []byte(fmt.Sprintf("# %s\n%s", sum, lineDiff(string(tt.old), string(out)))))
			// Applying the same results again changes nothing.
			again, _, err := Apply("baselines.yaml", out, tt.res, tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			if string(again) != string(out) {
				t.Errorf("second update changed the file:\n%s", lineDiff(string(out), string(again)))
			}
		})
	}
}

func TestApplyRefuses(t *testing.T) {
	valid, err := os.ReadFile("testdata/valid.yaml")
	if err != nil {
		t.Fatal(err)
	}
	const cpu = "cpu=AMD EPYC 7B13/threads=2"
	unstable := testResults(cpu, 12, 3, "a", "b")
	unstable.Cases[0].Unstable = true
	unstable.Cases[1].Marks = []string{"foreign process: gpu 0 pid 7 python3"}
	incomplete := testResults(cpu, 12, 3, "a")
	incomplete.Status, incomplete.StatusReason = results.StatusIncomplete, "interrupted by SIGINT"
	empty := testResults(cpu, 12, 0, "a")
	tests := []struct {
		name string
		old  []byte
		res  *results.File
		opt  UpdateOptions
		want string
	}{
		{"unstable", valid, unstable, UpdateOptions{ResultsPath: "r.json"}, `r.json: case "a" is suspect (unstable) and was not recorded (rerun on a quiet machine, or pass --force to accept it) (and 1 more problems)`},
		{"incomplete", valid, incomplete, UpdateOptions{ResultsPath: "r.json"}, `r.json: results are incomplete: interrupted by SIGINT (rerun the benchmark to completion, or pass --force to record what it measured)`},
		{"no repeats", valid, empty, UpdateOptions{ResultsPath: "r.json", Force: true}, `r.json: case "a" has no repeats (rerun the case)`},
		{"glob matches nothing", valid, testResults(cpu, 12, 3, "a"), UpdateOptions{Cases: "zzz*"}, `--case: no case matches "zzz*" (the results hold: a)`},
		{"bad glob", valid, testResults(cpu, 12, 3, "a"), UpdateOptions{Cases: "[x"}, `--case: bad pattern "[x": syntax error in pattern (use a glob such as "model=yolov8n/*")`},
		{"broken baseline", []byte("schema: yologate/baselines/v1\nprofiles:\n  p: [\n"), testResults(cpu, 12, 3, "a"), UpdateOptions{}, `baselines.yaml:3: malformed YAML`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Apply("baselines.yaml", tt.old, tt.res, tt.opt)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error:\n %s\nwant prefix:\n %s", err, tt.want)
			}
		})
	}
}

// TestUpdateConcurrent runs several updaters of different cases at once:
// each re-reads the file under the lock, so every one of them lands.
func TestUpdateConcurrent(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "baselines.yaml")
	const n = 8
	var wg sync.WaitGroup
	errc := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			res := testResults("cpu=AMD EPYC 7B13/threads=2", 10+float64(i), 3, fmt.Sprintf("case-%d", i))
			_, err := Update(file, res, UpdateOptions{Reason: "concurrent"})
			errc <- err
		}(i)
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		if err != nil {
			t.Fatal(err)
		}
	}
	f, err := Read(file)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(f.Profiles[0].Cases); got != n {
		t.Errorf("%d cases landed, want %d", got, n)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("files left beside the baseline: %v", names)
	}
}

// TestUpdateKeepsFileOnError checks that a refused update leaves the file
// byte-for-byte as it was.
func TestUpdateKeepsFileOnError(t *testing.T) {
	file := filepath.Join(t.TempDir(), "baselines.yaml")
	valid, _ := os.ReadFile("testdata/valid.yaml")
	if err := os.WriteFile(file, valid, 0o644); err != nil {
		t.Fatal(err)
	}
	res := testResults("cpu=AMD EPYC 7B13/threads=2", 12, 3, "a")
	res.Cases[0].Unstable = true
	if _, err := Update(file, res, UpdateOptions{}); err == nil {
		t.Fatal("update of an unstable case succeeded")
	}
	got, _ := os.ReadFile(file)
	if string(got) != string(valid) {
		t.Errorf("a refused update changed the file")
	}
}

// FuzzParse checks that the parser never panics and that whatever it
// accepts survives Format: parse → write → parse is identical.
func FuzzParse(f *testing.F) {
	for _, pat := range []string{"testdata/*.yaml", "testdata/bad/*.yaml", "testdata/update/*.yaml"} {
		files, _ := filepath.Glob(pat)
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := Parse("fuzz", data)
		if err != nil {
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Fatalf("error spans lines: %q", err)
			}
			return
		}
		out := Format(a)
		b, err := Parse("fuzz", out)
		if err != nil {
			t.Fatalf("formatted file does not parse: %v\n%s", err, out)
		}
		if diff := cmp.Diff(a, b); diff != "" {
			t.Fatalf("parse → write → parse differs (-first +second):\n%s", diff)
		}
		if again := Format(b); string(again) != string(out) {
			t.Fatalf("Format is not stable")
		}
	})
}

func TestReadPathFolder(t *testing.T) {
	dir := t.TempDir()
	valid, _ := os.ReadFile("testdata/valid.yaml")
	other := "schema: yologate/baselines/v1\nprofiles:\n  gpu=NVIDIA T4:\n    c:\n      samples:\n        fps: [1, 2]\n"
	for name, text := range map[string]string{"a.yaml": string(valid), "b.yml": other, "notes.txt": "not yaml"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f, err := ReadPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range f.Profiles {
		names = append(names, fmt.Sprintf("%s:%d", p.Name, len(p.Cases)))
	}
	if diff := cmp.Diff([]string{"cpu=AMD EPYC 7B13/threads=2:2", "gpu=NVIDIA A10:1", "gpu=NVIDIA T4:1"}, names); diff != "" {
		t.Errorf("profiles (-want +got):\n%s", diff)
	}
	// The same case in two files is an error naming both.
	if err := os.WriteFile(filepath.Join(dir, "c.yaml"), valid, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = ReadPath(dir)
	if err == nil || !strings.Contains(err.Error(), "c.yaml: case \"model=yolov8n/imgsz=640/batch=1/ep=cpu/precision=fp32\" of profile \"cpu=AMD EPYC 7B13/threads=2\" is also in ") {
		t.Errorf("duplicate across files: %v", err)
	}
	empty := t.TempDir()
	if _, err := ReadPath(empty); err == nil || !strings.Contains(err.Error(), "no baseline files in the folder") {
		t.Errorf("empty folder: %v", err)
	}
	// For a gate, an empty folder, or one not created yet, is a baseline
	// without cases.
	for _, p := range []string{empty, filepath.Join(empty, "baselines") + "/", filepath.Join(empty, "perf", "baselines")} {
		if f, err := ReadPathOrEmpty(p); err != nil || len(f.Profiles) != 0 || f.Path != p {
			t.Errorf("ReadPathOrEmpty(%s) = %+v, %v; want an empty baseline", p, f, err)
		}
	}
	// A file named on purpose that is not there is a typo until shown otherwise.
	if _, err := ReadPathOrEmpty(filepath.Join(empty, "typo.yaml")); err == nil || !strings.Contains(err.Error(), "baseline file does not exist") {
		t.Errorf("ReadPathOrEmpty of a missing file: %v", err)
	}
}

// TestCheckSettingsKept records reference detections with the accuracy
// check's settings, reads them back into the comparison's measurement, and
// keeps them (with the detections) when a later update measured no images.
func TestCheckSettingsKept(t *testing.T) {
	const id = "model=yolov8n/imgsz=640/batch=1/ep=cpu/precision=fp32"
	res := testResults("cpu=x", 12, 3, id)
	res.Cases[0].Accuracy = &results.Accuracy{ScoreThreshold: 0.3, IoUThreshold: 0.5,
		Images: []results.ImageDetections{{Image: "bus.jpg", Width: 810, Height: 1080, Detections: []results.Detection{}}}}
	out, _, err := Apply("b.yaml", nil, res, UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "      check:\n        conf: 0.3\n        iou: 0.5\n      detections:\n") {
		t.Errorf("settings not written before the detections:\n%s", out)
	}
	// Timing only: the recorded detections and their settings stay.
	out, _, err = Apply("b.yaml", out, testResults("cpu=x", 13, 3, id), UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f, err := Parse("b.yaml", out)
	if err != nil {
		t.Fatal(err)
	}
	m := f.Measurements()
	if len(m) != 1 || m[0].Accuracy == nil || m[0].Accuracy.ScoreThreshold != 0.3 || m[0].Accuracy.IoUThreshold != 0.5 {
		t.Errorf("measurement accuracy %+v", m[0].Accuracy)
	}
}
