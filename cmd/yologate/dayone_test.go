package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/yologate/yologate/report/github/githubtest"
)

// dayOneFlags are the simulated runner's YOLOGATE_FLAGS (its .env): a CPU
// machine shared with other tests, where the protocol of the documented
// .yologate.yml (10 repeats of 3 s) would take minutes and fp16 cannot
// run. With three repeats a side no test can reach significance, so no
// verdict here depends on how busy the machine is.
const dayOneFlags = "--count=3 --benchtime=1x --warmup=0 --threads=1 --precision=fp32"

// The team's repository as GitHub knows it, and its release of yologate.
const (
	teamRepo    = "acme/detector"
	teamRelease = "v0.1.0"
)

// fakeGH stands in for the GitHub CLI the example workflows call: release
// download copies from the local release folder, and pr create makes the
// REST call (the real gh speaks GraphQL, which the contract does not
// describe) against GITHUB_API_URL, where Prism validates it.
const fakeGH = `#!/usr/bin/env bash
set -euo pipefail
[ -n "${GH_TOKEN:-}" ] || { echo "gh: GH_TOKEN is not set" >&2; exit 4; }
case "${1:-} ${2:-}" in
"release download")
  tag=$3; shift 3; dir=.; pats=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --repo) shift 2 ;;
      --dir) dir=$2; shift 2 ;;
      --pattern) pats+=("$2"); shift 2 ;;
      *) echo "gh: unexpected $1" >&2; exit 2 ;;
    esac
  done
  mkdir -p "$dir"
  for p in "${pats[@]}"; do cp "$FAKE_GH_RELEASES/$tag/"$p "$dir/"; done ;;
"pr create")
  shift 2; exec node "$FAKE_GH_PR" "$@" ;;
*) echo "gh: the test does not fake: $*" >&2; exit 2 ;;
esac
`

const fakeGHPR = `const a = process.argv.slice(2), o = {};
for (let i = 0; i < a.length; i += 2) o[a[i].replace(/^--/, '')] = a[i + 1];
fetch(process.env.GITHUB_API_URL + '/repos/' + process.env.GITHUB_REPOSITORY + '/pulls', {
  method: 'POST',
  headers: {'Authorization': 'token ' + process.env.GH_TOKEN, 'Content-Type': 'application/json', 'Accept': 'application/vnd.github+json'},
  body: JSON.stringify({title: o.title, head: o.head, base: o.base, body: o.body}),
}).then(async r => {
  const t = await r.text();
  if (!r.ok) { console.error('gh: HTTP ' + r.status + ': ' + t); process.exit(1); }
  console.log(JSON.parse(t).html_url);
}).catch(e => { console.error('gh: ' + e); process.exit(1); });
`

// dayOne is a team's repository on its first day with yologate: a bare
// repository as its remote, the release of yologate its workflows pin,
// and GitHub's API contract served by Prism.
type dayOne struct {
	t                   *testing.T
	as                  actionSetup
	remote, clone       string // the bare remote and the team's own clone
	releases, artifacts string
	fakeBin             string
	api                 string // GITHUB_API_URL
	runs                int
}

