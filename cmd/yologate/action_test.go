package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/yologate/yologate/report/github/githubtest"
	"github.com/yologate/yologate/runner/results"
)

// actionMeta is the part of action.yml the test executes.
type actionMeta struct {
	Inputs map[string]struct {
		Default  string `yaml:"default"`
		Required bool   `yaml:"required"`
	} `yaml:"inputs"`
	Outputs map[string]struct {
		Value string `yaml:"value"`
	} `yaml:"outputs"`
	Runs struct {
		Using string `yaml:"using"`
		Steps []struct {
			ID    string            `yaml:"id"`
			Shell string            `yaml:"shell"`
			Env   map[string]string `yaml:"env"`
			Run   string            `yaml:"run"`
		} `yaml:"steps"`
	} `yaml:"runs"`
}

// actionRunner executes the composite action's steps as the Actions
// runner would: each step's env evaluated, its script run by
// bash --noprofile --norc -eo pipefail, its GITHUB_OUTPUT collected.
type actionRunner struct {
	t      *testing.T
	root   string // the action's directory (github.action_path)
	meta   actionMeta
	inputs map[string]string
	steps  map[string]map[string]string // step id → outputs
	env    map[string]string            // the job's environment
	token  string
	ref    string // github.action_ref: the ref in the workflow's uses:
}

var expr = regexp.MustCompile(`\$\{\{\s*([^}]*?)\s*\}\}`)

// eval replaces the expressions the action uses; any other fails the test,
// so the simulation cannot silently diverge from the file.
func (a *actionRunner) eval(s string) string {
	return expr.ReplaceAllStringFunc(s, func(m string) string {
		e := expr.FindStringSubmatch(m)[1]
		switch {
		case strings.HasPrefix(e, "inputs."):
			name := strings.TrimPrefix(e, "inputs.")
			in, ok := a.meta.Inputs[name]
			if !ok {
				a.t.Fatalf("action.yml uses undeclared input %q", name)
			}
			if v, ok := a.inputs[name]; ok {
				return v
			}
			if in.Required {
				a.t.Fatalf("required input %q not given", name)
			}
			return a.eval(in.Default)
		case e == "github.action_path":
			return a.root
		case e == "github.action_ref":
			return a.ref
		case e == "github.token":
			return a.token
		case strings.HasPrefix(e, "steps."):
			parts := strings.Split(e, ".")
			if len(parts) != 4 || parts[2] != "outputs" {
				a.t.Fatalf("unsupported expression %q", e)
			}
			return a.steps[parts[1]][parts[3]]
		}
		a.t.Fatalf("the simulation does not know the expression %q in action.yml", e)
		return ""
	})
}

// run executes every step until one fails; it returns that step's id and
// exit code (0 when all passed) and the combined stdout and stderr.
func (a *actionRunner) run() (failed string, code int, stdout, stderr string) {
	var o, e bytes.Buffer
	for i, st := range a.meta.Runs.Steps {
		if st.Shell != "bash" {
			a.t.Fatalf("step %s: shell %q, want bash", st.ID, st.Shell)
		}
		dir := a.t.TempDir()
		script := filepath.Join(dir, "step.sh")
		if err := os.WriteFile(script, []byte(a.eval(st.Run)), 0o755); err != nil {
			a.t.Fatal(err)
		}
		outFile := filepath.Join(dir, "output")
		env := []string{"GITHUB_OUTPUT=" + outFile}
		for k, v := range a.env {
			env = append(env, k+"="+v)
		}
		for k, v := range st.Env {
			env = append(env, k+"="+a.eval(v))
		}
		cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", script)
		cmd.Dir = a.env["GITHUB_WORKSPACE"]
		cmd.Env = env
		cmd.Stdout, cmd.Stderr = &o, &e
		err := cmd.Run()
		id := st.ID
		if id == "" {
			id = fmt.Sprint(i)
		}
		a.steps[id] = parseOutputs(a.t, outFile)
		if err != nil {
			if x, ok := err.(*exec.ExitError); ok {
				return id, x.ExitCode(), o.String(), e.String()
			}
			a.t.Fatalf("step %s: %v", id, err)
		}
	}
	return "", 0, o.String(), e.String()
}

// parseOutputs reads a GITHUB_OUTPUT file: name=value lines and
// name<<DELIMITER blocks.
func parseOutputs(t *testing.T, path string) map[string]string {
	out := map[string]string{}
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return out
	}
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	for i := 0; i < len(lines); i++ {
		if name, delim, ok := strings.Cut(lines[i], "<<"); ok {
			var val []string
			for i++; i < len(lines) && lines[i] != delim; i++ {
				val = append(val, lines[i])
			}
			out[name] = strings.Join(val, "\n")
		} else if name, val, ok := strings.Cut(lines[i], "="); ok {
			out[name] = val
		}
	}
	return out
}

