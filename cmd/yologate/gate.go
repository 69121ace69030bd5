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

	"github.com/yologate/yologate/compare"
	"github.com/yologate/yologate/internal/atomicfile"
	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/internal/flagdef"
	"github.com/yologate/yologate/report"
	ghreport "github.com/yologate/yologate/report/github"
	"github.com/yologate/yologate/runner"
	"github.com/yologate/yologate/runner/results"
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
	if g.baseline == "" {
		return errs.Usagef("--baseline", "pass the baseline YAML, e.g. --baseline baselines/gpu.yaml (record one with yologate baseline update)", "missing")
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
	base, err := c.readBaseline(g.baseline)
	if err != nil {
		return err
	}

	var cur *results.File
	var confirmed []string
	if g.results != "" {
		if cur, err = readResults(g.results); err != nil {
			return err
		}
	} else {
		m, err := newMeasurer(c, &bf, &wf)
		if err != nil {
			return err
		}
		defer m.done()
		if cur, err = m.run(ctx, nil); err != nil {
			return err
		}
		rep := compare.Compare(compare.FromBaseline(base), compare.FromResults(cur), opt)
		if g.confirm {
			if cur, confirmed, err = m.confirm(ctx, rep, cur); err != nil {
				return err
			}
		}
		if g.out != "" {
			if err := results.Write(g.out, cur); err != nil {
				return err
			}
		}
	}
	rep := compare.Compare(compare.FromBaseline(base), compare.FromResults(cur), opt)
	if err := report.WriteCompare(c.Stdout, rep, cf.format); err != nil {
		return errs.Envf("stdout", "", "writing the report: %v", err)
	}

	in := report.CommentInput{Report: rep, Current: cur, Baseline: base, Key: key, RunURL: env.RunURL,
		Args: args, Confirmed: confirmed}
	o := outcomeOf(in, g.report)
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
		if err := writeHTMLReport(g.html, report.HTMLReport{Title: "yologate gate " + key, Head: cur}, rep); err != nil {
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
	return c.afterPublish(ctx, verdictError(rep), pubErr)
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
		return &report.LocalPublisher{CommentPath: g.commentFile, Policy: policy, Out: c.Stderr}, nil
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

// outcomeOf turns a comparison into what the sinks publish.
func outcomeOf(in report.CommentInput, reportPath string) *report.Outcome {
	r := in.Report
	o := &report.Outcome{Key: in.Key, Verdict: string(r.Verdict), Title: report.PlainHeadline(r), ReportPath: reportPath,
		Markdown: report.CommentMarkdown(in), Summary: report.MarkdownWithin(in, report.MaxSummaryChars)}
	switch {
	case r.Fail:
		o.State = report.StateFailure
	case r.Verdict == compare.Inconclusive || r.Verdict == compare.Missing:
		o.State = report.StateNeutral
	}
	for _, c := range r.Cases {
		if c.Verdict != compare.Unchanged {
			o.Changed = true
		}
		where := c.ID + " on " + c.Profile
		switch {
		case c.Verdict.Fails(r.Options):
			msg := where + ": " + string(c.Verdict)
			for _, m := range c.Metrics {
				if m.Verdict == c.Verdict {
					msg += fmt.Sprintf(", %s %+.1f%% (%s → %s, p=%.3g)", m.Metric.Label(), m.DeltaPct, num(m.Old.Median), num(m.New.Median), m.PHolm)
				}
			}
			if c.Reason != "" {
				msg += ": " + c.Reason
			}
			o.Annotations = append(o.Annotations, report.Annotation{Level: report.LevelError, Title: "yologate " + string(c.Verdict), Message: msg})
		case c.Verdict == compare.Inconclusive || c.Verdict == compare.Missing:
			o.Annotations = append(o.Annotations, report.Annotation{Level: report.LevelWarning, Title: "yologate " + string(c.Verdict), Message: where + ": " + c.Reason})
		}
	}
	if len(r.Cases) > 0 {
		for _, m := range r.Cases[0].Metrics {
			if m.Metric == compare.FPS {
				o.FPS = m.New.Median
			}
		}
	}
	if o.FPS == 0 && in.Current != nil {
		if e := report.EntriesFromResults(in.Current); len(e) > 0 {
			o.FPS = e[0].FPS
		}
	}
	return o
}

func num(v float64) string { return fmt.Sprintf("%.4g", v) }

// measurer runs the benchmark the gate's flags describe, all of it or
// some cases again.
type measurer struct {
	c     *Command
	specs []runner.Spec
	opt   runner.Options
	w     runner.Workload
	// acc and checks are the accuracy check run after the timing.
	acc    *accuracyFlags
	checks []runner.CheckImage
	// done releases NVML once measuring is over.
	done func()
}

func newMeasurer(c *Command, bf *benchFlags, wf *workloadFlags) (*measurer, error) {
	plan, opt, err := bf.plan()
	if err != nil {
		return nil, err
	}
	w, err := wf.workload(c)
	if err != nil {
		return nil, err
	}
	specs, err := bf.specs(c, plan)
	if err != nil {
		return nil, err
	}
	checks, err := bf.acc.load(c, specs)
	if err != nil {
		return nil, err
	}
	done := c.instrument(&opt)
	c.applyProgress(&opt, bf)
	return &measurer{c: c, specs: specs, opt: opt, w: w, acc: &bf.acc, checks: checks, done: done}, nil
}

// run measures the cases whose ids are in only (all when only is nil).
func (m *measurer) run(ctx context.Context, only map[string]bool) (*results.File, error) {
	specs := m.specs
	if only != nil {
		specs = nil
		for _, s := range m.specs {
			if only[s.ID()] {
				specs = append(specs, s)
			}
		}
	}
	f, err := runner.RunWorkload(ctx, specs, m.opt, m.w)
	if err != nil {
		return nil, err
	}
	if err := m.acc.check(ctx, m.c, specs, f, m.checks); err != nil {
		return nil, err
	}
	return f, nil
}

// confirm measures the cases flagged as regressions once more and puts the
// new measurements in their place, so that only a regression that holds
// fails the gate. It returns the re-measured case ids.
func (m *measurer) confirm(ctx context.Context, rep *compare.Report, cur *results.File) (*results.File, []string, error) {
	suspects := map[string]bool{}
	var ids []string
	for _, c := range rep.Cases {
		if c.Verdict == compare.Regression && !suspects[c.ID] {
			suspects[c.ID] = true
			ids = append(ids, c.ID)
		}
	}
	if len(ids) == 0 {
		return cur, nil, nil
	}
	fmt.Fprintf(m.c.Stderr, "yologate: measuring %d case(s) flagged as regression again to confirm: %s\n", len(ids), strings.Join(ids, ", "))
	again, err := m.run(ctx, suspects)
	if err != nil {
		return nil, nil, err
	}
	fresh := map[string]results.Case{}
	for _, c := range again.Cases {
		fresh[c.Profile+"\x00"+c.ID] = c
	}
	out := *cur
	out.Cases = make([]results.Case, len(cur.Cases))
	for i, c := range cur.Cases {
		if n, ok := fresh[c.Profile+"\x00"+c.ID]; ok {
			c = n
		}
		out.Cases[i] = c
	}
	out.Finished = again.Finished
	return &out, ids, nil
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
