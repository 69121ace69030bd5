//go:build !unix

package baselines

import (
	"os"
	"time"

	"github.com/yologate/yologate/internal/errs"
)

// lock creates the sidecar file exclusively, waiting up to wait for a
// concurrent holder to remove it.
func lock(name string, wait time.Duration) (unlock func(), err error) {
	deadline := time.Now().Add(wait)
	for {
		f, err := os.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o644)
		if err == nil {
			f.Close()
			return func() { os.Remove(name) }, nil
		}
		if !os.IsExist(err) {
			return nil, &errs.Error{Kind: errs.Env, Where: name, Msg: "cannot create lock file: " + err.Error(),
				Fix: "the baseline's folder must exist and be writable"}
		}
		if time.Now().After(deadline) {
			return nil, errs.Envf(name, "wait for the other update to finish, or remove the lock file if no update is running",
				"baseline file is locked by another update")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
