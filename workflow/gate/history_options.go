package gate

import (
	"context"
	"io"
	"strings"

	"github.com/yologate/yologate/baselines"
	"github.com/yologate/yologate/history"
	"github.com/yologate/yologate/internal/errs"
)

// Record policies: when the gate records its run in main's history.
const (
	// RecordAuto records a run of main: a push to the default branch, a
	// manual or a scheduled run of it (see HistoryOptions.MainRun).
	RecordAuto = "auto"
	// RecordAlways records every run, as on a machine outside CI that
	// measures main.
	RecordAlways = "always"
	// RecordNever records nothing: the history is only read.
	RecordNever = "never"
)

// RecordPolicies lists the --record values.
var RecordPolicies = []string{RecordAuto, RecordAlways, RecordNever}

// HistoryOptions are a gate's history settings as the command line and
// .yologate.yml give them.
type HistoryOptions struct {
	// Dir is the history folder; "" means no history (every other setting
	// must then be empty). With Remote, Dir is a working copy of Branch.
	Dir, Remote, Branch string
	// Record is a record policy; "" means RecordAuto.
	Record string
	// MainRun says whether the run measures main (a push to the default
	// branch, a manual or a scheduled run of it), and Why, for RecordAuto.
	MainRun bool
	Why     string
	// Meta says where a recorded run came from; a commit left empty is
	// the checkout's HEAD (outside CI).
	Meta history.Meta
	// DriftBudget is a percentage ("10%"), "" for none; DriftReference
	// pins its reference (history.ResolveReference), read in the checkout
	// RepoDir ("" is the working directory) against Baseline.
	DriftBudget, DriftReference string
	RepoDir                     string
	Baseline                    *baselines.File
	// Log receives what the gate does with the history.
	Log io.Writer
}

// NewHistory checks o and returns the gate's History; nil when o names no
// history folder.
func NewHistory(ctx context.Context, o HistoryOptions) (*History, error) {
	if o.Dir == "" {
		for flag, v := range map[string]string{"--history-remote": o.Remote, "--drift-budget": o.DriftBudget, "--drift-reference": o.DriftReference} {
			if v != "" {
				return nil, errs.Usagef(flag, "pass --history DIR (or history: in .yologate.yml) as well", "main's history is off")
			}
		}
		if o.Record == RecordAlways {
			return nil, errs.Usagef("--record", "pass --history DIR to record into", "main's history is off")
		}
		return nil, nil
	}
	h := &History{Store: history.Open(o.Dir, o.Remote, o.Branch), Meta: o.Meta, Log: o.Log}
	switch o.Record {
	case RecordAuto, "":
		h.Record = o.MainRun
		verb := "reading"
		if h.Record {
			verb = "recording this run too"
		}
		h.logf("yologate: main's history: %s (%s)", verb, o.Why)
	case RecordAlways:
		h.Record = true
	case RecordNever:
	default:
		return nil, errs.Usagef("--record", "use "+strings.Join(RecordPolicies, ", "), "unknown record policy %q", o.Record)
	}
	if h.Record && h.Meta.Commit == "" {
		// Outside CI the checkout names the commit measured.
		if ref, err := history.ResolveReference(ctx, "HEAD", o.RepoDir, nil); err == nil {
			h.Meta.Commit = ref.Commit
		}
	}
	if (o.DriftBudget == "") != (o.DriftReference == "") {
		return nil, errs.Usagef("--drift-budget", "pass both --drift-budget 10% and --drift-reference (a commit, a tag or baseline)", "a drift budget needs both")
	}
	if o.DriftBudget != "" {
		pct, err := baselines.ParsePercent(o.DriftBudget)
		if err != nil || pct <= 0 {
			return nil, errs.Usagef("--drift-budget", "write a percentage above 0 such as 10%", "%q is not a drift budget", o.DriftBudget)
		}
		h.DriftBudget = pct / 100
		if h.DriftReference, err = history.ResolveReference(ctx, o.DriftReference, o.RepoDir, o.Baseline); err != nil {
			return nil, err
		}
	}
	return h, nil
}
