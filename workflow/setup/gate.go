package setup

import (
	"context"
	"debug/elf"
	"flag"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/yologate/yologate/baselines"
	"github.com/yologate/yologate/compare"
	"github.com/yologate/yologate/history"
	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/report"
	ghreport "github.com/yologate/yologate/report/github"
	"github.com/yologate/yologate/runner"
	"github.com/yologate/yologate/runner/onnxmodel"
	"github.com/yologate/yologate/workflow/child"
	"github.com/yologate/yologate/workflow/gate"
	"github.com/yologate/yologate/workflow/publish"
)

// Gate are the gate's own settings, beside the benchmark and statistics
// ones: what it compares with, the files it writes, where its outcome
// goes, and the pull request's base measured interleaved with the head.
type Gate struct {
	Baseline, Results, Out      string
	Report, HTML                string
	Comment, CommentFile        string
	CheckRun, Status, Confirm   bool
	Key, Matrix, Event, PREvent string
	BaseModels                  List
	BaseSHA                     string
	BaseORTLib                  string
	MaxCount                    int
	Budget                      time.Duration
	Fresh                       bool
	// RequireBaseline fails a case that has no baseline for its profile.
	RequireBaseline bool
	// Main's history: read for the verdicts, recorded on a run of main.
	History, HistoryRemote, HistoryBranch, Record string
	DriftBudget, DriftReference                   string
}

// Register defines the gate's own flags on fs.
func (g *Gate) Register(fs *flag.FlagSet) {
	fs.StringVar(&g.Baseline, "baseline", "", "baseline YAML `FILE` to compare with (required)")
	fs.StringVar(&g.Results, "results", "", "compare this results `FILE` instead of running the benchmark")
	fs.StringVar(&g.Out, "out", "", "write the results JSON of the run to `FILE`")
	fs.StringVar(&g.Report, "report", "", "write the gate report JSON (for yologate merge) to `FILE`")
	fs.StringVar(&g.HTML, "html", "", "write the self-contained HTML report (charts of this run against the baseline) to `FILE`")
	fs.StringVar(&g.Comment, "comment", "always", "when to write the sticky pull-request comment: "+strings.Join(report.CommentPolicies, ", "))
	fs.StringVar(&g.CommentFile, "comment-file", "", "outside GitHub Actions: write the comment markdown to `FILE`")
	fs.BoolVar(&g.CheckRun, "check-run", false, "report a check run (needs checks: write) instead of a commit status")
	fs.BoolVar(&g.Status, "status", true, "set a commit status (or check run) named yologate/KEY")
	fs.BoolVar(&g.Confirm, "confirm", true, "measure a case flagged as regression once more and fail only if it holds (not with --results)")
	fs.StringVar(&g.Key, "key", "", "gate key naming the comment and status (default WORKFLOW/JOB[/matrix values])")
	fs.StringVar(&g.Matrix, "matrix", "", "the job's matrix as JSON (${{ toJSON(matrix) }}), part of the default key")
	fs.StringVar(&g.Event, "event", "", "event payload `FILE` (default $GITHUB_EVENT_PATH)")
	fs.StringVar(&g.PREvent, "pr-event", "", "pull_request payload `FILE` saved by the run job of the fork-safe workflow_run pair")
	fs.Var(&g.BaseModels, "base-model", "the pull request base's model for each --model, paired by position: a standard `NAME`, an ONNX file extracted at the base commit, or none where the base has no such model; repeat or comma-separate. The gate then measures base and head interleaved and decides with the paired test (--baseline becomes optional, shown as the reference)")
	fs.StringVar(&g.BaseORTLib, "base-ort-lib", "", "with --base-model: measure the base side in a child process that loads this ONNX Runtime library `FILE` (a pull request that changes the runtime)")
	fs.StringVar(&g.BaseSHA, "base-sha", "", "the base commit the --base-model files come from, named in the report (default: the pull request's base from the event)")
	fs.IntVar(&g.MaxCount, "max-count", gate.DefaultMaxCount, "with --base-model: the most pairs an inconclusive case grows to, doubling from --count")
	fs.DurationVar(&g.Budget, "budget", 0, "with --base-model: bound the job's time (e.g. 20m); no more pairs start past it (0: no bound)")
	fs.BoolVar(&g.RequireBaseline, "require-baseline", false, "fail (exit 1) when a case has no baseline for this runner's profile, instead of passing it as new")
	fs.BoolVar(&g.Fresh, "fresh-sessions", true, "with --base-model: new sessions for every pair of repeats, as yologate ab --fresh-sessions")
	fs.StringVar(&g.History, "history", "", "main's history `DIR` (yologate history record): verdicts take its run-to-run spread into account, each case's trend is drawn, and a run of main is recorded into it")
	fs.StringVar(&g.HistoryRemote, "history-remote", "", "keep the history on a branch of this git remote `URL`: DIR is then its working copy, fetched before the verdict, and a recorded run is pushed (retried when another job pushed first, never forced)")
	fs.StringVar(&g.HistoryBranch, "history-branch", history.DefaultBranch, "with --history-remote: the branch the history lives on")
	fs.StringVar(&g.Record, "record", gate.RecordAuto, "when to record this run into the history: auto (in GitHub Actions, a push to the default branch, a manual or a scheduled run of it), always or never")
	fs.StringVar(&g.DriftBudget, "drift-budget", "", "with --history: fail a case whose FPS is worse than --drift-reference's by more than this percentage (10%), even when every step was under the threshold")
	fs.StringVar(&g.DriftReference, "drift-reference", "", "the drift budget's pinned reference: a commit, a tag of the checkout, or baseline (each case's baseline median)")
}

