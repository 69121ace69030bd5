package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yologate/yologate/report/github/githubtest"
	"github.com/yologate/yologate/runner/results"
)

const gateToken = "ghs_gateTestToken0123456789abcdef"

// actionsEnv is a simulated GitHub Actions environment around a fake API.
type actionsEnv struct {
	gh   *githubtest.Fake
	dir  string
	vars map[string]string
}

func newActionsEnv(t *testing.T, fork bool) *actionsEnv {
	t.Helper()
	dir := t.TempDir()
	gh := githubtest.NewFake(t, "/api/v3")
	headRepo := githubtest.Owner + "/" + githubtest.Repo
	if fork {
		headRepo = "contributor/" + githubtest.Repo
	}
	event := fmt.Sprintf(`{"action":"synchronize","number":%d,"pull_request":{"number":%d,
		"head":{"sha":%q,"repo":{"full_name":%q}},"base":{"repo":{"full_name":"%s/%s"}}},
		"repository":{"full_name":"%s/%s"}}`, githubtest.PR, githubtest.PR, gh.HeadSHA, headRepo,
		githubtest.Owner, githubtest.Repo, githubtest.Owner, githubtest.Repo)
	eventPath := filepath.Join(dir, "event.json")
	if err := os.WriteFile(eventPath, []byte(event), 0o644); err != nil {
		t.Fatal(err)
	}
	return &actionsEnv{gh: gh, dir: dir, vars: map[string]string{
		"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": eventPath,
		"GITHUB_REPOSITORY": githubtest.Owner + "/" + githubtest.Repo, "GITHUB_SHA": strings.Repeat("0", 40),
		"GITHUB_API_URL": gh.URL(), "GITHUB_SERVER_URL": "https://github.com", "GITHUB_RUN_ID": "99",
		"GITHUB_WORKFLOW": "perf", "GITHUB_JOB": "gate", "GITHUB_TOKEN": gateToken,
		"GITHUB_OUTPUT": filepath.Join(dir, "output"), "GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary.md"),
	}}
}

func (a *actionsEnv) main(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	c := &Command{Stdout: &o, Stderr: &e, Getenv: func(k string) string { return a.vars[k] }, Ctx: context.Background()}
	code = c.Main(args)
	return code, o.String(), e.String()
}

func (a *actionsEnv) file(t *testing.T, name string) string {
	b, err := os.ReadFile(filepath.Join(a.dir, name))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return string(b)
}

// outputs parses GITHUB_OUTPUT's name<<DELIM blocks.
func (a *actionsEnv) outputs(t *testing.T) map[string]string {
	out := map[string]string{}
	lines := strings.Split(a.file(t, "output"), "\n")
	for i := 0; i < len(lines); i++ {
		name, delim, ok := strings.Cut(lines[i], "<<")
		if !ok {
			continue
		}
		var val []string
		for i++; i < len(lines) && lines[i] != delim; i++ {
			val = append(val, lines[i])
		}
		out[name] = strings.Join(val, "\n")
	}
	return out
}

