package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/yologate/yologate/internal/config"
	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/report"
	"github.com/yologate/yologate/runner"
	"github.com/yologate/yologate/runner/gpu"
	"github.com/yologate/yologate/runner/ort"
	"github.com/yologate/yologate/runner/results"
	"github.com/yologate/yologate/workflow"
)

// listFlag is a repeatable flag that also takes comma lists:
// --model a,b --model c.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// benchFlags are the flags of the benchmark protocol, shared by run, gate
// and ab: register them on a flag set, then call plan and options.
type benchFlags struct {
	models, sizes, batches listFlag
	ep, precision, ortLib  string
	epOptions              string
	trtCache, calibration  string
	count, threads         int
	device                 string
	warmup, benchtime      string
	seed                   uint64
	quiet, verbose         bool
	includeCopies          bool
	acc                    accuracyFlags
}

func (b *benchFlags) register(fs *flag.FlagSet) {
	fs.Var(&b.models, "model", "standard model `NAME` (yolov8n, yolo11s, ...) or ONNX file PATH; repeat or comma-separate for several (default yolov8n)")
	fs.Var(&b.sizes, "imgsz", "image `SIZE`: 640 or HEIGHTxWIDTH (640x672); repeatable or comma-separated (default: the model's own size, 640 for standard models)")
	fs.Var(&b.batches, "batch", "images per inference (`N`); repeatable or comma-separated (default 1)")
	fs.StringVar(&b.ep, "ep", "auto", "execution provider: auto (the best available), cpu, cuda or tensorrt")
	fs.StringVar(&b.epOptions, "ep-options", "", "provider options `key=value,...` over yologate's defaults (cuda and tensorrt; trt_* keys go to TensorRT, the others to its CUDA fallback)")
	fs.StringVar(&b.precision, "precision", "", "fp32, fp16 or int8 (default: the model's own)")
	fs.StringVar(&b.trtCache, "trt-cache", "", "`DIR` for TensorRT engines and timing caches, keyed by GPU model, TensorRT version and model; off builds every engine anew (default $"+runner.CacheEnv+", else ~/.cache/yologate)")
	fs.StringVar(&b.calibration, "calibration-table", "", "int8 calibration table `FILE` for --ep tensorrt --precision int8 on an fp32 model")
	fs.BoolVar(&b.includeCopies, "include-copies", false, "time GPU cases with input and outputs in host memory, so that each iteration includes the host-device copies (default: GPU compute only; ids end in /copies)")
	fs.StringVar(&b.device, "device", "0", "GPU for cuda and tensorrt: an index (0), a list (0,2) or all — one set of cases per GPU, ids ending in /device=N")
	fs.StringVar(&b.warmup, "warmup", runner.DefaultWarmup.String(), "warm-up before the steady-state check: a count (10) or a duration (2s); 0 skips it")
	fs.StringVar(&b.benchtime, "benchtime", runner.DefaultBenchtime.String(), "length of one repeat: 1000x (iterations), 3s (time), or both (whichever comes first)")
	fs.IntVar(&b.count, "count", runner.DefaultCount, "repeats per case (the samples the statistics use)")
	fs.IntVar(&b.threads, "threads", 0, "ONNX Runtime intra-op threads (0: its default, one per physical core)")
	fs.Uint64Var(&b.seed, "seed", runner.DefaultSeed, "seed of the random input tensor")
	fs.StringVar(&b.ortLib, "ort-lib", "", "ONNX Runtime library to load (default $YOLOGATE_ORT_LIB, then .cache/ort from make setup)")
	b.acc.register(fs)
	fs.BoolVar(&b.quiet, "quiet", false, "no progress output")
	fs.BoolVar(&b.verbose, "verbose", false, "a detailed line per phase and repeat, also on a terminal")
}

