package config

import (
	"flag"
	"strings"

	"github.com/yologate/yologate/internal/errs"
)

// EnvFlags names the variable that holds flags for every command run on a
// machine, as GOFLAGS does for go: a self-hosted runner's .env file sets it
// for all its jobs ("--count=20" on a noisy runner, "--device=1"). The
// command line wins over it, and it wins over the config file.
const EnvFlags = "YOLOGATE_FLAGS"

// ApplyEnv sets the flags of fs that value (the text of EnvFlags) names and
// that the command line did not: space-separated "--name=value", or
// "--name" for a boolean that is true. Flags fs does not define are
// ignored, as the config file's keys are; values are checked as the config
// file's are, and every problem is reported naming EnvFlags.
func ApplyEnv(fs *flag.FlagSet, value string) error {
	explicit := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { explicit[f.Name] = true })
	var problems errs.List
	bad := func(fix, format string, args ...any) {
		problems = append(problems, errs.Usagef(EnvFlags, fix, format, args...))
	}
	for _, field := range strings.Fields(value) {
		name, val, hasVal := strings.Cut(strings.TrimLeft(field, "-"), "=")
		if !strings.HasPrefix(field, "-") || name == "" {
			bad(`write flags as "--name=value", separated by spaces`, "%q is not a flag", field)
			continue
		}
		f := fs.Lookup(name)
		if f == nil || explicit[name] {
			continue
		}
		if !hasVal {
			if b, ok := f.Value.(interface{ IsBoolFlag() bool }); !ok || !b.IsBoolFlag() {
				bad("write --"+name+"=VALUE", "--%s has no value", name)
				continue
			}
			val = "true"
		}
		if c, ok := checks[name]; ok {
			if problem, fix := c(val); problem != "" {
				bad(fix, "--%s: %s", name, problem)
				continue
			}
		}
		if err := fs.Set(name, val); err != nil {
			bad("see \"yologate COMMAND --help\" for the values --"+name+" takes", "--%s: %v", name, err)
		}
	}
	return problems.Err()
}
