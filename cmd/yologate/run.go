package main

import "context"

func runRun(_ context.Context, c *Command, args []string) error {
	fs := c.newFlags("run", "run [flags]")
	if err := c.parseFlags(fs, args); err != nil {
		return err
	}
	return errNotImplemented("run")
}
