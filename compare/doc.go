// Package compare turns baseline and current samples into verdicts with
// benchstat's statistics (golang.org/x/perf/benchmath). It does no I/O.
//
// For each case and gated metric (FPS, higher is better; latency p50 and
// p99, lower is better) the samples are the per-repeat values. Each side is
// summarized by its median with a confidence interval, and the sides are
// tested with the Mann-Whitney U test (benchmath.AssumeNothing). The
// p-values of all tests of one comparison are Holm-corrected, so that the
// chance of any false alarm in the whole comparison stays at or below
// alpha. A metric is a regression (or improvement) only when its change is
// significant AND its median moved by more than the threshold; a large
// move that is not significant is inconclusive, with the number of repeats
// that would likely settle it. See docs/statistics.md.
package compare
