package github

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yologate/yologate/report/github/githubtest"
)

// webhookExamples returns the recorded payloads of @octokit/webhooks-examples
// by event name, or skips.
func webhookExamples(t testing.TB) map[string][]json.RawMessage {
	t.Helper()
	dir := githubtest.NodeModules(t)
	data, err := os.ReadFile(filepath.Join(dir, "@octokit", "webhooks-examples", "api.github.com", "index.json"))
	if err != nil {
		t.Skipf("webhook examples not installed (%v): run make setup", err)
	}
	var index []struct {
		Name     string            `json:"name"`
		Examples []json.RawMessage `json:"examples"`
	}
	if err := json.Unmarshal(data, &index); err != nil {
		t.Fatal(err)
	}
	out := map[string][]json.RawMessage{}
	for _, e := range index {
		out[e.Name] = e.Examples
	}
	return out
}

// example returns the first recorded payload of event with the given action
// ("" for push, which has none).
func example(t *testing.T, all map[string][]json.RawMessage, event, action string) json.RawMessage {
	t.Helper()
	for _, raw := range all[event] {
		var p struct {
			Action string `json:"action"`
		}
		json.Unmarshal(raw, &p)
		if p.Action == action {
			return raw
		}
	}
	t.Fatalf("no %s/%s example", event, action)
	return nil
}

// find returns the first recorded payload of event that match accepts.
func find(t *testing.T, all map[string][]json.RawMessage, event string, match func(map[string]any) bool) json.RawMessage {
	t.Helper()
	for _, raw := range all[event] {
		var p map[string]any
		if json.Unmarshal(raw, &p) == nil && match(p) {
			return raw
		}
	}
	t.Fatalf("no matching %s example", event)
	return nil
}

// forked returns pr with its head moved to a fork, the one change between a
// same-repository and a fork pull_request payload.
func forked(t *testing.T, pr json.RawMessage) json.RawMessage {
	var p map[string]any
	if err := json.Unmarshal(pr, &p); err != nil {
		t.Fatal(err)
	}
	head := p["pull_request"].(map[string]any)["head"].(map[string]any)
	repo := head["repo"].(map[string]any)
	repo["full_name"] = "contributor/Hello-World"
	repo["fork"] = true
	b, _ := json.Marshal(p)
	return b
}

const (
	prHead   = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
	pushHead = "6113728f27ae82c7b1a177c8d03f9e96e0adf246"
	runHead  = "3484a3fb816e0859fd6e1cea078d76385ff50625"
	prBase   = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e"
)

