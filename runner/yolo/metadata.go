package yolo

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/yologate/yologate/internal/errs"
)

// Metadata is what an Ultralytics export records in the ONNX file's
// metadata_props, parsed from the Python-repr strings it writes there
// (ultralytics/engine/exporter.py: str() of ints, lists and dicts).
// Absent keys leave their zero value.
type Metadata struct {
	Description, Author, Date, Version, License, Docs string
	// Task is "detect", "segment", "pose", "obb" or "classify"; empty when absent.
	Task string
	// Stride is the largest stride of the detection levels in pixels (32 for
	// YOLOv8/11); 0 when absent.
	Stride int
	// Batch is the exported batch size; 0 when absent.
	Batch int
	// Imgsz is the exported input size [height, width] in pixels; nil when absent.
	Imgsz []int
	// Names maps class index to class name; nil when absent.
	Names map[int]string
	// Channels is the number of input channels (3 for RGB); 0 when absent.
	Channels int
	// End2End reports an export with NMS inside the graph.
	End2End bool
	// Args holds the export arguments (dynamic, half, int8, nms, ...).
	Args map[string]any
	// Generator and Seed are set on yologate's standard models.
	Generator, Seed string
}

// NameList returns the class names in index order; a missing index reads "".
func (m Metadata) NameList() []string {
	if len(m.Names) == 0 {
		return nil
	}
	maxIdx := 0
	for i := range m.Names {
		maxIdx = max(maxIdx, i)
	}
	out := make([]string, maxIdx+1)
	for i, n := range m.Names {
		out[i] = n
	}
	return out
}

// maxClasses bounds the class count accepted in names: real datasets stay
// far below it (Open Images has 601, Objects365 365, LVIS 1203).
const maxClasses = 100000

// ParseMetadata parses the Ultralytics keys of props (an ONNX model's
// metadata_props). Unknown keys are ignored. Every malformed value is
// reported, each as an *errs.Error of kind Input whose Where names the key
// ("metadata_props[imgsz]"); the returned Metadata holds what did parse.
func ParseMetadata(props map[string]string) (Metadata, error) {
	var m Metadata
	var problems errs.List
	bad := func(key, format string, args ...any) {
		problems = append(problems, errs.Inputf("metadata_props["+key+"]",
			"re-export the model, or fix the value with onnx's metadata_props", format, args...))
	}
	str := func(key string) string { return props[key] }
	m.Description, m.Author, m.Date = str("description"), str("author"), str("date")
	m.Version, m.License, m.Docs = str("version"), str("license"), str("docs")
	m.Task = strings.TrimSpace(str("task"))
	m.Generator, m.Seed = str(MetaGenerator), str(MetaSeed)

	intKey := func(key string) int {
		s, ok := props[key]
		if !ok {
			return 0
		}
		v, err := parsePy(s)
		if err != nil {
			bad(key, "%v", err)
			return 0
		}
		n, ok := pyInt(v)
		if !ok || n < 0 {
			bad(key, "got %s, want a non-negative integer", clip(s))
			return 0
		}
		return n
	}
	if s, ok := props["stride"]; ok {
		v, err := parsePy(s)
		switch {
		case err != nil:
			bad("stride", "%v", err)
		default:
			// An int, or a list of per-level strides whose largest is meant.
			if n, ok := pyInt(v); ok && n > 0 {
				m.Stride = n
			} else if l, ok := v.([]any); ok && len(l) > 0 {
				for _, x := range l {
					n, ok := pyInt(x)
					if !ok || n <= 0 {
						m.Stride = 0
						bad("stride", "got %s, want a positive integer or a list of them", clip(s))
						break
					}
					m.Stride = max(m.Stride, n)
				}
			} else {
				bad("stride", "got %s, want a positive integer", clip(s))
			}
		}
	}
	m.Batch = intKey("batch")
	m.Channels = intKey("channels")
	if s, ok := props["imgsz"]; ok {
		v, err := parsePy(s)
		if err != nil {
			bad("imgsz", "%v", err)
		} else if n, ok := pyInt(v); ok && n > 0 {
			m.Imgsz = []int{n, n}
		} else if l, ok := v.([]any); ok && len(l) == 2 {
			h, ok1 := pyInt(l[0])
			w, ok2 := pyInt(l[1])
			if ok1 && ok2 && h > 0 && w > 0 {
				m.Imgsz = []int{h, w}
			} else {
				bad("imgsz", "got %s, want [height, width] in pixels", clip(s))
			}
		} else {
			bad("imgsz", "got %s, want [height, width] in pixels", clip(s))
		}
	}
	if s, ok := props["names"]; ok {
		v, err := parsePy(s)
		if err != nil {
			bad("names", "%v", err)
		} else {
			names, msg := pyNames(v)
			if msg != "" {
				bad("names", "%s", msg)
			} else {
				m.Names = names
			}
		}
	}
	if s, ok := props["end2end"]; ok {
		v, err := parsePy(s)
		b, isBool := v.(bool)
		switch {
		case err != nil:
			bad("end2end", "%v", err)
		case !isBool:
			bad("end2end", "got %s, want True or False", clip(s))
		default:
			m.End2End = b
		}
	}
	if s, ok := props["args"]; ok {
		v, err := parsePy(s)
		d, isDict := v.(pyDict)
		switch {
		case err != nil:
			bad("args", "%v", err)
		case !isDict:
			bad("args", "got %s, want a dict", clip(s))
		default:
			m.Args = map[string]any{}
			for _, kv := range d {
				if k, ok := kv.key.(string); ok {
					m.Args[k] = plain(kv.val)
				}
			}
		}
	}
	sort.SliceStable(problems, func(i, j int) bool { return problems[i].Where < problems[j].Where })
	return m, problems.Err()
}

