package main

import "context"

func runMerge(_ context.Context, c *Command, args []string) error {
	fs := c.newFlags("merge", "merge [flags]")
	if err := c.parseFlags(fs, args); err != nil {
		return err
	}
	return errNotImplemented("merge")
}
