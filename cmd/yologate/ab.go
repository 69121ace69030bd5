package main

import (
	"context"
	"flag"
	"strings"

	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/report"
	"github.com/yologate/yologate/runner"
	"github.com/yologate/yologate/runner/results"
	"github.com/yologate/yologate/workflow"
	"github.com/yologate/yologate/workflow/ab"
)

// abSide is one side of an A/B run: its flags and resolved cases.
type abSide struct {
	name  string // "a" or "b"
	args  []string
	plan  runner.Plan
	specs []runner.Spec
}

// splitSideArgs turns the value of --a or --b into flags: a bare word (a
// model name or ONNX path) means --model WORD; otherwise the value is split
// on white space, keeping 'single' or "double" quoted parts together.
func splitSideArgs(flagName, v string) ([]string, error) {
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

// benchFlagNames are the flags a side may override.
func benchFlagNames() map[string]bool {
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	var bf benchFlags
	bf.register(fs)
	names := map[string]bool{}
	fs.VisitAll(func(f *flag.Flag) { names[f.Name] = true })
	return names
}

func runAB(ctx context.Context, c *Command, args []string) error {
	fs := c.newFlags("ab", `ab --a "A" --b "B" [flags]`+"\n\n"+
		"A and B are each a model (yolov8n, model.onnx) or benchmark flags (\"--imgsz 640x704\");\n"+
		"the other flags are shared by both sides. Repeats run interleaved (A B B A A B ...)\n"+
		"on this machine, and B is compared with A: exit 1 when B regressed")
	var bf benchFlags
	bf.register(fs)
	aFlag := fs.String("a", "", "side A (the reference): a model or benchmark `FLAGS`")
	bFlag := fs.String("b", "", "side B (the candidate): a model or benchmark `FLAGS`")
	outA := fs.String("out-a", "", "write side A's results JSON to `FILE`")
	outB := fs.String("out-b", "", "write side B's results JSON to `FILE`")
	fresh := fs.Bool("fresh-sessions", false, "create and warm up new sessions for every pair of repeats, so that one session's own speed cannot favour a side (slower; shorten --warmup)")
	var cf compareFlags
	cf.register(fs)
	if err := c.parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errs.Usagef("ab", "put each side's settings in --a and --b", "unexpected argument %q", fs.Arg(0))
	}
	if *aFlag == "" || *bFlag == "" {
		missing := "--a"
		if *aFlag != "" {
			missing = "--b"
		}
		return errs.Usagef(missing, `give both sides, e.g. --a "--imgsz 640" --b "--imgsz 640x704"`, "missing")
	}
	copt, err := cf.options()
	if err != nil {
		return err
	}
	for _, p := range []string{*outA, *outB} {
		if err := checkOutPath("--out-a/--out-b", p); err != nil {
			return err
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
	sides := []*abSide{{name: "a"}, {name: "b"}}
	var opt runner.Options
	for i, v := range []string{*aFlag, *bFlag} {
		s := sides[i]
		own, err := splitSideArgs("--"+s.name, v)
		if err != nil {
			return err
		}
		sfs := flag.NewFlagSet("yologate ab --"+s.name, flag.ContinueOnError)
		sfs.SetOutput(c.Stderr)
		var sbf benchFlags
		sbf.register(sfs)
		if err := sfs.Parse(append(append([]string{}, shared...), own...)); err != nil {
			return errs.Usagef("--"+s.name, "use the flags of \"yologate run\"", "%s", err.Error())
		}
		if sfs.NArg() > 0 {
			return errs.Usagef("--"+s.name, "use the flags of \"yologate run\"", "unexpected argument %q", sfs.Arg(0))
		}
		p, o, err := sbf.plan()
		if err != nil {
			return errs.Usagef("--"+s.name, "", "%s", err.Error())
		}
		if i == 0 {
			opt = o
			bf = sbf
		} else if o.Count != opt.Count || o.Benchtime != opt.Benchtime || o.Warmup != opt.Warmup {
			return errs.Usagef("--b", "put --count, --benchtime and --warmup outside --a and --b", "the sides must share the protocol to be compared")
		}
		s.args, s.plan = own, p
	}
	for _, s := range sides {
		specs, err := bf.specs(c, s.plan)
		if err != nil {
			return errs.Usagef("--"+s.name, "", "%s", err.Error())
		}
		s.specs = specs
	}
	if len(sides[0].specs) != len(sides[1].specs) {
		return errs.Usagef("--b", "give both sides the same number of models, sizes and batches",
			"side a has %d case(s), side b %d", len(sides[0].specs), len(sides[1].specs))
	}
	chk, err := bf.acc.load(c, append(append([]runner.Spec{}, sides[0].specs...), sides[1].specs...))
	if err != nil {
		return err
	}
	defer c.instrument(&opt)()
	c.applyProgress(&opt, &bf)
	in := ab.Input{Runner: workflow.ORT{}, A: sides[0].specs, B: sides[1].specs, Options: opt, Fresh: *fresh, Log: c.log(&bf),
		Check: func(ctx context.Context, specs []runner.Spec, f *results.File) error {
			return c.listProblems(chk.Check(ctx, specs, f))
		}}
	res, runErr := ab.Run(ctx, in, copt)
	for i, p := range []string{*outA, *outB} {
		if p != "" && res != nil {
			if err := writeResults(p, []*results.File{res.A, res.B}[i], runErr); err != runErr {
				return err
			}
		}
	}
	if runErr != nil {
		return runErr
	}
	if err := report.WriteCompare(c.Stdout, res.Report, cf.format); err != nil {
		return &errs.Error{Kind: errs.Env, Where: "stdout", Msg: "writing the report: " + err.Error()}
	}
	return verdictError(res.Report)
}
