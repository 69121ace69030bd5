// Package compare turns baseline and current samples into verdicts with benchstat statistics (golang.org/x/perf/benchmath). It does no I/O.
package compare
