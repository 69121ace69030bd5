package github

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/runner/results"
)

// Env is the GitHub Actions environment a gate runs in, read by ReadEnv.
// Outside Actions every field is empty and InActions is false.
type Env struct {
	// InActions is true when GITHUB_ACTIONS is "true".
	InActions bool
	// EventName is GITHUB_EVENT_NAME ("pull_request", "workflow_run", ...).
	EventName string
	// Owner and Repo name the repository the workflow runs in.
	Owner, Repo string
	// Event is what the event payload says; zero when there is none.
	Event Event
	// PR is the pull request to comment on; 0 when there is none.
	PR int
	// SHA is the commit to put the status on: the pull request's head,
	// else the workflow run's or check suite's head, else the pushed
	// commit, else GITHUB_SHA.
	SHA string
	// APIURL is GITHUB_API_URL verbatim, defaulting to https://api.github.com.
	APIURL string
	// RunURL links to the workflow run, when known.
	RunURL string
	// Ref is GITHUB_REF, the branch or tag the workflow runs on
	// ("refs/heads/main").
	Ref string
	// Workflow and Job are GITHUB_WORKFLOW and GITHUB_JOB.
	Workflow, Job string
	// OutputPath and SummaryPath are GITHUB_OUTPUT and GITHUB_STEP_SUMMARY.
	OutputPath, SummaryPath string
	// Token authenticates API calls; it is never printed (see String).
	Token string
}

// String describes the environment without the token.
func (e Env) String() string {
	tok := "absent"
	if e.Token != "" {
		tok = "set"
	}
	return fmt.Sprintf("event=%s repo=%s/%s pr=%d sha=%s fork=%t api=%s token=%s",
		e.EventName, e.Owner, e.Repo, e.PR, e.SHA, e.Event.Fork, e.APIURL, tok)
}

// ReadEnv reads the Actions environment through getenv. eventPath names the
// event payload; empty means GITHUB_EVENT_PATH. An absent payload file is not
// an error (a local run); an unreadable or malformed one is.
func ReadEnv(getenv func(string) string, eventPath string) (Env, error) {
	e := Env{
		InActions:   getenv("GITHUB_ACTIONS") == "true",
		EventName:   getenv("GITHUB_EVENT_NAME"),
		Ref:         getenv("GITHUB_REF"),
		APIURL:      getenv("GITHUB_API_URL"),
		Workflow:    getenv("GITHUB_WORKFLOW"),
		Job:         getenv("GITHUB_JOB"),
		OutputPath:  getenv("GITHUB_OUTPUT"),
		SummaryPath: getenv("GITHUB_STEP_SUMMARY"),
		Token:       getenv("GITHUB_TOKEN"),
	}
	if e.APIURL == "" {
		e.APIURL = "https://api.github.com"
	}
	if repo := getenv("GITHUB_REPOSITORY"); repo != "" {
		owner, name, ok := strings.Cut(repo, "/")
		if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
			return e, errs.Envf("GITHUB_REPOSITORY", "set it to OWNER/NAME", "malformed repository %q", repo)
		}
		e.Owner, e.Repo = owner, name
	}
	if server, id := getenv("GITHUB_SERVER_URL"), getenv("GITHUB_RUN_ID"); server != "" && id != "" && e.Owner != "" {
		e.RunURL = fmt.Sprintf("%s/%s/%s/actions/runs/%s", strings.TrimSuffix(server, "/"), e.Owner, e.Repo, id)
	}
	if eventPath == "" {
		eventPath = getenv("GITHUB_EVENT_PATH")
	}
	if eventPath != "" {
		data, err := os.ReadFile(eventPath)
		switch {
		case os.IsNotExist(err) && !e.InActions:
		case err != nil:
			return e, errs.Envf(eventPath, "check GITHUB_EVENT_PATH", "cannot read the event payload: %v", err)
		default:
			ev, err := ParseEvent(e.EventName, data)
			if err != nil {
				return e, errs.Inputf(eventPath, "pass the payload GitHub wrote for this run", "%v", err)
			}
			e.Event = ev
			if e.EventName == "" {
				e.EventName = ev.Name
			}
		}
	}
	e.PR = e.Event.PR
	e.SHA = e.Event.HeadSHA
	if e.SHA == "" {
		e.SHA = getenv("GITHUB_SHA")
	}
	return e, nil
}