func pyNames(v any) (map[int]string, string) {
	out := map[int]string{}
	switch t := v.(type) {
	case pyDict:
		if len(t) > maxClasses {
			return nil, fmt.Sprintf("%d classes exceed the limit of %d", len(t), maxClasses)
		}
		for _, kv := range t {
			i, ok := pyInt(kv.key)
			if !ok || i < 0 || i >= maxClasses {
				return nil, fmt.Sprintf("class index %v is not an integer in [0, %d)", plain(kv.key), maxClasses)
			}
			name, ok := kv.val.(string)
			if !ok {
				return nil, fmt.Sprintf("class %d: name %v is not a string", i, plain(kv.val))
			}
			out[i] = name
		}
	case []any:
		if len(t) > maxClasses {
			return nil, fmt.Sprintf("%d classes exceed the limit of %d", len(t), maxClasses)
		}
		for i, x := range t {
			name, ok := x.(string)
			if !ok {
				return nil, fmt.Sprintf("class %d: name %v is not a string", i, plain(x))
			}
			out[i] = name
		}
	default:
		return nil, "want a dict of class index to name, e.g. {0: 'person'}"
	}
	return out, ""
}

// clip shortens a value for an error message.
func clip(s string) string {
	const n = 40
	if len(s) <= n {
		return strconv.Quote(s)
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut] + "…")
}

// Python literals.
//
// parsePy reads the subset of Python literal syntax that str() of
// Ultralytics' metadata produces (https://docs.python.org/3/reference/
// lexical_analysis.html#literals): None, True, False, integers, floats
// (inf/nan as written by repr), single- or double-quoted strings with
// backslash escapes, lists, tuples, sets and dicts, nested.

// pyDict keeps a dict's items in source order.
type pyDict []pyKV

type pyKV struct{ key, val any }

// maxPyDepth bounds nesting; Ultralytics values nest two deep.
const maxPyDepth = 32

type pyParser struct {
	s   string
	pos int
}

func parsePy(s string) (any, error) {
	p := &pyParser{s: s}
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.pos != len(p.s) {
		return nil, p.errf("unexpected %q after the value", p.rest())
	}
	return v, nil
}

func (p *pyParser) rest() string {
	r := p.s[p.pos:]
	if len(r) > 10 {
		cut := 10
		for cut > 0 && !utf8.RuneStart(r[cut]) {
			cut--
		}
		r = r[:cut]
	}
	return r
}

func (p *pyParser) errf(format string, args ...any) error {
	return fmt.Errorf("python literal at offset %d: %s", p.pos, fmt.Sprintf(format, args...))
}

func (p *pyParser) space() {
	for p.pos < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.pos]) >= 0 {
		p.pos++
	}
}

func (p *pyParser) value(depth int) (any, error) {
	if depth > maxPyDepth {
		return nil, p.errf("nested deeper than %d", maxPyDepth)
	}
	p.space()
	if p.pos >= len(p.s) {
		return nil, p.errf("value expected, found the end")
	}
	switch c := p.s[p.pos]; {
	case c == '\'' || c == '"':
		return p.str()
	case c == '[':
		return p.seq(']', depth)
	case c == '(':
		return p.seq(')', depth)
	case c == '{':
		return p.dict(depth)
	case c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9'):
		return p.number()
	}
	for _, w := range []struct {
		word string
		v    any
	}{{"None", nil}, {"True", true}, {"False", false}, {"inf", math.Inf(1)}, {"nan", math.NaN()}} {
		if strings.HasPrefix(p.s[p.pos:], w.word) {
			end := p.pos + len(w.word)
			if end == len(p.s) || !isIdent(p.s[end]) {
				p.pos = end
				return w.v, nil
			}
		}
	}
	return nil, p.errf("unexpected %q", p.rest())
}

