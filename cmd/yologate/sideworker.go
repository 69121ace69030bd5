package main

import (
	"context"
	"flag"
	"io"
	"os"

	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/runner"
	"github.com/yologate/yologate/workflow"
	"github.com/yologate/yologate/workflow/child"
	"github.com/yologate/yologate/workflow/setup"
)

// sideWorkerCommand is the command a gate with --base-ort-lib starts for
// the base side. It is not listed: only yologate itself runs it.
const sideWorkerCommand = "side-worker"

// sideWorker is the command line that starts this executable as a side
// worker; nil when the executable cannot be found.
func (c *Command) sideWorker() []string {
	exe, err := os.Executable()
	if err != nil {
		return nil
	}
	return []string{exe, sideWorkerCommand}
}

// runSideWorker loads the ONNX Runtime library it is given and serves a
// parent gate's sessions on stdin and stdout (package child).
func runSideWorker(ctx context.Context, c *Command, args []string) error {
	fs := flag.NewFlagSet(sideWorkerCommand, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var bench setup.Bench
	ortLib := fs.String("ort-lib", "", "ONNX Runtime library to load")
	fs.BoolVar(&bench.Quiet, "quiet", false, "no progress output")
	if err := fs.Parse(args); err != nil {
		return errs.Usagef(sideWorkerCommand, "", "%v", err)
	}
	if err := runner.LoadRuntime(*ortLib, c.Getenv); err != nil {
		return err
	}
	env := c.env()
	env.Terminal = false // the parent's log is not a terminal line
	var opt runner.Options
	done := bench.Instrument(env, &opt)
	defer done()
	sv := &child.Server{Runner: workflow.ORT{}, Hello: child.Hello{Runtime: opt.Fingerprint.Runtime}, Model: child.LoadModel,
		Setup: func(o *runner.Options) {
			o.Fingerprint, o.Telemetry, o.Progress = opt.Fingerprint, opt.Telemetry, opt.Progress
		}}
	return sv.Serve(ctx, c.Stdin, c.Stdout)
}
