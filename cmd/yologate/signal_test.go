package main

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/yologate/yologate/runner/results"
)

// stopWithin is how quickly an interrupted run must exit: CI runners give a
// cancelled job a few seconds before they kill it.
const stopWithin = 2 * time.Second

// TestSignalsStopARun interrupts real runs at each phase and checks the
// exit code, the time to stop, and that no results file claims to be
// complete.
func TestSignalsStopARun(t *testing.T) {
	bin := builtBinary(t)
	env := ortEnv(t)
	tests := []struct {
		name string
		sig  syscall.Signal
		// after is the stderr text that shows the phase has started.
		after string
		args  []string
		code  int
	}{
		{"SIGINT in warm-up", syscall.SIGINT, "session", []string{"--warmup", "60s"}, ExitSIGINT},
		{"SIGTERM in warm-up", syscall.SIGTERM, "session", []string{"--warmup", "60s"}, ExitSIGTERM},
		{"SIGINT in a repeat", syscall.SIGINT, "repeat 1", []string{"--warmup", "0", "--benchtime", "300x", "--count", "50"}, ExitSIGINT},
		{"SIGTERM in a repeat", syscall.SIGTERM, "repeat 1", []string{"--warmup", "0", "--benchtime", "300x", "--count", "50"}, ExitSIGTERM},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "results.json")
			args := append([]string{"run", "--model", "yolov8n", "--imgsz", "96", "--out", out}, tt.args...)
			cmd := exec.Command(bin, args...)
			cmd.Env = env
			stderr, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			var log strings.Builder
			sc := bufio.NewScanner(stderr)
			seen := false
			for sc.Scan() {
				log.WriteString(sc.Text() + "\n")
				if strings.Contains(sc.Text(), tt.after) {
					seen = true
					break
				}
			}
			if !seen {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("never saw %q:\n%s", tt.after, log.String())
			}
			time.Sleep(200 * time.Millisecond)
			sent := time.Now()
			if err := cmd.Process.Signal(tt.sig); err != nil {
				t.Fatal(err)
			}
			go func() {
				for sc.Scan() {
				}
			}()
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			var werr error
			select {
			case werr = <-done:
			case <-time.After(30 * time.Second):
				cmd.Process.Kill()
				t.Fatalf("still running 30 s after %v", tt.sig)
			}
			took := time.Since(sent)
			var exit *exec.ExitError
			if !errors.As(werr, &exit) || exit.ExitCode() != tt.code {
				t.Fatalf("exit = %v, want code %d", werr, tt.code)
			}
			if took > stopWithin {
				t.Errorf("took %v to stop after %v, want under %v", took, tt.sig, stopWithin)
			}
			f, err := results.Read(out)
			switch {
			case errors.Is(err, os.ErrNotExist):
			case err != nil:
				t.Errorf("results file left unreadable: %v", err)
			case f.Status != results.StatusIncomplete:
				t.Errorf("interrupted run wrote status %q, want %q", f.Status, results.StatusIncomplete)
			}
		})
	}
}
