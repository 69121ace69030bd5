package history

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/yologate/yologate/baselines"
	"github.com/yologate/yologate/compare"
	"github.com/yologate/yologate/runner/results"
)

// synthRun returns a run of cases cases with count repeats each, FPS
// around level.
func synthRun(r *rand.Rand, date time.Time, cases, count int, level float64) *Run {
	run := &Run{Commit: fmt.Sprintf("%040x", r.Uint64()), Date: date.UTC().Truncate(time.Second), Ref: "refs/heads/main",
		URL: "https://github.com/o/r/actions/runs/" + fmt.Sprint(r.Uint32())}
	for c := 0; c < cases; c++ {
		rec := Record{Profile: "gpu=NVIDIA A10", Case: fmt.Sprintf("model=yolov8n/imgsz=640/batch=%d/ep=tensorrt/precision=fp16", c+1),
			Env: baselines.Environment{GPUModel: "NVIDIA A10", Driver: "550.54.15", CUDADriver: "12.4", ORTVersion: "1.30.0",
				TensorRTVersion: "10.3", Provider: "tensorrt", Precision: "fp16", ProviderOptions: map[string]string{"trt_fp16_enable": "1"}},
			Model: strings.Repeat("ab", 32), N: count,
			GPU: &baselines.GPUState{GPUUtilPct: 97, SMClockMHz: 1695, MemClockMHz: 6251, PowerW: 140.2, PowerLimitW: 150, TempC: 61, HostCPUPct: 101.5}}
		for _, m := range compare.Metrics {
			v := make([]float64, count)
			for i := range v {
				base := level * (1 + 0.1*float64(c))
				if m != compare.FPS {
					base = 1000 / base
				}
				v[i] = base * (1 + 0.015*r.NormFloat64())
			}
			*valuesPtr(&rec.Samples, m) = v
		}
		if c == 1 {
			rec.Marks = []string{"throttled: sw_power_cap", "odd; mark"}
		}
		run.Records = append(run.Records, rec)
	}
	run.ID = runID(run)
	return run
}

