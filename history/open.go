package history

import (
	"context"
	"fmt"
	"path/filepath"
)

// Store is where main's runs are kept: a folder (Folder) or a branch of a
// git repository (Git).
type Store interface {
	// Read returns every run of the store.
	Read(ctx context.Context) (*History, error)
	// Save records run r and returns the path of its file inside the
	// store ("runs/2026-12/ID.hist").
	Save(ctx context.Context, r *Run) (string, error)
	// String names the store for people ("perf/history", "branch
	// yologate-history of https://github.com/acme/detector.git").
	String() string
}

// Folder is a store folder on disk.
type Folder string

var (
	_ Store = Folder("")
	_ Store = (*Git)(nil)
)

// Read reads the folder (see Read).
func (f Folder) Read(context.Context) (*History, error) { return Read(string(f)) }

// Save writes r into the folder (see Save).
func (f Folder) Save(_ context.Context, r *Run) (string, error) {
	path, err := Save(string(f), r)
	if err != nil {
		return "", err
	}
	return filepath.Rel(string(f), path)
}

func (f Folder) String() string { return filepath.Clean(string(f)) }

func (g *Git) String() string {
	return fmt.Sprintf("branch %s of %s", g.branch(), redact(g.Remote))
}

// Open returns the store of dir: the folder itself, or, with a remote, a
// working copy in dir of the remote's branch ("" means DefaultBranch).
func Open(dir, remote, branch string) Store {
	if remote == "" {
		return Folder(dir)
	}
	return &Git{Remote: remote, Branch: branch, Dir: dir}
}
