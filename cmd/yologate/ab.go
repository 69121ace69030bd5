package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/yologate/yologate/baselines"
	"github.com/yologate/yologate/compare"
	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/report"
	"github.com/yologate/yologate/runner"
	"github.com/yologate/yologate/runner/results"
)

// abSide is one side of an A/B run: its flags and resolved cases.
type abSide struct {
	name  string // "a" or "b"
	args  []string
	plan  runner.Plan
	specs []runner.Spec
	file  *results.File
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
	checks, err := bf.acc.load(c, append(append([]runner.Spec{}, sides[0].specs...), sides[1].specs...))
	if err != nil {
		return err
	}
	defer c.instrument(&opt)()
	c.applyProgress(&opt, &bf)
	for _, s := range sides {
		s.file = &results.File{Schema: results.Schema, Status: results.StatusIncomplete, Started: time.Now().UTC().Round(0),
			Fingerprint: opt.Fingerprint, Cases: []results.Case{}}
	}
	runErr := abRun(ctx, c, sides, opt, *fresh)
	for _, s := range sides {
		if runErr == nil {
			// B's detections are compared with A's, as with a baseline's.
			runErr = bf.acc.check(ctx, c, s.specs, s.file, checks)
		}
	}
	for _, s := range sides {
		s.file.Finished = time.Now().UTC().Round(0)
		if runErr == nil {
			s.file.Status = results.StatusComplete
		} else {
			s.file.StatusReason = runErr.Error()
		}
	}
	for i, p := range []string{*outA, *outB} {
		if p != "" && len(sides[i].file.Cases) > 0 {
			if err := results.Write(p, sides[i].file); err != nil {
				return errors.Join(runErr, err)
			}
		}
	}
	if runErr != nil {
		return runErr
	}
	rep := abReport(sides, copt)
	if err := report.WriteCompare(c.Stdout, rep, cf.format); err != nil {
		return &errs.Error{Kind: errs.Env, Where: "stdout", Msg: "writing the report: " + err.Error()}
	}
	return verdictError(rep)
}

// abRun measures each pair of cases with their repeats interleaved: both
// sessions are created and warmed up, then the repeats alternate in the
// order A B, B A, A B, ... so that a drift of the machine (heat, other
// load) falls on both sides alike. With fresh, every pair of repeats gets
// new sessions (created and warmed up again): a session's own speed (where
// its weights and buffers happen to lie in memory) then varies from pair
// to pair like any other noise, instead of favouring one side for the
// whole run.
func abRun(ctx context.Context, c *Command, sides []*abSide, opt runner.Options, fresh bool) error {
	block := opt.Count
	if fresh {
		block = 1
	}
	for i := range sides[0].specs {
		var acc [2]*results.Case
		keep := func() {
			for k, s := range sides {
				if acc[k] != nil && len(acc[k].Repeats) > 0 {
					s.file.Cases = append(s.file.Cases, *acc[k])
				}
			}
		}
		for start := 0; start < opt.Count; start += block {
			err := abBlock(ctx, c, sides, i, opt, start, min(start+block, opt.Count), &acc)
			if err != nil {
				keep()
				return err
			}
		}
		keep()
	}
	return nil
}

// abBlock creates and warms up one session per side for case i, runs the
// repeats [from, to) interleaved, and adds them to acc.
func abBlock(ctx context.Context, c *Command, sides []*abSide, i int, opt runner.Options, from, to int, acc *[2]*results.Case) error {
	var ps [2]*runner.Prepared
	defer func() {
		for k, p := range ps {
			if p == nil {
				continue
			}
			got := p.Case()
			if acc[k] == nil {
				acc[k] = &got
			} else {
				acc[k].Repeats = append(acc[k].Repeats, got.Repeats...)
				acc[k].Unstable = acc[k].Unstable || got.Unstable
				for _, m := range got.Marks {
					if !slices.Contains(acc[k].Marks, m) {
						acc[k].Marks = append(acc[k].Marks, m)
					}
				}
			}
			p.Close()
		}
	}()
	for k, s := range sides {
		fmt.Fprintf(c.Stderr, "ab: side %s: %s\n", s.name, s.specs[i].ID())
		p, err := runner.Prepare(ctx, s.specs[i], opt)
		if err != nil {
			return fmt.Errorf("side %s: %w", s.name, err)
		}
		ps[k] = p
	}
	for k := range ps {
		fmt.Fprintf(c.Stderr, "ab: warm-up, side %s\n", sides[k].name)
		if err := ps[k].WarmUp(ctx); err != nil {
			return err
		}
	}
	for r := from; r < to; r++ {
		order := []int{0, 1}
		if r%2 == 1 {
			order = []int{1, 0}
		}
		for _, k := range order {
			fmt.Fprintf(c.Stderr, "ab: repeat %d/%d, side %s\n", r+1, opt.Count, sides[k].name)
			if _, err := ps[k].RunRepeat(ctx); err != nil {
				return fmt.Errorf("side %s: %w", sides[k].name, err)
			}
		}
	}
	return nil
}

// abMeasurements pairs the cases of both sides by position. A pair whose
// ids differ (other size, other model) is compared under the label
// "A-id vs B-id". The environment is the same machine on both sides, and
// what differs between the sides (settings, model) is the point of the
// run, so it is neither a mismatch nor a "model changed".
func abMeasurements(a, b *results.File) ([]compare.Measurement, []compare.Measurement) {
	ma, mb := compare.FromResults(a), compare.FromResults(b)
	for i := range ma {
		if i >= len(mb) {
			break
		}
		id := ma[i].CaseID
		if mb[i].CaseID != id {
			id = ma[i].CaseID + " vs " + mb[i].CaseID
		}
		ma[i].CaseID, mb[i].CaseID = id, id
		mb[i].Profile = ma[i].Profile
		ma[i].Env, mb[i].Env = baselines.Environment{}, baselines.Environment{}
		// A generated model differs with its size; two model files are
		// what the run compares: either way the ids say it already.
		ma[i].Model, mb[i].Model = baselines.Model{}, baselines.Model{}
	}
	return ma, mb
}

// abReport compares B with A pair by pair (compare.Options.Paired): the
// interleaving is what lets the test see past the machine's drift.
func abReport(sides []*abSide, opt compare.Options) *compare.Report {
	opt.Paired = true
	a, b := abMeasurements(sides[0].file, sides[1].file)
	return compare.Compare(a, b, opt)
}
