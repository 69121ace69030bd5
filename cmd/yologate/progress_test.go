package main

import (
	"bytes"
	"io"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
)

var tinyRun = []string{"run", "--model", "yolov8n", "--imgsz", "64", "--warmup", "0", "--count", "3", "--benchtime", "5x"}

// TestProgressPlainWhenNotATerminal: in CI stderr is a pipe, so progress is
// one plain line per repeat with no control characters.
func TestProgressPlainWhenNotATerminal(t *testing.T) {
	bin := builtBinary(t)
	cmd := exec.Command(bin, tinyRun...)
	cmd.Env = ortEnv(t)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	log := stderr.String()
	for i := 1; i <= 3; i++ {
		if !strings.Contains(log, "  repeat "+string(rune('0'+i))+":") {
			t.Errorf("no plain line for repeat %d in:\n%s", i, log)
		}
	}
	if strings.ContainsAny(log, "\r\x1b") {
		t.Errorf("control characters in a non-terminal log: %q", log)
	}
}

// TestProgressLiveOnATerminal runs yologate under a pseudo-terminal and
// expects the live line: rewritten in place, with the repeat counter.
func TestProgressLiveOnATerminal(t *testing.T) {
	bin := builtBinary(t)
	cmd := exec.Command(bin, tinyRun...)
	cmd.Env = append(ortEnv(t), "TERM=xterm")
	tty, err := pty.Start(cmd)
	if err != nil {
		t.Skipf("no pseudo-terminal here: %v", err)
	}
	defer tty.Close()
	var out bytes.Buffer
	done := make(chan struct{})
	go func() {
		io.Copy(&out, tty) // ends with EIO when the child exits
		close(done)
	}()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
	screen := out.String()
	for _, want := range []string{"\r\x1b[2K", "3/3", "median", "FPS"} {
		if !strings.Contains(screen, want) {
			t.Errorf("terminal output lacks %q:\n%q", want, screen)
		}
	}
	if strings.Contains(screen, "  repeat 1:") {
		t.Errorf("plain lines on a terminal without --verbose:\n%q", screen)
	}
}
