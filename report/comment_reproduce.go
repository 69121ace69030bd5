package report

import (
	"path"
	"slices"
	"strings"
)

// idKeys are the keys of a case id, in the order of its parts; each is
// also the name of the flag that selects it.
var idKeys = []string{"model", "imgsz", "batch", "ep", "precision", "device", "mode", "streams", "sessions"}

// ciFlags are the gate flags that a local rerun leaves out: the CI job's
// own files, and GitHub's side.
var ciFlags = map[string]bool{
	"results": true, "out": true, "report": true, "html": true, "comment": true, "comment-file": true,
	"key": true, "matrix": true, "event": true, "pr-event": true, "check-run": true, "status": true,
}

// ReproduceCommand is the command line that measures case id again as the
// gate with arguments args did (args as given after "gate"): the flags of
// the CI job's files and of GitHub are left out, and the flags that select
// cases are replaced by the ones that select this case. An empty id keeps
// every case. The gate takes no positional arguments, so an argument that
// is not a flag is the value of the flag before it.
func ReproduceCommand(args []string, id string) string {
	parts := map[string]string{}
	for _, p := range idParts(id) {
		if k, v, ok := strings.Cut(p, "="); ok && slices.Contains(idKeys, k) {
			parts[k] = v
		}
	}
	var models, kept []string
	for i := 0; i < len(args); {
		j := i + 1
		for j < len(args) && !strings.HasPrefix(args[j], "-") {
			j++
		}
		flag := args[i:j]
		i = j
		name, value, _ := strings.Cut(strings.TrimLeft(flag[0], "-"), "=")
		if len(flag) > 1 {
			value = flag[1]
		}
		_, replaced := parts[name]
		switch {
		case name == "model" && replaced:
			models = append(models, strings.Split(value, ",")...)
		case !replaced && !ciFlags[name]:
			kept = append(kept, flag...)
		}
	}
	var out []string
	for _, k := range idKeys {
		v, ok := parts[k]
		if !ok {
			continue
		}
		if k == "model" {
			v = modelArg(models, v)
		}
		out = append(out, "--"+k, v)
	}
	return shellCommand(append(append([]string{"yologate", "gate"}, out...), kept...))
}

// modelArg is the --model value of the gate that named model name: a file
// whose base name is the name, else the name itself.
func modelArg(values []string, name string) string {
	for _, v := range values {
		if v == name || strings.TrimSuffix(path.Base(v), ".onnx") == name {
			return v
		}
	}
	return name
}

// shellCommand joins args into a command line for a POSIX shell, quoting
// each argument that needs it.
func shellCommand(args []string) string {
	var b strings.Builder
	for i, a := range args {
		if i > 0 {
			b.WriteString(" ")
		}
		if a == "" || strings.ContainsAny(a, " \t\n'\"$`\\|&;<>(){}*?[]#~!") {
			b.WriteString("'" + strings.ReplaceAll(a, "'", `'\''`) + "'")
		} else {
			b.WriteString(a)
		}
	}
	return b.String()
}

// AcceptCommand is the command line that records this run's numbers as
// the new baseline, for a change that is intended: the gate's --baseline
// and its results file (--out, else the gate's default).
func AcceptCommand(args []string, baselinePath string) string {
	out := "yologate-results.json"
	for i := 0; i < len(args); i++ {
		name, value, inline := strings.Cut(strings.TrimLeft(args[i], "-"), "=")
		if !inline && i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
			value = args[i+1]
		}
		switch name {
		case "baseline":
			if baselinePath == "" {
				baselinePath = value
			}
		case "out", "results":
			out = value
		}
	}
	if baselinePath == "" {
		baselinePath = "BASELINE"
	}
	return shellCommand([]string{"yologate", "baseline", "update", "--baseline", baselinePath, "--results", out, "--reason", "WHY"})
}