func TestGateOnGitHub(t *testing.T) {
	dir := t.TempDir()
	base := cmpResults(t, dir, "base.json", cmpProfile, 12, 10, caseV8, caseV11)
	same := cmpResults(t, dir, "same.json", cmpProfile, 12, 10, caseV8, caseV11)
	slow := cmpResults(t, dir, "slow.json", cmpProfile, 10.2, 10, caseV8, caseV11)
	baseline := filepath.Join(dir, "baselines.yaml")
	if code, _, stderr := cmpMain(t, "baseline", "update", "--baseline", baseline, "--results", base, "--reason", "first"); code != 0 {
		t.Fatalf("baseline update: exit %d: %s", code, stderr)
	}

	tests := []struct {
		name       string
		results    string
		fork       bool
		forbid     bool
		code       int
		verdict    string
		state      string
		inComment  string
		annotation string
	}{
		{name: "pass", results: same, code: 0, verdict: "unchanged", state: "success", inComment: "✅ yologate: no significant change in 2 cases"},
		{name: "regression", results: slow, code: 1, verdict: "regression", state: "failure", inComment: "**❌ regression**",
			annotation: "::error title=yologate regression::" + caseV8 + " on " + cmpProfile},
		{name: "regression, read-only token of a fork", results: slow, fork: true, forbid: true, code: 1, verdict: "regression",
			annotation: "::warning title=yologate::yologate could not post the pull-request comment"},
		{name: "pass, 403 keeps exit 0", results: same, forbid: true, code: 0, verdict: "unchanged",
			annotation: "(the token lacks the permission: grant pull-requests: write"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newActionsEnv(t, tt.fork)
			if tt.forbid {
				forbidden := githubtest.Canned{Status: 403, Body: `{"message":"Resource not accessible by integration"}`}
				a.gh.Fail("GET comments", forbidden)
				a.gh.Fail("POST status", forbidden)
			}
			reportPath := filepath.Join(a.dir, "report.json")
			code, stdout, stderr := a.main(t, "gate", "--baseline", baseline, "--results", tt.results, "--report", reportPath, "--matrix", `{"cpu":"epyc"}`)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout, stderr)
			}
			out := a.outputs(t)
			if out["verdict"] != tt.verdict || out["report"] != reportPath || out["fps"] == "" {
				t.Errorf("outputs %v", out)
			}
			summary := a.file(t, "summary.md")
			if !strings.Contains(summary, "yologate") {
				t.Errorf("empty step summary")
			}
			if tt.state != "" {
				if len(a.gh.Statuses) != 1 || a.gh.Statuses[0]["state"] != tt.state || a.gh.Statuses[0]["context"] != "yologate/perf/gate/cpu=epyc" {
					t.Errorf("statuses %v", a.gh.Statuses)
				}
				if len(a.gh.Comments) != 1 || !strings.Contains(a.gh.Comments[0].Body, tt.inComment) {
					t.Errorf("comments %+v", a.gh.Comments)
				}
			} else if len(a.gh.Comments) != 0 || len(a.gh.Statuses) != 0 {
				t.Errorf("posted despite 403: %v %v", a.gh.Comments, a.gh.Statuses)
			}
			if tt.forbid && !strings.Contains(summary, "> [!WARNING]") {
				t.Errorf("summary lacks the fallback note:\n%s", summary)
			}
			if tt.annotation != "" && !strings.Contains(stdout, tt.annotation) {
				t.Errorf("stdout lacks %q:\n%s", tt.annotation, stdout)
			}
			var g struct {
				Schema, Key, Verdict string
			}
			if data, err := os.ReadFile(reportPath); err != nil || json.Unmarshal(data, &g) != nil || g.Verdict != tt.verdict || g.Key != "perf/gate/cpu=epyc" {
				t.Errorf("gate report %+v, %v", g, err)
			}
			for name, s := range map[string]string{"stdout": stdout, "stderr": stderr, "summary": summary, "outputs": a.file(t, "output")} {
				if strings.Contains(s, gateToken) {
					t.Errorf("token in %s", name)
				}
			}
		})
	}

	t.Run("rerun updates the one comment", func(t *testing.T) {
		a := newActionsEnv(t, false)
		for _, r := range []string{slow, same, slow} {
			a.main(t, "gate", "--baseline", baseline, "--results", r)
		}
		if len(a.gh.Comments) != 1 || !strings.Contains(a.gh.Comments[0].Body, "regression") || len(a.gh.Statuses) != 3 {
			t.Errorf("comments %d, statuses %d", len(a.gh.Comments), len(a.gh.Statuses))
		}
	})
}

func TestGateLocal(t *testing.T) {
	dir := t.TempDir()
	base := cmpResults(t, dir, "base.json", cmpProfile, 12, 10, caseV8)
	slow := cmpResults(t, dir, "slow.json", cmpProfile, 10.2, 10, caseV8)
	baseline := filepath.Join(dir, "b.yaml")
	if code, _, stderr := cmpMain(t, "baseline", "update", "--baseline", baseline, "--results", base); code != 0 {
		t.Fatal(stderr)
	}
	comment := filepath.Join(dir, "comment.md")
	code, stdout, stderr := cmpMain(t, "gate", "--baseline", baseline, "--results", slow, "--comment-file", comment)
	if code != 1 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	md, err := os.ReadFile(comment)
	if err != nil || !strings.HasPrefix(string(md), "### ❌ yologate: regression") {
		t.Errorf("comment file: %v\n%s", err, md)
	}
	// The comment repeats the case that regressed, not the gate's files.
	if want := "```sh\nyologate gate --model yolov8n --imgsz 640 --batch 1 --ep cpu --precision fp32 --baseline " + baseline + "\n```"; !strings.Contains(string(md), want) {
		t.Errorf("comment lacks %q:\n%s", want, md)
	}
	if !strings.Contains(stderr, "status yologate/local: failure") || !strings.Contains(stdout, "regression") {
		t.Errorf("stderr:\n%s\nstdout:\n%s", stderr, stdout)
	}
}