func TestParseEventExamples(t *testing.T) {
	all := webhookExamples(t)
	opened := example(t, all, "pull_request", "opened")
	synced := example(t, all, "pull_request", "synchronize")
	pushBranch := find(t, all, "push", func(p map[string]any) bool {
		return strings.HasPrefix(p["ref"].(string), "refs/heads/")
	})
	runWithPR := find(t, all, "workflow_run", func(p map[string]any) bool {
		return len(p["workflow_run"].(map[string]any)["pull_requests"].([]any)) > 0
	})
	same := "Codertocat/Hello-World"
	tests := []struct {
		name, event string
		payload     json.RawMessage
		want        Event
	}{
		{"pull_request opened, same repository", "pull_request", opened,
			Event{Name: "pull_request", Action: "opened", PR: 2, HeadSHA: prHead, BaseSHA: prBase, HeadRepo: same, BaseRepo: same}},
		{"pull_request synchronize, same repository", "pull_request", synced,
			Event{Name: "pull_request", Action: "synchronize", PR: 2, HeadSHA: prHead, BaseSHA: prBase, HeadRepo: same, BaseRepo: same}},
		{"pull_request opened from a fork", "pull_request", forked(t, opened),
			Event{Name: "pull_request", Action: "opened", PR: 2, HeadSHA: prHead, BaseSHA: prBase, HeadRepo: "contributor/Hello-World", BaseRepo: same, Fork: true}},
		{"pull_request synchronize from a fork", "pull_request", forked(t, synced),
			Event{Name: "pull_request", Action: "synchronize", PR: 2, HeadSHA: prHead, BaseSHA: prBase, HeadRepo: "contributor/Hello-World", BaseRepo: same, Fork: true}},
		{"pull_request_target from a fork", "pull_request_target", forked(t, synced),
			Event{Name: "pull_request_target", Action: "synchronize", PR: 2, HeadSHA: prHead, BaseSHA: prBase, HeadRepo: "contributor/Hello-World", BaseRepo: same, Fork: true}},
		{"push to a branch", "push", pushBranch,
			Event{Name: "push", HeadSHA: pushHead, BaseRepo: same, Ref: "refs/heads/master", DefaultBranch: "master"}},
		{"manual run of main", "workflow_dispatch", all["workflow_dispatch"][0],
			Event{Name: "workflow_dispatch", BaseRepo: "octo-org/octo-repo", Ref: "refs/heads/main", DefaultBranch: "main"}},
		{"workflow_run listing its pull request", "workflow_run", runWithPR,
			Event{Name: "workflow_run", Action: "completed", PR: 2, HeadSHA: runHead, HeadRepo: "octo-org/octo-repo", BaseRepo: "octo-org/octo-repo"}},
		{"workflow_run of a dispatch", "workflow_run", example(t, all, "workflow_run", "requested"),
			Event{Name: "workflow_run", Action: "requested", HeadSHA: runHead, HeadRepo: "octo-org/octo-repo", BaseRepo: "octo-org/octo-repo"}},
		{"issue_comment on an issue, not a pull request", "issue_comment", example(t, all, "issue_comment", "created"),
			Event{Name: "issue_comment", Action: "created", BaseRepo: same}},
		{"name inferred: pull_request", "", opened,
			Event{Name: "pull_request", Action: "opened", PR: 2, HeadSHA: prHead, BaseSHA: prBase, HeadRepo: same, BaseRepo: same}},
		{"name inferred: workflow_run", "", runWithPR,
			Event{Name: "workflow_run", Action: "completed", PR: 2, HeadSHA: runHead, HeadRepo: "octo-org/octo-repo", BaseRepo: "octo-org/octo-repo"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseEvent(tt.event, tt.payload)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseEventTestdata(t *testing.T) {
	one := strings.Repeat("1", 40)
	tests := []struct {
		file, event string
		want        Event
	}{
		{"pull_request_fork.json", "pull_request", Event{Name: "pull_request", Action: "synchronize", PR: 42, HeadSHA: one, BaseSHA: strings.Repeat("2", 40),
			HeadRepo: "contributor/detector", BaseRepo: "acme/detector", Fork: true}},
		{"pull_request_deleted_fork.json", "pull_request", Event{Name: "pull_request", Action: "opened", PR: 43,
			HeadSHA: strings.Repeat("3", 40), BaseRepo: "acme/detector", Fork: true}},
		{"workflow_run_fork.json", "workflow_run", Event{Name: "workflow_run", Action: "completed", HeadSHA: one,
			HeadRepo: "contributor/detector", BaseRepo: "acme/detector", Fork: true}},
		{"issue_comment_pr.json", "issue_comment", Event{Name: "issue_comment", Action: "created", PR: 42, BaseRepo: "acme/detector"}},
		{"push_deleted.json", "push", Event{Name: "push", BaseRepo: "acme/detector", Ref: "refs/heads/old"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "events", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseEvent(tt.event, data)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseEventErrors(t *testing.T) {
	for name, tt := range map[string]struct{ event, payload, want string }{
		"not JSON":              {"push", "{", "not a JSON event payload"},
		"pull_request without":  {"pull_request", `{"action":"opened"}`, "pull_request payload has no pull_request object"},
		"workflow_run without":  {"workflow_run", `{}`, "workflow_run payload has no workflow_run object"},
		"issue_comment without": {"issue_comment", `{"comment":{}}`, "issue_comment payload has no issue object"},
		"negative number":       {"issue_comment", `{"issue":{"number":-3,"pull_request":{}}}`, "negative"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseEvent(tt.event, []byte(tt.payload))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestReadEnv(t *testing.T) {
	dir := t.TempDir()
	fork := filepath.Join("testdata", "events", "pull_request_fork.json")
	vars := map[string]string{
		"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": fork,
		"GITHUB_REPOSITORY": "acme/detector", "GITHUB_SHA": strings.Repeat("9", 40), "GITHUB_SERVER_URL": "https://github.com",
		"GITHUB_RUN_ID": "77", "GITHUB_WORKFLOW": "perf", "GITHUB_JOB": "gate", "GITHUB_TOKEN": testToken,
		"GITHUB_OUTPUT": filepath.Join(dir, "out"), "GITHUB_STEP_SUMMARY": filepath.Join(dir, "sum"),
		"GITHUB_API_URL": "https://ghe.example.com/api/v3",
	}
	getenv := func(k string) string { return vars[k] }
	env, err := ReadEnv(getenv, "")
	if err != nil {
		t.Fatal(err)
	}
	want := Env{InActions: true, EventName: "pull_request", Owner: "acme", Repo: "detector", PR: 42, SHA: strings.Repeat("1", 40),
		APIURL: "https://ghe.example.com/api/v3", RunURL: "https://github.com/acme/detector/actions/runs/77", Workflow: "perf", Job: "gate",
		OutputPath: vars["GITHUB_OUTPUT"], SummaryPath: vars["GITHUB_STEP_SUMMARY"], Token: testToken,
		Event: Event{Name: "pull_request", Action: "synchronize", PR: 42, HeadSHA: strings.Repeat("1", 40), BaseSHA: strings.Repeat("2", 40),
			HeadRepo: "contributor/detector", BaseRepo: "acme/detector", Fork: true}}
	if diff := cmp.Diff(want, env); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if s := env.String(); strings.Contains(s, testToken) || !strings.Contains(s, "token=set") {
		t.Errorf("String() = %q", s)
	}

	t.Run("push falls back to GITHUB_SHA for a deleted ref", func(t *testing.T) {
		vars := map[string]string{"GITHUB_EVENT_NAME": "push", "GITHUB_SHA": strings.Repeat("9", 40)}
		env, err := ReadEnv(func(k string) string { return vars[k] }, filepath.Join("testdata", "events", "push_deleted.json"))
		if err != nil || env.SHA != strings.Repeat("9", 40) || env.APIURL != "https://api.github.com" {
			t.Errorf("env %+v, err %v", env, err)
		}
	})
	t.Run("local run without an event", func(t *testing.T) {
		env, err := ReadEnv(func(string) string { return "" }, "")
		if err != nil || env.InActions || env.PR != 0 {
			t.Errorf("env %+v, err %v", env, err)
		}
	})
	t.Run("malformed payload", func(t *testing.T) {
		bad := filepath.Join(dir, "bad.json")
		os.WriteFile(bad, []byte(`{"pull_request": 3}`), 0o644)
		_, err := ReadEnv(getenv, bad)
		if err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("error %v does not name the file", err)
		}
	})
	t.Run("malformed repository", func(t *testing.T) {
		_, err := ReadEnv(func(k string) string { return map[string]string{"GITHUB_REPOSITORY": "nope"}[k] }, "")
		if err == nil || !strings.Contains(err.Error(), "GITHUB_REPOSITORY") {
			t.Errorf("error %v", err)
		}
	})
}

// TestMainRun checks which runs main's history keeps: a push to the
// default branch, a manual or scheduled run of it, nothing else.
func TestMainRun(t *testing.T) {
	push := func(ref, def string) Event { return Event{Name: "push", Ref: ref, DefaultBranch: def} }
	for _, tt := range []struct {
		name string
		env  Env
		want bool
		why  string
	}{
		{"push to the default branch", Env{InActions: true, EventName: "push", Event: push("refs/heads/main", "main")}, true, "a push to the default branch main"},
		{"push to another branch", Env{InActions: true, EventName: "push", Event: push("refs/heads/topic", "main")}, false, "a push to refs/heads/topic, not the default branch main"},
		{"manual run of main", Env{InActions: true, EventName: "workflow_dispatch", Event: Event{Name: "workflow_dispatch", Ref: "refs/heads/main", DefaultBranch: "main"}}, true, "a manual run of the default branch main"},
		{"manual run of a branch", Env{InActions: true, EventName: "workflow_dispatch", Event: Event{Name: "workflow_dispatch", Ref: "refs/heads/topic", DefaultBranch: "main"}}, false, "a manual run of refs/heads/topic"},
		{"push of a tag", Env{InActions: true, EventName: "push", Event: push("refs/tags/v1", "main")}, false, "not the default branch"},
		{"push without a default branch", Env{InActions: true, EventName: "push", Ref: "refs/heads/main", Event: push("", "")}, false, "names no default branch"},
		{"schedule", Env{InActions: true, EventName: "schedule", Ref: "refs/heads/main"}, true, "scheduled"},
		{"pull request", Env{InActions: true, EventName: "pull_request", Event: Event{Name: "pull_request", PR: 3}}, false, "a pull_request event"},
		{"local", Env{EventName: "push", Event: push("refs/heads/main", "main")}, false, "not in GitHub Actions"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, why := tt.env.MainRun()
			if got != tt.want || !strings.Contains(why, tt.why) {
				t.Errorf("MainRun() = %v, %q; want %v and %q", got, why, tt.want, tt.why)
			}
		})
	}
}

func TestAdoptPR(t *testing.T) {
	run := func() Env {
		data, _ := os.ReadFile(filepath.Join("testdata", "events", "workflow_run_fork.json"))
		ev, err := ParseEvent("workflow_run", data)
		if err != nil {
			t.Fatal(err)
		}
		return Env{EventName: "workflow_run", Event: ev, SHA: ev.HeadSHA}
	}
	data, _ := os.ReadFile(filepath.Join("testdata", "events", "pull_request_fork.json"))
	pr, _ := ParseEvent("", data)

	env := run()
	if err := env.AdoptPR(pr); err != nil || env.PR != 42 || !env.Event.Fork {
		t.Errorf("matching head: env %+v, err %v", env, err)
	}
	env = run()
	other := pr
	other.HeadSHA = strings.Repeat("4", 40)
	if err := env.AdoptPR(other); err == nil || env.PR != 0 || !strings.Contains(err.Error(), "is not the commit the workflow run built") {
		t.Errorf("another head was adopted: env %+v, err %v", env, err)
	}
}

// FuzzParseEvent feeds arbitrary payloads under every event name: the parser
// must never panic, and a pull request it reports is never negative.
func FuzzParseEvent(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "events", "*.json"))
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(strings.TrimSuffix(filepath.Base(name), ".json"), data)
	}
	f.Add("", []byte(`{"after":"x"}`))
	f.Add("workflow_run", []byte(`{"workflow_run":{"pull_requests":[{"number":1},{"number":2}]}}`))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		for _, n := range []string{name, "", "pull_request", "workflow_run", "push", "issue_comment", "check_suite"} {
			ev, err := ParseEvent(n, data)
			if err == nil && ev.PR < 0 {
				t.Fatalf("negative pull request %d from %q", ev.PR, data)
			}
		}
	})
}

func TestGateKey(t *testing.T) {
	for _, tt := range []struct{ workflow, job, matrix, want string }{
		{"perf", "gate", "", "perf/gate"},
		{"perf", "gate", "null", "perf/gate"},
		{"perf", "gate", `{"model":"yolov8n","gpu":"a10","n":2}`, "perf/gate/gpu=a10,model=yolov8n,n=2"},
		{"", "", "", "local"},
	} {
		got, err := GateKey(tt.workflow, tt.job, tt.matrix)
		if err != nil || got != tt.want {
			t.Errorf("GateKey(%q, %q, %q) = %q, %v; want %q", tt.workflow, tt.job, tt.matrix, got, err, tt.want)
		}
	}
	if _, err := GateKey("w", "j", "[1]"); err == nil || !strings.Contains(err.Error(), "--matrix") {
		t.Errorf("a matrix that is not an object: %v", err)
	}
}