func TestNewRunSaveRead(t *testing.T) {
	f, err := results.Read("../runner/results/testdata/run.json")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewRun("run.json", f, Meta{}); err == nil || !strings.Contains(err.Error(), "--commit") {
		t.Errorf("NewRun without a commit: %v, want an error naming --commit", err)
	}
	run, err := NewRun("run.json", f, Meta{Commit: "0123456789abcdef0123456789abcdef01234567", Ref: "refs/heads/main"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(run.ID, "20261125T095700Z-0123456789ab-") {
		t.Errorf("ID %q", run.ID)
	}
	dir := t.TempDir()
	path, err := Save(dir, run)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "runs", "2026-11", run.ID+".hist"); path != want {
		t.Errorf("Save wrote %s, want %s", path, want)
	}
	h, err := Read(dir)
	if err != nil || len(h.Warnings) > 0 {
		t.Fatalf("Read: %v %v", err, h.Warnings)
	}
	if diff := cmp.Diff([]*Run{run}, h.Runs); diff != "" {
		t.Errorf("read back (-saved +read):\n%s", diff)
	}
	// A commit never leads the file out of its folder.
	odd, err := NewRun("run.json", f, Meta{Commit: "../../etc/passwd"})
	if err != nil || strings.ContainsAny(odd.ID, "./") {
		t.Errorf("run ID %q from an odd commit (%v)", odd.ID, err)
	}
	// Recording the same run again writes the same file.
	if p2, _ := Save(dir, run); p2 != path {
		t.Errorf("second Save wrote %s, want %s", p2, path)
	}
}

func TestRoundTripSynthetic(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	run := synthRun(r, time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC), 3, 10, 100)
	runs, warns := Parse("x.hist", encode([]*Run{run}, false))
	if len(warns) > 0 {
		t.Fatal(warns)
	}
	run.Records[1].Marks[1] = "odd, mark" // ";" separates marks in the file
	if diff := cmp.Diff([]*Run{run}, runs); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestParseWarnings(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	good := string(encode([]*Run{synthRun(r, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), 2, 3, 100)}, false))
	tests := []struct {
		name string
		data string
		// recs is how many records are kept.
		recs int
		// want is the first warning's text.
		want string
	}{
		{"foreign", "{\"schema\": \"yologate/results/v1\"}\n", 0, `f.hist:1: not a yologate history file`},
		{"empty", "", 0, `f.hist:1: not a yologate history file`},
		{"no end line", strings.Join(strings.SplitAfter(good, "\n")[:5], ""), 0, "f.hist:6: truncated: no end line"},
		{"cut mid-line", good[:len(good)-20], 0, "f.hist:7: truncated: the last line has no line break"},
		{"wrong count", strings.Replace(good, "end\t2", "end\t3", 1), 0, "f.hist:8: truncated or edited"},
		{"bad number", strings.Replace(good, "n=3\tfps=", "n=3\tfps=abc,", 1), 1, "f.hist:5: rec: fps="},
		{"negative", strings.Replace(good, "n=3\tfps=", "n=3\tfps=-", 1), 1, "f.hist:5: rec: fps="},
		{"unknown kind", strings.Replace(good, "end\t", "what\t1\nend\t", 1), 2, `f.hist:8: unknown line kind "what"`},
		{"text after end", good + "rec\t1\t1\tn=1\tfps=1\n", 0, "f.hist:9: text after the end line"},
		{"bad date", strings.Replace(good, "date=2026-12-01T00:00:00Z", "date=yesterday", 1), 0, `f.hist:2: run 1: date "yesterday"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runs, warns := Parse("f.hist", []byte(tt.data))
			if len(warns) == 0 || !strings.HasPrefix(warns[0].Error(), tt.want) {
				t.Fatalf("warnings %v, want the first to start %q", warns, tt.want)
			}
			n := 0
			for _, r := range runs {
				n += len(r.Records)
			}
			if n != tt.recs {
				t.Errorf("%d records kept, want %d", n, tt.recs)
			}
		})
	}
	// Every strict prefix of a file is left out whole, never half used.
	for i := 0; i < len(good); i++ {
		if runs, warns := Parse("f.hist", []byte(good[:i])); len(runs) != 0 || len(warns) == 0 {
			t.Fatalf("prefix of %d bytes: %d runs, warnings %v", i, len(runs), warns)
		}
	}
}

func TestReadReportsForeignFiles(t *testing.T) {
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(5, 6))
	run := synthRun(r, time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC), 1, 3, 100)
	if _, err := Save(dir, run); err != nil {
		t.Fatal(err)
	}
	month := filepath.Join(dir, "runs", "2026-12")
	os.WriteFile(filepath.Join(month, "notes.txt"), []byte("hello\n"), 0o644)
	os.WriteFile(filepath.Join(month, "broken.hist"), []byte(Header+"\nrun\t1\n"), 0o644)
	os.WriteFile(filepath.Join(month, ".x.hist.tmp-123"), []byte("half"), 0o644)
	h, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Runs) != 1 {
		t.Errorf("%d runs, want 1", len(h.Runs))
	}
	var got []string
	for _, w := range h.Warnings {
		got = append(got, w.Error())
	}
	base := filepath.Base(dir)
	want := []string{
		base + "/runs/2026-12/broken.hist:2: run 1: date \"\" is not RFC 3339 (2006-01-02T15:04:05Z): run left out",
		base + "/runs/2026-12/broken.hist:3: truncated: no end line: file left out",
		base + "/runs/2026-12/notes.txt: not a history file (want the .hist extension): left out",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	if h, err := Read(filepath.Join(dir, "none")); err != nil || len(h.Runs) != 0 {
		t.Errorf("a missing folder: %v, %v; want an empty history", h, err)
	}
}

func TestCompact(t *testing.T) {
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(7, 8))
	var saved []*Run
	for i := 0; i < 30; i++ {
		run := synthRun(r, time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i)*3*24*time.Hour), 2, 5, 100)
		saved = append(saved, run)
		if _, err := Save(dir, run); err != nil {
			t.Fatal(err)
		}
	}
	n, err := Compact(dir, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if n != 21 { // October (11 runs) and November (10 runs)
		t.Errorf("compacted %d runs, want 21", n)
	}
	for _, p := range []string{"months/2026-10.hist", "months/2026-11.hist", "runs/2026-12"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "runs", "2026-10")); err == nil {
		t.Errorf("runs/2026-10 still there after compaction")
	}
	h, err := Read(dir)
	if err != nil || len(h.Warnings) > 0 || len(h.Runs) != 30 {
		t.Fatalf("Read: %v, %v, %d runs", err, h.Warnings, len(h.Runs))
	}
	for i, run := range h.Runs {
		if run.ID != saved[i].ID || run.Summarized != (i < 21) {
			t.Errorf("run %d: %s summarized=%v", i, run.ID, run.Summarized)
		}
		for j := range run.Records {
			got, _ := run.Records[j].Median(compare.FPS)
			want, _ := saved[i].Records[j].Median(compare.FPS)
			if d := got/want - 1; d > 1e-5 || d < -1e-5 {
				t.Errorf("run %d case %d: median %v after compaction, %v before", i, j, got, want)
			}
		}
	}
	// A second compaction has nothing to do; a late run of a compacted
	// month is folded in.
	late := synthRun(r, time.Date(2026, 10, 15, 0, 0, 0, 0, time.UTC), 2, 5, 100)
	Save(dir, late)
	if n, err := Compact(dir, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)); n != 1 || err != nil {
		t.Errorf("second Compact: %d, %v; want the late run", n, err)
	}
	if h, _ := Read(dir); len(h.Runs) != 31 {
		t.Errorf("%d runs after the late one, want 31", len(h.Runs))
	}
}
