package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/yologate/yologate/report/github/githubtest"
	"github.com/yologate/yologate/runner/results"
)

// gitIn runs git in dir and returns its trimmed output.
func gitIn(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// scaleSpeed makes every repeat of f factor times as fast: wall time and
// latencies divided, FPS recomputed, as yologate run would have written it.
func scaleSpeed(f *results.File, factor float64) {
	for i := range f.Cases {
		for j := range f.Cases[i].Repeats {
			r := &f.Cases[i].Repeats[j]
			r.WallNS = int64(float64(r.WallNS) / factor)
			r.FPS = float64(r.Frames) / (float64(r.WallNS) / 1e9)
			for k := range r.LatenciesNS {
				r.LatenciesNS[k] = int64(float64(r.LatenciesNS[k]) / factor)
			}
			l := &r.Latency
			l.MinMS, l.MeanMS, l.P50MS, l.MaxMS = l.MinMS/factor, l.MeanMS/factor, l.P50MS/factor, l.MaxMS/factor
			for _, p := range []*float64{l.P90MS, l.P95MS, l.P99MS} {
				if p != nil {
					*p /= factor
				}
			}
		}
	}
}

// seedMainRuns records n runs of main into the history branch of remote,
// each the measured run made a little faster or slower and cleared of
// marks (a busy test machine's), as earlier runs of main.
func seedMainRuns(t *testing.T, yg, measured, remote string, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		f, err := results.Read(measured)
		if err != nil {
			t.Fatal(err)
		}
		scaleSpeed(f, 1+0.01*float64(i%3-1))
		for c := range f.Cases {
			f.Cases[c].Unstable, f.Cases[c].Marks = false, nil
			for r := range f.Cases[c].Repeats {
				f.Cases[c].Repeats[r].Marks = nil
			}
		}
		path := filepath.Join(t.TempDir(), "run.json")
		if err := results.Write(path, f); err != nil {
			t.Fatal(err)
		}
		args := []string{"history", "record", "--history", t.TempDir(), "--history-remote", remote, "--results", path,
			"--commit", fmt.Sprintf("%040x", i+1), "--date", fmt.Sprintf("2026-11-%02dT10:00:00Z", i+1)}
		if out, err := exec.Command(yg, args...).CombinedOutput(); err != nil {
			t.Fatalf("history record: %v\n%s", err, out)
		}
	}
}