// MainRun says whether the run measures the repository's default branch
// as main's history keeps it: a push to the default branch, a manual run
// (workflow_dispatch) of it, or a scheduled run, which GitHub starts on
// the default branch. why says which, or why not, for the log.
func (e Env) MainRun() (bool, string) {
	what := map[string]string{"push": "a push to", "workflow_dispatch": "a manual run of"}[e.EventName]
	switch {
	case !e.InActions:
		return false, "not in GitHub Actions"
	case e.EventName == "schedule":
		return true, "a scheduled run of the default branch"
	case what == "":
		return false, fmt.Sprintf("a %s event, not a push to the default branch", orNone(e.EventName))
	}
	ref := e.Event.Ref
	if ref == "" {
		ref = e.Ref
	}
	if e.Event.DefaultBranch == "" {
		return false, "the " + e.EventName + " event names no default branch"
	}
	if ref != "refs/heads/"+e.Event.DefaultBranch {
		return false, fmt.Sprintf("%s %s, not the default branch %s", what, orNone(ref), e.Event.DefaultBranch)
	}
	return true, what + " the default branch " + e.Event.DefaultBranch
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// AdoptPR takes the pull request from pr, the pull_request payload that the
// unprivileged run job of the fork-safe pair saved, when this environment is
// a workflow_run that knows no pull request (GitHub leaves pull_requests
// empty for forks). The payload is trusted only if its head commit is the one
// the workflow run built, so that a fork cannot aim the comment at another
// pull request.
func (e *Env) AdoptPR(pr Event) error {
	if e.PR != 0 {
		return nil
	}
	if pr.PR == 0 {
		return errs.Inputf("--pr-event", "pass the pull_request event the run job saved", "the payload names no pull request")
	}
	if e.Event.Name == "workflow_run" && pr.HeadSHA != e.SHA {
		return errs.Inputf("--pr-event", "upload the event of the same run as the results",
			"pull request #%d's head %s is not the commit the workflow run built (%s)", pr.PR, short(pr.HeadSHA), short(e.SHA))
	}
	e.PR = pr.PR
	if e.SHA == "" {
		e.SHA = pr.HeadSHA
	}
	e.Event.Fork = e.Event.Fork || pr.Fork
	return nil
}

func short(sha string) string {
	if sha == "" {
		return "none"
	}
	return results.ShortSHA(sha)
}

// Event is what yologate needs from a webhook event payload.
type Event struct {
	// Name is the event name the payload was parsed as.
	Name string
	// Action is the payload's action ("opened", "synchronize", ...), if any.
	Action string
	// PR is the pull request number; 0 when the event is about none.
	PR int
	// HeadSHA is the commit the event is about; empty when the payload does
	// not say (issue_comment).
	HeadSHA string
	// BaseSHA is the pull request's base commit; empty when the payload
	// has no pull_request.
	BaseSHA string
	// HeadRepo and BaseRepo are "owner/name" of the pull request's head and
	// base (or the workflow run's head and the repository).
	HeadRepo, BaseRepo string
	// Fork is true when the head lives in another repository, so the token
	// is read-only.
	Fork bool
	// Ref and DefaultBranch are the ref a push or a manual run
	// (workflow_dispatch) is of ("refs/heads/main") and the repository's
	// default branch ("main"); empty for other events.
	Ref, DefaultBranch string
}

// The payload subset read by ParseEvent; see
// https://docs.github.com/en/webhooks/webhook-events-and-payloads.
type repoJSON struct {
	FullName      string `json:"full_name"`
	Fork          bool   `json:"fork"`
	DefaultBranch string `json:"default_branch"`
}

type prJSON struct {
	Number int `json:"number"`
	Head   struct {
		SHA  string    `json:"sha"`
		Repo *repoJSON `json:"repo"`
	} `json:"head"`
	Base struct {
		SHA  string    `json:"sha"`
		Repo *repoJSON `json:"repo"`
	} `json:"base"`
}

type payloadJSON struct {
	Action      *string              `json:"action"`
	Number      int                  `json:"number"`
	PullRequest *prJSON              `json:"pull_request"`
	Repository  *repoJSON            `json:"repository"`
	Ref         string               `json:"ref"`
	After       *string              `json:"after"`
	HeadCommit  *struct{ ID string } `json:"head_commit"`
	WorkflowRun *struct {
		HeadSHA        string    `json:"head_sha"`
		Event          string    `json:"event"`
		HeadRepository *repoJSON `json:"head_repository"`
		Repository     *repoJSON `json:"repository"`
		PullRequests   []prJSON  `json:"pull_requests"`
	} `json:"workflow_run"`
	CheckSuite *struct {
		HeadSHA      string   `json:"head_sha"`
		PullRequests []prJSON `json:"pull_requests"`
	} `json:"check_suite"`
	Issue *struct {
		Number      int              `json:"number"`
		PullRequest *json.RawMessage `json:"pull_request"`
	} `json:"issue"`
	Comment *json.RawMessage `json:"comment"`
}

// zeroSHA is what push payloads carry in "after" for a deleted ref.
const zeroSHA = "0000000000000000000000000000000000000000"

// ParseEvent reads a webhook payload. name is the event name
// (GITHUB_EVENT_NAME); empty means infer it from the payload's shape, as for
// a payload saved by another job. Events other than the five yologate knows
// parse to an Event with only Name and Action set.
func ParseEvent(name string, data []byte) (Event, error) {
	var p payloadJSON
	if err := json.Unmarshal(data, &p); err != nil {
		return Event{}, fmt.Errorf("not a JSON event payload: %v", err)
	}
	if name == "" {
		name = inferName(&p)
	}
	ev := Event{Name: name}
	if p.Action != nil {
		ev.Action = *p.Action
	}
	if p.Repository != nil {
		ev.BaseRepo = p.Repository.FullName
	}
	switch name {
	case "pull_request", "pull_request_target", "pull_request_review", "pull_request_review_comment":
		pr := p.PullRequest
		if pr == nil {
			return ev, fmt.Errorf("%s payload has no pull_request object", name)
		}
		ev.PR = pr.Number
		if ev.PR == 0 {
			ev.PR = p.Number
		}
		ev.HeadSHA, ev.BaseSHA = pr.Head.SHA, pr.Base.SHA
		if pr.Base.Repo != nil {
			ev.BaseRepo = pr.Base.Repo.FullName
		}
		if pr.Head.Repo != nil {
			ev.HeadRepo = pr.Head.Repo.FullName
		}
		// A deleted fork leaves head.repo null: still not this repository.
		ev.Fork = pr.Head.Repo == nil || !strings.EqualFold(ev.HeadRepo, ev.BaseRepo)
	case "workflow_run":
		wr := p.WorkflowRun
		if wr == nil {
			return ev, fmt.Errorf("workflow_run payload has no workflow_run object")
		}
		ev.HeadSHA = wr.HeadSHA
		if wr.Repository != nil {
			ev.BaseRepo = wr.Repository.FullName
		}
		if wr.HeadRepository != nil {
			ev.HeadRepo = wr.HeadRepository.FullName
		}
		ev.Fork = ev.HeadRepo != "" && !strings.EqualFold(ev.HeadRepo, ev.BaseRepo)
		ev.PR = prWithHead(wr.PullRequests, wr.HeadSHA)
	case "check_suite", "check_run":
		if cs := p.CheckSuite; cs != nil {
			ev.HeadSHA = cs.HeadSHA
			ev.PR = prWithHead(cs.PullRequests, cs.HeadSHA)
		}
	case "workflow_dispatch":
		ev.Ref = p.Ref
		if p.Repository != nil {
			ev.DefaultBranch = p.Repository.DefaultBranch
		}
	case "push":
		ev.Ref = p.Ref
		if p.Repository != nil {
			ev.DefaultBranch = p.Repository.DefaultBranch
		}
		if p.After != nil && *p.After != zeroSHA {
			ev.HeadSHA = *p.After
		} else if p.HeadCommit != nil {
			ev.HeadSHA = p.HeadCommit.ID
		}
	case "issue_comment":
		if p.Issue == nil {
			return ev, fmt.Errorf("issue_comment payload has no issue object")
		}
		// Only a comment on a pull request has issue.pull_request; its head
		// commit is not in the payload and is looked up through the API.
		if p.Issue.PullRequest != nil && string(*p.Issue.PullRequest) != "null" {
			ev.PR = p.Issue.Number
		}
	}
	if ev.PR < 0 {
		return ev, fmt.Errorf("pull request number %d is negative", ev.PR)
	}
	return ev, nil
}

// prWithHead returns the number of the pull request whose head is sha, else
// of the only pull request listed (GitHub also lists one whose head branch
// matches), else 0.
func prWithHead(prs []prJSON, sha string) int {
	for _, pr := range prs {
		if pr.Head.SHA == sha {
			return pr.Number
		}
	}
	if len(prs) == 1 {
		return prs[0].Number
	}
	return 0
}

func inferName(p *payloadJSON) string {
	switch {
	case p.WorkflowRun != nil:
		return "workflow_run"
	case p.Issue != nil && p.Comment != nil:
		return "issue_comment"
	case p.PullRequest != nil:
		return "pull_request"
	case p.CheckSuite != nil:
		return "check_suite"
	case p.After != nil:
		return "push"
	}
	return ""
}

// GateKey names a gate: workflow, job and matrix entry ("perf/gate" or
// "perf/gate/gpu=a10,model=yolov8n"). matrixJSON is the job's matrix as the
// workflow's toJSON(matrix) writes it; empty or "null" means none. Values
// are listed in key order so that the key is stable across runs.
func GateKey(workflow, job, matrixJSON string) (string, error) {
	key := strings.Trim(workflow+"/"+job, "/")
	if key == "" {
		key = "local"
	}
	matrixJSON = strings.TrimSpace(matrixJSON)
	if matrixJSON == "" || matrixJSON == "null" {
		return key, nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(matrixJSON), &m); err != nil {
		return "", errs.Usagef("--matrix", "pass ${{ toJSON(matrix) }}", "not a JSON object: %v", err)
	}
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	parts := make([]string, 0, len(names))
	for _, k := range names {
		v := m[k]
		s, ok := v.(string)
		if !ok {
			b, _ := json.Marshal(v)
			s = string(b)
		}
		parts = append(parts, k+"="+s)
	}
	if len(parts) == 0 {
		return key, nil
	}
	return key + "/" + strings.Join(parts, ","), nil
}
