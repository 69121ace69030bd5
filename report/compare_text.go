package report

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"github.com/yologate/yologate/compare"
	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/runner/results"
)

// CompareFormats lists the formats WriteCompare renders.
var CompareFormats = []string{"text", "markdown", "json"}

// WriteCompare renders a comparison in format: "text", "markdown" or "json".
func WriteCompare(w io.Writer, r *compare.Report, format string) error {
	switch format {
	case "text", "":
		return WriteCompareText(w, r)
	case "markdown", "md":
		return WriteCompareMarkdown(w, r)
	case "json":
		return WriteCompareJSON(w, r)
	}
	return errs.Usagef("--format", "use one of "+strings.Join(CompareFormats, ", "), "unknown format %q", format)
}

// WriteCompareJSON writes the report as indented JSON: every number the
// other formats show, the raw samples, and the reasons.
func WriteCompareJSON(w io.Writer, r *compare.Report) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// compareRow is one table row: a metric of a case, or a case without
// metrics (new, missing).
type compareRow struct {
	caseID, metric, old, new, delta, p, n, verdict string
	// notes are the footnote numbers the row refers to.
	notes []int
}

// compareNote is a numbered footnote of the table.
type compareNote struct {
	n    int
	text string
}

// compareLayout turns a report into rows per profile and footnotes, shared
// by the text and markdown renderers so that both say the same thing.
type compareLayout struct {
	profiles []string
	rows     map[string][]compareRow
	notes    []compareNote
}

func layoutCompare(r *compare.Report) compareLayout {
	l := compareLayout{rows: map[string][]compareRow{}}
	addNote := func(text string) int {
		n := len(l.notes) + 1
		l.notes = append(l.notes, compareNote{n, text})
		return n
	}
	// Footnotes are numbered in display order: profile by profile.
	seen := map[string]bool{}
	for _, c := range r.Cases {
		if !seen[c.Profile] {
			seen[c.Profile] = true
			l.profiles = append(l.profiles, c.Profile)
		}
	}
	var cases []compare.CaseResult
	for _, p := range l.profiles {
		for _, c := range r.Cases {
			if c.Profile == p {
				cases = append(cases, c)
			}
		}
	}
	for _, c := range cases {
		var caseNotes []int
		if c.ModelChanged != nil {
			caseNotes = append(caseNotes, addNote(fmt.Sprintf("%s: model changed (sha256 %s → %s); compared as usual",
				c.ID, results.ShortSHA(c.ModelChanged.OldSHA256), results.ShortSHA(c.ModelChanged.NewSHA256))))
		}
		if c.Reason != "" && (len(c.Metrics) == 0 || c.Verdict == compare.Inconclusive && len(c.EnvDiff)+len(c.Marks) > 0) {
			caseNotes = append(caseNotes, addNote(c.ID+": "+caseReason(c)))
		}
		if th := caseThreshold(c, r.Options); th != "" {
			caseNotes = append(caseNotes, addNote(c.ID+": "+th))
		}
		if c.Accuracy != nil && c.Accuracy.Reason != "" {
			caseNotes = append(caseNotes, addNote(c.ID+": accuracy: "+accuracyReason(c.Accuracy)))
		}
		if len(c.GPUChanges) > 0 && c.Verdict != compare.Unchanged {
			caseNotes = append(caseNotes, addNote(c.ID+": on the GPU: "+strings.Join(c.GPUChanges, "; ")))
		}
		if c.HistoryNote != "" {
			caseNotes = append(caseNotes, addNote(c.ID+": "+c.HistoryNote))
		}
		if c.Drift != nil {
			caseNotes = append(caseNotes, addNote(c.ID+": "+c.Drift.Reason()))
		}
		if len(c.Metrics) == 0 {
			l.rows[c.Profile] = append(l.rows[c.Profile], compareRow{caseID: c.ID, verdict: c.Verdict.Symbol(), notes: caseNotes})
			continue
		}
		for i, m := range c.Metrics {
			row := compareRow{
				metric: m.Metric.Label(),
				old:    cmpCenterCI(m.Old),
				new:    cmpCenterCI(m.New),
				delta:  fmt.Sprintf("%+.2f%%", m.DeltaPct),
				p:      cmpP(m.PHolm),
				n:      fmt.Sprintf("%d+%d", m.Old.N, m.New.N),
			}
			v := m.Verdict.Symbol()
			var rowNotes []int
			if i == 0 {
				row.caseID = c.ID
				rowNotes = append(rowNotes, caseNotes...)
			}
			if m.Reason != "" && len(c.EnvDiff)+len(c.Marks) == 0 {
				rowNotes = append(rowNotes, addNote(c.ID+": "+m.Metric.Label()+": "+metricReason(m)))
			}
			if m.Verdict != m.Measured && m.Measured != "" {
				v += " (" + m.Measured.Symbol() + " as measured)"
			}
			if i == 0 && c.Drift != nil && c.Drift.Spent && m.Verdict != compare.Regression {
				v += " (drift budget spent: regression)"
			}
			row.verdict, row.notes = v, rowNotes
			l.rows[c.Profile] = append(l.rows[c.Profile], row)
		}
		if c.Accuracy != nil {
			l.rows[c.Profile] = append(l.rows[c.Profile], accuracyRow(c.Accuracy))
		}
	}
	return l
}

