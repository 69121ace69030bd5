package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/yologate/yologate/baselines"
	"github.com/yologate/yologate/history"
	"github.com/yologate/yologate/internal/atomicfile"
	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/internal/flagdef"
	"github.com/yologate/yologate/report"
	ghreport "github.com/yologate/yologate/report/github"
	"github.com/yologate/yologate/runner"
	"github.com/yologate/yologate/runner/onnxmodel"
	"github.com/yologate/yologate/workflow/gate"
)

// publishTimeout bounds everything the gate sends to GitHub, retries
// included, so that an API outage cannot hold a runner.
const publishTimeout = 5 * time.Minute

// gateFlags are gate's own flags, beside the benchmark and statistics ones.
type gateFlags struct {
	baseline, results, out, report string
	html                           string
	comment, commentFile           string
	checkRun, status, confirm      bool
	key, matrix, event, prEvent    string
	// The pull request's base, measured interleaved with the head.
	baseModels listFlag
	baseSHA    string
	maxCount   int
	budget     time.Duration
	fresh      bool
	// Main's history: read for the verdicts, recorded on a run of main.
	history, historyRemote, historyBranch, record string
	driftBudget, driftReference                   string
}

func (g *gateFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&g.baseline, "baseline", "", "baseline YAML `FILE` to compare with (required)")
	fs.StringVar(&g.results, "results", "", "compare this results `FILE` instead of running the benchmark")
	fs.StringVar(&g.out, "out", "", "write the results JSON of the run to `FILE`")
	fs.StringVar(&g.report, "report", "", "write the gate report JSON (for yologate merge) to `FILE`")
	fs.StringVar(&g.html, "html", "", "write the self-contained HTML report (charts of this run against the baseline) to `FILE`")
	fs.StringVar(&g.comment, "comment", "always", "when to write the sticky pull-request comment: "+strings.Join(report.CommentPolicies, ", "))
	fs.StringVar(&g.commentFile, "comment-file", "", "outside GitHub Actions: write the comment markdown to `FILE`")
	fs.BoolVar(&g.checkRun, "check-run", false, "report a check run (needs checks: write) instead of a commit status")
	fs.BoolVar(&g.status, "status", true, "set a commit status (or check run) named yologate/KEY")
	fs.BoolVar(&g.confirm, "confirm", true, "measure a case flagged as regression once more and fail only if it holds (not with --results)")
	fs.StringVar(&g.key, "key", "", "gate key naming the comment and status (default WORKFLOW/JOB[/matrix values])")
	fs.StringVar(&g.matrix, "matrix", "", "the job's matrix as JSON (${{ toJSON(matrix) }}), part of the default key")
	fs.StringVar(&g.event, "event", "", "event payload `FILE` (default $GITHUB_EVENT_PATH)")
	fs.StringVar(&g.prEvent, "pr-event", "", "pull_request payload `FILE` saved by the run job of the fork-safe workflow_run pair")
	fs.Var(&g.baseModels, "base-model", "the pull request base's model for each --model, paired by position: a standard `NAME`, an ONNX file extracted at the base commit, or none where the base has no such model; repeat or comma-separate. The gate then measures base and head interleaved and decides with the paired test (--baseline becomes optional, shown as the reference)")
	fs.StringVar(&g.baseSHA, "base-sha", "", "the base commit the --base-model files come from, named in the report (default: the pull request's base from the event)")
	fs.IntVar(&g.maxCount, "max-count", gate.DefaultMaxCount, "with --base-model: the most pairs an inconclusive case grows to, doubling from --count")
	fs.DurationVar(&g.budget, "budget", 0, "with --base-model: bound the job's time (e.g. 20m); no more pairs start past it (0: no bound)")
	fs.BoolVar(&g.fresh, "fresh-sessions", true, "with --base-model: new sessions for every pair of repeats, as yologate ab --fresh-sessions")
	fs.StringVar(&g.history, "history", "", "main's history `DIR` (yologate history record): verdicts take its run-to-run spread into account, each case's trend is drawn, and a run of main is recorded into it")
	fs.StringVar(&g.historyRemote, "history-remote", "", "keep the history on a branch of this git remote `URL`: DIR is then its working copy, fetched before the verdict, and a recorded run is pushed (retried when another job pushed first, never forced)")
	fs.StringVar(&g.historyBranch, "history-branch", history.DefaultBranch, "with --history-remote: the branch the history lives on")
	fs.StringVar(&g.record, "record", gate.RecordAuto, "when to record this run into the history: auto (in GitHub Actions, a push to the default branch, a manual or a scheduled run of it), always or never")
	fs.StringVar(&g.driftBudget, "drift-budget", "", "with --history: fail a case whose FPS is worse than --drift-reference's by more than this percentage (10%), even when every step was under the threshold")
	fs.StringVar(&g.driftReference, "drift-reference", "", "the drift budget's pinned reference: a commit, a tag of the checkout, or baseline (each case's baseline median)")
}

