package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/yologate/yologate/baselines"
	"github.com/yologate/yologate/compare"
	"github.com/yologate/yologate/runner/results"
)

// WriteBaselineTable prints a baseline file as one table per hardware
// profile: per case the repeat count, the median ± confidence interval of
// each metric, the threshold override, the model and the provenance.
func WriteBaselineTable(w io.Writer, f *baselines.File) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s)\n", f.Path, f.Schema)
	if len(f.Profiles) == 0 {
		b.WriteString("no profiles yet: record one with \"yologate baseline update\"\n")
	}
	for _, p := range f.Profiles {
		fmt.Fprintf(&b, "\nprofile %s\n", p.Name)
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "case\tn\tfps\tp50 ms\tp99 ms\tthreshold\tmodel\tcommit\tdate\treason")
		for _, c := range p.Cases {
			th := "-"
			if c.ThresholdPct != nil {
				th = fmt.Sprintf("%g%%", *c.ThresholdPct)
			}
			model := c.Model.Name
			if c.Model.SHA256 != "" {
				model += " " + results.ShortSHA(c.Model.SHA256)
			}
			date := "-"
			if !c.Provenance.Date.IsZero() {
				date = c.Provenance.Date.Format("2006-01-02")
			}
			reason := c.Provenance.Reason
			if c.Provenance.Forced {
				reason = strings.TrimSpace("(forced: " + strings.Join(c.Marks, ", ") + ") " + reason)
			}
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.ID, len(c.Samples.FPS),
				cmpBaselineCell(c.Samples.FPS), cmpBaselineCell(c.Samples.P50MS), cmpBaselineCell(c.Samples.P99MS),
				th, cmpDash(model), cmpDash(results.ShortSHA(c.Provenance.Commit)), date, cmpDash(cmpOneLine(reason)))
		}
		tw.Flush()
	}
	lines := strings.Split(b.String(), "\n")
	for i := range lines {
		lines[i] = strings.TrimRight(lines[i], " ")
	}
	_, err := io.WriteString(w, strings.Join(lines, "\n"))
	return err
}

func cmpBaselineCell(v []float64) string {
	if len(v) == 0 {
		return "-"
	}
	return cmpCenterCI(compare.Summarize(v, 0))
}

func cmpDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}

func cmpOneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
