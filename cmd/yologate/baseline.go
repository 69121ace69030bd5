package main

import "context"

func runBaseline(_ context.Context, c *Command, args []string) error {
	fs := c.newFlags("baseline", "baseline [flags]")
	if err := c.parseFlags(fs, args); err != nil {
		return err
	}
	return errNotImplemented("baseline")
}
