package interrupt

import (
	"syscall"
	"testing"
)

// TestCatch sends this process SIGTERM while it is caught: the context is
// cancelled and the signal named; without one, none is.
func TestCatch(t *testing.T) {
	c := Catch()
	defer c.Stop()
	if sig := c.Signal(); sig != nil {
		t.Fatalf("signal %v before any was sent", sig)
	}
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-c.Context().Done()
	if sig := c.Signal(); sig != syscall.SIGTERM {
		t.Errorf("signal %v, want SIGTERM", sig)
	}
	if sig := c.Signal(); sig != syscall.SIGTERM {
		t.Errorf("signal %v on a second look, want SIGTERM still", sig)
	}
}
