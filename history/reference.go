package history

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/yologate/yologate/baselines"
	"github.com/yologate/yologate/changepoint"
	"github.com/yologate/yologate/compare"
	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/runner/results"
)

// BaselineReference is the drift reference that names the baseline file:
// each case's level is its baseline median.
const BaselineReference = "baseline"

// Reference is the pinned level a drift budget is measured from.
type Reference struct {
	// Label names the reference as it was given ("v1.4.0", "0123abc",
	// "baseline").
	Label string
	// Commit is the reference commit, in full or a prefix of at least 7
	// characters: the median of its runs is a series' level. "" with
	// Baseline.
	Commit string
	// Baseline, when set, gives the levels instead: a case's baseline
	// median, with the runs since the baseline's provenance date.
	Baseline *baselines.File
}

// String names the reference for people: "commit 0123abc", "v1.4.0
// (0123abc)" or "the baseline".
func (r Reference) String() string {
	switch {
	case r.Baseline != nil:
		return "the baseline"
	case r.Label == "" || strings.HasPrefix(r.Commit, r.Label):
		return "commit " + short(r.Commit)
	}
	return r.Label + " (" + short(r.Commit) + ")"
}

func short(c string) string { return results.ShortSHA(c) }

var hexCommit = regexp.MustCompile(`^[0-9a-f]{7,64}$`)

// ResolveReference turns a drift reference as a person writes it into a
// Reference: "baseline" (base must be set), a commit (7 to 64 hex
// digits), or a tag or other ref name that git resolves in the checkout
// repoDir ("" is the working directory).
func ResolveReference(ctx context.Context, spec, repoDir string, base *baselines.File) (Reference, error) {
	spec = strings.TrimSpace(spec)
	switch {
	case spec == BaselineReference:
		if base == nil {
			return Reference{}, errs.Usagef("--drift-reference", "pass --baseline FILE, or pin a commit or tag", "%q needs a baseline file", spec)
		}
		return Reference{Label: spec, Baseline: base}, nil
	case hexCommit.MatchString(spec):
		return Reference{Label: spec, Commit: spec}, nil
	case spec == "" || strings.HasPrefix(spec, "-"):
		return Reference{}, errs.Usagef("--drift-reference", "pin a commit, a tag or \"baseline\"", "%q is not a reference", spec)
	}
	if repoDir == "" {
		repoDir = "."
	}
	g := &Git{Dir: repoDir}
	out, err := g.git(ctx, "rev-parse", "--verify", "--quiet", "--end-of-options", spec+"^{commit}")
	if err != nil {
		if errs.KindOf(err) == errs.Env && strings.Contains(err.Error(), "running git") {
			return Reference{}, err
		}
		return Reference{}, errs.Inputf("--drift-reference", "fetch the tags (actions/checkout with fetch-depth: 0), or pin the commit itself",
			"%q is neither a commit nor a tag or branch of the checkout", spec)
	}
	return Reference{Label: spec, Commit: strings.TrimSpace(out)}, nil
}

// Level returns the points of a series (key k, metric m) from the
// reference on, and the reference's level; false when the reference has
// none for the series (its commit never ran the case comparably, or the
// baseline lacks the case).
func (r Reference) Level(k Key, points []Point, m compare.Metric) ([]Point, float64, bool) {
	if r.Baseline == nil {
		return ReferenceOf(points, r.Commit)
	}
	bc := r.Baseline.Lookup(k.Profile, k.Case)
	if bc == nil {
		return nil, 0, false
	}
	v := Values(&bc.Samples, m)
	if len(v) == 0 {
		return nil, 0, false
	}
	from := 0
	for from < len(points) && points[from].Run.Date.Before(bc.Provenance.Date) {
		from++
	}
	return points[from:], changepoint.Median(v), true
}

// Window is the most runs of a series that change points are looked for
// in: the newest 200 runs. E-divisive means costs the square of the
// series' length for each of its permutations; 200 runs of main are
// months of daily runs, and older change points are history's, not a
// verdict's.
const Window = 200

// Newest returns the last Window points.
func Newest(points []Point) []Point {
	if len(points) > Window {
		return points[len(points)-Window:]
	}
	return points
}

// DriftOf measures the drift of series points (key k, metric m) against
// ref, over the newest Window runs since it. current, when positive, is
// this run's median, which is then what is judged; main's level is in
// Main either way. false when ref has no level for the series.
func DriftOf(k Key, points []Point, m compare.Metric, ref Reference, current, budget float64, opt changepoint.Options) (Budget, bool, error) {
	since, level, ok := ref.Level(k, points, m)
	if !ok {
		return Budget{}, false, nil
	}
	b, err := Drift(Newest(since), m, level, budget, opt)
	if err != nil {
		return b, true, err
	}
	b.Main = b.Current
	if current > 0 {
		b.Current = current
		b.DriftPct = (level - current) / level * 100
		if !m.HigherIsBetter() {
			b.DriftPct = -b.DriftPct
		}
		b.Spent = b.DriftPct > b.BudgetPct
	}
	return b, true, nil
}

// LeftOutNote is the note a verdict carries when files or lines of the
// history were left out; "" when none was.
func (h *History) LeftOutNote() string {
	if len(h.Warnings) == 0 {
		return ""
	}
	s := fmt.Sprintf("%d damaged or foreign part(s) of main's history left out of the verdict: %v", len(h.Warnings), h.Warnings[0])
	if len(h.Warnings) > 1 {
		s += fmt.Sprintf(" (and %d more, listed in the log)", len(h.Warnings)-1)
	}
	return s
}
