// Package atomicfile is yologate's one way to write a file that readers may
// be looking at: results, baselines, reports, models and comments.
package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/yologate/yologate/internal/errs"
)

// Write writes data to path so that a reader sees the old file or the new
// one, never a part, even after a crash: a temporary file in the same
// folder, synced, renamed over path, then the folder synced so that the
// rename itself is on disk. perm 0 means 0o644. A failure is an environment
// error naming path; nothing is left behind.
func Write(path string, data []byte, perm os.FileMode) error {
	if perm == 0 {
		perm = 0o644
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return &errs.Error{Kind: errs.Env, Where: path, Msg: "cannot write: is a directory", Fix: "give a file path"}
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return ioErr(path, err)
	}
	name := tmp.Name()
	fail := func(err error) error {
		tmp.Close()
		os.Remove(name)
		return ioErr(path, err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fail(err)
	}
	// CreateTemp makes the file private; what yologate writes is meant to be read.
	if err := tmp.Chmod(perm); err != nil {
		return fail(err)
	}
	if err := tmp.Sync(); err != nil {
		return fail(err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(name)
		return ioErr(path, err)
	}
	if err := os.Rename(name, path); err != nil {
		os.Remove(name)
		return ioErr(path, err)
	}
	syncDir(dir)
	return nil
}

// syncDir makes a rename in dir durable. Its error is ignored: a file
// system that cannot sync a folder (some network and FUSE mounts) has
// still renamed the file.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

func ioErr(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return &errs.Error{Kind: errs.Env, Where: path, Msg: "cannot write: " + err.Error(), Fix: "check that the folder exists and is writable", Err: err}
}