func runGate(ctx context.Context, c *Command, args []string) error {
	fs := c.newFlags("gate", "gate --baseline FILE [--results FILE | benchmark flags] [flags]")
	var bf benchFlags
	bf.register(fs)
	var wf workloadFlags
	wf.register(fs, true)
	var cf compareFlags
	cf.register(fs)
	var g gateFlags
	g.register(fs)
	if err := c.parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errs.Usagef("gate", "models go in --model, results in --results", "unexpected argument %q", fs.Arg(0))
	}
	if err := c.resultsOrBenchmark(g.results); err != nil {
		return err
	}
	opt, err := cf.options()
	if err != nil {
		return err
	}
	policy, err := report.ParseCommentPolicy(g.comment)
	if err != nil {
		return err
	}
	paired := len(g.baseModels) > 0
	if paired && g.results != "" {
		return errs.Usagef("--base-model", "drop --results to measure both sides, or drop --base-model to compare the file with --baseline", "--results compares a file; the base is measured beside the head")
	}
	if g.baseline == "" && !paired {
		return errs.Usagef("--baseline", "pass the baseline YAML, e.g. --baseline baselines/gpu.yaml (record one with yologate baseline update), or --base-model to measure the pull request's base", "missing")
	}
	if g.maxCount < 1 {
		return errs.Usagef("--max-count", "use a pair count of at least --count (30 is the default)", "max count %d", g.maxCount)
	}
	if g.budget < 0 {
		return errs.Usagef("--budget", "use a positive duration such as 20m, or 0 for no bound", "negative budget %v", g.budget)
	}
	if err := checkBaseModels(runner.SplitList(g.baseModels)); err != nil {
		return err
	}
	for flagName, path := range map[string]string{"--out": g.out, "--report": g.report, "--html": g.html, "--comment-file": g.commentFile} {
		if err := checkOutPath(flagName, path); err != nil {
			return err
		}
	}
	env, err := ghreport.ReadEnv(c.Getenv, g.event)
	if err != nil {
		return err
	}
	if g.prEvent != "" {
		data, err := os.ReadFile(g.prEvent)
		if err != nil {
			return errs.Inputf(g.prEvent, "download the artifact the run job uploaded", "cannot read: %v", err)
		}
		pr, err := ghreport.ParseEvent("", data)
		if err != nil {
			return errs.Inputf(g.prEvent, "pass the pull_request payload the run job saved", "%v", err)
		}
		if err := env.AdoptPR(pr); err != nil {
			return err
		}
	}
	key := g.key
	if key == "" {
		if key, err = ghreport.GateKey(env.Workflow, env.Job, g.matrix); err != nil {
			return err
		}
	}
	var base *baselines.File
	if g.baseline != "" {
		if base, err = c.readBaseline(g.baseline); err != nil {
			return err
		}
	}

	gin := gate.Input{Baseline: base, Options: opt, Confirm: g.confirm}
	if g.results != "" {
		if gin.Current, err = readResults(g.results); err != nil {
			return err
		}
	} else {
		plan, popt, err := bf.plan()
		if err != nil {
			return err
		}
		w, err := wf.workload(c)
		if err != nil {
			return err
		}
		if paired && c.cfg != nil && len(c.cfg.Cases) > 0 && !c.onCommandLine("model") {
			return errs.Usagef("--base-model", "list the models in --model (or model: in "+c.cfg.Path+") to pair each with its base", "the config file's cases cannot be paired by position")
		}
		if paired && popt.Count > g.maxCount {
			return errs.Usagef("--max-count", "raise --max-count to --count or more, or lower --count", "max count %d is below --count %d", g.maxCount, popt.Count)
		}
		job, done, err := c.job(&bf, w, plan, popt)
		if err != nil {
			return err
		}
		defer done()
		gin.Job = job
		if paired {
			sha := g.baseSHA
			if sha == "" {
				sha = env.Event.BaseSHA
			}
			gin.Paired = &gate.Paired{BaseSHA: sha, Fresh: g.fresh, MaxCount: g.maxCount, Budget: g.budget}
			resolve := func(p runner.Plan) ([]runner.Spec, error) { return bf.specs(c, p) }
			if job.Specs, gin.Paired.Base, err = pairBase(plan, runner.SplitList(g.baseModels), resolve); err != nil {
				return err
			}
		}
	}
	if gin.History, err = c.gateHistory(ctx, &g, env, base); err != nil {
		return err
	}
	res, err := gate.Run(ctx, gin)
	if err != nil {
		return err
	}
	if g.results == "" {
		if err := writeResults(g.out, res.Current, nil); err != nil {
			return err
		}
	}
	cur, rep := res.Current, res.Report
	if err := report.WriteCompare(c.Stdout, rep, cf.format); err != nil {
		return errs.Envf("stdout", "", "writing the report: %v", err)
	}

	in := report.CommentInput{Report: rep, Current: cur, Baseline: base, Key: key, RunURL: env.RunURL,
		Args: args, Confirmed: res.Confirmed, History: res.History.Info()}
	if p := res.Paired; p != nil {
		in.Baseline = nil
		in.Paired = &report.PairedInfo{BaseSHA: gin.Paired.BaseSHA, Pairs: p.Pairs, MaxCount: g.maxCount,
			Elapsed: p.Elapsed, BudgetStop: p.BudgetStop, Reference: p.Reference}
	}
	o := report.GateOutcome(in, g.report)
	if g.report != "" {
		data, err := json.MarshalIndent(report.NewGateReport(key, env.RunURL, cur, rep), "", "  ")
		if err != nil {
			return errs.Envf(g.report, "", "encoding the gate report: %v", err)
		}
		if err := atomicfile.Write(g.report, append(data, '\n'), 0); err != nil {
			return err
		}
	}
	if g.html != "" {
		if err := writeHTMLReport(g.html, report.HTMLReport{Title: "yologate gate " + key, Head: cur, History: in.History}, rep); err != nil {
			return err
		}
	}
	pub, err := c.publisher(env, policy, &g)
	if err != nil {
		return err
	}
	pctx, cancel := context.WithTimeout(ctx, publishTimeout)
	defer cancel()
	pubErr := pub.Publish(pctx, o)
	return c.afterRecord(c.afterPublish(ctx, verdictError(rep), pubErr), res.History.RecordError())
}