// cmpNoteRefs formats footnote references with format ("[%d]").
func cmpNoteRefs(notes []int, format string) string {
	var s strings.Builder
	for _, n := range notes {
		s.WriteString(" " + fmt.Sprintf(format, n))
	}
	return s.String()
}

// cmpCenterCI formats a median and its confidence interval as benchstat does:
// the larger distance to a bound, as a percentage of the median.
func cmpCenterCI(s compare.Summary) string {
	return cmpValue(s.Median) + " ± " + cmpCIPct(s)
}

func cmpCIPct(s compare.Summary) string {
	if math.IsInf(s.Lo, 0) || math.IsInf(s.Hi, 0) || math.IsNaN(s.Lo) || math.IsNaN(s.Hi) {
		return "∞"
	}
	if s.Median == 0 {
		return "?"
	}
	d := math.Max(s.Hi-s.Median, s.Median-s.Lo) / math.Abs(s.Median) * 100
	switch {
	case d < 1:
		return fmt.Sprintf("%.1f%%", d)
	default:
		return fmt.Sprintf("%.0f%%", d)
	}
}

// cmpValue prints four significant digits without an exponent.
func cmpValue(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 1000:
		return fmt.Sprintf("%.0f", v)
	case a >= 100:
		return fmt.Sprintf("%.1f", v)
	case a >= 10:
		return fmt.Sprintf("%.2f", v)
	default:
		return fmt.Sprintf("%.3f", v)
	}
}

func cmpP(p float64) string {
	if p < 0.001 {
		return "<0.001"
	}
	return fmt.Sprintf("%.3f", p)
}

// compareSummary is the one-line overall verdict with its counts.
func compareSummary(r *compare.Report) string {
	counts := map[compare.Verdict]int{}
	for _, c := range r.Cases {
		counts[c.Verdict]++
	}
	order := []compare.Verdict{compare.AccuracyRegression, compare.Regression, compare.Inconclusive, compare.Missing, compare.New, compare.Improvement, compare.Unchanged}
	var parts []string
	for _, v := range order {
		if counts[v] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[v], v))
		}
	}
	s := string(r.Verdict)
	if r.Fail {
		s += " (fails the gate)"
	}
	if len(parts) > 0 {
		s += ": " + strings.Join(parts, ", ") + fmt.Sprintf(" of %d cases", len(r.Cases))
	}
	if r.ChecksNothing() {
		s += "; no case has a baseline: this gate checks nothing"
	}
	return s
}

// compareSettings states how the verdicts were reached.
func compareSettings(r *compare.Report) string {
	o := r.Options
	s := fmt.Sprintf("medians with %g%% confidence intervals; Mann-Whitney U, alpha %g after Holm correction across %d tests; threshold %g%% (a case may override it)",
		o.Confidence*100, o.Alpha, r.Tests, o.Threshold*100)
	if o.Paired {
		s += "; paired: Δ and p come from the ratios of back-to-back repeats, which cancels the machine's drift"
	}
	if usedHistory(r) {
		s += "; with main's history: p places this run's median among main's run medians (Student's t prediction test), not its repeats"
	}
	return s
}

// usedHistory reports whether a metric was judged against main's run
// medians (compare.CompareHistory) instead of by the U test.
func usedHistory(r *compare.Report) bool {
	for _, c := range r.Cases {
		for _, m := range c.Metrics {
			if m.History != nil {
				return true
			}
		}
	}
	return false
}

// WriteCompareText writes the comparison as aligned text tables, one per
// hardware profile, then the footnotes and the overall verdict.
func WriteCompareText(w io.Writer, r *compare.Report) error {
	l := layoutCompare(r)
	var b strings.Builder
	for i, p := range l.profiles {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "profile %s\n", p)
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "case\tmetric\told\tnew\tΔ\tp\tn\tverdict")
		for _, row := range l.rows[p] {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", row.caseID, row.metric, row.old, row.new, row.delta, row.p, row.n, row.verdict+cmpNoteRefs(row.notes, "[%d]"))
		}
		tw.Flush()
	}
	if len(l.notes) > 0 {
		b.WriteString("\n")
		for _, n := range l.notes {
			fmt.Fprintf(&b, "[%d] %s\n", n.n, n.text)
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	fmt.Fprintf(&b, "\n%s\nverdict: %s\n", compareSettings(r), compareSummary(r))
	// Trailing spaces from the last tab column are noise in logs and goldens.
	lines := strings.Split(b.String(), "\n")
	for i := range lines {
		lines[i] = strings.TrimRight(lines[i], " ")
	}
	_, err := io.WriteString(w, strings.Join(lines, "\n"))
	return err
}
