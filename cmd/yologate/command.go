package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sort"
	"strings"
	"syscall"

	"golang.org/x/term"

	"github.com/yologate/yologate/internal/config"
	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/internal/interrupt"
	"github.com/yologate/yologate/runner/results"
	"github.com/yologate/yologate/workflow/setup"
)

// Exit codes, named once; Main is the only place that chooses one.
const (
	ExitPass       = 0
	ExitRegression = 1
	ExitUsage      = 2
	ExitEnv        = 3
	// ExitSIGINT and ExitSIGTERM follow the shell convention 128+signal.
	ExitSIGINT  = 130
	ExitSIGTERM = 143
)

// version is set at link time (-ldflags "-X main.version=v1.2.3").
var version = "dev"

// Command is one invocation of yologate with its own streams and
// environment, so that tests drive it exactly as main does.
type Command struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Getenv reads the environment; tests pass a map lookup.
	Getenv func(string) string
	// Ctx, when set, replaces the signal-aware context Main creates.
	Ctx context.Context

	// cfg is the config file the command read, if any; set records each
	// flag that was given and where: on the command line (which wins), in
	// YOLOGATE_FLAGS or in cfg.
	cfg *config.Config
	set map[string]origin
}

// origin says where a flag's value came from.
type origin int

const (
	fromCommandLine origin = iota + 1
	fromConfig
	fromEnv // YOLOGATE_FLAGS
)

// given reports whether flag name was set, on the command line, in
// YOLOGATE_FLAGS or in the config file.
func (c *Command) given(name string) bool { return c.set[name] != 0 }

// onCommandLine reports whether flag name was set on the command line.
func (c *Command) onCommandLine(name string) bool { return c.set[name] == fromCommandLine }

// overFile reports whether flag name was set where it wins over the config
// file's cases: on the command line or in YOLOGATE_FLAGS.
func (c *Command) overFile(name string) bool {
	return c.set[name] == fromCommandLine || c.set[name] == fromEnv
}

// record notes the flags of fs that are set and not yet recorded as coming
// from where.
func (c *Command) record(fs *flag.FlagSet, where origin) {
	if c.set == nil {
		c.set = map[string]origin{}
	}
	fs.Visit(func(f *flag.Flag) {
		if c.set[f.Name] == 0 {
			c.set[f.Name] = where
		}
	})
}

// subcommand is one verb of the command line.
type subcommand struct {
	name    string
	summary string
	run     func(ctx context.Context, c *Command, args []string) error
}

// subcommands lists every verb; each lives in its own file.
var subcommands = []subcommand{
	{"run", "run the standardized benchmark, write results", runRun},
	{"compare", "results vs baseline (or results vs results); exit 1 on regression", runCompare},
	{"history", "main's runs: record one, show them with change points, check drift (exit 1)", runHistory},
	{"gate", "run + compare + report (what the GitHub Action calls)", runGate},
	{"ab", "interleaved A/B of two models or settings on this machine", runAB},
	{"baseline", "update | show: write or print baselines", runBaseline},
	{"models", "list | generate NAME | inspect FILE", runModels},
	{"merge", "combine results from several runners into one report", runMerge},
	{"doctor", "what this machine can run: ORT, providers, GPUs, NVML, CI", runDoctor},
	{"detect", "print a model's detections on images (class, score, box)", runDetect},
	{"capacity", "how many concurrent streams this machine holds at a target fps", runCapacity},
	{"sweep", "measure a batch x imgsz grid and recommend one for a latency budget", runSweep},
	{"report", "write a self-contained HTML report with charts", runReport},
	{"version", "print the version", runVersion},
}

// regressionError reports a gate that found a regression (exit 1); the
// report has already been printed, so Main prints only its one line.
type regressionError struct{ msg string }

func (e *regressionError) Error() string { return e.msg }

// errHelp is returned when --help was asked for: usage is printed, exit 0.
var errHelp = flag.ErrHelp

// Main runs the command line args (without the program name) and returns the
// process exit code.
func (c *Command) Main(args []string) int {
	if c.Getenv == nil {
		c.Getenv = os.Getenv
	}
	ctx := c.Ctx
	var caught *interrupt.Catcher
	if ctx == nil {
		caught = interrupt.Catch()
		defer caught.Stop()
		ctx = caught.Context()
	}
	err := c.dispatch(ctx, args)
	// An error about a flag the config file set names the file's key.
	err = c.cfg.Locate(err, nil, func(name string) bool { return c.set[name] == fromConfig })
	code := exitCode(err)
	// A signal that arrived after the command finished its work (a write
	// that cannot be cut short) does not turn a success into a failure.
	if caught != nil && err != nil {
		if sig := caught.Signal(); sig != nil {
			fmt.Fprintf(c.Stderr, "yologate: interrupted by %v\n", sig)
			if sig == syscall.SIGTERM {
				return ExitSIGTERM
			}
			return ExitSIGINT
		}
	}
	if err != nil && !errors.Is(err, errHelp) {
		fmt.Fprintf(c.Stderr, "yologate: %s\n", err)
	}
	return code
}

