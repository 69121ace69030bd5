// Package report renders for people what yologate measured and decided:
// comparisons as text, markdown, JSON and benchstat lines; run tables with
// their workload, accuracy, capacity and sweep sections; the baseline
// table; the model summary of models inspect; the pull-request comment,
// the matrix summary of merge and the self-contained HTML report; and the
// Outcome that the publishers (local files, or report/github) send out.
package report
