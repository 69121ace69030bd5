package history

import (
	"bytes"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yologate/yologate/baselines"
	"github.com/yologate/yologate/changepoint"
	"github.com/yologate/yologate/compare"
	"github.com/yologate/yologate/internal/errs"
)

// Header is the first line of every history file; a file with another
// first line is not read.
const Header = "yologate-history v1"

// The format, one record per line, fields separated by tabs (docs/history.md):
//
//	yologate-history v1
//	run  R  id=…  commit=…  date=RFC3339  ref=…  url=…  [summarized=true]
//	env  E  cpu=…  gpu=…  driver=…  …  option.NAME=…
//	case C  profile=…  id=…  env=E  model=SHA256
//	rec  R  C  n=10  fps=v,v,…  p50_ms=…  p99_ms=…  marks=a;b  gpu=util,sm,mem,power,limit,temp,cpu
//	end  RECORDS
//
// R, E and C are numbers local to the file. The end line holds the count
// of rec lines: a file without it, or with another count, was cut short.

// encode writes runs in the history format. With summarize, each metric
// is written as its median over the run's repeats.
func encode(runs []*Run, summarize bool) []byte {
	var b bytes.Buffer
	b.WriteString(Header + "\n")
	envs := map[string]int{}
	cases := map[string]int{}
	recs := 0
	for ri, r := range runs {
		fmt.Fprintf(&b, "run\t%d\tid=%s\tcommit=%s\tdate=%s", ri+1, clean(r.ID), clean(r.Commit), r.Date.UTC().Format(time.RFC3339))
		opt(&b, "ref", r.Ref)
		opt(&b, "url", r.URL)
		if summarize || r.Summarized {
			b.WriteString("\tsummarized=true")
		}
		b.WriteByte('\n')
		for i := range r.Records {
			rec := &r.Records[i]
			ek := envLine(rec.Env)
			e, ok := envs[ek]
			if !ok {
				e = len(envs) + 1
				envs[ek] = e
				fmt.Fprintf(&b, "env\t%d%s\n", e, ek)
			}
			ck := fmt.Sprintf("\tprofile=%s\tid=%s\tenv=%d\tmodel=%s", clean(rec.Profile), clean(rec.Case), e, clean(rec.Model))
			c, ok := cases[ck]
			if !ok {
				c = len(cases) + 1
				cases[ck] = c
				fmt.Fprintf(&b, "case\t%d%s\n", c, ck)
			}
			fmt.Fprintf(&b, "rec\t%d\t%d\tn=%d", ri+1, c, rec.N)
			for _, m := range compare.Metrics {
				v := Values(&rec.Samples, m)
				if len(v) == 0 {
					continue
				}
				if summarize {
					fmt.Fprintf(&b, "\t%s=%s", m, strconv.FormatFloat(changepoint.Median(v), 'g', 6, 64))
					continue
				}
				parts := make([]string, len(v))
				for j, x := range v {
					parts[j] = strconv.FormatFloat(x, 'g', -1, 64)
				}
				fmt.Fprintf(&b, "\t%s=%s", m, strings.Join(parts, ","))
			}
			if len(rec.Marks) > 0 {
				ms := make([]string, len(rec.Marks))
				for j, m := range rec.Marks {
					ms[j] = strings.ReplaceAll(clean(m), ";", ",")
				}
				b.WriteString("\tmarks=" + strings.Join(ms, ";"))
			}
			if g := rec.GPU; g != nil {
				fmt.Fprintf(&b, "\tgpu=%s", joinFloats([]float64{g.GPUUtilPct, g.SMClockMHz, g.MemClockMHz, g.PowerW, g.PowerLimitW, g.TempC, g.HostCPUPct}))
			}
			b.WriteByte('\n')
			recs++
		}
	}
	fmt.Fprintf(&b, "end\t%d\n", recs)
	return b.Bytes()
}

func opt(b *bytes.Buffer, k, v string) {
	if v != "" {
		fmt.Fprintf(b, "\t%s=%s", k, clean(v))
	}
}

// envFields are the environment's fields in file order with their keys.
func envFields(e *baselines.Environment) []struct {
	key string
	v   *string
} {
	return []struct {
		key string
		v   *string
	}{
		{"cpu", &e.CPUModel}, {"gpu", &e.GPUModel}, {"driver", &e.Driver}, {"cuda", &e.CUDADriver},
		{"ort", &e.ORTVersion}, {"trt", &e.TensorRTVersion}, {"provider", &e.Provider}, {"precision", &e.Precision},
		{"os", &e.OS}, {"kernel", &e.Kernel}, {"yologate", &e.Yologate}, {"image", &e.ContainerImage},
	}
}

