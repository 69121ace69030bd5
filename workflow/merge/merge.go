// Package merge combines the gate reports or results files of several
// runners (a CI matrix) into one outcome: the hardware table, the worst
// verdict, and an error annotation per case below the target frame rate.
package merge

import (
	"fmt"
	"strings"

	"github.com/yologate/yologate/compare"
	"github.com/yologate/yologate/report"
)

// Read reads each file (report.ReadMergeInput) into one matrix with the
// target frame rate targetFPS (0: none).
func Read(files []string, targetFPS float64) (report.MatrixInput, error) {
	in := report.MatrixInput{TargetFPS: targetFPS}
	for _, f := range files {
		g, err := report.ReadMergeInput(f)
		if err != nil {
			return in, err
		}
		in.Gates = append(in.Gates, g)
	}
	return in, nil
}

// Outcome renders in under key: failed is set when a runner's verdict fails
// or a case is below the target.
func Outcome(in report.MatrixInput, key string) (o *report.Outcome, failed bool) {
	md := report.MatrixMarkdown(in)
	failed = report.MatrixFails(in)
	worst := compare.Unchanged
	for _, g := range in.Gates {
		worst = compare.Worst(worst, g.Verdict)
	}
	title, _, _ := strings.Cut(strings.TrimPrefix(md, "### "), "\n")
	o = &report.Outcome{Key: key, Verdict: string(worst), Title: title, Markdown: md, Changed: worst != compare.Unchanged || failed}
	if failed {
		o.State = report.StateFailure
		if worst == compare.Unchanged {
			o.Verdict = "below-target"
		}
	}
	for _, g := range in.Gates {
		for _, e := range g.Cases {
			if o.FPS == 0 {
				o.FPS = e.FPS
			}
			if in.TargetFPS > 0 && e.FPS < in.TargetFPS {
				o.Annotations = append(o.Annotations, report.Annotation{Level: report.LevelError, Title: "yologate below target",
					Message: fmt.Sprintf("%s on %s: %.1f FPS < target %g", e.CaseID, e.Profile, e.FPS, in.TargetFPS)})
			}
		}
	}
	return o, failed
}