// plan checks the flags' syntax and returns the plan and protocol; nothing
// is loaded or measured yet.
func (b *benchFlags) plan() (runner.Plan, runner.Options, error) {
	p := runner.Plan{
		Models:           runner.SplitList(b.models),
		Provider:         b.ep,
		Precision:        b.precision,
		Threads:          b.threads,
		CalibrationTable: b.calibration,
		IncludeCopies:    b.includeCopies,
	}
	opt := runner.DefaultOptions()
	var err error
	if p.ProviderOptions, err = ort.ParseProviderOptions(b.epOptions); err != nil {
		return p, opt, err
	}
	if len(p.Models) == 0 {
		p.Models = []string{"yolov8n"}
	}
	for _, s := range runner.SplitList(b.sizes) {
		sz, err := runner.ParseSize("--imgsz", s)
		if err != nil {
			return p, opt, err
		}
		p.Sizes = append(p.Sizes, sz)
	}
	for _, s := range runner.SplitList(b.batches) {
		n, err := runner.ParseBatch("--batch", s)
		if err != nil {
			return p, opt, err
		}
		p.Batches = append(p.Batches, n)
	}
	switch b.ep {
	case "auto", "cpu", "cuda", "tensorrt":
	default:
		return p, opt, errs.Usagef("--ep", "use auto, cpu, cuda or tensorrt", "unknown execution provider %q", b.ep)
	}
	if opt.Warmup, err = runner.ParseAmount("--warmup", b.warmup, true, true); err != nil {
		return p, opt, err
	}
	if opt.Benchtime, err = runner.ParseAmount("--benchtime", b.benchtime, false, false); err != nil {
		return p, opt, err
	}
	if b.count < 1 {
		return p, opt, errs.Usagef("--count", "use 1 or more repeats (10 is the default)", "count %d runs no repeats", b.count)
	}
	if b.threads < 0 {
		return p, opt, errs.Usagef("--threads", "use 0 for ONNX Runtime's default or a positive count", "negative thread count %d", b.threads)
	}
	if b.device != "all" {
		// The syntax is checked now; the indices against the GPUs in specs.
		if _, err := gpu.ParseDevices(b.device, math.MaxInt); err != nil {
			return p, opt, err
		}
	}
	if b.quiet && b.verbose {
		return p, opt, errs.Usagef("--quiet", "pass one of --quiet and --verbose", "--quiet and --verbose contradict each other")
	}
	opt.Count = b.count
	opt.Seed = b.seed
	return p, opt, nil
}