// MainHistory opens main's history for the gate (nil without --history):
// where the verdicts get their run-to-run spread, and where a run of main
// is recorded, as the GitHub environment ghEnv says.
func (g *Gate) MainHistory(ctx context.Context, env Env, ghEnv ghreport.Env, base *baselines.File) (*gate.History, error) {
	mainRun, why := ghEnv.MainRun()
	return gate.NewHistory(ctx, gate.HistoryOptions{Dir: g.History, Remote: g.HistoryRemote, Branch: g.HistoryBranch, Record: g.Record,
		MainRun: mainRun, Why: why, Meta: history.Meta{Commit: ghEnv.SHA, Ref: ghEnv.Ref, URL: ghEnv.RunURL},
		DriftBudget: g.DriftBudget, DriftReference: g.DriftReference, Baseline: base, Log: env.stderr()})
}

// Policy checks the settings against each other before anything is read,
// and returns the comment policy.
func (g *Gate) Policy() (report.CommentPolicy, error) {
	policy, err := report.ParseCommentPolicy(g.Comment)
	if err != nil {
		return policy, err
	}
	paired := len(g.BaseModels) > 0
	switch {
	case paired && g.Results != "":
		return policy, errs.Usagef("--base-model", "drop --results to measure both sides, or drop --base-model to compare the file with --baseline", "--results compares a file; the base is measured beside the head")
	case g.Baseline == "" && !paired:
		return policy, errs.Usagef("--baseline", "pass the baseline YAML, e.g. --baseline baselines/gpu.yaml (record one with yologate baseline update), or --base-model to measure the pull request's base", "missing")
	case g.BaseORTLib != "" && !paired:
		return policy, errs.Usagef("--base-ort-lib", "add --base-model for the base's models, or drop --base-ort-lib", "the base's library needs a base to measure")
	case g.MaxCount < 1:
		return policy, errs.Usagef("--max-count", "use a pair count of at least --count (30 is the default)", "max count %d", g.MaxCount)
	case g.Budget < 0:
		return policy, errs.Usagef("--budget", "use a positive duration such as 20m, or 0 for no bound", "negative budget %v", g.Budget)
	}
	if err := checkBaseModels(runner.SplitList(g.BaseModels)); err != nil {
		return policy, err
	}
	for _, o := range []struct{ flag, path string }{{"--out", g.Out}, {"--report", g.Report}, {"--html", g.HTML}, {"--comment-file", g.CommentFile}} {
		if err := CheckOutPath(o.flag, o.path); err != nil {
			return policy, err
		}
	}
	return policy, nil
}

// Where is how publish finds the gate's target.
func (g *Gate) Where() publish.Where {
	return publish.Where{Event: g.Event, PREvent: g.PREvent, Key: g.Key, Matrix: g.Matrix}
}

