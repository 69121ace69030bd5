package main

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/yologate/yologate/baselines"
)

// TestConcurrentBaselineUpdates starts two real `baseline update` processes
// on one file at once, several times: both updates must land and the file
// must stay valid (the lock, re-read and merge in baselines.Update).
func TestConcurrentBaselineUpdates(t *testing.T) {
	bin := builtBinary(t)
	dir := t.TempDir()
	const rounds = 5
	for round := 0; round < rounds; round++ {
		file := filepath.Join(dir, fmt.Sprintf("baselines-%d.yaml", round))
		ids := []string{
			fmt.Sprintf("model=yolov8n/imgsz=%d/batch=1/ep=cpu/precision=fp32", 320+32*round),
			fmt.Sprintf("model=yolo11n/imgsz=%d/batch=1/ep=cpu/precision=fp32", 320+32*round),
		}
		var res []string
		for i, id := range ids {
			res = append(res, cmpResults(t, dir, fmt.Sprintf("r%d-%d.json", round, i), cmpProfile, 100+float64(i), 10, id))
		}
		var wg sync.WaitGroup
		errs := make([]error, len(res))
		outs := make([][]byte, len(res))
		for i := range res {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				outs[i], errs[i] = exec.Command(bin, "baseline", "update", "--baseline", file, "--results", res[i], "--reason", "concurrency test").CombinedOutput()
			}(i)
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d, updater %d: %v\n%s", round, i, err, outs[i])
			}
		}
		b, err := baselines.Read(file)
		if err != nil {
			t.Fatalf("round %d: baseline invalid after concurrent updates: %v", round, err)
		}
		for _, id := range ids {
			if b.Lookup(cmpProfile, id) == nil {
				t.Errorf("round %d: update of %s was lost", round, id)
			}
		}
	}
}

// TestSignalDuringBaselineWrite interrupts `baseline update` at random
// points: the file is always either the old or the new one, never a mix or
// a truncation.
func TestSignalDuringBaselineWrite(t *testing.T) {
	bin := builtBinary(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "baselines.yaml")
	first := cmpResults(t, dir, "first.json", cmpProfile, 100, 10, caseV8)
	if out, err := exec.Command(bin, "baseline", "update", "--baseline", file, "--results", first).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	// Many cases make the write take long enough to be hit mid-way.
	var ids []string
	for i := 0; i < 60; i++ {
		ids = append(ids, fmt.Sprintf("model=m%d/imgsz=640/batch=1/ep=cpu/precision=fp32", i))
	}
	second := cmpResults(t, dir, "second.json", cmpProfile, 90, 10, ids...)
	old := hashOf(t, file)
	interrupted, completed, changed := 0, 0, 0
	for i := 0; i < 8; i++ {
		cmd := exec.Command(bin, "baseline", "update", "--baseline", file, "--results", second)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(i*i*4) * time.Millisecond)
		sig := syscall.SIGINT
		if i%2 == 1 {
			sig = syscall.SIGTERM
		}
		cmd.Process.Signal(sig)
		err := cmd.Wait()
		var exit *exec.ExitError
		switch {
		case err == nil:
			completed++
		case errors.As(err, &exit) && (exit.ExitCode() == ExitSIGINT || exit.ExitCode() == ExitSIGTERM):
			interrupted++
		case errors.As(err, &exit) && exit.ExitCode() == -1:
			// Killed by the signal before the handler was installed: also fine.
			interrupted++
		default:
			t.Fatalf("try %d: unexpected %v", i, err)
		}
		if _, err := baselines.Read(file); err != nil {
			t.Fatalf("try %d: baseline corrupted by %v: %v", i, sig, err)
		}
		h := hashOf(t, file)
		if h != old {
			// The update landed whole; later tries rewrite the same content.
			old = h
			changed++
		}
		leftovers, _ := filepath.Glob(filepath.Join(dir, ".baselines.yaml.tmp-*"))
		if len(leftovers) > 0 {
			t.Fatalf("try %d: temporary files left behind: %v", i, leftovers)
		}
	}
	t.Logf("%d exited on the signal, %d completed before it; the file changed whole %d times", interrupted, completed, changed)
}

func hashOf(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}
