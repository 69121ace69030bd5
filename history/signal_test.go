//go:build unix

package history

import (
	"math/rand/v2"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// TestSaveChild is the child process of TestSIGTERMLeavesNoPartialFile:
// it saves large runs into $YOLOGATE_HISTORY_CHILD until killed.
func TestSaveChild(t *testing.T) {
	dir := os.Getenv("YOLOGATE_HISTORY_CHILD")
	if dir == "" {
		t.Skip("child process of TestSIGTERMLeavesNoPartialFile only")
	}
	r := rand.New(rand.NewPCG(11, 12))
	os.WriteFile(dir+"/ready", nil, 0o644)
	for i := 0; ; i++ {
		run := synthRun(r, time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC).Add(time.Duration(i)*time.Second), 20, 200, 100)
		if _, err := Save(dir, run); err != nil {
			t.Fatal(err)
		}
	}
}

// SIGTERM in the middle of saving never leaves a partial run file.
func TestSIGTERMLeavesNoPartialFile(t *testing.T) {
	for trial := 0; trial < 3; trial++ {
		dir := t.TempDir()
		cmd := exec.Command(os.Args[0], "-test.run=^TestSaveChild$")
		cmd.Env = append(os.Environ(), "YOLOGATE_HISTORY_CHILD="+dir)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			if _, err := os.Stat(dir + "/ready"); err == nil || time.Now().After(deadline) {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(time.Duration(100+50*trial) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
		os.Remove(dir + "/ready")
		h, err := Read(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(h.Warnings) > 0 {
			t.Errorf("trial %d: after SIGTERM: %v", trial, h.Warnings)
		}
		t.Logf("trial %d: %d complete runs", trial, len(h.Runs))
	}
}
