// Package publish sends a gate's outcome where it belongs: inside GitHub
// Actions the pull-request comment, the commit status or check run, the
// step summary and outputs (report/github); elsewhere the comment file and
// the status line (report.LocalPublisher). It reads where that is from the
// Actions environment and the event payloads, writes the gate's report
// files, and decides what a failure to publish means for the exit code:
// the verdict alone decides it.
package publish

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/yologate/yologate/baselines"
	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/report"
	ghreport "github.com/yologate/yologate/report/github"
	"github.com/yologate/yologate/workflow/gate"
)

// Timeout bounds everything one outcome sends to GitHub, retries
// included, so that an API outage cannot hold a runner.
const Timeout = 5 * time.Minute

// Target is where an outcome goes: the Actions environment (InActions is
// false elsewhere) and the key naming the comment and status.
type Target struct {
	Env ghreport.Env
	Key string
}

// Where says how to find the target.
type Where struct {
	// Event is the event payload file; "" reads $GITHUB_EVENT_PATH.
	Event string
	// PREvent is the pull_request payload the run job of a fork-safe
	// workflow_run pair saved; "" for none.
	PREvent string
	// Key is the gate key; "" derives it from the workflow, the job and
	// Matrix (the job's matrix as JSON).
	Key, Matrix string
}

// ReadTarget reads the Actions environment through getenv, the event
// payloads and the gate key.
func ReadTarget(getenv func(string) string, w Where) (Target, error) {
	env, err := ghreport.ReadEnv(getenv, w.Event)
	if err != nil {
		return Target{}, err
	}
	if w.PREvent != "" {
		data, err := os.ReadFile(w.PREvent)
		if err != nil {
			return Target{}, errs.Inputf(w.PREvent, "download the artifact the run job uploaded", "cannot read: %v", err)
		}
		pr, err := ghreport.ParseEvent("", data)
		if err != nil {
			return Target{}, errs.Inputf(w.PREvent, "pass the pull_request payload the run job saved", "%v", err)
		}
		if err := env.AdoptPR(pr); err != nil {
			return Target{}, err
		}
	}
	key := w.Key
	if key == "" {
		if key, err = ghreport.GateKey(env.Workflow, env.Job, w.Matrix); err != nil {
			return Target{}, err
		}
	}
	return Target{Env: env, Key: key}, nil
}

// Options say what to publish and where the lines go.
type Options struct {
	Policy report.CommentPolicy
	// CommentFile receives the comment outside Actions; "" writes none.
	CommentFile string
	// CheckRun reports a check run instead of a commit status; NoStatus
	// reports neither.
	CheckRun, NoStatus bool
	// Stdout receives the workflow commands (annotations, outputs); Log
	// the status line and warnings.
	Stdout, Log io.Writer
}

// Publisher picks where the outcome goes: GitHub inside Actions (only the
// step summary without a token), local files and Log elsewhere.
func (t Target) Publisher(o Options) (report.Publisher, error) {
	env := t.Env
	if !env.InActions {
		return &report.LocalPublisher{CommentPath: o.CommentFile, Policy: o.Policy, CheckRun: o.CheckRun, Out: o.Log}, nil
	}
	p := &ghreport.Publisher{Env: env, Policy: o.Policy, CheckRun: o.CheckRun, NoStatus: o.NoStatus, Log: o.Log,
		Actions: &ghreport.Actions{Stdout: o.Stdout, OutputPath: env.OutputPath, SummaryPath: env.SummaryPath}}
	if env.Token == "" {
		fmt.Fprintln(o.Log, "yologate: GITHUB_TOKEN is not set: writing the step summary only")
		return p, nil
	}
	client, err := ghreport.NewClient(ghreport.ClientOptions{APIURL: env.APIURL, Token: env.Token, Log: o.Log})
	if err != nil {
		return nil, errs.Envf("GITHUB_API_URL", "set it to the REST API root, e.g. https://api.github.com", "%v", err)
	}
	p.Client = client
	return p, nil
}

// Send publishes out within Timeout and returns the error that decides
// the exit code. The verdict alone decides it: a GitHub outage or a bad
// token must neither block a merge nor hide a regression, so an API
// failure is a warning on log (and an annotation in the step summary). A
// local output that cannot be written stays an error when the gate passed.
func Send(ctx context.Context, pub report.Publisher, out *report.Outcome, verdict error, log io.Writer) error {
	pctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	pubErr := pub.Publish(pctx, out)
	if verdict != nil || pubErr == nil || ctx.Err() != nil {
		if verdict != nil && pubErr != nil {
			fmt.Fprintf(log, "yologate: warning: %v\n", pubErr)
		}
		if verdict == nil {
			return pubErr
		}
		return verdict
	}
	var e *errs.Error
	if errors.As(pubErr, &e) && e.Where == ghreport.APIWhere {
		fmt.Fprintf(log, "yologate: warning: %v\n", pubErr)
		return nil
	}
	return pubErr
}

// GateFiles are the files a gate writes beside its outcome; "" writes none.
type GateFiles struct {
	// Report is the gate report JSON, what yologate merge reads.
	Report string
	// HTML is the self-contained HTML report.
	HTML string
}

// GateOutcome writes the gate's files and returns the outcome of res to
// publish. base is the stored baseline (nil for none), paired the paired
// gate's settings (nil for none), and args the gate's arguments, from
// which the comment builds the command that measures a case again.
func (t Target) GateOutcome(res *gate.Result, base *baselines.File, paired *gate.Paired, args []string, files GateFiles) (*report.Outcome, error) {
	cur, rep := res.Current, res.Report
	in := report.CommentInput{Report: rep, Current: cur, Baseline: base, Key: t.Key, RunURL: t.Env.RunURL,
		Args: args, Confirmed: res.Confirmed, History: res.History.Info()}
	if p := res.Paired; p != nil && paired != nil {
		in.Baseline = nil
		in.Paired = &report.PairedInfo{BaseSHA: paired.BaseSHA, Pairs: p.Pairs, MaxCount: paired.MaxCount,
			Elapsed: p.Elapsed, BudgetStop: p.BudgetStop, Reference: p.Reference}
		if rt := paired.BaseRuntime; rt != nil {
			in.Paired.BaseRuntime, in.Paired.HeadRuntime = rt.ORTVersion, cur.Fingerprint.Runtime.ORTVersion
		}
	}
	o := report.GateOutcome(in, files.Report)
	if files.Report != "" {
		if err := report.SaveGateReport(files.Report, report.NewGateReport(t.Key, t.Env.RunURL, cur, rep)); err != nil {
			return nil, err
		}
	}
	if files.HTML != "" {
		if err := report.SaveHTML(files.HTML, report.HTMLReport{Title: "yologate gate " + t.Key, Head: cur, History: in.History}, rep); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// WithRecord adds to the error that decides the exit code a run of main
// that was not recorded (rec): it fails a passing gate (exit 3, or 2 for a
// run that names no commit) and is a warning on log beside a failing one.
func WithRecord(err, rec error, log io.Writer) error {
	if rec == nil {
		return err
	}
	if err == nil {
		return rec
	}
	fmt.Fprintf(log, "yologate: warning: %v\n", rec)
	return err
}
