package report

import (
	"fmt"

	"github.com/yologate/yologate/compare"
)

// GateOutcome turns a gate's comparison into what the sinks publish;
// reportPath is where the gate report JSON went, if anywhere.
func GateOutcome(in CommentInput, reportPath string) *Outcome {
	r := in.Report
	o := &Outcome{Key: in.Key, Verdict: string(r.Verdict), Title: PlainHeadline(r), ReportPath: reportPath,
		Markdown: CommentMarkdown(in), Summary: MarkdownWithin(in, MaxSummaryChars)}
	switch {
	case r.Fail:
		o.State = StateFailure
	case r.Verdict == compare.Inconclusive || r.Verdict == compare.Missing:
		o.State = StateNeutral
	}
	for _, c := range r.Cases {
		if c.Verdict != compare.Unchanged {
			o.Changed = true
		}
		where := c.ID + " on " + c.Profile
		switch {
		case c.Verdict.Fails(r.Options):
			msg := where + ": " + string(c.Verdict)
			for _, m := range c.Metrics {
				if m.Verdict == c.Verdict {
					msg += fmt.Sprintf(", %s %+.1f%% (%s → %s, p=%.3g)", m.Metric.Label(), m.DeltaPct, num(m.Old.Median), num(m.New.Median), m.PHolm)
				}
			}
			if c.Reason != "" {
				msg += ": " + caseReason(c)
			}
			o.Annotations = append(o.Annotations, Annotation{Level: LevelError, Title: "yologate " + string(c.Verdict), Message: msg})
		case c.Verdict == compare.Inconclusive || c.Verdict == compare.Missing:
			o.Annotations = append(o.Annotations, Annotation{Level: LevelWarning, Title: "yologate " + string(c.Verdict), Message: where + ": " + caseReason(c)})
		}
	}
	if r.ChecksNothing() || len(r.Replaced) > 0 {
		// Said loudly: such a gate passes on cases it never compared.
		for _, n := range r.Notes {
			o.Annotations = append(o.Annotations, Annotation{Level: LevelWarning, Title: "yologate not compared", Message: n})
		}
	}
	if len(r.Cases) > 0 {
		for _, m := range r.Cases[0].Metrics {
			if m.Metric == compare.FPS {
				o.FPS = m.New.Median
			}
		}
	}
	if o.FPS == 0 && in.Current != nil {
		if e := EntriesFromResults(in.Current); len(e) > 0 {
			o.FPS = e[0].FPS
		}
	}
	return o
}

func num(v float64) string { return fmt.Sprintf("%.4g", v) }
