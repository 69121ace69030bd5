package main

import "context"

func runGate(_ context.Context, c *Command, args []string) error {
	fs := c.newFlags("gate", "gate [flags]")
	if err := c.parseFlags(fs, args); err != nil {
		return err
	}
	return errNotImplemented("gate")
}