func TestGateUsage(t *testing.T) {
	dir := t.TempDir()
	res := cmpResults(t, dir, "r.json", cmpProfile, 12, 10, caseV8)
	tests := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"gate", "--results", res}, 2, "--baseline: missing"},
		{[]string{"gate", "--baseline", "x.yaml", "--comment", "sometimes"}, 2, `--comment: unknown comment policy "sometimes"`},
		{[]string{"gate", "--baseline", "x.yaml", "--results", res, "--matrix", "[1]"}, 2, "--matrix: not a JSON object"},
		{[]string{"gate", "--baseline", filepath.Join(dir, "absent.yaml"), "--results", res}, 2, "absent.yaml"},
		{[]string{"gate", "--baseline", "x.yaml", "extra"}, 2, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, _, stderr := cmpMain(t, tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.msg) || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
				t.Errorf("exit %d, stderr %q; want %d and %q on one line", code, stderr, tt.code, tt.msg)
			}
		})
	}
}

// TestGatePairedAgainstBase measures the base beside the head in one job:
// a tiny A/A of a standard model, and a model the base commit lacks, which
// is new with a note and passes.
func TestGatePairedAgainstBase(t *testing.T) {
	needORT(t)
	dir := t.TempDir()
	comment := filepath.Join(dir, "comment.md")
	code, stdout, stderr := runMain(t, "gate", "--model", "yolov8n,yolo11n", "--base-model", "yolov8n,none", "--base-sha", strings.Repeat("ab", 20),
		"--imgsz", "64", "--ep", "cpu", "--threads", "1", "--benchtime", "3x", "--warmup", "3", "--count", "4", "--max-count", "4",
		"--quiet", "--comment-file", comment)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	md, err := os.ReadFile(comment)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Paired against base `abababababab`, measured in this job: 4 pairs per case (up to 4 while inconclusive)",
		"the base commit has no such model: new in this pull request"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("comment lacks %q:\n%s", want, md)
		}
	}
	if !strings.Contains(stdout, "model=yolo11n/imgsz=64/batch=1/ep=cpu/precision=fp32") || !strings.Contains(stdout, "new") {
		t.Errorf("stdout:\n%s", stdout)
	}
}

// TestGateBaseInChildProcess measures the base side in a child process
// that loads its own ONNX Runtime library (here the same one: an A/A
// across two processes), as a pull request that changes the runtime does.
func TestGateBaseInChildProcess(t *testing.T) {
	bin := builtBinary(t)
	env := ortEnv(t)
	lib := strings.TrimPrefix(env[len(env)-1], "YOLOGATE_ORT_LIB=")
	dir := t.TempDir()
	comment, out := filepath.Join(dir, "comment.md"), filepath.Join(dir, "head.json")
	cmd := exec.Command(bin, "gate", "--model", "yolov8n", "--base-model", "yolov8n", "--base-ort-lib", lib,
		"--base-sha", strings.Repeat("cd", 20), "--imgsz", "64", "--ep", "cpu", "--threads", "1", "--benchtime", "3x",
		"--warmup", "3", "--count", "4", "--max-count", "4", "--quiet", "--comment-file", comment, "--out", out)
	cmd.Env = env
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	md, err := os.ReadFile(comment)
	if err != nil {
		t.Fatal(err)
	}
	head, err := results.Read(out)
	if err != nil {
		t.Fatal(err)
	}
	v := head.Fingerprint.Runtime.ORTVersion
	want := "The base ran ONNX Runtime `" + v + "` in a child process, the head `" + v + "`."
	if v == "" || !strings.Contains(string(md), want) {
		t.Errorf("comment lacks %q:\n%s", want, md)
	}
	if !strings.Contains(string(md), "4 pairs per case") {
		t.Errorf("comment does not count the pairs:\n%s", md)
	}
}