// specs loads ONNX Runtime and resolves the plan into cases.
func (b *benchFlags) specs(c *Command, p runner.Plan) ([]runner.Spec, error) {
	if err := runner.LoadRuntime(b.ortLib, c.Getenv); err != nil {
		return nil, err
	}
	if err := b.resolveDevices(c, &p); err != nil {
		return nil, err
	}
	switch b.trtCache {
	case "off":
	case "":
		p.TensorRTCache = runner.DefaultCacheDir(c.Getenv)
	default:
		p.TensorRTCache = b.trtCache
	}
	if c.cfg == nil || len(c.cfg.Cases) == 0 || c.overFile("model") || c.overFile("imgsz") || c.overFile("batch") {
		return p.Specs()
	}
	// The config file's cases, each with the file's and the flags'
	// settings under its own.
	var out []runner.Spec
	seen := map[string]bool{}
	for i := range c.cfg.Cases {
		cp, err := b.casePlan(c, p, &c.cfg.Cases[i])
		if err != nil {
			return nil, err
		}
		specs, err := cp.Specs()
		if err != nil {
			return nil, c.cfg.Locate(err, &c.cfg.Cases[i], func(name string) bool { return !c.overFile(name) })
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
// precision; a setting the case leaves out keeps p's.
func (b *benchFlags) casePlan(c *Command, p runner.Plan, cs *config.Case) (runner.Plan, error) {
	at := func(v config.Value) string { return fmt.Sprintf("%s:%d:%d", c.cfg.Path, v.Line, v.Col) }
	if v, ok := cs.Settings["model"]; ok {
		p.Models = runner.SplitList([]string{v.Text})
	}
	if v, ok := cs.Settings["imgsz"]; ok {
		p.Sizes = nil
		for _, s := range runner.SplitList([]string{v.Text}) {
			sz, err := runner.ParseSize(at(v)+": imgsz", s)
			if err != nil {
				return p, err
			}
			p.Sizes = append(p.Sizes, sz)
		}
	}
	if v, ok := cs.Settings["batch"]; ok {
		p.Batches = nil
		for _, s := range runner.SplitList([]string{v.Text}) {
			n, err := runner.ParseBatch(at(v)+": batch", s)
			if err != nil {
				return p, err
			}
			p.Batches = append(p.Batches, n)
		}
	}
	if v, ok := cs.Settings["ep"]; ok && !c.overFile("ep") {
		p.Provider = v.Text
	}
	if v, ok := cs.Settings["precision"]; ok && !c.overFile("precision") {
		p.Precision = v.Text
	}
	return p, nil
}

// checkOutPath fails early when the results file could not be written at
// the end, so that a long run is not wasted.
func checkOutPath(flagName, path string) error {
	if path == "" {
		return nil
	}
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() {
		return errs.Usagef(flagName, "create the folder first or choose another path", "folder %q of %q does not exist", dir, path)
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return errs.Usagef(flagName, "give a file path", "%q is a folder", path)
	}
	return nil
}

func runRun(ctx context.Context, c *Command, args []string) error {
	fs := c.newFlags("run", "run [flags]")
	var bf benchFlags
	bf.register(fs)
	var wf workloadFlags
	wf.register(fs, true)
	out := fs.String("out", "", "write the results JSON (schema "+results.Schema+") to `FILE`")
	format := fs.String("format", "text", "what to print: text (a table), json (the results) or bench (Go benchmark lines for benchstat)")
	if err := c.parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errs.Usagef("run", "models go in --model", "unexpected argument %q", fs.Arg(0))
	}
	switch *format {
	case "text", "json", "bench":
	default:
		return errs.Usagef("--format", "use text, json or bench", "unknown format %q", *format)
	}
	plan, opt, err := bf.plan()
	if err != nil {
		return err
	}
	if err := checkOutPath("--out", *out); err != nil {
		return err
	}
	w, err := wf.workload(c)
	if err != nil {
		return err
	}
	job, done, err := c.job(&bf, w, plan, opt)
	if err != nil {
		return err
	}
	defer done()
	f, runErr := job.Run(ctx, nil)
	if err := writeResults(*out, f, runErr); err != runErr {
		return err
	}
	if runErr != nil {
		if f != nil && len(f.Cases) > 0 {
			if *format == "text" {
				report.WriteRunText(c.Stdout, f)
			}
			if *out != "" {
				fmt.Fprintf(c.Stderr, "yologate: incomplete results written to %s\n", *out)
			}
		}
		return runErr
	}
	return c.renderRun(*format, *out, f)
}

// resolveDevices turns --device into the plan's GPU indices, checked
// against the GPUs NVML sees; on the CPU provider it is ignored.
func (b *benchFlags) resolveDevices(c *Command, p *runner.Plan) error {
	provider, err := runner.ResolveProvider(p.Provider)
	if err != nil || provider == "cpu" {
		return err
	}
	mon := gpu.OpenMonitor(c.Getenv)
	defer mon.Close()
	gpus, _ := mon.GPUs()
	count := len(gpus)
	if count == 0 && b.device != "all" {
		// No NVML (a container without it): trust explicit indices and let
		// the provider report a GPU that is not there.
		count = math.MaxInt
	}
	devices, err := gpu.ParseDevices(b.device, count)
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

// job resolves the benchmark flags into a workflow job: the cases (loading
// ONNX Runtime), the accuracy check, the fingerprint, telemetry and
// progress. Call done when measuring is over.
func (c *Command) job(bf *benchFlags, w runner.Workload, plan runner.Plan, opt runner.Options) (*workflow.Job, func(), error) {
	specs, err := bf.specs(c, plan)
	if err != nil {
		return nil, nil, err
	}
	chk, err := bf.acc.load(c, specs)
	if err != nil {
		return nil, nil, err
	}
	done := c.instrument(&opt)
	c.applyProgress(&opt, bf)
	job := &workflow.Job{Runner: workflow.ORT{}, Specs: specs, Options: opt, Workload: w, Log: c.log(bf),
		Check: func(ctx context.Context, specs []runner.Spec, f *results.File) error {
			return c.listProblems(chk.Check(ctx, specs, f))
		}}
	return job, done, nil
}

// log is where workflow steps are told: stderr, or nowhere with --quiet.
func (c *Command) log(bf *benchFlags) io.Writer {
	if bf.quiet {
		return nil
	}
	return c.Stderr
}

// writeResults writes f to path, when one is given and f holds cases or
// the run succeeded. A write error is joined to runErr.
func writeResults(path string, f *results.File, runErr error) error {
	if path != "" && f != nil && (runErr == nil || len(f.Cases) > 0) {
		if err := results.Write(path, f); err != nil {
			return errors.Join(runErr, err)
		}
	}
	return runErr
}

// renderRun prints a finished run in format, and where its results went.
func (c *Command) renderRun(format, out string, f *results.File) error {
	switch format {
	case "json":
		data, err := results.Marshal(f)
		if err != nil {
			return err
		}
		_, err = c.Stdout.Write(data)
		return err
	case "bench":
		return report.WriteBench(c.Stdout, f)
	}
	if err := report.WriteRunText(c.Stdout, f); err != nil {
		return err
	}
	report.WriteWorkloadText(c.Stdout, f)
	report.WriteAccuracyText(c.Stdout, f)
	if out != "" {
		fmt.Fprintf(c.Stdout, "\nresults: %s\n", out)
	}
	return nil
}
