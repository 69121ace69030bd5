// Package setup turns a measuring command's settings, its flags and
// .yologate.yml, into what the workflows run: the runner.Plan and
// runner.Options, the cases (runner.Spec), the workload, the accuracy
// check and a workflow.Job with its fingerprint, telemetry and progress;
// the statistics settings into compare.Options; the two sides of an A/B
// run and the pull request's base into paired cases. It is the command
// line's library: its errors name the flag and its fix.
package setup

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/yologate/yologate/internal/config"
	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/internal/progress"
	"github.com/yologate/yologate/runner"
	"github.com/yologate/yologate/runner/gpu"
	"github.com/yologate/yologate/runner/ort"
	"github.com/yologate/yologate/runner/results"
	"github.com/yologate/yologate/workflow"
)

// Env is what a command gives setup besides its settings.
type Env struct {
	// Getenv reads the environment.
	Getenv func(string) string
	// Config is the config file the command read; nil for none.
	Config *config.Config
	// OnCommandLine reports whether a flag was given where it wins over
	// the config file's cases: on the command line or in YOLOGATE_FLAGS;
	// nil for none.
	OnCommandLine func(name string) bool
	// Given reports whether a flag was set on the command line or in the
	// config file; nil for none.
	Given func(name string) bool
	// Stderr receives progress, warnings and each problem of an input
	// error with several.
	Stderr io.Writer
	// Terminal reports that Stderr takes a live progress line.
	Terminal bool
	// Version and Commit name the build in the fingerprint.
	Version, Commit string
	// SideWorker is the command line that starts this program as the
	// child process of a side with its own ONNX Runtime library (package
	// child); empty where the command cannot.
	SideWorker []string
}

// stderr is Stderr, or io.Discard when it is nil.
func (e Env) stderr() io.Writer {
	if e.Stderr == nil {
		return io.Discard
	}
	return e.Stderr
}

func (e Env) onCommandLine(name string) bool { return e.OnCommandLine != nil && e.OnCommandLine(name) }

func (e Env) given(name string) bool { return e.Given != nil && e.Given(name) }

// Warn prints a warning line on Stderr.
func (e Env) Warn(s string) { fmt.Fprintf(e.stderr(), "yologate: warning: %s\n", s) }

// Problems prints every problem of an input error with several (a
// baseline file with many mistakes) on its own line of Stderr, so that
// all can be fixed in one go, and returns err for its one-line summary.
func (e Env) Problems(err error) error {
	errs.WriteList(e.stderr(), "yologate: ", err)
	return err
}

// List is a repeatable flag that also takes comma lists:
// --model a,b --model c.
type List []string

func (l *List) String() string { return strings.Join(*l, ",") }

// Set implements flag.Value.
func (l *List) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// Bench are the settings of the benchmark protocol, shared by run, gate,
// ab, capacity and sweep: Register them on a flag set, then call Plan,
// Specs and Job. Each field holds the flag it is named for (Calibration is
// --calibration-table), with the flag's default once registered.
type Bench struct {
	Models, Sizes, Batches List
	EP, EPOptions          string
	Precision              string
	TRTCache, Calibration  string
	IncludeCopies          bool
	Device                 string
	Warmup, Benchtime      string
	Count, Threads         int
	Seed                   uint64
	ORTLib                 string
	Quiet, Verbose         bool
	Accuracy               Accuracy
}

