package main

import (
	"context"
	"flag"
	"io"
	"os"
	"os/exec"

	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/runner"
	"github.com/yologate/yologate/workflow"
	"github.com/yologate/yologate/workflow/child"
)

// sideWorkerCommand is the command a gate with --base-ort-lib starts for
// the base side. It is not listed: only yologate itself runs it.
const sideWorkerCommand = "side-worker"

// runSideWorker loads the ONNX Runtime library it is given and serves a
// parent gate's sessions on stdin and stdout (package child).
func runSideWorker(ctx context.Context, c *Command, args []string) error {
	fs := flag.NewFlagSet(sideWorkerCommand, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	ortLib := fs.String("ort-lib", "", "ONNX Runtime library to load")
	quiet := fs.Bool("quiet", false, "no progress output")
	if err := fs.Parse(args); err != nil {
		return errs.Usagef(sideWorkerCommand, "", "%v", err)
	}
	if err := runner.LoadRuntime(*ortLib, c.Getenv); err != nil {
		return err
	}
	var opt runner.Options
	done := c.instrument(&opt)
	defer done()
	sv := &child.Server{Runner: workflow.ORT{}, Hello: child.Hello{Runtime: opt.Fingerprint.Runtime}, Model: child.LoadModel,
		Setup: func(o *runner.Options) {
			o.Fingerprint, o.Telemetry = opt.Fingerprint, opt.Telemetry
			if !*quiet {
				o.Progress = c.Stderr
			}
		}}
	return sv.Serve(ctx, c.Stdin, c.Stdout)
}

// startBaseSide starts this executable as the side worker of the base,
// loading lib; its progress goes to log (nil: none).
func startBaseSide(ctx context.Context, lib string, log io.Writer) (*child.Runner, error) {
	if err := checkSharedLibrary(lib); err != nil {
		return nil, err
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, errs.Envf("--base-ort-lib", "", "cannot find this executable to start the base side: %v", err)
	}
	args := []string{sideWorkerCommand, "--ort-lib", lib}
	if log == nil {
		log, args = io.Discard, append(args, "--quiet")
	}
	return child.Start(ctx, exec.CommandContext(ctx, exe, args...), log)
}

// checkSharedLibrary refuses a --base-ort-lib that is not an ELF file
// before a child process is started for it: an input error, not a failure
// to load.
func checkSharedLibrary(lib string) error {
	const fix = "name the libonnxruntime.so the base commit uses"
	f, err := os.Open(lib)
	if err != nil {
		return errs.Inputf("--base-ort-lib", fix, "%v", err)
	}
	defer f.Close()
	magic := make([]byte, 4)
	if _, err := io.ReadFull(f, magic); err != nil || string(magic) != "\x7fELF" {
		return errs.Inputf("--base-ort-lib", fix, "%s is not a shared library", lib)
	}
	return nil
}
