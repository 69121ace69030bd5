// Package history keeps the record of what the main branch measured: one
// compact record per run and case (commit, date, ref, run URL, hardware
// profile, environment, model sha256, the per-repeat samples of the gated
// metrics, marks and the GPU state medians), stored as plain text files.
//
// A store is a folder: runs/YYYY-MM/ID.hist holds one run (one file per
// run, so that parallel matrix jobs never write the same file), and
// months/YYYY-MM.hist holds the runs of a compacted month as per-run
// summaries (the median and count of each metric instead of every repeat).
// Git keeps the same layout on a branch of its own (see Git). Files are
// written atomically; a reader reports a corrupt, truncated or foreign file
// as a "file:line: message" warning and leaves it out.
//
// Over the runs, history finds change points (package changepoint) and
// says whether a case drifted beyond a budget since a pinned reference. The
// file format is described in docs/history.md.
package history