// TestDayOne follows README.md and docs/runner-guide.md in a team's
// repository that holds only its own model, the .yologate.yml of
// docs/config.md and the example workflows: the README's gate on the first
// pull request, before any baseline, passes and says it checks nothing;
// baseline-update, run by hand, seeds the first baseline and opens its
// pull request; perf-gate judges the next pull request against it; the
// fork-safe perf-run and perf-report pair posts on a fork's pull request;
// and the approval label records an intended change in a pull request.
// Every request to GitHub is checked against its OpenAPI description.
func TestDayOne(t *testing.T) {
	modules := githubtest.NodeModules(t)
	started := make(chan *githubtest.Prism, 1)
	var startErr error
	go func() {
		p, err := githubtest.Start(modules)
		startErr = err
		started <- p
	}()
	var prism *githubtest.Prism
	t.Cleanup(func() {
		if prism == nil {
			prism = <-started
		}
		if prism != nil {
			prism.Close()
		}
	})
	d := newDayOne(t)
	if prism = <-started; prism == nil {
		t.Fatalf("prism: %v", startErr)
	}
	d.api = prism.URL
	// The description's example answer to opening a pull request breaks
	// its own schema; Prism then answers from the schema (the request is
	// still validated first).
	prism.Prefer("POST", `^/repos/[^/]+/[^/]+/pulls$`, "dynamic=true")

	// The first pull request adds the workflows: the README's gate runs on
	// it before any baseline exists.
	readme := d.readmeWorkflow()
	head := d.commit("ci/perf-gate", "add the perf gate", func(dir string) { d.copyExamples(dir) })
	j := d.job("pull_request", d.prEvent(5, "ci/perf-gate", head, teamRepo, ""), head, "ci/perf-gate")
	d.mustRun(j, readme, "gate")
	summary := d.read(j.env["GITHUB_STEP_SUMMARY"])
	for _, want := range []string{"no case has a baseline: this gate checks nothing", "**To seed the baseline**"} {
		if !strings.Contains(summary, want) {
			t.Errorf("the first gate's summary lacks %q:\n%s", want, summary)
		}
	}
	if !strings.Contains(j.log.String(), "::warning title=yologate not compared::") {
		t.Errorf("no warning annotation:\n%s", j.log.String())
	}
	d.merge("ci/perf-gate")

	// Seeding: baseline-update run by hand on the default branch.
	main := git(t, d.clone, "rev-parse", "main")
	j = d.job("workflow_dispatch", map[string]any{"inputs": map[string]any{"reason": "first baseline on this runner"},
		"ref": "refs/heads/main", "repository": map[string]any{"full_name": teamRepo}}, main, "main")
	d.mustRun(j, d.example("baseline-update.yml"), "update")
	seed := fmt.Sprintf("yologate/baseline-%s", j.env["GITHUB_RUN_ID"])
	files := d.changedFiles(seed, "main")
	if len(files) != 1 || !strings.HasPrefix(files[0], "baselines/cpu-") {
		t.Fatalf("the seeding branch changes %v, want one baselines/cpu-*.yaml", files)
	}
	seedFile := files[0]
	baseline := git(t, d.clone, "show", "origin/"+seed+":"+seedFile)
	for _, want := range []string{"model=yolov8n/imgsz=640/", "model=yolov8n/imgsz=320/", "model=detector/imgsz=32/batch=4/",
		"reason: first baseline on this runner", "check:\n        conf: 0.25"} {
		if !strings.Contains(baseline, want) {
			t.Errorf("the first baseline lacks %q:\n%s", want, baseline)
		}
	}
	d.merge(seed)

	// A same-repository pull request replaces the detector: perf-gate
	// compares it with the baseline.
	v2 := d.commit("feature/detector-v2", "detector v2", func(dir string) {
		d.yg("models", "generate", "yolov8n", "--imgsz", "32", "--batch", "4", "--seed", "2", "-o", filepath.Join(dir, "models", "detector.onnx"))
	})
	j = d.job("pull_request", d.prEvent(6, "feature/detector-v2", v2, teamRepo, ""), v2, "feature/detector-v2")
	d.mustRun(j, d.example("perf-gate.yml"), "gate")
	summary = d.read(j.env["GITHUB_STEP_SUMMARY"])
	if strings.Contains(summary, "checks nothing") || !strings.Contains(summary, "model changed") || !strings.Contains(summary, "gate `perf-gate/gate/gpu=a10`") {
		t.Errorf("the gate did not compare with the seeded baseline:\n%s", summary)
	}
	if _, err := os.Stat(filepath.Join(d.artifacts, "perf-a10", "yologate-report.html")); err != nil {
		t.Errorf("perf-gate uploaded no HTML report: %v", err)
	}

	// A fork's pull request: perf-run measures without secrets, and
	// perf-report, on workflow_run, compares and posts with the default
	// branch's settings.
	fork := d.commit("", "faster letterbox", func(dir string) {
		if err := os.WriteFile(filepath.Join(dir, "NOTES.md"), []byte("letterbox in place\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	})
	git(t, d.clone, "push", "-q", "origin", fork+":refs/pull/7/head")
	j = d.job("pull_request", d.prEvent(7, "patch-1", fork, "contributor/detector", ""), fork, "patch-1")
	d.mustRun(j, d.example("perf-run.yml"), "run")
	main = git(t, d.clone, "rev-parse", "main")
	j = d.job("workflow_run", map[string]any{"action": "completed", "repository": map[string]any{"full_name": teamRepo},
		"workflow_run": map[string]any{"id": 4242, "conclusion": "success", "event": "pull_request", "head_sha": fork,
			"pull_requests": []any{}}}, main, "main")
	d.mustRun(j, d.example("perf-report.yml"), "report")
	if s := d.read(j.env["GITHUB_STEP_SUMMARY"]); !strings.Contains(s, "gate `perf-run/run`") || strings.Contains(s, "checks nothing") {
		t.Errorf("perf-report's summary:\n%s", s)
	}

	// The approval label on the detector's pull request records its
	// numbers in a pull request against that branch.
	j = d.job("pull_request", d.prEvent(6, "feature/detector-v2", v2, teamRepo, "perf-baseline-approved"), v2, "feature/detector-v2")
	d.mustRun(j, d.example("baseline-update.yml"), "update")
	accept := fmt.Sprintf("yologate/baseline-%s", j.env["GITHUB_RUN_ID"])
	if files := d.changedFiles(accept, "feature/detector-v2"); len(files) != 1 || files[0] != seedFile {
		t.Errorf("the approved update changes %v, want %s", files, seedFile)
	}
	if got := git(t, d.clone, "show", "origin/"+accept+":"+seedFile); !strings.Contains(got, "approved in https://github.com/"+teamRepo+"/pull/6") {
		t.Errorf("the updated baseline does not say why:\n%s", got)
	}
	d.checkContract(prism)
}

func newDayOne(t *testing.T) *dayOne {
	as := newActionSetup(t)
	d := &dayOne{t: t, as: as, remote: filepath.Join(t.TempDir(), "detector.git"), releases: t.TempDir(),
		artifacts: t.TempDir(), fakeBin: t.TempDir()}
	body, err := os.ReadFile(as.yg)
	if err != nil {
		t.Fatal(err)
	}
	packRelease(t, d.releases, teamRelease, body, func(sum string) string { return sum + "  " + releaseAsset + "\n" })
	for name, text := range map[string]string{"gh": fakeGH, "gh-pr.js": fakeGHPR} {
		if err := os.WriteFile(filepath.Join(d.fakeBin, name), []byte(text), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	git(t, "", "init", "-q", "--bare", "-b", "main", d.remote)
	d.clone = filepath.Join(t.TempDir(), "detector")
	git(t, "", "clone", "-q", d.remote, d.clone)
	git(t, d.clone, "checkout", "-q", "-b", "main")
	// The team's files: its model, a reference image and the documented
	// .yologate.yml, verbatim; no yologate source.
	cfg := docExample(t, "../../docs/config.md", "```yaml\n")
	files := map[string][]byte{".yologate.yml": []byte(cfg), "README.md": []byte("# detector\n")}
	for name, data := range files {
		d.write(filepath.Join(d.clone, name), data)
	}
	d.yg("models", "generate", "yolov8n", "--imgsz", "32", "--batch", "4", "-o", filepath.Join(d.clone, "models", "detector.onnx"))
	d.write(filepath.Join(d.clone, "perf", "images", "street.jpg"), streetJPEG(t))
	git(t, d.clone, "add", "--all")
	git(t, d.clone, "commit", "-q", "-m", "detector service")
	git(t, d.clone, "push", "-q", "origin", "main")
	return d
}

// docExample returns the first code block of a document that opens with
// fence.
func docExample(t *testing.T, path, fence string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, block, ok := strings.Cut(string(data), fence)
	block, _, ok2 := strings.Cut(block, "```\n")
	if !ok || !ok2 {
		t.Fatalf("%s has no %q block", path, strings.TrimSpace(fence))
	}
	return block
}

// readmeWorkflow is README.md's GitHub snippet, as a workflow.
func (d *dayOne) readmeWorkflow() *wfFile {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		d.t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(data), "## On GitHub")
	_, block, ok := strings.Cut(section, "```yaml\n")
	block, _, ok2 := strings.Cut(block, "```\n")
	if !ok || !ok2 {
		d.t.Fatal("README.md's GitHub section has no yaml block")
	}
	w := parseWorkflow(d.t, ".github/workflows/perf.yml", []byte(block))
	if !w.triggers("pull_request") {
		d.t.Fatal("README.md's workflow does not run on pull requests")
	}
	return w
}

func (d *dayOne) example(name string) *wfFile {
	data, err := os.ReadFile(filepath.Join("../../examples/workflows", name))
	if err != nil {
		d.t.Fatal(err)
	}
	return parseWorkflow(d.t, name, data)
}

// copyExamples puts the example workflows into a checkout, as the runner
// guide says.
func (d *dayOne) copyExamples(dir string) {
	files, _ := filepath.Glob("../../examples/workflows/*.yml")
	if len(files) < 4 {
		d.t.Fatalf("examples/workflows has %d workflows, want perf-gate, perf-run, perf-report and baseline-update", len(files))
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			d.t.Fatal(err)
		}
		d.write(filepath.Join(dir, ".github", "workflows", filepath.Base(f)), data)
	}
}

// commit makes a commit on top of main with change, pushes it to branch
// (none: only the commit, as a fork's) and returns its sha.
func (d *dayOne) commit(branch, msg string, change func(dir string)) string {
	t := d.t
	git(t, d.clone, "fetch", "-q", "origin")
	git(t, d.clone, "checkout", "-q", "--detach", "origin/main")
	change(d.clone)
	git(t, d.clone, "add", "--all")
	git(t, d.clone, "commit", "-q", "-m", msg)
	sha := git(t, d.clone, "rev-parse", "HEAD")
	if branch != "" {
		git(t, d.clone, "push", "-q", "origin", "HEAD:refs/heads/"+branch)
	}
	return sha
}

// merge merges branch into main, as a reviewer would.
func (d *dayOne) merge(branch string) {
	t := d.t
	git(t, d.clone, "fetch", "-q", "origin")
	git(t, d.clone, "checkout", "-q", "main")
	git(t, d.clone, "merge", "-q", "--ff-only", "origin/"+branch)
	git(t, d.clone, "push", "-q", "origin", "main")
}

// changedFiles lists the files branch changes against base on the remote.
func (d *dayOne) changedFiles(branch, base string) []string {
	git(d.t, d.clone, "fetch", "-q", "origin")
	out := git(d.t, d.clone, "diff", "--name-only", "origin/"+base+"...origin/"+branch)
	return strings.Fields(out)
}

// prEvent is a pull_request payload; label, when set, makes it "labeled".
func (d *dayOne) prEvent(n int, ref, sha, headRepo, label string) map[string]any {
	base := git(d.t, d.clone, "rev-parse", "origin/main")
	ev := map[string]any{"action": "synchronize", "number": n, "repository": map[string]any{"full_name": teamRepo},
		"pull_request": map[string]any{"number": n, "html_url": fmt.Sprintf("https://github.com/%s/pull/%d", teamRepo, n),
			"head": map[string]any{"sha": sha, "ref": ref, "repo": map[string]any{"full_name": headRepo}},
			"base": map[string]any{"sha": base, "ref": "main", "repo": map[string]any{"full_name": teamRepo}}}}
	if label != "" {
		ev["action"], ev["label"] = "labeled", map[string]any{"name": label}
	}
	return ev
}

// job prepares a job of the event on a fresh runner workspace.
func (d *dayOne) job(event string, payload map[string]any, sha, refName string) *jobRun {
	t := d.t
	d.runs++
	tmp := t.TempDir()
	eventPath := filepath.Join(tmp, "event.json")
	data, _ := json.Marshal(payload)
	d.write(eventPath, data)
	token := fmt.Sprintf("ghs_dayOneToken%04d", d.runs)
	runID := fmt.Sprint(9000 + d.runs)
	env := map[string]string{
		"PATH": d.fakeBin + ":/usr/bin:/bin", "HOME": filepath.Join(tmp, "home"), "RUNNER_TEMP": filepath.Join(tmp, "runner"),
		"GITHUB_WORKSPACE": filepath.Join(tmp, "work", "detector"), "GITHUB_ACTIONS": "true", "CI": "true",
		"GITHUB_EVENT_NAME": event, "GITHUB_EVENT_PATH": eventPath, "GITHUB_REPOSITORY": teamRepo, "GITHUB_SHA": sha,
		"GITHUB_REF_NAME": refName, "GITHUB_RUN_ID": runID, "GITHUB_SERVER_URL": "https://github.com", "GITHUB_API_URL": d.api,
		"GITHUB_STEP_SUMMARY": filepath.Join(tmp, "summary.md"), "GITHUB_ACTOR": "octocat",
		"YOLOGATE_FLAGS": dayOneFlags, "YOLOGATE_RELEASE_URL": "file://" + d.releases,
		"FAKE_GH_RELEASES": d.releases, "FAKE_GH_PR": filepath.Join(d.fakeBin, "gh-pr.js"),
	}
	for _, dir := range []string{env["HOME"], env["RUNNER_TEMP"]} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	inputs, _ := payload["inputs"].(map[string]any)
	ctx := ghContext{
		"github": map[string]any{"event_name": event, "event": payload, "sha": sha, "ref_name": refName, "token": token,
			"server_url": "https://github.com", "repository": teamRepo, "run_id": runID},
		"vars":   map[string]any{"YOLOGATE_GPU_RUNNER": "true", "YOLOGATE_ORT_LIB": d.as.lib},
		"inputs": inputs, "runner": map[string]any{"temp": env["RUNNER_TEMP"]}, "matrix": map[string]any{},
	}
	return &jobRun{t: t, as: d.as, env: env, ctx: ctx, remote: d.remote, artifacts: d.artifacts, token: token}
}

// mustRun runs the job and fails the test, with its log, if a step failed
// or the token was written out.
func (d *dayOne) mustRun(j *jobRun, w *wfFile, jobID string) {
	d.t.Helper()
	event := j.env["GITHUB_EVENT_NAME"]
	if !w.triggers(event) {
		d.t.Fatalf("%s does not run on %s", w.Name, event)
	}
	if failed := j.run(w, jobID); failed != "" {
		d.t.Fatalf("%s/%s: step %q failed:\n%s", w.Name, jobID, failed, j.log.String())
	}
	if strings.Contains(j.log.String()+d.read(j.env["GITHUB_STEP_SUMMARY"]), j.token) {
		d.t.Errorf("%s/%s wrote the token out", w.Name, jobID)
	}
}

// checkContract fails on any request GitHub's description refuses, and
// on a missing one of those each flow must make.
func (d *dayOne) checkContract(p *githubtest.Prism) {
	t := d.t
	var seen []string
	for _, ex := range p.Exchanges() {
		if ex.Status >= 400 {
			t.Errorf("GitHub's contract refused: %s", ex)
		}
		seen = append(seen, ex.Method+" "+ex.Path)
	}
	all := strings.Join(seen, "\n")
	repo := "/repos/" + teamRepo
	for _, want := range []string{
		"GET " + repo + "/issues/5/comments", "POST " + repo + "/issues/5/comments",
		"POST " + repo + "/issues/6/comments", "POST " + repo + "/issues/7/comments",
		"POST " + repo + "/statuses/", "POST " + repo + "/pulls",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("no request %s; the requests were:\n%s", want, all)
		}
	}
	if n := len(regexp.MustCompile(`(?m)^POST `+regexp.QuoteMeta(repo)+`/pulls$`).FindAllString(all, -1)); n != 2 {
		t.Errorf("%d pull requests opened, want 2 (the first baseline and the approved change)", n)
	}
}

// yg runs the yologate the test built.
func (d *dayOne) yg(args ...string) {
	d.t.Helper()
	if err := os.MkdirAll(filepath.Dir(args[len(args)-1]), 0o755); err != nil {
		d.t.Fatal(err)
	}
	if out, err := exec.Command(d.as.yg, args...).CombinedOutput(); err != nil {
		d.t.Fatalf("yologate %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func (d *dayOne) write(path string, data []byte) {
	d.t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		d.t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		d.t.Fatal(err)
	}
}

func (d *dayOne) read(path string) string {
	data, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		d.t.Fatal(err)
	}
	return string(data)
}

// streetJPEG is a small reference image for the accuracy check.
func streetJPEG(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 96, 64))
	for y := 0; y < 64; y++ {
		for x := 0; x < 96; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 2), uint8(y * 3), uint8((x + y) % 256), 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestExampleWorkflowsForATeam: the example workflows run in a team's
// repository: no action, build or binary of this repository's own, the
// action pinned to a release, and pull-request triggers that include the
// files a gate depends on, .yologate.yml among them.
func TestExampleWorkflowsForATeam(t *testing.T) {
	files, _ := filepath.Glob("../../examples/workflows/*.yml")
	if len(files) == 0 {
		t.Fatal("no example workflows")
	}
	pinned := regexp.MustCompile(`uses: yologate/yologate@v[0-9]+\.[0-9]+\.[0-9]+\b`)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		text := string(data)
		for _, own := range []string{"uses: ./", "make ", "bin/yologate", "setup-go", "go build"} {
			if strings.Contains(text, own) {
				t.Errorf("%s uses %q, which only this repository has", filepath.Base(f), own)
			}
		}
		if strings.Contains(text, "yologate/yologate@") && !pinned.MatchString(text) {
			t.Errorf("%s does not pin the action to a release tag", filepath.Base(f))
		}
		w := parseWorkflow(t, filepath.Base(f), data)
		if paths := w.pullRequestPaths(); paths != nil {
			for _, want := range []string{".yologate.yml", "models/**", "baselines/**"} {
				if !slices.Contains(paths, want) {
					t.Errorf("%s: its pull_request paths %v leave out %s", filepath.Base(f), paths, want)
				}
			}
		}
	}
}

// TestRepositoryVariablesDocumented: every repository variable the example
// workflows and the README's snippet read is explained in the runner guide
// (its table of variables) and in docs/gpu.md.
func TestRepositoryVariablesDocumented(t *testing.T) {
	sources, _ := filepath.Glob("../../examples/workflows/*.yml")
	sources = append(sources, "../../README.md")
	used := map[string]bool{}
	for _, f := range sources {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile(`vars\.([A-Z_]+)`).FindAllStringSubmatch(string(data), -1) {
			used[m[1]] = true
		}
	}
	if len(used) < 3 {
		t.Fatalf("the examples read %v; want at least YOLOGATE_GPU_RUNNER, YOLOGATE_IMAGE and YOLOGATE_ORT_LIB", used)
	}
	for _, doc := range []string{"../../docs/runner-guide.md", "../../docs/gpu.md"} {
		data, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for v := range used {
			if !strings.Contains(string(data), "`"+v+"`") {
				t.Errorf("%s does not explain the repository variable %s", doc, v)
			}
		}
	}
}