// TestActionHistory runs action.yml with history: true against a local
// bare repository standing in for the repository on GitHub (the server
// URL points at it), which refuses non-fast-forward pushes. A job of a
// push to the default branch fetches the history branch, records its run
// and pushes it on top; a pull request's job then reads it, its comment
// says the verdict used main's runs, and it pushes nothing.
func TestActionHistory(t *testing.T) {
	as := newActionSetup(t)
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed: the history branch cannot be tested")
	}
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
	server := t.TempDir()
	bare := filepath.Join(server, githubtest.Owner, githubtest.Repo+".git")
	if out, err := exec.Command("git", "init", "-q", "--bare", bare).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v\n%s", err, out)
	}
	gitIn(t, bare, "config", "receive.denyNonFastForwards", "true")
	gitIn(t, bare, "config", "receive.denyDeletes", "true")
	seedMainRuns(t, as.yg, measured, bare, 5)

	job := func(event, eventPath, ref string, image bool) (*githubtest.Fake, string, string) {
		gh := githubtest.NewFake(t, "/api/v3")
		if eventPath == "" {
			eventPath = writePREvent(t, t.TempDir(), gh)
		}
		a := &actionRunner{t: t, root: as.root, meta: as.meta, token: "ghs_historyTestToken31", steps: map[string]map[string]string{},
			env: map[string]string{
				"PATH": as.binDir + string(os.PathListSeparator) + os.Getenv("PATH"), "HOME": os.Getenv("HOME"),
				"RUNNER_TEMP": t.TempDir(), "GITHUB_WORKSPACE": work, "GITHUB_ACTIONS": "true",
				"GITHUB_EVENT_NAME": event, "GITHUB_EVENT_PATH": eventPath, "GITHUB_REF": ref,
				"GITHUB_REPOSITORY": githubtest.Owner + "/" + githubtest.Repo, "GITHUB_SHA": strings.Repeat("d", 40),
				"GITHUB_API_URL": gh.URL(), "GITHUB_SERVER_URL": "file://" + server, "GITHUB_RUN_ID": "9",
				"GITHUB_WORKFLOW": "perf", "GITHUB_JOB": "gate", "GITHUB_STEP_SUMMARY": filepath.Join(t.TempDir(), "summary.md"),
				"YOLOGATE_ORT_LIB": as.lib,
			},
			inputs: map[string]string{"baseline": baseline, "model": "yolov8n", "imgsz": "64", "ep": "cpu", "threads": "1",
				"count": "6", "benchtime": "50x", "warmup": "5", "threshold": "1000%", "html": "", "history": "true"},
		}
		if image {
			// In the yologate image, through the fake docker of
			// TestActionInImage: git's settings must reach the container.
			dockerDir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dockerDir, "docker"), []byte(fakeDocker), 0o755); err != nil {
				t.Fatal(err)
			}
			a.env["PATH"] = dockerDir + string(os.PathListSeparator) + "/usr/bin:/bin"
			a.env["FAKE_DOCKER_LOG"], a.env["FAKE_IMAGE_ENTRYPOINT"], a.env["FAKE_IMAGE_ORT_LIB"] = filepath.Join(t.TempDir(), "docker.log"), as.yg, as.lib
			a.inputs["image"] = "ghcr.io/acme/yologate:gpu"
			defer func() {
				log, _ := os.ReadFile(a.env["FAKE_DOCKER_LOG"])
				if !strings.Contains(string(log), "-e\nGIT_CONFIG_COUNT\n") || !strings.Contains(string(log), "-e\nGIT_CONFIG_VALUE_0\n") {
					t.Errorf("docker run does not pass git's settings by name:\n%s", log)
				}
			}()
		}
		failed, code, stdout, stderr := a.run()
		if code != 0 {
			t.Fatalf("%s job: step %q exited %d\nstdout:\n%s\nstderr:\n%s", event, failed, code, stdout, stderr)
		}
		if strings.Contains(stdout+stderr, a.token) {
			t.Errorf("%s job: the token was printed", event)
		}
		return gh, stdout, stderr
	}

	// A push to main records its run on the branch.
	push := filepath.Join(work, "push.json")
	pushed := strings.Repeat("e", 40)
	payload := fmt.Sprintf(`{"ref":"refs/heads/main","after":%q,"repository":{"full_name":"%s/%s","default_branch":"main"}}`, pushed, githubtest.Owner, githubtest.Repo)
	if err := os.WriteFile(push, []byte(payload), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, stderr := job("push", push, "refs/heads/main", false)
	if !strings.Contains(stderr, "recorded this run in main's history: runs/") {
		t.Errorf("the push job did not record its run:\n%s", stderr)
	}
	branch := "refs/heads/yologate-history"
	if n := gitIn(t, bare, "rev-list", "--count", "--first-parent", branch); n != "6" {
		t.Errorf("%s commits on the history branch, want the 5 seeded and the push's, one after another", n)
	}
	files := gitIn(t, bare, "ls-tree", "-r", "--name-only", branch)
	if !strings.Contains(files, "-eeeeeeeeeeee-") || strings.Count(files, ".hist") != 6 {
		t.Errorf("the branch holds:\n%s\nwant 6 runs, one of the pushed commit", files)
	}
	tip := gitIn(t, bare, "rev-parse", branch)

	// A pull request reads main's runs and pushes nothing, on the runner
	// and in the image.
	for _, image := range []bool{false, true} {
		gh, _, _ := job("pull_request", "", "refs/pull/7/merge", image)
		if len(gh.Comments) != 1 || !regexp.MustCompile(`📈 Judged with [56] runs of main's history`).MatchString(gh.Comments[0].Body) {
			t.Errorf("image %v: the pull request's comment does not say the verdict used main's history:\n%+v", image, gh.Comments)
		}
		if now := gitIn(t, bare, "rev-parse", branch); now != tip {
			t.Errorf("a pull request's job moved the history branch from %s to %s", tip, now)
		}
	}
}