func isIdent(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func (p *pyParser) number() (any, error) {
	start := p.pos
	if p.s[p.pos] == '-' || p.s[p.pos] == '+' {
		p.pos++
		if strings.HasPrefix(p.s[p.pos:], "inf") {
			p.pos += 3
			if p.s[start] == '-' {
				return math.Inf(-1), nil
			}
			return math.Inf(1), nil
		}
	}
	for p.pos < len(p.s) && strings.IndexByte("0123456789.eE+-_", p.s[p.pos]) >= 0 {
		if (p.s[p.pos] == '+' || p.s[p.pos] == '-') && p.s[p.pos-1] != 'e' && p.s[p.pos-1] != 'E' {
			break
		}
		p.pos++
	}
	lit := strings.ReplaceAll(p.s[start:p.pos], "_", "")
	if n, err := strconv.ParseInt(lit, 10, 64); err == nil {
		return n, nil
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil {
		p.pos = start
		return nil, p.errf("bad number %q", lit)
	}
	return f, nil
}

func (p *pyParser) str() (string, error) {
	q := p.s[p.pos]
	p.pos++
	var b strings.Builder
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		switch {
		case c == q:
			p.pos++
			return b.String(), nil
		case c == '\n':
			return "", p.errf("newline inside a string")
		case c == '\\':
			if p.pos+1 >= len(p.s) {
				return "", p.errf("unfinished escape")
			}
			e := p.s[p.pos+1]
			p.pos += 2
			switch e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case '0':
				b.WriteByte(0)
			case '\\', '\'', '"':
				b.WriteByte(e)
			case 'x', 'u', 'U':
				n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[e]
				if p.pos+n > len(p.s) {
					return "", p.errf("short \\%c escape", e)
				}
				r, err := strconv.ParseUint(p.s[p.pos:p.pos+n], 16, 32)
				if err != nil || r > utf8.MaxRune {
					return "", p.errf("bad \\%c escape", e)
				}
				b.WriteRune(rune(r))
				p.pos += n
			default:
				b.WriteByte('\\')
				b.WriteByte(e)
			}
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
	return "", p.errf("unterminated string")
}

func (p *pyParser) seq(end byte, depth int) ([]any, error) {
	p.pos++
	out := []any{}
	for {
		p.space()
		if p.pos < len(p.s) && p.s[p.pos] == end {
			p.pos++
			return out, nil
		}
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		p.space()
		if p.pos >= len(p.s) {
			return nil, p.errf("missing %q", end)
		}
		switch p.s[p.pos] {
		case ',':
			p.pos++
		case end:
		default:
			return nil, p.errf("want ',' or %q, found %q", end, p.rest())
		}
	}
}

func (p *pyParser) dict(depth int) (any, error) {
	p.pos++
	var out pyDict
	var set []any
	for {
		p.space()
		if p.pos < len(p.s) && p.s[p.pos] == '}' {
			p.pos++
			if set != nil {
				return set, nil
			}
			if out == nil {
				out = pyDict{}
			}
			return out, nil
		}
		k, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		p.space()
		if p.pos < len(p.s) && p.s[p.pos] == ':' && set == nil {
			p.pos++
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			out = append(out, pyKV{k, v})
		} else if out == nil {
			set = append(set, k) // a set literal: {1, 2}
		} else {
			return nil, p.errf("want ':' after a dict key")
		}
		p.space()
		if p.pos >= len(p.s) {
			return nil, p.errf("missing '}'")
		}
		switch p.s[p.pos] {
		case ',':
			p.pos++
		case '}':
		default:
			return nil, p.errf("want ',' or '}', found %q", p.rest())
		}
	}
}

func pyInt(v any) (int, bool) {
	switch t := v.(type) {
	case int64:
		if t >= math.MinInt32 && t <= math.MaxInt32 {
			return int(t), true
		}
	case float64:
		if t == math.Trunc(t) && math.Abs(t) <= math.MaxInt32 {
			return int(t), true
		}
	}
	return 0, false
}

// plain turns parsed values into Go values for Metadata.Args: dicts become
// map[string]any (non-string keys formatted), everything else stays.
func plain(v any) any {
	switch t := v.(type) {
	case pyDict:
		m := make(map[string]any, len(t))
		for _, kv := range t {
			k, ok := kv.key.(string)
			if !ok {
				k = fmt.Sprint(plain(kv.key))
			}
			m[k] = plain(kv.val)
		}
		return m
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = plain(x)
		}
		return out
	}
	return v
}