// checkBaseModels reads every --base-model file before anything runs: one
// that is not ONNX is an input error naming it.
func checkBaseModels(models []string) error {
	for _, m := range models {
		if m == noBase || runner.IsStandardModel(m) {
			continue
		}
		if _, err := onnxmodel.InspectFile(m); err != nil {
			return errs.Inputf(m, "pass the model file as the base commit has it (git show BASE:PATH > FILE), or none where the base has no such model",
				"--base-model: %s", strings.TrimPrefix(err.Error(), m+": "))
		}
	}
	return nil
}

// noBase is the --base-model value for a model the base commit lacks.
const noBase = "none"

// pairBase resolves the head's cases model by model beside the base's:
// the cases of head model i pair by position with those of base model i.
// It returns the head's cases and their bases (nil for none); resolve
// turns a plan into cases as the run would.
func pairBase(plan runner.Plan, bases []string, resolve func(runner.Plan) ([]runner.Spec, error)) ([]runner.Spec, []*runner.Spec, error) {
	if len(bases) != len(plan.Models) {
		return nil, nil, errs.Usagef("--base-model", "give one base model per --model, in the same order (none where the base has no such model)",
			"%d base model(s) for %d model(s)", len(bases), len(plan.Models))
	}
	var heads []runner.Spec
	var paired []*runner.Spec
	for i, m := range plan.Models {
		one := plan
		one.Models = []string{m}
		hs, err := resolve(one)
		if err != nil {
			return nil, nil, err
		}
		heads = append(heads, hs...)
		if bases[i] == noBase {
			paired = append(paired, make([]*runner.Spec, len(hs))...)
			continue
		}
		one.Models = []string{bases[i]}
		bs, err := resolve(one)
		if err != nil {
			return nil, nil, errs.Usagef("--base-model", "pass the base commit's model for "+m, "%s", err.Error())
		}
		if len(bs) != len(hs) {
			return nil, nil, errs.Usagef("--base-model", "give the base model the head's sizes and batches (--imgsz, --batch)",
				"%s has %d case(s), its base %s %d", m, len(hs), bases[i], len(bs))
		}
		for k := range bs {
			paired = append(paired, &bs[k])
		}
	}
	return heads, paired, nil
}

