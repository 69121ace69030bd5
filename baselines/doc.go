// Package baselines reads and writes the YAML baseline files that the gate
// compares against: per hardware profile (results.Fingerprint.Profile) and
// case id, the raw per-repeat samples of each gated metric, an optional
// threshold, the environment of the measurement, its provenance and,
// optionally, reference detections.
//
// Parse reports every problem of a file at once, each as file:line:col
// with a fix. Update rewrites only the cases it records and keeps every
// other byte of the file (comments, order, formatting), so that a baseline
// change reads as a small diff in review; it works under a lock file and
// replaces the file atomically. (*File).Measurements converts a file to
// the comparison's types (package compare, which does not import this
// one). The format is described in docs/statistics.md.
package baselines
