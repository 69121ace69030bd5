package main

import "context"

func runModels(_ context.Context, c *Command, args []string) error {
	fs := c.newFlags("models", "models [flags]")
	if err := c.parseFlags(fs, args); err != nil {
		return err
	}
	return errNotImplemented("models")
}