// TestGatePairedAccuracyCheck runs the accuracy check in a paired gate:
// the head's detections are checked against the base's, measured in the
// same job, and the comment shows them.
func TestGatePairedAccuracyCheck(t *testing.T) {
	needORT(t)
	needModel(t)
	comment := filepath.Join(t.TempDir(), "comment.md")
	code, stdout, stderr := runMain(t, "gate", "--model", realModel, "--base-model", realModel,
		"--check-images", filepath.Join(filepath.Dir(realModel), "..", "images"), "--ep", "cpu", "--threads", "1",
		"--benchtime", "1x", "--warmup", "0", "--count", "2", "--max-count", "2", "--quiet", "--comment-file", comment)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	md, err := os.ReadFile(comment)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "✓ recall 1.00 · precision 1.00 vs baseline") {
		t.Errorf("the comment does not show the accuracy against the base:\n%s", md)
	}
}

// TestGateWithoutBaseline runs the gate where no case has a baseline for
// this runner: an empty or not yet created baseline folder (a new
// repository), a baseline of another runner's profile (a wrong label). It
// passes, saying loudly in the text, the comment, the summary and an
// annotation that it checked nothing; with --require-baseline (or
// require-baseline: true in the config file) it fails.
func TestGateWithoutBaseline(t *testing.T) {
	dir := t.TempDir()
	cur := cmpResults(t, dir, "cur.json", cmpProfile, 12, 10, caseV8, caseV11)
	other := cmpResults(t, dir, "other.json", "gpu=NVIDIA A10", 120, 10, caseV8, caseV11)
	otherBaseline := filepath.Join(dir, "other") + "/"
	if code, _, stderr := cmpMain(t, "baseline", "update", "--baseline", otherBaseline, "--results", other); code != 0 {
		t.Fatal(stderr)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	requireCfg := filepath.Join(dir, "require.yml")
	if err := os.WriteFile(requireCfg, []byte("require-baseline: true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		args      []string
		code      int
		inComment string
		state     string
	}{
		{"empty folder", []string{"--baseline", empty}, 0, "⚠️ yologate: no case has a baseline: this gate checks nothing (2 new, 0 missing)", "success"},
		{"folder not created yet", []string{"--baseline", filepath.Join(dir, "baselines") + "/"}, 0, "this gate checks nothing", "success"},
		{"another runner's profile", []string{"--baseline", otherBaseline}, 0, `(the baseline has "gpu=NVIDIA A10"): nothing is checked on it`, "success"},
		{"required", []string{"--baseline", otherBaseline, "--require-baseline"}, 1,
			"❌ yologate: 2 of 2 cases have no baseline for this runner's profile, and the gate requires one (require-baseline)", "failure"},
		{"required by the config file", []string{"--baseline", empty, "--config", requireCfg}, 1, "and the gate requires one", "failure"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newActionsEnv(t, false)
			code, stdout, stderr := a.main(t, append([]string{"gate", "--results", cur}, tt.args...)...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout, stderr)
			}
			if tt.code == 1 && !strings.Contains(stderr, "\nyologate: no baseline (require-baseline) in 2 case(s): "+caseV8) {
				t.Errorf("stderr %q does not say which cases lack a baseline", stderr)
			}
			if !strings.Contains(stdout, "no case has a baseline for profile \""+cmpProfile+"\"") {
				t.Errorf("the text does not say so:\n%s", stdout)
			}
			if tt.code == 0 && (!strings.Contains(stdout, "this gate checks nothing") || !strings.Contains(stdout, "::warning title=yologate not compared::")) {
				t.Errorf("the verdict line or the annotation does not say so:\n%s", stdout)
			}
			if len(a.gh.Comments) != 1 || !strings.Contains(a.gh.Comments[0].Body, tt.inComment) || !strings.Contains(a.gh.Comments[0].Body, "**To seed the baseline**") {
				t.Errorf("comments %+v", a.gh.Comments)
			}
			if summary := a.file(t, "summary.md"); !strings.Contains(summary, tt.inComment) {
				t.Errorf("summary lacks %q:\n%s", tt.inComment, summary)
			}
			if len(a.gh.Statuses) != 1 || a.gh.Statuses[0]["state"] != tt.state {
				t.Errorf("statuses %v", a.gh.Statuses)
			}
		})
	}
}
