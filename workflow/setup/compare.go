package setup

import (
	"fmt"

	"github.com/yologate/yologate/changepoint"
	"github.com/yologate/yologate/compare"
	"github.com/yologate/yologate/history"
	"github.com/yologate/yologate/internal/errs"
)

// Comparison names what compare compares: a baseline with results, two
// results files (Files: old, new), or results with main's recent runs in
// History.
type Comparison struct {
	Baseline, Results, History string
	Files                      []string
}

// Compare reads both sides and compares them under opt; with History,
// verdicts use main's run-to-run spread (history files it cannot read are
// left out with a warning).
func (c Comparison) Compare(env Env, opt compare.Options) (*compare.Report, error) {
	if len(c.Files) == 2 && !env.onCommandLine("baseline") && !env.onCommandLine("results") {
		// Two files named on the command line: .yologate.yml's baseline
		// is for the other form.
		c.Baseline, c.Results = "", ""
	}
	old, cur, err := c.sides(env)
	if err != nil {
		return nil, err
	}
	if c.History == "" {
		return compare.Compare(old, cur, opt), nil
	}
	h, err := history.Read(c.History)
	if err != nil {
		return nil, err
	}
	for _, w := range h.Warnings {
		fmt.Fprintf(env.stderr(), "warning: %v (left out of the history)\n", w)
	}
	if old == nil {
		old = h.Latest(cur)
	}
	rep := compare.CompareHistory(old, cur, h.ForCompare(cur, changepoint.Options{}), opt)
	if n := h.LeftOutNote(); n != "" {
		rep.Notes = append(rep.Notes, n)
	}
	return rep, nil
}

// sides reads the measurements of both sides; old is nil when main's
// history is the old side.
func (c Comparison) sides(env Env) (old, cur []compare.Measurement, err error) {
	switch {
	case len(c.Files) == 2 && c.Baseline == "" && c.Results == "":
		a, err := ReadResults(c.Files[0])
		if err != nil {
			return nil, nil, err
		}
		b, err := ReadResults(c.Files[1])
		if err != nil {
			return nil, nil, err
		}
		return compare.FromResults(a), compare.FromResults(b), nil
	case len(c.Files) == 0 && c.Results != "" && (c.Baseline != "" || c.History != ""):
		if c.Baseline != "" {
			b, err := env.ReadBaseline(c.Baseline)
			if err != nil {
				return nil, nil, err
			}
			old = b.Measurements()
		}
		r, err := ReadResults(c.Results)
		if err != nil {
			return nil, nil, err
		}
		return old, compare.FromResults(r), nil
	case len(c.Files) == 0 && (c.Baseline == "") != (c.Results == ""):
		missing := "--results"
		if c.Baseline == "" {
			missing = "--baseline"
		}
		return nil, nil, errs.Usagef(missing, "pass both --baseline FILE and --results FILE, or two results files", "missing")
	}
	return nil, nil, errs.Usagef("compare", "pass --baseline FILE --results FILE, or OLD.json NEW.json", "expected a baseline and results, or two results files, got %d file argument(s)", len(c.Files))
}
