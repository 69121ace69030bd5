package results

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yologate/yologate/internal/errs"
)

// testdata/run.json was written by `yologate run --out` on a real model.
const validFile = "testdata/run.json"

func readValid(t testing.TB) []byte {
	t.Helper()
	data, err := os.ReadFile(validFile)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestRoundTrip(t *testing.T) {
	data := readValid(t)
	f, err := Unmarshal(validFile, data)
	if err != nil {
		t.Fatal(err)
	}
	out, err := Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(data), string(out)); diff != "" {
		t.Errorf("write(read(file)) differs from the file (-file +written):\n%s", diff)
	}
	g, err := Unmarshal("again", out)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(f, g); diff != "" {
		t.Errorf("read(write(f)) differs from f:\n%s", diff)
	}
}

func TestWriteIsAtomic(t *testing.T) {
	f, err := Unmarshal(validFile, readValid(t))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "results.json")
	if err := Write(path, f); err != nil {
		t.Fatal(err)
	}
	got, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(f, got); diff != "" {
		t.Errorf("Read(Write(f)) differs:\n%s", diff)
	}
	// An invalid file is refused before anything is written, and the
	// previous results stay as they were.
	before, _ := os.ReadFile(path)
	bad := *got
	bad.Cases = append([]Case(nil), got.Cases...)
	bad.Cases[0].Repeats = append([]Repeat(nil), got.Cases[0].Repeats...)
	bad.Cases[0].Repeats[0].FPS = -1
	if err := Write(path, &bad); err == nil || errs.KindOf(err) != errs.Input {
		t.Fatalf("Write(invalid) = %v, want an input error", err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Error("a refused Write changed the file")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("folder holds %d entries after writes, want only results.json (no temporary files)", len(entries))
	}
	if err := Write(filepath.Join(dir, "missing", "r.json"), got); errs.KindOf(err) != errs.Env {
		t.Errorf("Write into a missing folder = %v, want an environment error", err)
	}
}

func TestReadRejects(t *testing.T) {
	valid := string(readValid(t))
	edit := func(old, new string) string {
		if !strings.Contains(valid, old) {
			t.Fatalf("test data lacks %q", old)
		}
		return strings.Replace(valid, old, new, 1)
	}
	for _, tc := range []struct {
		name, data, want string
	}{
		{"empty", "", "1:1: invalid JSON"},
		{"not json", "hello", "1:1: invalid JSON"},
		{"truncated", valid[:200], "invalid JSON"},
		{"no schema", `{"status":"complete"}`, `no "schema" field`},
		{"other schema", edit(`"yologate/results/v1"`, `"yologate/results/v2"`), `schema: unsupported schema "yologate/results/v2"`},
		{"type", edit(`"batch": 1`, `"batch": "one"`), `field "cases.batch": string value where int was expected`},
		{"status", edit(`"status": "complete"`, `"status": "done"`), `status: "done" is neither`},
		{"latency count", edit(`"iterations": 3,`, `"iterations": 4,`), `cases[0].repeats[0].latencies_ns: 3 latencies for 4 iterations`},
		{"negative", edit(`"session_create_ms": `, `"session_create_ms": -`), `cases[0].cold_start.session_create_ms: negative value`},
		{"fps", edit(`"fps": `, `"fps": 1`), `cases[0].repeats[0].fps:`},
		{"batch", edit(`"batch": 1`, `"batch": 0`), `cases[0].batch: batch 0`},
		{"p99 floor", edit(`"p50_ms": `, `"p99_ms": 1, "p50_ms": `), `p99_ms: reported from 3 iterations`},
		{"duplicate case", dupCase(t, valid), `cases[1].id: case "model=yolov8n_int8`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Unmarshal("r.json", []byte(tc.data))
			if err == nil {
				t.Fatalf("Unmarshal accepted it: %+v", f)
			}
			if errs.KindOf(err) != errs.Input || !strings.HasPrefix(err.Error(), "r.json") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Unmarshal = %q; want an input error naming r.json containing %q", err, tc.want)
			}
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Errorf("error spans lines: %q", err)
			}
		})
	}
	if _, err := Read(filepath.Join(t.TempDir(), "nope.json")); errs.KindOf(err) != errs.Input || !strings.Contains(err.Error(), "no such results file") {
		t.Errorf("Read(missing) = %v", err)
	}
}

// dupCase returns valid with its case listed twice.
func dupCase(t *testing.T, valid string) string {
	f, err := Unmarshal("x", []byte(valid))
	if err != nil {
		t.Fatal(err)
	}
	f.Cases = append(f.Cases, f.Cases[0])
	b, _ := Marshal(f)
	return string(b)
}

func FuzzUnmarshal(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.json")
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"schema":"yologate/results/v1","status":"complete","cases":[{"id":"x","batch":1,"repeats":[{"iterations":1,"frames":1,"wall_ns":1,"fps":1e9,"latencies_ns":[1]}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Unmarshal("fuzz.json", data)
		if err != nil {
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Fatalf("error spans lines: %q", err)
			}
			return
		}
		// Anything accepted is written back, and what is written reads
		// back to the same bytes.
		out, err := Marshal(file)
		if err != nil {
			t.Fatalf("Marshal of an accepted file: %v", err)
		}
		again, err := Unmarshal("fuzz2.json", out)
		if err != nil {
			t.Fatalf("written file does not read back: %v", err)
		}
		out2, _ := Marshal(again)
		if !bytes.Equal(out, out2) {
			t.Fatalf("round trip not identical:\n%s\n---\n%s", out, out2)
		}
	})
}