// actionSetup is what a simulated Actions job of action.yml needs: the
// parsed file, the ONNX Runtime library and a yologate built from this
// source into a bin folder of work.
type actionSetup struct {
	root, lib, work, binDir, yg string
	meta                        actionMeta
}

func newActionSetup(t *testing.T) actionSetup {
	t.Helper()
	if testing.Short() {
		t.Skip("builds yologate and benchmarks a model: skipped with -short")
	}
	root, err := githubtest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	lib := os.Getenv("YOLOGATE_ORT_LIB")
	if lib == "" {
		lib = filepath.Join(root, ".cache", "ort", "1.30.0", "libonnxruntime.so.1")
	}
	if _, err := os.Stat(lib); err != nil {
		t.Skipf("ONNX Runtime library absent (%v): run make setup", err)
	}
	data, err := os.ReadFile(filepath.Join(root, "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var meta actionMeta
	if err := yaml.Unmarshal(data, &meta); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	if meta.Runs.Using != "composite" {
		t.Fatalf("runs.using %q, want composite (a docker action cannot pass --gpus)", meta.Runs.Using)
	}
	work := t.TempDir()
	binDir := filepath.Join(work, "bin")
	build := exec.Command("go", "build", "-o", filepath.Join(binDir, "yologate"), ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return actionSetup{root: root, lib: lib, work: work, binDir: binDir, yg: filepath.Join(binDir, "yologate"), meta: meta}
}

// writePREvent writes a same-repository pull_request event for the fake
// GitHub's pull request into dir and returns its path.
func writePREvent(t *testing.T, dir string, gh *githubtest.Fake) string {
	t.Helper()
	path := filepath.Join(dir, "event.json")
	event := fmt.Sprintf(`{"action":"opened","number":%d,"pull_request":{"number":%d,"head":{"sha":%q,"repo":{"full_name":"%s/%s"}},
		"base":{"repo":{"full_name":"%s/%s"}}},"repository":{"full_name":"%s/%s"}}`, githubtest.PR, githubtest.PR, gh.HeadSHA,
		githubtest.Owner, githubtest.Repo, githubtest.Owner, githubtest.Repo, githubtest.Owner, githubtest.Repo)
	if err := os.WriteFile(path, []byte(event), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestActionEndToEnd runs action.yml's steps in a simulated Actions job on
// the CPU provider against a stateful fake GitHub: a baseline 10× faster
// than this machine makes the step fail, after the confirming second
// measurement, and the comment and status say regression.
func TestActionEndToEnd(t *testing.T) {
	as := newActionSetup(t)
	root, lib, meta, work, binDir, yg := as.root, as.lib, as.meta, as.work, as.binDir, as.yg
	bench := []string{"--model", "yolov8n", "--imgsz", "128", "--ep", "cpu", "--threads", "1", "--count", "6", "--benchtime", "100x", "--warmup", "10"}

	// The baseline: this machine's own numbers made speedup× faster, a gap
	// no noise on a shared machine closes.
	const speedup = 10.0 // more than a loaded 2-core machine can swing between two runs
	measured := filepath.Join(work, "measured.json")
	if out, err := exec.Command(yg, append([]string{"run", "--out", measured}, bench...)...).CombinedOutput(); err != nil {
		t.Fatalf("yologate run: %v\n%s", err, out)
	}
	f, err := results.Read(measured)
	if err != nil {
		t.Fatal(err)
	}
	scaleSpeed(f, speedup)
	fast := filepath.Join(work, "fast.json")
	if err := results.Write(fast, f); err != nil {
		t.Fatal(err)
	}
	baseline := filepath.Join(work, "baselines.yaml")
	if out, err := exec.Command(yg, "baseline", "update", "--force", "--baseline", baseline, "--results", fast, "--reason", "faster day").CombinedOutput(); err != nil {
		t.Fatalf("baseline update: %v\n%s", err, out)
	}

	gh := githubtest.NewFake(t, "/api/v3")
	eventPath := writePREvent(t, work, gh)
	summary := filepath.Join(work, "summary.md")
	a := &actionRunner{t: t, root: root, meta: meta, token: "ghs_actionTestToken42", steps: map[string]map[string]string{},
		env: map[string]string{
			"PATH": binDir + string(os.PathListSeparator) + os.Getenv("PATH"), "HOME": os.Getenv("HOME"),
			"RUNNER_TEMP": t.TempDir(), "GITHUB_WORKSPACE": work, "GITHUB_ACTIONS": "true",
			"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": eventPath,
			"GITHUB_REPOSITORY": githubtest.Owner + "/" + githubtest.Repo, "GITHUB_SHA": strings.Repeat("0", 40),
			"GITHUB_API_URL": gh.URL(), "GITHUB_SERVER_URL": "https://github.com", "GITHUB_RUN_ID": "7",
			"GITHUB_WORKFLOW": "perf", "GITHUB_JOB": "gate", "GITHUB_STEP_SUMMARY": summary, "YOLOGATE_ORT_LIB": lib,
		},
		inputs: map[string]string{"baseline": baseline, "model": "yolov8n", "imgsz": "128", "ep": "cpu", "threads": "1",
			"count": "6", "benchtime": "100x", "warmup": "10", "matrix": `{"cpu":"test"}`},
	}
	// On a shared machine the warm-up can fail its steady-state check; the
	// gate rightly calls such a run inconclusive, so that attempt is
	// repeated (three in all). Anything else must be the regression.
	var failed, stdout, stderr string
	var code int
	for attempt := 1; ; attempt++ {
		failed, code, stdout, stderr = a.run()
		if code != 0 || !strings.Contains(stdout, "(unstable)") || attempt == 3 {
			break
		}
		t.Logf("attempt %d: the run was marked unstable on this busy machine; running the action again", attempt)
	}
	if failed != "gate" || code != 1 {
		t.Fatalf("step %q exited %d, want the gate step to exit 1\nstdout:\n%s\nstderr:\n%s", failed, code, stdout, stderr)
	}
	if !strings.Contains(stderr, "flagged as regression again to confirm") {
		t.Errorf("the regression was not re-measured:\n%s", stderr)
	}
	outs := map[string]string{}
	for name, o := range meta.Outputs {
		outs[name] = a.eval(o.Value)
	}
	if outs["verdict"] != "regression" || outs["fps"] == "" || outs["report"] != "yologate-report.json" {
		t.Errorf("action outputs %v", outs)
	}
	if _, err := os.Stat(filepath.Join(work, "yologate-report.json")); err != nil {
		t.Errorf("gate report not written: %v", err)
	}
	if len(gh.Comments) != 1 || !strings.Contains(gh.Comments[0].Body, "❌ yologate: regression") ||
		!strings.Contains(gh.Comments[0].Body, "Re-measured before the verdict") {
		t.Errorf("comment: %+v", gh.Comments)
	}
	if n := len(gh.Statuses); n == 0 || gh.Statuses[n-1]["state"] != "failure" || gh.Statuses[n-1]["context"] != "yologate/perf/gate/cpu=test" {
		t.Errorf("statuses: %v", gh.Statuses)
	}
	if !strings.Contains(stdout, "::error title=yologate regression::model=yolov8n/imgsz=128") {
		t.Errorf("no regression annotation:\n%s", stdout)
	}
	sum, _ := os.ReadFile(summary)
	for name, s := range map[string]string{"stdout": stdout, "stderr": stderr, "summary": string(sum)} {
		if strings.Contains(s, a.token) {
			t.Errorf("token in %s", name)
		}
	}
}

// fakeDocker stands in for the docker CLI: it logs every call, answers
// image inspect with a registry digest, and carries out "run" as the
// container would: the image's entrypoint (yologate) with only the
// variables passed with -e, plus the image's own YOLOGATE_ORT_LIB.
const fakeDocker = `#!/usr/bin/env bash
set -euo pipefail
printf '%s\n' "---" "$@" >> "$FAKE_DOCKER_LOG"
case "$1" in
  image)
    if [ "${3:-}" = --format ]; then echo "ghcr.io/acme/yologate@sha256:$(printf '%064d' 7)"; fi
    exit 0 ;;
  pull) exit 0 ;;
  run) shift ;;
  *) exit 2 ;;
esac
envs=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rm) shift ;;
    --gpus|-u|-w|-v) shift 2 ;;
    -e) envs+=("$2"); shift 2 ;;
    *) break ;;
  esac
done
shift
vars=(YOLOGATE_ORT_LIB="$FAKE_IMAGE_ORT_LIB" PATH=/usr/bin:/bin)
for e in "${envs[@]}"; do
  case "$e" in
    *=*) vars+=("$e") ;;
    *) if [ -n "${!e+x}" ]; then vars+=("$e=${!e}"); fi ;;
  esac
done
exec env -i "${vars[@]}" "$FAKE_IMAGE_ENTRYPOINT" "$@"
`

// TestActionInImage runs the action with the image input on a runner with
// neither yologate nor Go: the gate runs through docker run --gpus with the
// workspace, the runner's temp folder and the TensorRT cache volume
// mounted, and the variables yologate needs passed in, so that the comment,
// the outputs and the results' container image come out as without Docker.
func TestActionInImage(t *testing.T) {
	as := newActionSetup(t)
	work := as.work
	bench := []string{"--model", "yolov8n", "--imgsz", "64", "--ep", "cpu", "--threads", "1", "--count", "6", "--benchtime", "50x", "--warmup", "5"}
	measured := filepath.Join(work, "measured.json")
	if out, err := exec.Command(as.yg, append([]string{"run", "--out", measured}, bench...)...).CombinedOutput(); err != nil {
		t.Fatalf("yologate run: %v\n%s", err, out)
	}
	baseline := filepath.Join(work, "baselines.yaml")
	if out, err := exec.Command(as.yg, "baseline", "update", "--force", "--baseline", baseline, "--results", measured, "--reason", "first").CombinedOutput(); err != nil {
		t.Fatalf("baseline update: %v\n%s", err, out)
	}
	dockerDir := filepath.Join(t.TempDir(), "docker-bin")
	if err := os.MkdirAll(dockerDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dockerDir, "docker"), []byte(fakeDocker), 0o755); err != nil {
		t.Fatal(err)
	}
	log := filepath.Join(t.TempDir(), "docker.log")

	gh := githubtest.NewFake(t, "/api/v3")
	eventPath := writePREvent(t, work, gh)
	runnerTemp := t.TempDir()
	summary := filepath.Join(runnerTemp, "summary.md")
	a := &actionRunner{t: t, root: as.root, meta: as.meta, token: "ghs_imageTestToken77", steps: map[string]map[string]string{},
		env: map[string]string{
			// No yologate and no Go on this runner: only docker.
			"PATH": dockerDir + string(os.PathListSeparator) + "/usr/bin:/bin", "HOME": t.TempDir(),
			"FAKE_DOCKER_LOG": log, "FAKE_IMAGE_ENTRYPOINT": as.yg, "FAKE_IMAGE_ORT_LIB": as.lib,
			"RUNNER_TEMP": runnerTemp, "GITHUB_WORKSPACE": work, "GITHUB_ACTIONS": "true", "CI": "true",
			"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": eventPath,
			"GITHUB_REPOSITORY": githubtest.Owner + "/" + githubtest.Repo, "GITHUB_SHA": strings.Repeat("0", 40),
			"GITHUB_API_URL": gh.URL(), "GITHUB_SERVER_URL": "https://github.com", "GITHUB_RUN_ID": "8",
			"GITHUB_WORKFLOW": "perf", "GITHUB_JOB": "gate", "GITHUB_STEP_SUMMARY": summary,
		},
		inputs: map[string]string{"image": "ghcr.io/acme/yologate:gpu", "gpus": "device=0", "baseline": baseline,
			"model": "yolov8n", "imgsz": "64", "ep": "cpu", "threads": "1", "count": "6", "benchtime": "50x", "warmup": "5",
			"threshold": "1000%", "ep_options": "", "trt_cache": "off"},
	}
	failed, code, stdout, stderr := a.run()
	if code != 0 {
		t.Fatalf("step %q exited %d\nstdout:\n%s\nstderr:\n%s", failed, code, stdout, stderr)
	}
	data, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	var calls [][]string
	for _, c := range strings.Split(string(data), "---\n")[1:] {
		calls = append(calls, strings.Split(strings.TrimSuffix(c, "\n"), "\n"))
	}
	var run []string
	for _, c := range calls {
		if c[0] == "run" && slices.Contains(c, "gate") {
			run = c
		}
	}
	if run == nil {
		t.Fatalf("no docker run of the gate in %q", calls)
	}
	joined := strings.Join(run, " ")
	digest := "ghcr.io/acme/yologate@sha256:" + fmt.Sprintf("%064d", 7)
	for _, want := range []string{
		"run --rm --gpus device=0 -u ", "-w " + work, "-v " + work + ":" + work, "-v " + runnerTemp + ":" + runnerTemp,
		"-v yologate-cache:/cache", "-e YOLOGATE_CONTAINER_IMAGE=" + digest, "-e GITHUB_TOKEN", "-e GITHUB_EVENT_PATH",
		"ghcr.io/acme/yologate:gpu gate ", "--trt-cache off", "--ep cpu",
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("docker run lacks %q:\n%s", want, joined)
		}
	}
	if strings.Contains(joined, a.token) || strings.Contains(stdout+stderr, a.token) {
		t.Error("the token was written out instead of passed by name")
	}
	res, err := results.Read(filepath.Join(work, "yologate-results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Fingerprint.ContainerImage != digest {
		t.Errorf("results container image %q, want %q", res.Fingerprint.ContainerImage, digest)
	}
	outs := map[string]string{}
	for name, o := range as.meta.Outputs {
		outs[name] = a.eval(o.Value)
	}
	if outs["verdict"] == "" || outs["fps"] == "" {
		t.Errorf("action outputs %v: GITHUB_OUTPUT did not reach the container", outs)
	}
	if len(gh.Comments) != 1 {
		t.Errorf("comments %+v: the token, API URL or event did not reach the container", gh.Comments)
	}
	if sum, _ := os.ReadFile(summary); len(sum) == 0 {
		t.Error("no step summary from the container")
	}
}
