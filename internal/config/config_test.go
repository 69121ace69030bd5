package config

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yologate/yologate/internal/errs"
)

func TestLoadFull(t *testing.T) {
	cfg, err := Load("testdata/full.yml")
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Settings["threshold"].Text; got != "5%" {
		t.Errorf("threshold = %q", got)
	}
	if len(cfg.Cases) != 2 {
		t.Fatalf("cases = %d, want 2", len(cfg.Cases))
	}
	if got := cfg.Cases[0].Settings["imgsz"].Text; got != "640,320" {
		t.Errorf("case 0 imgsz = %q, want 640,320", got)
	}
	if v, _ := cfg.Get(&cfg.Cases[0], "precision"); v.Text != "fp32" {
		t.Errorf("case 0 precision = %q, want its own fp32", v.Text)
	}
	if v, _ := cfg.Get(&cfg.Cases[1], "ep"); v.Text != "auto" {
		t.Errorf("case 1 ep = %q, want the file's auto", v.Text)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, data string
		want       []string
	}{
		{"unknown key", "version: 1\ntreshold: 5%\n", []string{"c.yml:2:1: unknown key \"treshold\" (valid keys: alpha,"}},
		{"unknown case key", "cases:\n  - model: yolov8n\n    imgsize: 640\n", []string{"c.yml:3:5: unknown key \"imgsize\""}},
		{"case without model", "cases:\n  - imgsz: 640\n", []string{"c.yml:2:5: case has no model"}},
		{"bad version", "version: 2\n", []string{"c.yml:1:10: unknown config version \"2\""}},
		{"not a mapping", "- a\n- b\n", []string{"c.yml:1:1: the config must be a mapping"}},
		{"syntax", "a: [1,\n", []string{"c.yml:"}},
		{"duplicate", "count: 3\ncount: 4\n", []string{"c.yml:2:1: duplicate key \"count\""}},
		{"duplicate in two spellings", "drift-budget: 5%\ndrift_budget: 10%\n", []string{"c.yml:2:1: duplicate key \"drift_budget\""}},
		{"nested", "imgsz: [[1]]\n", []string{"c.yml:1:9: imgsz: nested lists"}},
		{"alias", "a: &x 1\ncount: *x\n", []string{"unknown key \"a\"", "and 1 more"}},
		{"cases not a list", "cases: 3\n", []string{"c.yml:1:8: cases must be a list"}},
		{"every problem", "treshold: 5%\ncont: 3\n", []string{"c.yml:1:1", "and 1 more problems"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("c.yml", []byte(tt.data))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// TestUnderscores reads keys written as the action's inputs are, with
// underscores for hyphens.
func TestUnderscores(t *testing.T) {
	cfg, err := Parse("c.yml", []byte("history: perf/history\ndrift_budget: 10%\ndrift_reference: v1.4.0\nfail_on_inconclusive: true\n"))
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{"history": "perf/history", "drift-budget": "10%", "drift-reference": "v1.4.0", "fail-on-inconclusive": "true"} {
		if v := cfg.Settings[k]; v.Text != want {
			t.Errorf("%s = %q, want %q", k, v.Text, want)
		}
	}
}

func TestEmpty(t *testing.T) {
	for _, data := range []string{"", "# only a comment\n"} {
		cfg, err := Parse("c.yml", []byte(data))
		if err != nil || len(cfg.Settings) != 0 || len(cfg.Cases) != 0 {
			t.Errorf("Parse(%q) = %+v, %v", data, cfg, err)
		}
	}
}

func TestApplyFlagsWin(t *testing.T) {
	cfg, err := Parse("c.yml", []byte("count: 7\nthreshold: 4%\nbenchtime: 2s\ncomment: never\n"))
	if err != nil {
		t.Fatal(err)
	}
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	count := fs.Int("count", 10, "")
	threshold := fs.String("threshold", "5%", "")
	benchtime := fs.String("benchtime", "1s", "")
	if err := fs.Parse([]string{"--threshold", "9%"}); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Apply(fs, nil); err != nil {
		t.Fatal(err)
	}
	if *count != 7 || *threshold != "9%" || *benchtime != "2s" {
		t.Errorf("count %d threshold %s benchtime %s, want 7 9%% 2s", *count, *threshold, *benchtime)
	}
}

func TestApplyBadValue(t *testing.T) {
	// Parse refuses such a value; Apply still reports one a flag refuses.
	cfg := &Config{Path: "c.yml", Settings: map[string]Value{"count": {Text: "many", Line: 2, Col: 8}}}
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.Int("count", 10, "")
	err := cfg.Apply(fs, nil)
	if err == nil || !strings.HasPrefix(err.Error(), "c.yml:2:8: count:") {
		t.Errorf("error = %v, want it at c.yml:2:8", err)
	}
}

func TestLoadRefusals(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.yml")
	if err := os.WriteFile(big, make([]byte, maxSize+1), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ path, want string }{
		{big, "config is 1048577 bytes"},
		{dir, "is a directory"},
		{filepath.Join(dir, "missing.yml"), "no such config file"},
	} {
		// Each is the user's mistake: exit 2, not an environment failure.
		if _, err := Load(tt.path); err == nil || !strings.Contains(err.Error(), tt.want) || errs.KindOf(err) != errs.Input {
			t.Errorf("Load(%s) = %v (%v), want an input error %q", tt.path, err, errs.KindOf(err), tt.want)
		}
	}
	if Find(dir) != "" {
		t.Error("Find found a config in an empty folder")
	}
}

func FuzzParse(f *testing.F) {
	if data, err := os.ReadFile("testdata/full.yml"); err == nil {
		f.Add(data)
	}
	f.Add([]byte("count: 3\ncases:\n  - model: x\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse("f.yml", data)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		for k := range cfg.Settings {
			if !known(Keys, k) {
				t.Fatalf("unknown key %q accepted", k)
			}
		}
	})
}

// TestLocate: an error about a flag the file set names the key at its
// position; one the command line set, or not about a flag, stays as it is.
func TestLocate(t *testing.T) {
	cfg, err := Parse("c.yml", []byte("precision: fp16\nbase: yolov8n\ncases:\n  - model: m.onnx\n    precision: int8\n"))
	if err != nil {
		t.Fatal(err)
	}
	fromFile := func(flag string) bool { return flag != "ep" }
	tests := []struct {
		name string
		err  error
		cs   *Case
		want string
	}{
		{"top-level value", errs.Usagef("--precision", "use fp32", "model yolov8n is fp32 and the cpu provider cannot run it as fp16"), nil,
			"c.yml:1:12: precision: model yolov8n is fp32 and the cpu provider cannot run it as fp16 (use fp32)"},
		{"a key under another name", errs.Usagef("--base-model", "", "bad"), nil, "c.yml:2:7: base: bad"},
		{"the case's own value first", errs.Usagef("--precision", "", "int8 needs a quantized model"), &cfg.Cases[0], "c.yml:5:16: precision: int8 needs a quantized model"},
		{"typed on the command line", errs.Usagef("--ep", "", "unknown"), nil, "--ep: unknown"},
		{"a file, not a flag", errs.Inputf("model.onnx", "", "not ONNX"), nil, "model.onnx: not ONNX"},
		{"a list", errs.List{errs.Usagef("--precision", "", "a"), errs.Usagef("--ep", "", "b")}, nil, "c.yml:1:12: precision: a (and 1 more problems)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := cfg.Locate(tt.err, tt.cs, fromFile)
			if got.Error() != tt.want || errs.KindOf(got) != errs.KindOf(tt.err) {
				t.Errorf("got %q (%v), want %q", got, errs.KindOf(got), tt.want)
			}
		})
	}
	var none *Config
	if err := none.Locate(errs.Usagef("--ep", "", "x"), nil, fromFile); err.Error() != "--ep: x" {
		t.Errorf("without a config: %v", err)
	}
}