// Register defines the benchmark flags on fs, with their defaults.
func (b *Bench) Register(fs *flag.FlagSet) {
	fs.Var(&b.Models, "model", "standard model `NAME` (yolov8n, yolo11s, ...) or ONNX file PATH; repeat or comma-separate for several (default yolov8n)")
	fs.Var(&b.Sizes, "imgsz", "image `SIZE`: 640 or HEIGHTxWIDTH (640x672); repeatable or comma-separated (default: the model's own size, 640 for standard models)")
	fs.Var(&b.Batches, "batch", "images per inference (`N`); repeatable or comma-separated (default 1)")
	fs.StringVar(&b.EP, "ep", "auto", "execution provider: auto (the best available), cpu, cuda or tensorrt")
	fs.StringVar(&b.EPOptions, "ep-options", "", "provider options `key=value,...` over yologate's defaults (cuda and tensorrt; trt_* keys go to TensorRT, the others to its CUDA fallback)")
	fs.StringVar(&b.Precision, "precision", "", "fp32, fp16 or int8 (default: the model's own)")
	fs.StringVar(&b.TRTCache, "trt-cache", "", "`DIR` for TensorRT engines and timing caches, keyed by GPU model, TensorRT version and model; off builds every engine anew (default $"+runner.CacheEnv+", else ~/.cache/yologate)")
	fs.StringVar(&b.Calibration, "calibration-table", "", "int8 calibration table `FILE` for --ep tensorrt --precision int8 on an fp32 model")
	fs.BoolVar(&b.IncludeCopies, "include-copies", false, "time GPU cases with input and outputs in host memory, so that each iteration includes the host-device copies (default: GPU compute only; ids end in /copies)")
	fs.StringVar(&b.Device, "device", "0", "GPU for cuda and tensorrt: an index (0), a list (0,2) or all — one set of cases per GPU, ids ending in /device=N")
	fs.StringVar(&b.Warmup, "warmup", runner.DefaultWarmup.String(), "warm-up before the steady-state check: a count (10) or a duration (2s); 0 skips it")
	fs.StringVar(&b.Benchtime, "benchtime", runner.DefaultBenchtime.String(), "length of one repeat: 1000x (iterations), 3s (time), or both (whichever comes first)")
	fs.IntVar(&b.Count, "count", runner.DefaultCount, "repeats per case (the samples the statistics use)")
	fs.IntVar(&b.Threads, "threads", 0, "ONNX Runtime intra-op threads (0: its default, one per physical core)")
	fs.Uint64Var(&b.Seed, "seed", runner.DefaultSeed, "seed of the random input tensor")
	fs.StringVar(&b.ORTLib, "ort-lib", "", "ONNX Runtime library to load (default $YOLOGATE_ORT_LIB, then .cache/ort from make setup)")
	b.Accuracy.Register(fs)
	fs.BoolVar(&b.Quiet, "quiet", false, "print nothing but errors: no progress, and no table but the gate's verdict (the results go to --out)")
	fs.BoolVar(&b.Verbose, "verbose", false, "a detailed line per phase and repeat, also on a terminal")
}

// Plan checks the settings' syntax and returns the plan and protocol;
// nothing is loaded or measured yet.
func (b *Bench) Plan() (runner.Plan, runner.Options, error) {
	p := runner.Plan{Models: runner.SplitList(b.Models), Provider: b.EP, Precision: b.Precision, Threads: b.Threads,
		CalibrationTable: b.Calibration, IncludeCopies: b.IncludeCopies}
	opt := runner.DefaultOptions()
	var err error
	if p.ProviderOptions, err = ort.ParseProviderOptions(b.EPOptions); err != nil {
		return p, opt, err
	}
	if len(p.Models) == 0 {
		p.Models = []string{"yolov8n"}
	}
	if p.Sizes, err = parseSizes("--imgsz", b.Sizes); err != nil {
		return p, opt, err
	}
	if p.Batches, err = parseBatches("--batch", b.Batches); err != nil {
		return p, opt, err
	}
	switch b.EP {
	case "auto", "cpu", "cuda", "tensorrt":
	default:
		return p, opt, errs.Usagef("--ep", "use auto, cpu, cuda or tensorrt", "unknown execution provider %q", b.EP)
	}
	if opt.Warmup, err = runner.ParseAmount("--warmup", b.Warmup, true, true); err != nil {
		return p, opt, err
	}
	if opt.Benchtime, err = runner.ParseAmount("--benchtime", b.Benchtime, false, false); err != nil {
		return p, opt, err
	}
	switch {
	case b.Count < 1:
		return p, opt, errs.Usagef("--count", "use 1 or more repeats (10 is the default)", "count %d runs no repeats", b.Count)
	case b.Threads < 0:
		return p, opt, errs.Usagef("--threads", "use 0 for ONNX Runtime's default or a positive count", "negative thread count %d", b.Threads)
	case b.Quiet && b.Verbose:
		return p, opt, errs.Usagef("--quiet", "pass one of --quiet and --verbose", "--quiet and --verbose contradict each other")
	}
	if b.Device != "all" {
		// The syntax is checked now; the indices against the GPUs in Specs.
		if _, err := gpu.ParseDevices(b.Device, math.MaxInt); err != nil {
			return p, opt, err
		}
	}
	opt.Count = b.Count
	opt.Seed = b.Seed
	return p, opt, nil
}