// Input reads the baseline, and the results or the benchmark's job (with
// the base's cases beside it for a paired gate), into the gate's input;
// eventBaseSHA is the pull request's base from the event, named unless
// BaseSHA is given. Call done when measuring is over.
func (g *Gate) Input(env Env, b *Bench, w *Workload, opt compare.Options, eventBaseSHA string) (in gate.Input, done func(), err error) {
	done = func() {}
	var base *baselines.File
	if g.Baseline != "" {
		// A baseline not recorded yet makes every case new, said loudly.
		if base, err = baselines.ReadPathOrEmpty(g.Baseline); err != nil {
			return in, done, env.Problems(err)
		}
	}
	opt.RequireBaseline = g.RequireBaseline
	in = gate.Input{Baseline: base, Options: opt, Confirm: g.Confirm}
	if g.Results != "" {
		in.Current, err = ReadResults(g.Results)
		return in, done, err
	}
	plan, popt, err := b.Plan()
	if err != nil {
		return in, done, err
	}
	wl, err := w.Build(env)
	if err != nil {
		return in, done, err
	}
	paired := len(g.BaseModels) > 0
	if paired && env.Config != nil && len(env.Config.Cases) > 0 && !env.onCommandLine("model") {
		return in, done, errs.Usagef("--base-model", "list the models in --model (or model: in "+env.Config.Path+") to pair each with its base", "the config file's cases cannot be paired by position")
	}
	if paired && popt.Count > g.MaxCount {
		return in, done, errs.Usagef("--max-count", "raise --max-count to --count or more, or lower --count", "max count %d is below --count %d", g.MaxCount, popt.Count)
	}
	if in.Job, done, err = b.Job(env, wl, plan, popt); err != nil {
		return in, func() {}, err
	}
	if paired {
		sha := g.BaseSHA
		if sha == "" {
			sha = eventBaseSHA
		}
		in.Paired = &gate.Paired{BaseSHA: sha, Fresh: g.Fresh, MaxCount: g.MaxCount, Budget: g.Budget}
		resolve := func(p runner.Plan) ([]runner.Spec, error) { return b.Specs(env, p) }
		if in.Job.Specs, in.Paired.Base, err = PairBase(plan, runner.SplitList(g.BaseModels), resolve); err != nil {
			return in, done, err
		}
		if g.BaseORTLib != "" {
			stop, err := g.startBaseSide(env, b, in.Paired)
			if err != nil {
				return in, done, err
			}
			measured := done
			done = func() { stop(); measured() }
		}
	}
	return in, done, nil
}

// startBaseSide starts the child process that measures the base side
// with --base-ort-lib (package child) and hands it to p; call stop when
// measuring is over.
func (g *Gate) startBaseSide(env Env, b *Bench, p *gate.Paired) (stop func(), err error) {
	if len(b.Accuracy.Images) > 0 {
		return nil, errs.Usagef("--base-ort-lib", "drop --check-images here and check accuracy against a stored baseline", "the accuracy check runs in this process's ONNX Runtime, not the base's")
	}
	if err := checkSharedLibrary(g.BaseORTLib); err != nil {
		return nil, err
	}
	if len(env.SideWorker) == 0 {
		return nil, errs.Usagef("--base-ort-lib", "", "this command cannot start a process for the base")
	}
	args := append(env.SideWorker[1:len(env.SideWorker):len(env.SideWorker)], "--ort-lib", g.BaseORTLib)
	log := b.log(env)
	if log == nil {
		log, args = io.Discard, append(args, "--quiet")
	}
	side, err := child.Start(context.Background(), exec.Command(env.SideWorker[0], args...), log)
	if err != nil {
		return nil, err
	}
	rt := side.Hello().Runtime
	p.Runner, p.BaseRuntime = side, &rt
	return func() { side.Close() }, nil
}

// checkSharedLibrary refuses a --base-ort-lib that is not a shared
// library before a process is started for it: an input error, not a
// failure to load.
func checkSharedLibrary(lib string) error {
	const fix = "name the libonnxruntime.so the base commit uses"
	f, err := elf.Open(lib)
	if err != nil {
		if _, statErr := os.Stat(lib); statErr != nil {
			return errs.Inputf("--base-ort-lib", fix, "%v", statErr)
		}
		return errs.Inputf("--base-ort-lib", fix, "%s is not a shared library", lib)
	}
	defer f.Close()
	if f.Type != elf.ET_DYN {
		return errs.Inputf("--base-ort-lib", fix, "%s is not a shared library (ELF type %v)", lib, f.Type)
	}
	return nil
}

// NoBase is the --base-model value for a model the base commit lacks.
const NoBase = "none"

// checkBaseModels reads every --base-model file before anything runs: one
// that is not ONNX is an input error naming it.
func checkBaseModels(models []string) error {
	for _, m := range models {
		if m == NoBase || runner.IsStandardModel(m) {
			continue
		}
		if _, err := onnxmodel.InspectFile(m); err != nil {
			return errs.Inputf(m, "pass the model file as the base commit has it (git show BASE:PATH > FILE), or none where the base has no such model",
				"--base-model: %s", strings.TrimPrefix(err.Error(), m+": "))
		}
	}
	return nil
}

// PairBase resolves the head's cases model by model beside the base's:
// the cases of head model i pair by position with those of base model i.
// It returns the head's cases and their bases (nil for NoBase); resolve
// turns a plan into cases as the run would.
func PairBase(plan runner.Plan, bases []string, resolve func(runner.Plan) ([]runner.Spec, error)) ([]runner.Spec, []*runner.Spec, error) {
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
		if bases[i] == NoBase {
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
