package main

import "context"

func runAB(_ context.Context, c *Command, args []string) error {
	fs := c.newFlags("ab", "ab [flags]")
	if err := c.parseFlags(fs, args); err != nil {
		return err
	}
	return errNotImplemented("ab")
}
