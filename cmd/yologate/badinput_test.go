package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"io/fs"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yologate/yologate/runner/onnxmodel"
	"github.com/yologate/yologate/runner/results"
)

// hugeSize is the size of the sparse baseline in the bad-input matrix: far
// over the baseline cap, and more than a careless reader could hold.
const hugeSize = 1 << 30

// badInputs writes the matrix's input files into dir and returns their
// paths by short name.
func badInputs(t *testing.T, dir string) map[string]string {
	t.Helper()
	p := map[string]string{}
	write := func(name string, data []byte) {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		p[name] = path
	}
	valid := cmpResults(t, dir, "results.json", "cpu=AMD EPYC 7B13/threads=2", 12, 5,
		"model=yolov8n/imgsz=640/batch=1/ep=cpu/precision=fp32")
	p["results.json"] = valid
	good, err := os.ReadFile(valid)
	if err != nil {
		t.Fatal(err)
	}
	write("empty.json", nil)
	write("truncated.json", good[:len(good)/2])
	rnd := make([]byte, 4096)
	rand.New(rand.NewSource(9)).Read(rnd)
	write("binary.json", rnd)
	write("schema.json", bytes.Replace(good, []byte(results.Schema), []byte("yologate/results/v99"), 1))
	write("negative.json", mutateResults(t, good, func(f *results.File) { f.Cases[0].Repeats[0].FPS = -12 }))
	write("inf.json", bytes.Replace(good, []byte(`"fps": `), []byte(`"fps": 1e999, "x": `), 1))
	write("nan.json", bytes.Replace(good, []byte(`"fps": `), []byte(`"fps": NaN, "x": `), 1))
	write("\xff\xfe-results.json", good[:len(good)/3])

	baseline, err := os.ReadFile("../../baselines/testdata/valid.yaml")
	if err != nil {
		t.Fatal(err)
	}
	write("baseline.yaml", baseline)
	write("empty.yaml", nil)
	write("binary.yaml", rnd)
	write("schema.yaml", bytes.Replace(baseline, []byte("yologate/baselines/v1"), []byte("yologate/baselines/v7"), 1))
	write("cr.yaml", bytes.ReplaceAll(baseline, []byte("\n"), []byte("\r")))
	write("dup.yaml", []byte("schema: yologate/baselines/v1\nschema: yologate/baselines/v1\nprofiles: {}\n"))
	write("bomb.yaml", []byte(`schema: yologate/baselines/v1
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
profiles: *i
`))
	write("nan.yaml", bytes.Replace(baseline, []byte("fps: [11.8,"), []byte("fps: [.nan,"), 1))
	write("inf.yaml", bytes.Replace(baseline, []byte("fps: [11.8,"), []byte("fps: [.inf,"), 1))
	write("negative.yaml", bytes.Replace(baseline, []byte("fps: [11.8,"), []byte("fps: [-11.8,"), 1))
	huge := filepath.Join(dir, "huge.yaml")
	if err := os.WriteFile(huge, []byte("schema: yologate/baselines/v1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(huge, hugeSize); err != nil {
		t.Fatal(err)
	}
	p["huge.yaml"] = huge
	var pngBuf bytes.Buffer
	if err := png.Encode(&pngBuf, image.NewGray(image.Rect(0, 0, 32, 32))); err != nil {
		t.Fatal(err)
	}
	write("tiny.png", pngBuf.Bytes())
	write("dup.yml", []byte("threshold: 5%\nthreshold: 7%\n"))
	write("gate-v9.json", []byte(`{"schema": "yologate/gate/v9", "key": "perf", "cases": []}`))
	write("event.json", []byte(`{"pull_request": {"number": "seven"`))

	// ONNX models from users are untrusted.
	write("empty.onnx", nil)
	write("random.onnx", rnd)
	write("absurd-initializer.onnx", onnxmodel.Encode(hostileModel(func(m *onnxmodel.Model) {
		m.Graph.Initializer[0].Dims = []int64{1 << 20, 1 << 20, 2}
		m.Graph.Initializer[0].RawData = nil
	})))
	write("absurd-input.onnx", onnxmodel.Encode(hostileModel(func(m *onnxmodel.Model) {
		m.Graph.Input[0].Type.Shape = []onnxmodel.Dim{{Value: 1}, {Value: 3}, {Value: 1 << 20}, {Value: 1 << 20}}
	})))
	write("escape.onnx", onnxmodel.Encode(hostileModel(func(m *onnxmodel.Model) {
		w := m.Graph.Initializer[0]
		w.RawData, w.DataLocation = nil, 1
		w.ExternalData = []onnxmodel.StringEntry{{Key: "location", Value: "../../etc/passwd"}}
	})))
	// External data through a link that leaves the folder.
	secret := filepath.Join(t.TempDir(), "secret.bin")
	if err := os.WriteFile(secret, make([]byte, 84*3*4), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(dir, "w.bin")); err != nil {
		t.Fatal(err)
	}
	write("linked.onnx", onnxmodel.Encode(hostileModel(func(m *onnxmodel.Model) {
		w := m.Graph.Initializer[0]
		w.RawData, w.DataLocation = nil, 1
		w.ExternalData = []onnxmodel.StringEntry{{Key: "location", Value: "w.bin"}}
	})))
	if err := os.Mkdir(filepath.Join(dir, "folder.json"), 0o755); err != nil {
		t.Fatal(err)
	}
	p["folder"] = filepath.Join(dir, "folder.json")
	return p
}

func mutateResults(t *testing.T, data []byte, f func(*results.File)) []byte {
	t.Helper()
	var r results.File
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	f(&r)
	b, err := results.Marshal(&r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// hostileModel is a small valid detector-shaped graph (images [1,3,32,32]
// → Conv → output0) changed by f.
func hostileModel(f func(*onnxmodel.Model)) *onnxmodel.Model {
	m := &onnxmodel.Model{
		IRVersion:   8,
		OpsetImport: []onnxmodel.OpsetID{{Version: 17}},
		Graph: &onnxmodel.Graph{
			Name: "g",
			Node: []*onnxmodel.Node{{Name: "conv", OpType: "Conv", Input: []string{"images", "w"}, Output: []string{"output0"},
				Attribute: []*onnxmodel.Attribute{{Name: "kernel_shape", Type: onnxmodel.AttrInts, Ints: []int64{1, 1}}}}},
			Initializer: []*onnxmodel.Tensor{{Name: "w", DataType: onnxmodel.Float, Dims: []int64{84, 3, 1, 1}, RawData: make([]byte, 84*3*4)}},
			Input: []*onnxmodel.ValueInfo{{Name: "images", Type: &onnxmodel.TensorType{ElemType: onnxmodel.Float, HasShape: true,
				Shape: []onnxmodel.Dim{{Value: 1}, {Value: 3}, {Value: 32}, {Value: 32}}}}},
			Output: []*onnxmodel.ValueInfo{{Name: "output0", Type: &onnxmodel.TensorType{ElemType: onnxmodel.Float, HasShape: true,
				Shape: []onnxmodel.Dim{{Value: 1}, {Value: 84}, {Value: 32}, {Value: 32}}}}},
		},
	}
	f(m)
	return m
}

// fileState is what the matrix remembers of a file to prove that a command
// left it alone: its sha256, or for a sparse file too large to hash each
// time, its size and the hash of its first and last MiB.
type fileState struct {
	Size int64
	Sum  [32]byte
}

// treeState maps every file under roots to its state: a file that changed,
// appeared (a partial output, a temp file) or vanished shows in a diff.
func treeState(t *testing.T, roots ...string) map[string]fileState {
	t.Helper()
	m := map[string]fileState{}
	for _, root := range roots {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			st, err := d.Info()
			if err != nil {
				return err
			}
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			defer f.Close()
			h := sha256.New()
			if st.Size() > 64<<20 {
				io.Copy(h, io.LimitReader(f, 1<<20))
				f.Seek(-1<<20, io.SeekEnd)
			}
			if _, err := io.Copy(h, f); err != nil {
				return err
			}
			var s fileState
			s.Size = st.Size()
			copy(s.Sum[:], h.Sum(nil))
			m[path] = s
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return m
}

// matrixEnv is the child environment: the ORT library, no CI variables
// from the machine running the tests.
func matrixEnv(t *testing.T) []string {
	var env []string
	for _, kv := range ortEnv(t) {
		if strings.HasPrefix(kv, "GITHUB_") || strings.HasPrefix(kv, "CI=") || strings.HasPrefix(kv, "YOLOGATE_") && !strings.HasPrefix(kv, "YOLOGATE_ORT_LIB=") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// TestBadInputMatrix runs the built binary on bad files, flags and outputs
// across every command. Each case must exit 2 (3 for the environment), say
// one line that names the input and its fix, never panic, leave every input
// byte-identical and write no output, partial or temporary.
func TestBadInputMatrix(t *testing.T) {
	bin := builtBinary(t)
	env := matrixEnv(t)
	in := t.TempDir()
	p := badInputs(t, in)
	res, base := p["results.json"], p["baseline.yaml"]
	// underFile is an output path whose folder is a regular file: writing
	// there fails even for root.
	underFile := filepath.Join(res, "out.json")
	tests := []badInput{
		// Unknown and conflicting flags, bad flag values.
		{"unknown command", []string{"frobnicate"}, 2, "frobnicate", "valid commands"},
		{"unknown flag", []string{"compare", "--bogus", "--results", res, "--baseline", base}, 2, "-bogus", "--help"},
		{"threshold not a number", []string{"compare", "--results", res, "--baseline", base, "--threshold", "lots"}, 2, "--threshold", ""},
		{"negative threshold", []string{"compare", "--results", res, "--baseline", base, "--threshold", "-5%"}, 2, "--threshold", ""},
		{"alpha NaN", []string{"compare", "--results", res, "--baseline", base, "--alpha", "NaN"}, 2, "--alpha", ""},
		{"benchtime garbage", []string{"run", "--model", "yolov8n", "--benchtime", "1000y", "--out", "r.json"}, 2, "--benchtime", ""},
		{"negative warm-up", []string{"run", "--model", "yolov8n", "--warmup", "-3s", "--out", "r.json"}, 2, "--warmup", ""},
		{"imgsz not a multiple of 32", []string{"run", "--model", "yolov8n", "--imgsz", "641", "--out", "r.json"}, 2, "--imgsz", ""},
		{"count zero", []string{"run", "--model", "yolov8n", "--count", "0", "--out", "r.json"}, 2, "--count", ""},
		{"batch negative", []string{"models", "generate", "yolov8n", "--batch", "-2", "-o", "m.onnx"}, 2, "--batch", ""},
		{"unknown standard model", []string{"models", "generate", "yolov99", "-o", "m.onnx"}, 2, "yolov99", ""},
		{"quiet and verbose", []string{"run", "--model", "yolov8n", "--quiet", "--verbose", "--out", "r.json"}, 2, "--quiet", ""},
		{"gate results and model", []string{"gate", "--results", res, "--model", "yolov8n", "--baseline", base}, 2, "--results", ""},
		{"gate base model not ONNX", []string{"gate", "--model", "yolov8n", "--imgsz", "64", "--base-model", p["random.onnx"]}, 2, "random.onnx", "git show"},
		{"gate base model empty", []string{"gate", "--model", "yolov8n", "--imgsz", "64", "--base-model", p["empty.onnx"], "--baseline", base}, 2, "empty.onnx", "git show"},
		{"gate base model beside results", []string{"gate", "--results", res, "--base-model", "yolov8n"}, 2, "--base-model", "drop --results"},
		{"gate base models unpaired", []string{"gate", "--model", "yolov8n,yolo11n", "--imgsz", "64", "--base-model", "yolov8n"}, 2, "--base-model", "one base model per --model"},
		{"gate max count below count", []string{"gate", "--model", "yolov8n", "--imgsz", "64", "--base-model", "yolov8n", "--count", "10", "--max-count", "5"}, 2, "--max-count", "raise --max-count"},
		{"gate base library without base", []string{"gate", "--model", "yolov8n", "--imgsz", "64", "--baseline", base, "--base-ort-lib", p["random.onnx"]}, 2, "--base-ort-lib", "add --base-model"},
		{"gate base library not a library", []string{"gate", "--model", "yolov8n", "--imgsz", "64", "--base-model", "yolov8n", "--base-ort-lib", p["random.onnx"]}, 2, "--base-ort-lib", "not a shared library"},
		{"gate base library with accuracy check", []string{"gate", "--model", "yolov8n", "--imgsz", "64", "--base-model", "yolov8n", "--base-ort-lib", p["random.onnx"], "--check-images", in}, 2, "--base-ort-lib", "drop --check-images"},
		{"gate negative budget", []string{"gate", "--model", "yolov8n", "--imgsz", "64", "--base-model", "yolov8n", "--budget", "-1m"}, 2, "--budget", "positive duration"},
		{"negative target fps", []string{"capacity", "--model", "yolov8n", "--target-fps", "-15"}, 2, "--target-fps", ""},
		{"baseline without verb", []string{"baseline"}, 2, "baseline", ""},
		{"ep-options not key=value", []string{"run", "--model", "yolov8n", "--ep-options", "trt_fp16_enable", "--out", "r.json"}, 2, "--ep-options", "key=value"},
		{"ep-options on the cpu", []string{"run", "--model", "yolov8n", "--imgsz", "64", "--ep", "cpu", "--ep-options", "device_id=0", "--out", "r.json"}, 2, "--ep", "--threads"},
		{"calibration table on the cpu", []string{"run", "--model", "yolov8n", "--imgsz", "64", "--ep", "cpu", "--calibration-table", res, "--out", "r.json"}, 2, "--calibration-table", "--ep tensorrt"},
		{"tensorrt without a gpu", []string{"run", "--model", "yolov8n", "--imgsz", "64", "--ep", "tensorrt", "--precision", "fp16", "--out", "r.json"}, 3, "--ep", "doctor"},

		// Results files.
		{"results missing", []string{"compare", "--results", filepath.Join(in, "nope.json"), "--baseline", base}, 2, "nope.json", ""},
		{"results empty", []string{"compare", "--results", p["empty.json"], "--baseline", base}, 2, "empty.json", ""},
		{"results binary", []string{"compare", "--results", p["binary.json"], "--baseline", base}, 2, "binary.json", ""},
		{"results truncated", []string{"compare", "--results", p["truncated.json"], "--baseline", base}, 2, "truncated.json", ""},
		{"results schema", []string{"compare", "--results", p["schema.json"], "--baseline", base}, 2, "schema.json", ""},
		{"results negative fps", []string{"compare", "--results", p["negative.json"], "--baseline", base}, 2, "negative.json", ""},
		{"results inf", []string{"baseline", "update", "--results", p["inf.json"], "--baseline", base}, 2, "inf.json", ""},
		{"results NaN", []string{"report", "--results", p["nan.json"], "-o", "r.html"}, 2, "nan.json", ""},
		{"results directory", []string{"compare", "--results", p["folder"], "--baseline", base}, 2, "folder.json", ""},
		{"results non-UTF-8 name", []string{"compare", "--results", p["\xff\xfe-results.json"], "--baseline", base}, 2, "-results.json", ""},
		{"merge binary", []string{"merge", p["binary.json"], res}, 2, "binary.json", ""},
		{"merge gate report schema", []string{"merge", p["gate-v9.json"], res}, 2, "gate-v9.json", ""},
		{"gate results truncated", []string{"gate", "--results", p["truncated.json"], "--baseline", base}, 2, "truncated.json", ""},

		// Baseline files.
		{"baseline empty", []string{"compare", "--results", res, "--baseline", p["empty.yaml"]}, 2, "empty.yaml", ""},
		{"baseline binary", []string{"baseline", "show", "--baseline", p["binary.yaml"]}, 2, "binary.yaml", ""},
		{"baseline schema", []string{"compare", "--results", res, "--baseline", p["schema.yaml"]}, 2, "schema.yaml", ""},
		{"baseline with bare CR line ends", []string{"baseline", "update", "--results", res, "--baseline", p["cr.yaml"]}, 2, "cr.yaml", ""},
		{"baseline duplicate keys", []string{"baseline", "update", "--results", res, "--baseline", p["dup.yaml"]}, 2, "dup.yaml", ""},
		{"baseline alias bomb", []string{"compare", "--results", res, "--baseline", p["bomb.yaml"]}, 2, "bomb.yaml", ""},
		{"baseline 1 GB", []string{"baseline", "update", "--results", res, "--baseline", p["huge.yaml"]}, 2, "huge.yaml", ""},
		{"baseline 1 GB show", []string{"baseline", "show", "--baseline", p["huge.yaml"]}, 2, "huge.yaml", ""},
		{"baseline NaN", []string{"compare", "--results", res, "--baseline", p["nan.yaml"]}, 2, "nan.yaml", ""},
		{"baseline inf", []string{"gate", "--results", res, "--baseline", p["inf.yaml"]}, 2, "inf.yaml", ""},
		{"baseline negative", []string{"report", "--results", res, "--baseline", p["negative.yaml"], "-o", "r.html"}, 2, "negative.yaml", ""},
		{"baseline directory", []string{"baseline", "show", "--baseline", p["folder"]}, 2, "folder.json", ""},
		{"doctor unknown flag", []string{"doctor", "--bogus"}, 2, "-bogus", "--help"},
		{"doctor stray argument", []string{"doctor", "now"}, 2, `unexpected argument "now"`, "flags only"},
		{"doctor without ONNX Runtime", []string{"doctor", "--ort-lib", filepath.Join(in, "nope.so")}, 3, "ONNX Runtime", "marked"},
		{"config duplicate keys", []string{"doctor", "--config", p["dup.yml"]}, 3, "config", "marked"},
		{"event payload truncated", []string{"gate", "--results", res, "--baseline", base, "--event", p["event.json"]}, 2, "event.json", ""},

		// ONNX models.
		{"inspect empty model", []string{"models", "inspect", p["empty.onnx"]}, 2, "empty.onnx", ""},
		{"inspect random bytes", []string{"models", "inspect", p["random.onnx"]}, 2, "random.onnx", ""},
		{"inspect absurd initializer", []string{"models", "inspect", p["absurd-initializer.onnx"]}, 2, "absurd-initializer.onnx", ""},
		{"inspect absurd input", []string{"models", "inspect", p["absurd-input.onnx"]}, 2, "absurd-input.onnx", ""},
		{"inspect external escape", []string{"models", "inspect", p["escape.onnx"]}, 2, "escape.onnx", ""},
		{"inspect external data linked out", []string{"models", "inspect", p["linked.onnx"]}, 2, "linked.onnx", ""},
		{"run external data linked out", []string{"run", "--model", p["linked.onnx"], "--out", "r.json"}, 2, "linked.onnx", ""},
		{"run empty model", []string{"run", "--model", p["empty.onnx"], "--out", "r.json"}, 2, "empty.onnx", ""},
		{"run random bytes", []string{"run", "--model", p["random.onnx"], "--out", "r.json"}, 2, "random.onnx", ""},
		{"run absurd initializer", []string{"run", "--model", p["absurd-initializer.onnx"], "--out", "r.json"}, 2, "absurd-initializer.onnx", ""},
		{"run absurd input", []string{"run", "--model", p["absurd-input.onnx"], "--out", "r.json"}, 2, "absurd-input.onnx", ""},
		{"run external escape", []string{"run", "--model", p["escape.onnx"], "--out", "r.json"}, 2, "escape.onnx", ""},
		{"ab random model", []string{"ab", "--a", p["random.onnx"], "--b", "yolov8n"}, 2, "random.onnx", ""},
		{"detect image not an image", []string{"detect", "--model", p["empty.onnx"], p["binary.json"]}, 2, "binary.json", ""},
		{"detect empty model", []string{"detect", "--model", p["empty.onnx"], p["tiny.png"]}, 2, "empty.onnx", ""},

		// Outputs that cannot be written: a path checked before any work
		// is a usage error, a write that fails is an environment failure.
		{"report output under a file", []string{"report", "--results", res, "-o", filepath.Join(underFile, "r.html")}, 2, "r.html", ""},
		{"generate output under a file", []string{"models", "generate", "yolov8n", "--imgsz", "64", "-o", filepath.Join(underFile, "m.onnx")}, 2, "m.onnx", ""},
		{"baseline update under a file", []string{"baseline", "update", "--results", res, "--baseline", filepath.Join(underFile, "b.yaml")}, 3, "b.yaml", ""},
		{"run output under a file", []string{"run", "--model", "yolov8n", "--imgsz", "64", "--out", filepath.Join(underFile, "r.json")}, 2, "r.json", ""},
		{"ab output under a file", []string{"ab", "--a", "yolov8n", "--b", "yolo11n", "--imgsz", "64", "--out-a", filepath.Join(underFile, "a.json")}, 2, "a.json", ""},
		{"output in /proc", []string{"report", "--results", res, "-o", "/proc/version"}, 3, "/proc/version", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkBadInput(t, bin, env, in, tt) })
	}
	if len(tests) < 30 {
		t.Errorf("the matrix has %d cases, want at least 30", len(tests))
	}
	t.Logf("bad-input matrix: %d cases", len(tests))
}

// badInput is a command line that must fail with one line on stderr.
type badInput struct {
	name string
	args []string
	code int
	// where must appear in the one line: the input it names.
	where string
	// fix must appear too: how to fix it.
	fix string
}

// checkBadInput runs tt with the binary in a fresh folder: the exit code,
// one line naming the input and its fix, and no file changed in in or there.
func checkBadInput(t *testing.T, bin string, env []string, in string, tt badInput) {
	work := t.TempDir()
	before := treeState(t, in, work)
	cmd := exec.Command(bin, tt.args...)
	cmd.Dir = work
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	msg := stderr.String()
	t.Logf("exit %d: %s", code, msg)
	if code != tt.code {
		t.Errorf("exit code %d, want %d", code, tt.code)
	}
	// One line; a file with several problems lists each on its
	// own line first, then the one-line summary.
	lines := strings.Split(strings.TrimSuffix(msg, "\n"), "\n")
	if !strings.HasSuffix(msg, "\n") || len(lines) > 1 && !strings.Contains(lines[len(lines)-1], "more problems") {
		t.Errorf("stderr is not one line: %q", msg)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "yologate: ") || !strings.Contains(l, tt.where) {
			t.Errorf("stderr line does not name %q: %q", tt.where, l)
		}
	}
	for _, bad := range []string{"panic", "goroutine", ".go:"} {
		if strings.Contains(msg+stdout.String(), bad) {
			t.Errorf("output contains %q", bad)
		}
	}
	if tt.fix != "" && !strings.Contains(msg, tt.fix) {
		t.Errorf("stderr does not say %q", tt.fix)
	}
	if !hasFix(lines[len(lines)-1]) && tt.fix == "" {
		t.Errorf("stderr gives no fix (a parenthesized hint at the end): %q", msg)
	}
	after := treeState(t, in, work)
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("files changed, appeared or vanished (-before +after):\n%s", diff)
	}
}

// hasFix reports whether an error line tells the user what to do: errs puts
// the fix in parentheses at the end.
func hasFix(line string) bool {
	line = strings.TrimSpace(line)
	if i := strings.LastIndex(line, " (and "); i >= 0 && strings.HasSuffix(line, " more problems)") {
		line = line[:i]
	}
	return strings.HasSuffix(line, ")") && strings.Contains(line, " (")
}
