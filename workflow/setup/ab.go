package setup

import (
	"flag"
	"strings"

	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/runner"
	"github.com/yologate/yologate/workflow"
	"github.com/yologate/yologate/workflow/ab"
)

// AB are the settings of an interleaved A/B run beside the shared
// benchmark ones: each side is a model or benchmark flags of its own.
type AB struct {
	A, B       string
	OutA, OutB string
	Fresh      bool
}

// Register defines the A/B flags on fs.
func (s *AB) Register(fs *flag.FlagSet) {
	fs.StringVar(&s.A, "a", "", "side A (the reference): a model or benchmark `FLAGS`")
	fs.StringVar(&s.B, "b", "", "side B (the candidate): a model or benchmark `FLAGS`")
	fs.StringVar(&s.OutA, "out-a", "", "write side A's results JSON to `FILE`")
	fs.StringVar(&s.OutB, "out-b", "", "write side B's results JSON to `FILE`")
	fs.BoolVar(&s.Fresh, "fresh-sessions", false, "create and warm up new sessions for every pair of repeats, so that one session's own speed cannot favour a side (slower; shorten --warmup)")
}

// Input resolves both sides into the A/B workflow's input: each side's
// benchmark flags are those of fs that were set (shared by both), then
// its own. Side A's protocol, runtime and accuracy settings serve both;
// the sides must share the protocol to be compared. Call done when
// measuring is over.
func (s *AB) Input(env Env, fs *flag.FlagSet) (in ab.Input, done func(), err error) {
	if s.A == "" || s.B == "" {
		missing := "--a"
		if s.A != "" {
			missing = "--b"
		}
		return in, nil, errs.Usagef(missing, `give both sides, e.g. --a "--imgsz 640" --b "--imgsz 640x704"`, "missing")
	}
	for _, p := range []string{s.OutA, s.OutB} {
		if err := CheckOutPath("--out-a/--out-b", p); err != nil {
			return in, nil, err
		}
	}
	// The shared flags as given, replayed before each side's own.
	names := benchFlagNames()
	var shared []string
	fs.Visit(func(f *flag.Flag) {
		if names[f.Name] {
			shared = append(shared, "--"+f.Name+"="+f.Value.String())
		}
	})
	var bench Bench
	var plans [2]runner.Plan
	var opt runner.Options
	for i, v := range []string{s.A, s.B} {
		sb, p, o, err := side(env, sideFlags[i], v, shared)
		if err != nil {
			return in, nil, err
		}
		if i == 0 {
			bench, opt = sb, o
		} else if o.Count != opt.Count || o.Benchtime != opt.Benchtime || o.Warmup != opt.Warmup {
			return in, nil, errs.Usagef("--b", "put --count, --benchtime and --warmup outside --a and --b", "the sides must share the protocol to be compared")
		}
		plans[i] = p
	}
	var specs [2][]runner.Spec
	for i, p := range plans {
		if specs[i], err = bench.Specs(env, p); err != nil {
			return in, nil, errs.Usagef(sideFlags[i], "", "%s", err.Error())
		}
	}
	if len(specs[0]) != len(specs[1]) {
		return in, nil, errs.Usagef("--b", "give both sides the same number of models, sizes and batches",
			"side a has %d case(s), side b %d", len(specs[0]), len(specs[1]))
	}
	check, err := bench.Accuracy.Load(env, append(append([]runner.Spec{}, specs[0]...), specs[1]...))
	if err != nil {
		return in, nil, err
	}
	done = bench.Instrument(env, &opt)
	in = ab.Input{Runner: workflow.ORT{}, A: specs[0], B: specs[1], Options: opt, Fresh: s.Fresh, Log: bench.log(env), Check: check}
	return in, done, nil
}

// sideFlags name the sides.
var sideFlags = [2]string{"--a", "--b"}

// benchFlagNames are the flags a side may set.
func benchFlagNames() map[string]bool {
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	new(Bench).Register(fs)
	names := map[string]bool{}
	fs.VisitAll(func(f *flag.Flag) { names[f.Name] = true })
	return names
}

// side parses one side's flags (shared, then its own from v) into its
// benchmark settings, plan and protocol; flagName is --a or --b.
func side(env Env, flagName, v string, shared []string) (Bench, runner.Plan, runner.Options, error) {
	var b Bench
	own, err := SplitSideArgs(flagName, v)
	if err != nil {
		return b, runner.Plan{}, runner.Options{}, err
	}
	fs := flag.NewFlagSet("yologate ab "+flagName, flag.ContinueOnError)
	fs.SetOutput(env.stderr())
	b.Register(fs)
	if err := fs.Parse(append(append([]string{}, shared...), own...)); err != nil {
		return b, runner.Plan{}, runner.Options{}, errs.Usagef(flagName, "use the flags of \"yologate run\"", "%s", err.Error())
	}
	if fs.NArg() > 0 {
		return b, runner.Plan{}, runner.Options{}, errs.Usagef(flagName, "use the flags of \"yologate run\"", "unexpected argument %q", fs.Arg(0))
	}
	p, o, err := b.Plan()
	if err != nil {
		return b, p, o, errs.Usagef(flagName, "", "%s", err.Error())
	}
	return b, p, o, nil
}

// SplitSideArgs turns the value of --a or --b into flags: a bare word (a
// model name or ONNX path) means --model WORD; otherwise the value is split
// on white space, keeping 'single' or "double" quoted parts together.
func SplitSideArgs(flagName, v string) ([]string, error) {
	var out []string
	var cur strings.Builder
	inWord := false
	var quote rune
	for _, r := range v {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t' || r == '\n':
			if inWord {
				out = append(out, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, errs.Usagef(flagName, "close the quote", "unterminated %c in %q", quote, v)
	}
	if inWord {
		out = append(out, cur.String())
	}
	if len(out) == 0 {
		return nil, errs.Usagef(flagName, `give a model ("yolov8n", "a.onnx") or benchmark flags ("--imgsz 640x704")`, "empty")
	}
	if len(out) == 1 && !strings.HasPrefix(out[0], "-") {
		return []string{"--model", out[0]}, nil
	}
	return out, nil
}