// afterPublish returns the error that decides the exit code once the
// outcome was published. The verdict alone decides it: a GitHub outage or
// a bad token must neither block a merge nor hide a regression, so an API
// failure is a warning here (and an annotation in the step summary). A
// local output that cannot be written stays an error when the gate passed.
func (c *Command) afterPublish(ctx context.Context, verdict, pubErr error) error {
	if verdict != nil || pubErr == nil || ctx.Err() != nil {
		if verdict != nil && pubErr != nil {
			fmt.Fprintf(c.Stderr, "yologate: warning: %v\n", pubErr)
		}
		if verdict == nil {
			return pubErr
		}
		return verdict
	}
	var e *errs.Error
	if errors.As(pubErr, &e) && e.Where == ghreport.APIWhere {
		fmt.Fprintf(c.Stderr, "yologate: warning: %v\n", pubErr)
		return nil
	}
	return pubErr
}

// publisher picks where the outcome goes: GitHub inside Actions, local
// files and stderr elsewhere.
func (c *Command) publisher(env ghreport.Env, policy report.CommentPolicy, g *gateFlags) (report.Publisher, error) {
	if !env.InActions {
		return &report.LocalPublisher{CommentPath: g.commentFile, Policy: policy, CheckRun: g.checkRun, Out: c.Stderr}, nil
	}
	p := &ghreport.Publisher{Env: env, Policy: policy, CheckRun: g.checkRun, NoStatus: !g.status, Log: c.Stderr,
		Actions: &ghreport.Actions{Stdout: c.Stdout, OutputPath: env.OutputPath, SummaryPath: env.SummaryPath}}
	if env.Token == "" {
		fmt.Fprintln(c.Stderr, "yologate: GITHUB_TOKEN is not set: writing the step summary only")
		return p, nil
	}
	client, err := ghreport.NewClient(ghreport.ClientOptions{APIURL: env.APIURL, Token: env.Token, Log: c.Stderr})
	if err != nil {
		return nil, errs.Envf("GITHUB_API_URL", "set it to the REST API root, e.g. https://api.github.com", "%v", err)
	}
	p.Client = client
	return p, nil
}

// resultsOrBenchmark refuses a benchmark or workload flag given on the
// command line next to --results: the gate compares the file and would
// silently ignore it. The config file's settings are for runs and do not
// count.
func (c *Command) resultsOrBenchmark(results string) error {
	if results == "" {
		return nil
	}
	for _, d := range flagdef.Defs {
		if d.RunOnly() && c.onCommandLine(d.Name) {
			return errs.Usagef("--results", "drop --"+d.Name+", or drop --results to run the benchmark",
				"--results compares a file; --%s only applies to a run", d.Name)
		}
	}
	return nil
}
