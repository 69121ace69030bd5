package report

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/yologate/yologate/compare"
	"github.com/yologate/yologate/runner/results"
)

// PairedInfo says that a gate measured the pull request's base in the same
// job (yologate gate --base-model) and how.
type PairedInfo struct {
	// BaseSHA is the base commit; "" when unknown.
	BaseSHA string
	// Pairs is the number of pairs measured per case id.
	Pairs map[string]int
	// MaxCount is the most pairs a case could grow to.
	MaxCount int
	// Elapsed is the time the measurement took.
	Elapsed time.Duration
	// BudgetStop says that the budget stopped an inconclusive case from
	// growing.
	BudgetStop bool
	// Reference compares the head with the stored baseline; nil when the
	// gate had none. It is shown, never deciding the verdict.
	Reference *compare.Report
	// BaseRuntime and HeadRuntime are the ONNX Runtime versions of the two
	// sides when the base ran in a child process with its own library;
	// "" when both sides shared the process.
	BaseRuntime, HeadRuntime string
}

// pairedLine is the comment's sentence on how the base was measured:
// "Paired against base `abc1234`, measured in this job: 10 pairs per case
// (up to 30), 1m20s."
func (p *PairedInfo) pairedLine() string {
	base := "the base"
	if p.BaseSHA != "" {
		base = "base `" + codeText(results.ShortSHA(p.BaseSHA), 40) + "`"
	}
	lo, hi := 0, 0
	for _, n := range p.Pairs {
		if lo == 0 || n < lo {
			lo = n
		}
		hi = max(hi, n)
	}
	pairs := fmt.Sprintf("%d pairs per case", hi)
	if lo != hi {
		pairs = fmt.Sprintf("%d to %d pairs per case", lo, hi)
	}
	s := fmt.Sprintf("Paired against %s, measured in this job: %s (up to %d while inconclusive), %s.",
		base, pairs, p.MaxCount, p.Elapsed.Round(time.Second))
	if p.BaseRuntime != "" {
		s += fmt.Sprintf(" The base ran ONNX Runtime `%s` in a child process, the head `%s`.", codeText(p.BaseRuntime, 40), codeText(p.HeadRuntime, 40))
	}
	if p.BudgetStop {
		s += " The --budget stopped an inconclusive case from growing further."
	}
	return s
}

// writeReference lists the head against the stored baseline, marked as
// the reference that did not decide the verdict.
func writeReference(b *strings.Builder, ref *compare.Report) {
	if ref == nil || len(ref.Cases) == 0 {
		return
	}
	cases := append([]compare.CaseResult(nil), ref.Cases...)
	sort.SliceStable(cases, func(i, j int) bool { return cases[i].ID < cases[j].ID })
	b.WriteString("\n<details><summary>Stored baseline (the reference; the paired test decided the verdict)</summary>\n\n")
	b.WriteString("| case | stored baseline FPS | this run FPS | Δ | it alone would say |\n|---|--:|--:|--:|---|\n")
	for _, c := range cases {
		m := fpsMetric(&c)
		if m == nil {
			fmt.Fprintf(b, "| `%s` | – | – | – | %s |\n", codeText(c.ID, 120), c.Verdict)
			continue
		}
		fmt.Fprintf(b, "| `%s` | %s | %s | %s | %s |\n", codeText(c.ID, 120), num(m.Old.Median), num(m.New.Median), signedPct(m.DeltaPct), c.Verdict)
	}
	b.WriteString("\n</details>\n")
}