func (c *Command) dispatch(ctx context.Context, args []string) error {
	if len(args) == 0 {
		c.usage(c.Stderr)
		return errs.Usagef("", "run \"yologate --help\" for the list of commands", "no command given")
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help", "help":
		c.usage(c.Stdout)
		return nil
	case "-version", "--version":
		name = "version"
	}
	for _, s := range subcommands {
		if s.name == name {
			return s.run(ctx, c, args[1:])
		}
	}
	if name == sideWorkerCommand {
		return runSideWorker(ctx, c, args[1:])
	}
	names := make([]string, 0, len(subcommands))
	for _, s := range subcommands {
		names = append(names, s.name)
	}
	sort.Strings(names)
	return errs.Usagef(name, "valid commands: "+strings.Join(names, ", "), "unknown command")
}

func (c *Command) usage(w io.Writer) {
	fmt.Fprintln(w, "yologate is a CI performance-regression gate for YOLO object detection on ONNX Runtime.")
	fmt.Fprintln(w, "\nUsage: yologate COMMAND [flags]\n\nCommands:")
	for _, s := range subcommands {
		fmt.Fprintf(w, "  %-9s %s\n", s.name, s.summary)
	}
	fmt.Fprintln(w, "\nRun \"yologate COMMAND --help\" for a command's flags.")
	fmt.Fprintln(w, "Exit codes: 0 pass, 1 regression, 2 usage or input error, 3 environment failure.")
}

// exitCode is the one place that maps an error to an exit code.
func exitCode(err error) int {
	if err == nil || errors.Is(err, errHelp) {
		return ExitPass
	}
	var reg *regressionError
	if errors.As(err, &reg) {
		return ExitRegression
	}
	switch errs.KindOf(err) {
	case errs.Usage, errs.Input:
		return ExitUsage
	}
	return ExitEnv
}

// newFlags returns a flag set that reports errors instead of exiting and
// prints its usage to c.Stderr. synopsis is the first usage line.
func (c *Command) newFlags(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet("yologate "+name, flag.ContinueOnError)
	fs.SetOutput(c.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: yologate %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args and turns a flag error into a one-line usage
// error naming the command; --help returns errHelp after printing usage to
// stdout.
func (c *Command) parseFlags(fs *flag.FlagSet, args []string) error {
	var cfgPath *string
	if configured[strings.TrimPrefix(fs.Name(), "yologate ")] && fs.Lookup("config") == nil {
		cfgPath = fs.String("config", "", "settings `FILE` (default "+config.FileName+" in the working directory, when present); flags given here win")
	}
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(c.Stdout)
		fs.Usage()
		return errHelp
	}
	if err != nil {
		return errs.Usagef(fs.Name(), "run \""+fs.Name()+" --help\" for the flags", "%s", err.Error())
	}
	c.record(fs, fromCommandLine)
	if cfgPath != nil {
		if err := config.ApplyEnv(fs, c.Getenv(config.EnvFlags)); err != nil {
			return err
		}
		c.record(fs, fromEnv)
		return c.applyConfig(fs, *cfgPath)
	}
	return nil
}

// configured lists the commands that read .yologate.yml: those that
// measure or judge, and baseline update and show (the file's baseline).
// The others (models generate, detect, ...) take only
// their flags, so a repository's settings never change what they do.
var configured = map[string]bool{"run": true, "gate": true, "ab": true, "compare": true, "capacity": true, "sweep": true, "report": true,
	"baseline update": true, "baseline show": true,
	"history record": true, "history show": true, "history check": true}

// applyConfig sets the flags that the config file names and the command
// line did not, and keeps the file's explicit cases for setup.Bench.Specs.
func (c *Command) applyConfig(fs *flag.FlagSet, path string) error {
	if path == "" {
		path = config.Find(".")
		if path == "" {
			return nil
		}
	}
	cfg, err := config.Load(path)
	if err != nil {
		return err
	}
	if err := cfg.Apply(fs, nil); err != nil {
		return err
	}
	c.record(fs, fromConfig)
	c.cfg = cfg
	return nil
}

func runVersion(_ context.Context, c *Command, args []string) error {
	fs := c.newFlags("version", "version")
	if err := c.parseFlags(fs, args); err != nil {
		return err
	}
	v, commit := buildVersion()
	if commit != "" {
		fmt.Fprintf(c.Stdout, "yologate %s (%s)\n", v, commit)
	} else {
		fmt.Fprintf(c.Stdout, "yologate %s\n", v)
	}
	return nil
}

// buildVersion returns the version and the VCS commit the binary was built from.
func buildVersion() (v, commit string) {
	v = version
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" {
				commit = results.ShortSHA(s.Value)
			}
		}
	}
	return v, commit
}

// env is what the setup of a measuring command reads beside its flags.
func (c *Command) env() setup.Env {
	v, commit := buildVersion()
	return setup.Env{Getenv: c.Getenv, Config: c.cfg, OnCommandLine: c.overFile, Given: c.given,
		Stderr: c.Stderr, Terminal: c.isTerminal(c.Stderr), Version: v, Commit: commit, SideWorker: c.sideWorker()}
}

// isTerminal reports whether w is a terminal that can take a live line
// (not TERM=dumb).
func (c *Command) isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || c.Getenv("TERM") == "dumb" {
		return false
	}
	return term.IsTerminal(int(f.Fd()))
}
