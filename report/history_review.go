package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/yologate/yologate/compare"
	"github.com/yologate/yologate/history"
	"github.com/yologate/yologate/runner/results"
)

// WriteHistoryReview writes each series of a history review as a table
// row with its change points, then a line for each problem a check found;
// reference is the drift budget's reference commit.
func WriteHistoryReview(w io.Writer, series []history.SeriesReview, m compare.Metric, reference string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "profile\tcase\truns\tlatest %s\tchange points\n", m.Label())
	var notes []string
	for _, s := range series {
		k := s.Key
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.4g\t%s\n", k.Profile, k.Case, s.Runs, s.Latest, changeList(s.Changes))
		if s.Worse {
			last := s.Changes[len(s.Changes)-1]
			notes = append(notes, fmt.Sprintf("%s on %s: the newest change point, at %s, made %s worse by %+.1f%%", k.Case, k.Profile, commitText(last.Commit), m.Label(), last.DeltaPct))
		}
		if s.NoReference {
			notes = append(notes, fmt.Sprintf("%s on %s: no level of %s in the history, no drift budget", k.Case, k.Profile, reference))
		}
		if b := s.Drift; b != nil && b.Spent {
			notes = append(notes, fmt.Sprintf("%s on %s: drifted %.1f%% since %s, past the %g%% budget; steps: %s", k.Case, k.Profile, b.DriftPct, commitText(reference), b.BudgetPct, changeList(b.Culprits)))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(notes) > 0 {
		fmt.Fprintln(w)
	}
	for _, n := range notes {
		fmt.Fprintln(w, n)
	}
	return nil
}

// changeList formats change points as "abc1234 -6.1%, ...", "-" for none.
func changeList(changes []history.Change) string {
	if len(changes) == 0 {
		return "-"
	}
	parts := make([]string, len(changes))
	for i, ch := range changes {
		parts[i] = fmt.Sprintf("%s %+.1f%%", commitText(ch.Commit), ch.DeltaPct)
	}
	return strings.Join(parts, ", ")
}

// commitText is a commit as people read it (results.ShortSHA), or "-"
// when unknown.
func commitText(sha string) string {
	if sha == "" {
		return "-"
	}
	return results.ShortSHA(sha)
}
