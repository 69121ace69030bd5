//go:build unix

package baselines

import (
	"os"
	"syscall"
	"time"

	"github.com/yologate/yologate/internal/errs"
)

// lock takes an exclusive flock on the sidecar file name, waiting up to
// wait. The unlock function removes the sidecar while still holding the
// lock; a waiter that then locks the removed file notices that the name
// now points elsewhere and tries again.
func lock(name string, wait time.Duration) (unlock func(), err error) {
	deadline := time.Now().Add(wait)
	for {
		f, err := os.OpenFile(name, os.O_CREATE|os.O_RDWR, 0o644)
		if err != nil {
			return nil, &errs.Error{Kind: errs.Env, Where: name, Msg: "cannot create lock file: " + err.Error(),
				Fix: "the baseline's folder must exist and be writable"}
		}
		for {
			err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
			if err == nil || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if err != nil {
			f.Close()
			return nil, errs.Envf(name, "wait for the other update to finish, or remove the lock file if no update is running",
				"baseline file is locked by another update")
		}
		held, err1 := f.Stat()
		now, err2 := os.Stat(name)
		if err1 == nil && err2 == nil && os.SameFile(held, now) {
			return func() {
				os.Remove(name)
				syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
				f.Close()
			}, nil
		}
		f.Close() // the lock file was replaced while we waited
	}
}