// envLine is the fields of an env line after its number, each led by a tab.
func envLine(e baselines.Environment) string {
	var b bytes.Buffer
	for _, f := range envFields(&e) {
		opt(&b, f.key, *f.v)
	}
	if e.Threads != 0 {
		fmt.Fprintf(&b, "\tthreads=%d", e.Threads)
	}
	keys := make([]string, 0, len(e.ProviderOptions))
	for k := range e.ProviderOptions {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "\toption.%s=%s", strings.ReplaceAll(clean(k), "=", "_"), clean(e.ProviderOptions[k]))
	}
	return b.String()
}

func joinFloats(v []float64) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = strconv.FormatFloat(x, 'g', -1, 64)
	}
	return strings.Join(parts, ",")
}

// clean makes s one field: no tabs or line breaks.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '\t', '\n', '\r':
			return ' '
		}
		return r
	}, s)
}

// parser reads one history file, collecting warnings.
type parser struct {
	name     string
	warnings []error
}

func (p *parser) warn(line int, format string, args ...any) {
	p.warnings = append(p.warnings, &errs.Error{Kind: errs.Input, Where: p.name, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// Parse reads the runs of one history file. Problems come back as
// warnings that name the file and line ("runs/2026-12/x.hist:7: ..."): a
// bad line is left out; a foreign file (another first line) or a
// truncated one (no end line, or another count of records) is left out
// whole.
func Parse(name string, data []byte) ([]*Run, []error) {
	p := &parser{name: name}
	runs := p.parse(data)
	return runs, p.warnings
}

func (p *parser) parse(data []byte) []*Run {
	text := string(data)
	lines := strings.Split(text, "\n")
	if len(lines) == 0 || lines[0] != Header {
		first := lines[0]
		if len(first) > 40 {
			first = first[:40] + "…"
		}
		p.warn(1, "not a yologate history file (first line %q, want %q): left out", first, Header)
		return nil
	}
	if !utf8.ValidString(text) {
		p.warn(1, "not UTF-8 text: file left out")
		return nil
	}
	if !strings.HasSuffix(text, "\n") {
		p.warn(len(lines), "truncated: the last line has no line break: file left out")
		return nil
	}
	lines = lines[:len(lines)-1]
	runs := map[int]*Run{}
	var order []*Run
	envs := map[int]baselines.Environment{}
	type caseDef struct {
		profile, id, model string
		env                baselines.Environment
	}
	cases := map[int]caseDef{}
	recs, end := 0, -1
	for i := 1; i < len(lines); i++ {
		ln := i + 1
		f := strings.Split(lines[i], "\t")
		if end >= 0 {
			p.warn(ln, "text after the end line: file left out")
			return nil
		}
		if len(f) < 2 {
			p.warn(ln, "line %q has no number: left out", lines[i])
			continue
		}
		num, err := strconv.Atoi(f[1])
		if err != nil || num < 0 {
			p.warn(ln, "%s: %q is not a number: line left out", f[0], f[1])
			continue
		}
		switch f[0] {
		case "end":
			end = num
		case "run":
			kv := p.fields(ln, f[2:])
			r := &Run{ID: kv["id"], Commit: kv["commit"], Ref: kv["ref"], URL: kv["url"], Summarized: kv["summarized"] == "true"}
			d, err := time.Parse(time.RFC3339, kv["date"])
			switch {
			case err != nil:
				p.warn(ln, "run %d: date %q is not RFC 3339 (2006-01-02T15:04:05Z): run left out", num, kv["date"])
				continue
			case r.ID == "" || r.Commit == "":
				p.warn(ln, "run %d has no id or commit: run left out", num)
				continue
			case runs[num] != nil:
				p.warn(ln, "run %d defined twice: second left out", num)
				continue
			}
			r.Date = d.UTC()
			runs[num] = r
			order = append(order, r)
		case "env":
			var e baselines.Environment
			kv := p.fields(ln, f[2:])
			for _, fd := range envFields(&e) {
				*fd.v = kv[fd.key]
			}
			if t := kv["threads"]; t != "" {
				e.Threads, _ = strconv.Atoi(t)
			}
			for k, v := range kv {
				if name, ok := strings.CutPrefix(k, "option."); ok {
					if e.ProviderOptions == nil {
						e.ProviderOptions = map[string]string{}
					}
					e.ProviderOptions[name] = v
				}
			}
			envs[num] = e
		case "case":
			kv := p.fields(ln, f[2:])
			en, err := strconv.Atoi(kv["env"])
			e, ok := envs[en]
			if err != nil || !ok || kv["profile"] == "" || kv["id"] == "" {
				p.warn(ln, "case %d needs profile=, id= and env= naming an env line above it: left out", num)
				continue
			}
			cases[num] = caseDef{profile: kv["profile"], id: kv["id"], model: kv["model"], env: e}
		case "rec":
			recs++
			if len(f) < 3 {
				p.warn(ln, "rec needs a run and a case number: left out")
				continue
			}
			cn, _ := strconv.Atoi(f[2])
			r, c := runs[num], cases[cn]
			if r == nil || c.id == "" {
				p.warn(ln, "rec names run %d and case %q, not both defined above: left out", num, f[2])
				continue
			}
			rec, ok := p.record(ln, f[3:], r.Summarized)
			if !ok {
				continue
			}
			rec.Profile, rec.Case, rec.Env, rec.Model = c.profile, c.id, c.env, c.model
			r.Records = append(r.Records, rec)
		default:
			p.warn(ln, "unknown line kind %q (want run, env, case, rec or end): left out", f[0])
		}
	}
	if end < 0 {
		p.warn(len(lines)+1, "truncated: no end line: file left out")
		return nil
	}
	if end != recs {
		p.warn(len(lines), "truncated or edited: the end line counts %d records, the file has %d: file left out", end, recs)
		return nil
	}
	return order
}

// fields splits key=value fields; a field without "=" is a warning.
func (p *parser) fields(ln int, f []string) map[string]string {
	kv := map[string]string{}
	for _, s := range f {
		k, v, ok := strings.Cut(s, "=")
		if !ok {
			p.warn(ln, "field %q is not key=value: ignored", s)
			continue
		}
		kv[k] = v
	}
	return kv
}

// record parses the fields of a rec line after its run and case numbers.
func (p *parser) record(ln int, f []string, summarized bool) (Record, bool) {
	var rec Record
	var nText, marks, gpu string
	var raw [3]string // fps, p50_ms, p99_ms
	var have [3]bool
	for _, field := range f {
		k, v, ok := strings.Cut(field, "=")
		switch {
		case !ok:
			p.warn(ln, "field %q is not key=value: ignored", field)
		case k == "n":
			nText = v
		case k == "marks":
			marks = v
		case k == "gpu":
			gpu = v
		case k == string(compare.FPS):
			raw[0], have[0] = v, true
		case k == string(compare.P50MS):
			raw[1], have[1] = v, true
		case k == string(compare.P99MS):
			raw[2], have[2] = v, true
		}
	}
	n, err := strconv.Atoi(nText)
	if err != nil || n < 1 {
		p.warn(ln, "rec: n=%q is not a repeat count ≥ 1: left out", nText)
		return rec, false
	}
	rec.N = n
	found := false
	for i, m := range []compare.Metric{compare.FPS, compare.P50MS, compare.P99MS} {
		if !have[i] {
			continue
		}
		s := raw[i]
		v, ok := numbers(s)
		if !ok || (summarized && len(v) != 1) || (!summarized && len(v) != n) {
			p.warn(ln, "rec: %s=%q is not %s positive numbers: left out", m, s, countText(summarized, n))
			return rec, false
		}
		*valuesPtr(&rec.Samples, m) = v
		found = true
	}
	if !found {
		p.warn(ln, "rec has no metric (fps=, p50_ms=, p99_ms=): left out")
		return rec, false
	}
	if marks != "" {
		rec.Marks = strings.Split(marks, ";")
	}
	if gpu != "" {
		v, ok := numbers(gpu)
		if !ok || len(v) != 7 {
			p.warn(ln, "rec: gpu=%q is not 7 numbers (util,sm,mem,power,limit,temp,cpu): GPU state left out", gpu)
		} else {
			rec.GPU = &baselines.GPUState{GPUUtilPct: v[0], SMClockMHz: v[1], MemClockMHz: v[2], PowerW: v[3], PowerLimitW: v[4], TempC: v[5], HostCPUPct: v[6]}
		}
	}
	return rec, true
}

func countText(summarized bool, n int) string {
	if summarized {
		return "1 (a run median)"
	}
	return strconv.Itoa(n)
}

// numbers parses comma-separated finite numbers ≥ 0.
func numbers(s string) ([]float64, bool) {
	parts := strings.Split(s, ",")
	v := make([]float64, len(parts))
	for i, x := range parts {
		f, err := strconv.ParseFloat(x, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
			return nil, false
		}
		v[i] = f
	}
	return v, true
}
