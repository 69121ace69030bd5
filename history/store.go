package history

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/yologate/yologate/internal/atomicfile"
	"github.com/yologate/yologate/internal/errs"
)

// Ext is the file name extension of history files.
const Ext = ".hist"

// maxFileSize bounds one history file that Read accepts: a compacted month
// of 10,000 runs of 20 cases is about 20 MB.
const maxFileSize = 256 << 20

// History is what a store holds.
type History struct {
	// Runs are the runs read, oldest first (by date, then ID).
	Runs []*Run
	// Warnings name each file or line that was left out, as
	// "file:line: message"; a verdict that used this history should say
	// that some of it was left out.
	Warnings []error

	// byKey indexes the records of Runs by series (Key), so that a series
	// is found without computing every record's key again; built on first
	// use and again when Runs has grown.
	byKey   map[Key][]recordRef
	indexed int
	// recent memoizes Recent.
	recent map[recentKey]recentSeries
}

// recordRef is one record of a run.
type recordRef struct {
	run *Run
	rec *Record
}

// RunPath is the path of run r's file inside a store folder.
func RunPath(dir string, r *Run) string {
	return filepath.Join(dir, "runs", r.Date.UTC().Format("2006-01"), r.ID+Ext)
}

// MonthPath is the path of a compacted month inside a store folder.
func MonthPath(dir string, month time.Time) string {
	return filepath.Join(dir, "months", month.UTC().Format("2006-01")+Ext)
}

// Save writes run r into the store folder dir as one new file, atomically
// (a temporary file, synced, renamed), and returns its path. Recording the
// same run twice writes the same file.
func Save(dir string, r *Run) (string, error) {
	path := RunPath(dir, r)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", &errs.Error{Kind: errs.Env, Where: dir, Msg: "creating the history folder: " + err.Error()}
	}
	return path, atomicfile.Write(path, encode([]*Run{r}, false), 0o644)
}

// Read reads every run of the store folder dir. A missing folder is an
// empty history. Only an I/O failure is an error; a file that cannot be
// used is a warning.
func Read(dir string) (*History, error) {
	h := &History{}
	var paths []string
	for _, sub := range []string{"months", "runs"} {
		root := filepath.Join(dir, sub)
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) && path == root {
					return filepath.SkipDir
				}
				return err
			}
			if strings.HasPrefix(d.Name(), ".") {
				// Temporary files of an interrupted write, never final.
				if d.IsDir() && path != root {
					return filepath.SkipDir
				}
				return nil
			}
			if !d.IsDir() {
				paths = append(paths, path)
			}
			return nil
		})
		if err != nil {
			return nil, &errs.Error{Kind: errs.Env, Where: dir, Msg: "reading history: " + err.Error()}
		}
	}
	// Files are parsed in parallel; their results are merged in path order.
	type parsed struct {
		runs  []*Run
		warns []error
		err   error
	}
	out := make([]parsed, len(paths))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, path := range paths {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			out[i].runs, out[i].warns, out[i].err = readFile(dir, path)
		}()
	}
	wg.Wait()
	seen := map[string]*Run{}
	for _, o := range out {
		if o.err != nil {
			return nil, o.err
		}
		h.Warnings = append(h.Warnings, o.warns...)
		for _, r := range o.runs {
			// A run both in a month and in its own file (a compaction that
			// stopped half-way) is the same run: the file with the samples
			// wins, as months are read first.
			seen[r.ID] = r
		}
	}
	for _, r := range seen {
		h.Runs = append(h.Runs, r)
	}
	sort.Slice(h.Runs, func(i, j int) bool {
		a, b := h.Runs[i], h.Runs[j]
		if !a.Date.Equal(b.Date) {
			return a.Date.Before(b.Date)
		}
		return a.ID < b.ID
	})
	return h, nil
}

