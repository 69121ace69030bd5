// Package flagdef is the registry of yologate's shared flags: each is
// listed once with its concern, whether .yologate.yml may set it and the
// GitHub Action input that passes it. The command's flag sets, the config
// file's keys (internal/config), the flags refused beside --results and the
// README's table of inputs all follow this list, and tests fail when one of
// them names a flag the others lack.
package flagdef

import "slices"

// Concern groups flags by what they decide.
type Concern string

const (
	// Benchmark flags decide how a run measures (cases, protocol, provider,
	// the accuracy check after timing).
	Benchmark Concern = "benchmark"
	// Workload flags decide what one timed iteration does (end-to-end
	// mode, images, streams).
	Workload Concern = "workload"
	// Progress flags decide what a run prints while it measures.
	Progress Concern = "progress"
	// Statistics flags decide the verdicts.
	Statistics Concern = "statistics"
	// Gate flags are the gate's inputs and outputs: files, the comment, the
	// status.
	Gate Concern = "gate"
)

// Def is one flag.
type Def struct {
	Name    string
	Concern Concern
	// Config says that .yologate.yml may set the flag (under its name).
	Config bool
	// Input is the GitHub Action input that passes the flag; "" for none.
	Input string
}

// RunOnly reports whether the flag only applies to a run that measures,
// and so is refused beside --results.
func (d Def) RunOnly() bool { return d.Concern == Benchmark || d.Concern == Workload }

// Defs lists every shared flag, by concern.
var Defs = []Def{
	{"model", Benchmark, true, "model"},
	{"imgsz", Benchmark, true, "imgsz"},
	{"batch", Benchmark, true, "batch"},
	{"ep", Benchmark, true, "ep"},
	{"ep-options", Benchmark, true, "ep_options"},
	{"precision", Benchmark, true, "precision"},
	{"trt-cache", Benchmark, true, "trt_cache"},
	{"calibration-table", Benchmark, true, ""},
	{"include-copies", Benchmark, true, ""},
	{"device", Benchmark, true, "device"},
	{"warmup", Benchmark, true, "warmup"},
	{"benchtime", Benchmark, true, "benchtime"},
	{"count", Benchmark, true, "count"},
	{"threads", Benchmark, true, "threads"},
	{"seed", Benchmark, false, ""},
	{"ort-lib", Benchmark, false, "ort_lib"},
	{"check-images", Benchmark, true, "check_images"},
	{"labels", Benchmark, true, ""},
	{"check-conf", Benchmark, true, ""},
	{"check-iou", Benchmark, true, ""},

	{"mode", Workload, true, ""},
	{"input", Workload, true, ""},
	{"streams", Workload, true, ""},
	{"sessions", Workload, false, ""},
	{"conf", Workload, false, ""},
	{"iou", Workload, false, ""},

	{"quiet", Progress, false, ""},
	{"verbose", Progress, false, ""},

	{"threshold", Statistics, true, "threshold"},
	{"alpha", Statistics, true, "alpha"},
	{"fail-on-inconclusive", Statistics, true, "fail_on_inconclusive"},
	{"metrics", Statistics, false, ""},
	{"map-threshold", Statistics, true, ""},
	{"min-recall", Statistics, true, ""},
	{"min-precision", Statistics, true, ""},
	{"format", Statistics, true, ""},

	{"baseline", Gate, true, "baseline"},
	{"results", Gate, false, "results"},
	{"out", Gate, false, "out"},
	{"report", Gate, false, "report"},
	{"html", Gate, false, "html"},
	{"comment", Gate, true, "comment"},
	{"comment-file", Gate, false, ""},
	{"check-run", Gate, true, "check_run"},
	{"status", Gate, false, "status"},
	{"confirm", Gate, true, "confirm"},
	{"key", Gate, false, "key"},
	{"matrix", Gate, false, "matrix"},
	{"event", Gate, false, ""},
	{"pr-event", Gate, false, "pr_event"},
	{"base-model", Gate, true, ""},
	{"base-sha", Gate, false, ""},
	{"base-ort-lib", Gate, false, ""},
	{"max-count", Gate, true, "max_count"},
	{"budget", Gate, true, "budget"},
	{"fresh-sessions", Gate, true, ""},
	{"require-baseline", Gate, true, "require_baseline"},
	{"history", Gate, true, ""},
	{"history-remote", Gate, false, ""},
	{"history-branch", Gate, true, "history_branch"},
	{"record", Gate, false, "record"},
	{"drift-budget", Gate, true, "drift_budget"},
	{"drift-reference", Gate, true, "drift_reference"},
}

// configNames are the config keys that differ from their flag's name.
var configNames = map[string]string{"base-model": "base"}

// ConfigKey returns the key .yologate.yml sets the flag under: its name,
// or a shorter word where the file reads better with one ("base").
func (d Def) ConfigKey() string {
	if k, ok := configNames[d.Name]; ok {
		return k
	}
	return d.Name
}

// FlagOfKey returns the flag a config key sets.
func FlagOfKey(key string) string {
	for flagName, k := range configNames {
		if k == key {
			return flagName
		}
	}
	return key
}

// ActionInputs are the GitHub Action's inputs that pass no flag: the
// token, the image and its Docker settings, extra arguments, the base
// commit whose models the action extracts for --base-model and --base-sha,
// and history, which keeps main's history on a branch of the repository
// (--history, --history-remote).
var ActionInputs = []string{"github_token", "image", "gpus", "cache_volume", "args", "base_ref", "history"}

// Lookup returns the definition of the flag name.
func Lookup(name string) (Def, bool) {
	i := slices.IndexFunc(Defs, func(d Def) bool { return d.Name == name })
	if i < 0 {
		return Def{}, false
	}
	return Defs[i], true
}

// Names returns the flags of a concern, in the order of Defs.
func Names(c Concern) []string {
	var out []string
	for _, d := range Defs {
		if d.Concern == c {
			out = append(out, d.Name)
		}
	}
	return out
}

// ConfigKeys returns the settings .yologate.yml may hold at the top level,
// sorted.
func ConfigKeys() []string {
	var out []string
	for _, d := range Defs {
		if d.Config {
			out = append(out, d.ConfigKey())
		}
	}
	slices.Sort(out)
	return out
}