// parseSizes reads image sizes given as a list; where names the setting.
func parseSizes(where string, list []string) ([]runner.Size, error) {
	var out []runner.Size
	for _, s := range runner.SplitList(list) {
		sz, err := runner.ParseSize(where, s)
		if err != nil {
			return nil, err
		}
		out = append(out, sz)
	}
	return out, nil
}

// parseBatches reads batch sizes given as a list; where names the setting.
func parseBatches(where string, list []string) ([]int, error) {
	var out []int
	for _, s := range runner.SplitList(list) {
		n, err := runner.ParseBatch(where, s)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// Specs loads ONNX Runtime and resolves the plan into cases: the plan's
// cross product, or the config file's cases, each with the file's and the
// flags' settings under its own, unless the command line names models,
// sizes or batches.
func (b *Bench) Specs(env Env, p runner.Plan) ([]runner.Spec, error) {
	if err := runner.LoadRuntime(b.ORTLib, env.Getenv); err != nil {
		return nil, err
	}
	if err := b.resolveDevices(env, &p); err != nil {
		return nil, err
	}
	switch b.TRTCache {
	case "off":
	case "":
		p.TensorRTCache = runner.DefaultCacheDir(env.Getenv)
	default:
		p.TensorRTCache = b.TRTCache
	}
	cfg := env.Config
	if cfg == nil || len(cfg.Cases) == 0 || env.onCommandLine("model") || env.onCommandLine("imgsz") || env.onCommandLine("batch") {
		return p.Specs()
	}
	var out []runner.Spec
	seen := map[string]bool{}
	for i := range cfg.Cases {
		cp, err := casePlan(env, p, &cfg.Cases[i])
		if err != nil {
			return nil, err
		}
		specs, err := cp.Specs()
		if err != nil {
			return nil, cfg.Locate(err, &cfg.Cases[i], func(name string) bool { return !env.onCommandLine(name) })
		}
		for _, s := range specs {
			if !seen[s.ID()] {
				seen[s.ID()] = true
				out = append(out, s)
			}
		}
	}
	return out, nil
}

// casePlan is p with one config case's model, sizes, batches, provider and
// precision; a setting the case leaves out keeps p's, and a provider or
// precision given on the command line wins.
func casePlan(env Env, p runner.Plan, cs *config.Case) (runner.Plan, error) {
	at := func(v config.Value, key string) string {
		return fmt.Sprintf("%s:%d:%d: %s", env.Config.Path, v.Line, v.Col, key)
	}
	var err error
	if v, ok := cs.Settings["model"]; ok {
		p.Models = runner.SplitList([]string{v.Text})
	}
	if v, ok := cs.Settings["imgsz"]; ok {
		if p.Sizes, err = parseSizes(at(v, "imgsz"), []string{v.Text}); err != nil {
			return p, err
		}
	}
	if v, ok := cs.Settings["batch"]; ok {
		if p.Batches, err = parseBatches(at(v, "batch"), []string{v.Text}); err != nil {
			return p, err
		}
	}
	if v, ok := cs.Settings["ep"]; ok && !env.onCommandLine("ep") {
		p.Provider = v.Text
	}
	if v, ok := cs.Settings["precision"]; ok && !env.onCommandLine("precision") {
		p.Precision = v.Text
	}
	return p, nil
}

// resolveDevices turns --device into the plan's GPU indices, checked
// against the GPUs NVML sees; on the CPU provider it is ignored.
func (b *Bench) resolveDevices(env Env, p *runner.Plan) error {
	provider, err := runner.ResolveProvider(p.Provider)
	if err != nil || provider == "cpu" {
		return err
	}
	mon := gpu.OpenMonitor(env.Getenv)
	defer mon.Close()
	gpus, _ := mon.GPUs()
	count := len(gpus)
	if count == 0 && b.Device != "all" {
		// No NVML (a container without it): trust explicit indices and let
		// the provider report a GPU that is not there.
		count = math.MaxInt
	}
	devices, err := gpu.ParseDevices(b.Device, count)
	if err != nil {
		return err
	}
	p.Devices = devices
	p.GPUNames = map[int]string{}
	for _, g := range gpus {
		p.GPUNames[g.Index] = g.Name
	}
	return nil
}

// Job resolves the plan into a workflow job: the cases (loading ONNX
// Runtime), the accuracy check, the fingerprint, telemetry and progress.
// Call done when measuring is over.
func (b *Bench) Job(env Env, w runner.Workload, p runner.Plan, opt runner.Options) (job *workflow.Job, done func(), err error) {
	specs, err := b.Specs(env, p)
	if err != nil {
		return nil, nil, err
	}
	check, err := b.Accuracy.Load(env, specs)
	if err != nil {
		return nil, nil, err
	}
	done = b.Instrument(env, &opt)
	job = &workflow.Job{Runner: workflow.ORT{}, Specs: specs, Options: opt, Workload: w, Log: b.log(env), Check: check}
	return job, done, nil
}

// Instrument fills opt's fingerprint, with the GPUs NVML sees, its per-case
// telemetry sampler and how it reports progress, so that every measuring
// command derives the same hardware profile; call the returned function
// when measuring is over. Without NVML (CPU machines) the GPUs are absent
// and telemetry says why.
func (b *Bench) Instrument(env Env, opt *runner.Options) (done func()) {
	mon := gpu.OpenMonitor(env.Getenv)
	opt.Fingerprint = runner.Environment{Version: env.Version, Commit: env.Commit, Getenv: env.Getenv, GPUs: mon.GPUs}.Fingerprint()
	opt.Telemetry = func(device int) runner.Sampler { return mon.Sampler(device, gpu.Options{}) }
	// Progress: a live line per case on a terminal, the detailed plain
	// lines elsewhere (CI logs) or with --verbose, nothing with --quiet.
	switch {
	case b.Quiet:
		opt.Progress, opt.OnEvent = nil, nil
	case b.Verbose || !env.Terminal:
		opt.Progress, opt.OnEvent = env.Stderr, nil
	default:
		opt.Progress, opt.OnEvent = nil, progress.New(env.Stderr, true, progress.Normal).Event
	}
	return func() { mon.Close() }
}

// log is where workflow steps are told: Stderr, or nowhere with --quiet.
func (b *Bench) log(env Env) io.Writer {
	if b.Quiet {
		return nil
	}
	return env.Stderr
}

// lighterDefaults shortens the protocol for commands that measure many
// cases (capacity, sweep) unless --count or --benchtime were given: three
// repeats of up to 2 s or 1000 iterations each.
func lighterDefaults(env Env, opt *runner.Options) {
	if !env.given("count") {
		opt.Count = 3
	}
	if !env.given("benchtime") {
		opt.Benchtime = runner.Amount{Iterations: 1000, Duration: 2 * time.Second}
	}
}

// WriteResults writes f to path when one is given and f holds cases or
// the run succeeded; a write error is joined to runErr, which it returns.
func WriteResults(path string, f *results.File, runErr error) error {
	if path != "" && f != nil && (runErr == nil || len(f.Cases) > 0) {
		if err := results.Write(path, f); err != nil {
			return errors.Join(runErr, err)
		}
	}
	return runErr
}
