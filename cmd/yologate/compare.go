package main

import "context"

func runCompare(_ context.Context, c *Command, args []string) error {
	fs := c.newFlags("compare", "compare [flags]")
	if err := c.parseFlags(fs, args); err != nil {
		return err
	}
	return errNotImplemented("compare")
}
