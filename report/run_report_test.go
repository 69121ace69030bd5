package report

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/yologate/yologate/internal/golden"
	"github.com/yologate/yologate/runner/results"
)

// sampleRun is a deterministic run of two CPU cases with ten repeats each;
// slow scales every latency (1.1 = 10% slower).
func sampleRun(slow float64) *results.File {
	f := &results.File{
		Schema:   results.Schema,
		Status:   results.StatusComplete,
		Started:  time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Finished: time.Date(2026, 1, 2, 3, 6, 5, 0, time.UTC),
		Fingerprint: results.Fingerprint{
			Host:     results.Host{CPUModel: "AMD EPYC 7B13", CPUCores: 2, OS: "Debian GNU/Linux 12 (bookworm)", Kernel: "6.1.0", Arch: "amd64", GoVersion: "go1.26.8"},
			Runtime:  results.Runtime{ORTVersion: "1.30.0", Providers: []string{"cpu"}},
			Yologate: results.Yologate{Version: "v0.1.0", Commit: "abcdef123456"},
		},
	}
	for k, spec := range []struct {
		id         string
		iterations int
		baseMS     float64
	}{
		{"model=yolov8n/imgsz=160/batch=1/ep=cpu/precision=fp32", 700, 9},
		{"model=yolov8n/imgsz=640/batch=1/ep=cpu/precision=fp32", 60, 80},
	} {
		c := results.Case{
			ID: spec.id, Profile: "cpu=AMD EPYC 7B13/threads=2", Batch: 1, Height: 640, Width: 640, Precision: "fp32",
			Provider: results.Provider{Name: "cpu"}, Mode: "infer", Device: -1, Threads: 2,
			Includes:  "inference only",
			ColdStart: results.ColdStart{SessionCreateMS: 412.5, FirstInferenceMS: 98.25},
			Warmup:    results.Warmup{Iterations: 15, DurationMS: 1200, Stable: true, Detail: "medians within 2.1%"},
		}
		for r := 0; r < 10; r++ {
			lat := make([]int64, spec.iterations)
			var wall int64
			for i := range lat {
				// A repeatable pattern: ±5% around the base, one slow outlier.
				v := spec.baseMS * (1 + 0.05*float64((i*37+r*11+k)%21-10)/10)
				if i == spec.iterations/2 {
					v *= 1.5
				}
				lat[i] = int64(v * slow * 1e6)
				wall += lat[i] + 20_000
			}
			c.Repeats = append(c.Repeats, results.Repeat{
				Iterations: spec.iterations, Frames: spec.iterations, WallNS: wall,
				FPS: float64(spec.iterations) / (float64(wall) / 1e9), LatenciesNS: lat, Latency: summarize(lat),
				Telemetry: &results.Telemetry{Reason: "cpu provider"},
			})
		}
		f.Cases = append(f.Cases, c)
	}
	return f
}

// summarize is a test-side latency summary (nearest-rank percentiles).
func summarize(lat []int64) results.Latency {
	s := append([]int64(nil), lat...)
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	var sum float64
	for _, v := range s {
		sum += float64(v)
	}
	rank := func(p float64) float64 {
		i := int(p*float64(len(s))+0.999999) - 1
		return float64(s[max(i, 0)]) / 1e6
	}
	l := results.Latency{MinMS: float64(s[0]) / 1e6, MeanMS: sum / float64(len(s)) / 1e6, P50MS: rank(0.5), MaxMS: float64(s[len(s)-1]) / 1e6, CV: 0.05}
	if len(s) >= results.MinIterationsP99 {
		p := rank(0.99)
		l.P99MS = &p
	}
	return l
}

func TestWriteRunText(t *testing.T) {
	f := sampleRun(1)
	f.Cases[1].Unstable = true
	f.Cases[1].Marks = []string{"throttled: sw_thermal"}
	var b bytes.Buffer
	if err := WriteRunText(&b, f); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "run_text.golden", b.String())

	f.Status, f.StatusReason, f.Cases = results.StatusIncomplete, "interrupted: context canceled", nil
	b.Reset()
	WriteRunText(&b, f)
	if !strings.Contains(b.String(), "INCOMPLETE: interrupted") || !strings.Contains(b.String(), "no cases measured") {
		t.Errorf("incomplete run:\n%s", b.String())
	}
}

func TestWriteBench(t *testing.T) {
	var b bytes.Buffer
	if err := WriteBench(&b, sampleRun(1)); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "bench.golden", b.String())
}

// TestBenchstatReadsBench runs the real benchstat on two runs, the second
// 10% slower, and checks that it reads every line and sees the change.
func TestBenchstatReadsBench(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found: cannot build benchstat")
	}
	dir := t.TempDir()
	benchstat := filepath.Join(dir, "benchstat")
	// The version is the one go.mod pins (golang.org/x/perf).
	build := exec.Command(gobin, "build", "-o", benchstat, "golang.org/x/perf/cmd/benchstat")
	if out, err := build.CombinedOutput(); err != nil {
		t.Skipf("cannot build benchstat (module cache or proxy unavailable): %v: %s", err, out)
	}
	for name, slow := range map[string]float64{"old.txt": 1, "new.txt": 1.1} {
		var b bytes.Buffer
		if err := WriteBench(&b, sampleRun(slow)); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(benchstat, "old.txt", "new.txt")
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil || stderr.Len() > 0 {
		t.Fatalf("benchstat: %v\nstderr: %s", err, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"cpu: AMD EPYC 7B13", "sec/op", "fps", "p50-ms", "p99-ms", "YOLO/model=yolov8n/imgsz=640/batch=1/ep=cpu/precision=fp32"} {
		if !strings.Contains(out, want) {
			t.Errorf("benchstat output lacks %q:\n%s", want, out)
		}
	}
	// Ten samples a side, every one 10% slower: a significant change.
	if !regexp.MustCompile(`-9\.\d+% \(p=0\.000 n=10\)`).MatchString(out) {
		t.Errorf("benchstat does not report the 10%% fps drop with n=10:\n%s", out)
	}
	if strings.Contains(out, "parse") || strings.Contains(out, "¹ need >=") {
		t.Errorf("benchstat complained:\n%s", out)
	}
}