// readFile parses one file of the store folder dir; warnings name it
// relative to dir's parent.
func readFile(dir, path string) ([]*Run, []error, error) {
	rel, _ := filepath.Rel(dir, path)
	rel = filepath.Join(filepath.Base(dir), rel)
	if !strings.HasSuffix(path, Ext) {
		return nil, []error{&errs.Error{Kind: errs.Input, Where: rel, Msg: "not a history file (want the " + Ext + " extension): left out"}}, nil
	}
	info, err := os.Stat(path)
	if err != nil {
		return nil, nil, &errs.Error{Kind: errs.Env, Where: path, Msg: err.Error()}
	}
	if info.Size() > maxFileSize {
		return nil, []error{&errs.Error{Kind: errs.Input, Where: rel, Msg: fmt.Sprintf("%d bytes, more than the %d a history file may hold: left out", info.Size(), maxFileSize)}}, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, &errs.Error{Kind: errs.Env, Where: path, Msg: err.Error()}
	}
	runs, warns := Parse(rel, data)
	return runs, warns, nil
}

// Compact moves every run of the months that ended before before from its
// own file into the month's file of per-run summaries, and returns how many
// runs it moved. The month file is written (atomically) before the run
// files are removed, so an interruption leaves at worst a run in both
// places, which Read counts once.
func Compact(dir string, before time.Time) (int, error) {
	monthsDir := filepath.Join(dir, "runs")
	entries, err := os.ReadDir(monthsDir)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, &errs.Error{Kind: errs.Env, Where: monthsDir, Msg: "reading history: " + err.Error()}
	}
	moved := 0
	for _, e := range entries {
		month, err := time.Parse("2006-01", e.Name())
		if !e.IsDir() || err != nil || month.AddDate(0, 1, 0).After(before) {
			continue
		}
		n, err := compactMonth(dir, month)
		if err != nil {
			return moved, err
		}
		moved += n
	}
	return moved, nil
}

// compactMonth folds one month's run files into its month file.
func compactMonth(dir string, month time.Time) (int, error) {
	runDir := filepath.Join(dir, "runs", month.Format("2006-01"))
	monthFile := MonthPath(dir, month)
	byID := map[string]*Run{}
	if data, err := os.ReadFile(monthFile); err == nil {
		runs, warns := Parse(monthFile, data)
		if len(warns) > 0 {
			return 0, &errs.Error{Kind: errs.Input, Where: monthFile, Msg: "cannot compact into a damaged month file: " + warns[0].Error(),
				Fix: "restore it from version control, or move it aside"}
		}
		for _, r := range runs {
			byID[r.ID] = r
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return 0, &errs.Error{Kind: errs.Env, Where: monthFile, Msg: err.Error()}
	}
	entries, err := os.ReadDir(runDir)
	if err != nil {
		return 0, &errs.Error{Kind: errs.Env, Where: runDir, Msg: err.Error()}
	}
	var files []string
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), Ext) || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		path := filepath.Join(runDir, e.Name())
		data, err := os.ReadFile(path)
		if err != nil {
			return 0, &errs.Error{Kind: errs.Env, Where: path, Msg: err.Error()}
		}
		runs, warns := Parse(path, data)
		if len(warns) > 0 {
			continue // left where it is, and reported by Read
		}
		for _, r := range runs {
			byID[r.ID] = r
		}
		files = append(files, path)
	}
	if len(files) == 0 {
		return 0, nil
	}
	all := make([]*Run, 0, len(byID))
	for _, r := range byID {
		all = append(all, r)
	}
	sort.Slice(all, func(i, j int) bool {
		if !all[i].Date.Equal(all[j].Date) {
			return all[i].Date.Before(all[j].Date)
		}
		return all[i].ID < all[j].ID
	})
	if err := os.MkdirAll(filepath.Dir(monthFile), 0o755); err != nil {
		return 0, &errs.Error{Kind: errs.Env, Where: monthFile, Msg: err.Error()}
	}
	if err := atomicfile.Write(monthFile, encode(all, true), 0o644); err != nil {
		return 0, err
	}
	for _, f := range files {
		if err := os.Remove(f); err != nil {
			return 0, &errs.Error{Kind: errs.Env, Where: f, Msg: err.Error()}
		}
	}
	os.Remove(runDir) // only when empty
	return len(files), nil
}
