// Package interrupt turns SIGINT and SIGTERM into a cancelled context and
// remembers which signal arrived, so that a command stops its work, cleans
// up and exits with the shell's code for it (128 + signal).
package interrupt

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// Catcher cancels its context on SIGINT or SIGTERM.
type Catcher struct {
	ctx    context.Context
	cancel context.CancelFunc
	ch     chan os.Signal
	got    chan os.Signal
}

// Catch starts catching SIGINT and SIGTERM; call Stop when done.
func Catch() *Catcher {
	ctx, cancel := context.WithCancel(context.Background())
	c := &Catcher{ctx: ctx, cancel: cancel, ch: make(chan os.Signal, 2), got: make(chan os.Signal, 1)}
	signal.Notify(c.ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		sig, ok := <-c.ch
		if !ok {
			return
		}
		c.got <- sig
		cancel()
	}()
	return c
}

// Context is cancelled when the first signal arrives.
func (c *Catcher) Context() context.Context { return c.ctx }

// Signal returns the signal that arrived; nil for none.
func (c *Catcher) Signal() os.Signal {
	select {
	case sig := <-c.got:
		c.got <- sig
		return sig
	default:
		return nil
	}
}

// Stop stops catching: a later signal has its default effect again.
func (c *Catcher) Stop() {
	signal.Stop(c.ch)
	c.cancel()
}
