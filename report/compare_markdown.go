package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/yologate/yologate/compare"
)

// WriteCompareMarkdown writes the comparison as GitHub-flavoured markdown:
// the overall verdict, one table per hardware profile, then the notes.
func WriteCompareMarkdown(w io.Writer, r *compare.Report) error {
	l := layoutCompare(r)
	var b strings.Builder
	fmt.Fprintf(&b, "**%s**\n\n", cmpMD(compareSummary(r)))
	for _, p := range l.profiles {
		fmt.Fprintf(&b, "#### %s\n\n", cmpMD(p))
		b.WriteString("| case | metric | old | new | Δ | p | n | verdict |\n")
		b.WriteString("|---|---|--:|--:|--:|--:|--:|---|\n")
		for _, row := range l.rows[p] {
			id := ""
			if row.caseID != "" {
				id = "`" + strings.NewReplacer("`", "'", "|", "\\|", "\n", " ").Replace(row.caseID) + "`"
			}
			v := cmpMD(row.verdict)
			if strings.HasPrefix(row.verdict, string(compare.Regression)) || strings.HasPrefix(row.verdict, string(compare.AccuracyRegression)) {
				v = "**" + v + "**"
			}
			v += cmpNoteRefs(row.notes, "[^%d]")
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", id, row.metric, row.old, row.new, row.delta, cmpMD(row.p), row.n, v)
		}
		b.WriteString("\n")
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "> %s\n\n", cmpMD(n))
	}
	fmt.Fprintf(&b, "<sub>%s</sub>\n", cmpMD(compareSettings(r)))
	if len(l.notes) > 0 {
		b.WriteString("\n")
		for _, n := range l.notes {
			fmt.Fprintf(&b, "[^%d]: %s\n", n.n, cmpMD(n.text))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// cmpMDReplacer keeps user text from breaking a table or turning into markup.
var cmpMDReplacer = strings.NewReplacer("|", "\\|", "<", "&lt;", ">", "&gt;", "*", "\\*", "_", "\\_", "\n", " ", "\r", " ", "`", "\\`", "[", "\\[", "]", "\\]")

func cmpMD(s string) string { return cmpMDReplacer.Replace(s) }
