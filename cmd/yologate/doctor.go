package main

import "context"

func runDoctor(_ context.Context, c *Command, args []string) error {
	fs := c.newFlags("doctor", "doctor [flags]")
	if err := c.parseFlags(fs, args); err != nil {
		return err
	}
	return errNotImplemented("doctor")
}
