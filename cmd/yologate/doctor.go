package main

import (
	"context"

	"github.com/yologate/yologate/internal/config"
	"github.com/yologate/yologate/internal/doctor"
	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/runner/ort"
)

func runDoctor(ctx context.Context, c *Command, args []string) error {
	return c.doctor(ctx, args, doctor.Real)
}

func (c *Command) doctor(_ context.Context, args []string, env doctor.Env) error {
	fs := c.newFlags("doctor", "doctor [flags]")
	o := doctor.Options{Getenv: c.Getenv}
	fs.StringVar(&o.ORTLib, "ort-lib", "", "ONNX Runtime library to check (default $"+ort.LibraryEnv+", then .cache/ort)")
	fs.StringVar(&o.Baseline, "baseline", "", "baseline `FILE` that must be writable (for baseline update)")
	fs.StringVar(&o.Config, "config", "", "config `FILE` to validate (default "+config.FileName+" in the working directory, when present)")
	if err := c.parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errs.Usagef("doctor", "doctor takes flags only", "unexpected argument %q", fs.Arg(0))
	}
	o.Version, _ = buildVersion()
	return doctor.Run(c.Stdout, o, env)
}
