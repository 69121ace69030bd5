package results

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"reflect"
	"strings"

	"github.com/yologate/yologate/internal/atomicfile"
	"github.com/yologate/yologate/internal/errs"
)

// MaxFileSize bounds a results file Read accepts: ten cases of a million
// iterations each, with room to spare.
const MaxFileSize = 512 << 20

// Marshal returns f as indented JSON with a final newline: the one form
// Write produces, so that Marshal(Unmarshal(Marshal(f))) is byte-identical.
func Marshal(f *File) ([]byte, error) {
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// Write validates f and writes it to path atomically: a temporary file in
// the same folder, synced, then renamed over path, so that readers never
// see a half-written file. I/O failures are environment errors naming path.
func Write(path string, f *File) error {
	if err := Validate(path, f); err != nil {
		return err
	}
	data, err := Marshal(f)
	if err != nil {
		return &errs.Error{Kind: errs.Env, Where: path, Msg: "encoding results: " + err.Error()}
	}
	return atomicfile.Write(path, data, 0)
}

// Read reads and validates the results file at path. A missing file, bad
// JSON, another schema or inconsistent numbers are input errors naming the
// file and the JSON field (or line:column).
func Read(path string) (*File, error) {
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, errs.Inputf(path, "pass a file written by yologate run --out", "no such results file")
		}
		return nil, &errs.Error{Kind: errs.Env, Where: path, Err: err}
	}
	if st.IsDir() {
		return nil, errs.Inputf(path, "pass a file written by yologate run --out", "is a directory, not a results file")
	}
	if st.Size() > MaxFileSize {
		return nil, errs.Inputf(path, "", "file of %d bytes is larger than the %d-byte limit for results", st.Size(), MaxFileSize)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &errs.Error{Kind: errs.Env, Where: path, Err: err}
	}
	return Unmarshal(path, data)
}

// Unmarshal decodes and validates results JSON; name is the file name used
// in errors.
func Unmarshal(name string, data []byte) (*File, error) {
	// Check the schema first, so that a file of another version says so
	// instead of failing on a field it renamed.
	var head struct {
		Schema *string `json:"schema"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, jsonErr(name, data, err)
	}
	if head.Schema == nil {
		return nil, errs.Inputf(name, "pass a file written by yologate run --out", "no \"schema\" field: not a yologate results file")
	}
	if *head.Schema != Schema {
		return nil, errs.Inputf(name+": schema", "this yologate reads "+Schema+"; re-run with a matching version", "unsupported schema %q", *head.Schema)
	}
	var f File
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, jsonErr(name, data, err)
	}
	if err := Validate(name, &f); err != nil {
		return nil, err
	}
	return &f, nil
}

// jsonErr positions a decoding error at line:column of data.
func jsonErr(name string, data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		// Offset counts the bytes read, the bad one included.
		line, col := position(data, max(syn.Offset-1, 0))
		return errs.At(name, line, col, jsonFix, "invalid JSON: %s", syn.Error())
	case errors.As(err, &typ):
		line, col := position(data, typ.Offset)
		return errs.At(name, line, col, jsonFix, "field %q: %s value where %s was expected", typ.Field, typ.Value, typ.Type)
	}
	return errs.Inputf(name, jsonFix, "invalid results: %s", err.Error())
}

// jsonFix is the fix for a results file that is not valid JSON: it was cut
// short, edited by hand or is another file altogether.
const jsonFix = "pass a complete file written by yologate run --out"

// position turns a byte offset into a 1-based line and column.
func position(data []byte, off int64) (int, int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	if off < 0 {
		off = 0
	}
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(off) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return line, col
}

// Validate checks f's invariants: the schema and status, finite numbers
// that are not negative (except a CPU case's device, -1), unique case ids,
// and repeats whose counts agree (latencies = iterations ≤ frames, FPS =
// frames / wall time, min ≤ mean, p50 ≤ max, percentiles present only above
// their iteration floors). It returns every problem found, each naming name
// and the JSON field.
func Validate(name string, f *File) error {
	v := &validator{name: name}
	if f.Schema != Schema {
		v.add("schema", "unsupported schema %q, want %q", f.Schema, Schema)
	}
	if f.Status != StatusComplete && f.Status != StatusIncomplete {
		v.add("status", "%q is neither %q nor %q", f.Status, StatusComplete, StatusIncomplete)
	}
	if !f.Started.IsZero() && !f.Finished.IsZero() && f.Finished.Before(f.Started) {
		v.add("finished", "before started")
	}
	v.numbers("", reflect.ValueOf(f).Elem())
	ids := map[string]int{}
	for i := range f.Cases {
		c := &f.Cases[i]
		at := fmt.Sprintf("cases[%d]", i)
		if c.ID == "" {
			v.add(at+".id", "empty case id")
		} else if j, dup := ids[c.ID]; dup {
			v.add(at+".id", "case %q repeats cases[%d]", c.ID, j)
		} else {
			ids[c.ID] = i
		}
		if c.Batch < 1 {
			v.add(at+".batch", "batch %d, want 1 or more", c.Batch)
		}
		if c.Device < -1 {
			v.add(at+".device", "device %d, want -1 (CPU) or a GPU index", c.Device)
		}
		for k := range c.Repeats {
			v.repeat(fmt.Sprintf("%s.repeats[%d]", at, k), &c.Repeats[k])
		}
	}
	return v.list.Err()
}

type validator struct {
	name string
	list errs.List
}

// maxProblems stops a validator from listing a million bad latencies.
const maxProblems = 20

func (v *validator) add(field, format string, args ...any) {
	if len(v.list) >= maxProblems {
		return
	}
	v.list = append(v.list, errs.Inputf(v.name+": "+field, "pass the file yologate run wrote, unedited", format, args...))
}

// relTol is the relative tolerance for derived values (FPS) that a writer
// computed in floating point.
const relTol = 1e-9

func (v *validator) repeat(at string, r *Repeat) {
	if r.Iterations < 1 {
		v.add(at+".iterations", "%d iterations, want 1 or more", r.Iterations)
		return
	}
	if len(r.LatenciesNS) != r.Iterations {
		v.add(at+".latencies_ns", "%d latencies for %d iterations", len(r.LatenciesNS), r.Iterations)
	}
	if r.Frames < r.Iterations {
		v.add(at+".frames", "%d frames for %d iterations", r.Frames, r.Iterations)
	}
	if r.WallNS <= 0 {
		v.add(at+".wall_ns", "wall time %d ns, want more than 0", r.WallNS)
	} else if want := float64(r.Frames) / (float64(r.WallNS) / 1e9); math.Abs(r.FPS-want) > relTol*want {
		v.add(at+".fps", "%v fps, but frames / wall time is %v", r.FPS, want)
	}
	l := r.Latency
	if l.MinMS > l.MeanMS*(1+relTol) || l.MeanMS > l.MaxMS*(1+relTol) || l.MinMS > l.P50MS || l.P50MS > l.MaxMS {
		v.add(at+".latency", "summary out of order: min %v, mean %v, p50 %v, max %v ms", l.MinMS, l.MeanMS, l.P50MS, l.MaxMS)
	}
	for _, p := range []struct {
		field string
		val   *float64
		floor int
	}{{"p90_ms", l.P90MS, MinIterationsP90}, {"p95_ms", l.P95MS, MinIterationsP95}, {"p99_ms", l.P99MS, MinIterationsP99}} {
		if p.val == nil {
			continue
		}
		if r.Iterations < p.floor {
			v.add(at+".latency."+p.field, "reported from %d iterations; it needs %d or more", r.Iterations, p.floor)
		} else if *p.val < l.P50MS || *p.val > l.MaxMS {
			v.add(at+".latency."+p.field, "%v ms is outside p50..max (%v..%v)", *p.val, l.P50MS, l.MaxMS)
		}
	}
}

// negativeOK lists the JSON fields that may hold a negative number.
var negativeOK = map[string]bool{"device": true, "x1": true, "y1": true, "x2": true, "y2": true}

// numbers walks every number in x and checks that it is finite and, except
// for negativeOK fields, not negative.
func (v *validator) numbers(path string, x reflect.Value) {
	switch x.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !x.IsNil() {
			v.numbers(path, x.Elem())
		}
	case reflect.Struct:
		t := x.Type()
		if t.PkgPath() != reflect.TypeOf(File{}).PkgPath() {
			return // time.Time and other foreign types
		}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if tag == "-" {
				continue
			}
			if tag == "" {
				tag = f.Name
			}
			p := tag
			if path != "" {
				p = path + "." + tag
			}
			v.numbers(p, x.Field(i))
		}
	case reflect.Slice, reflect.Array:
		if x.Type().Elem().Kind() == reflect.Int64 {
			// Latency arrays: one message for the first bad element.
			for i := 0; i < x.Len(); i++ {
				if x.Index(i).Int() < 0 && !negativeOK[lastField(path)] {
					v.add(fmt.Sprintf("%s[%d]", path, i), "negative value %d", x.Index(i).Int())
					return
				}
			}
			return
		}
		for i := 0; i < x.Len(); i++ {
			v.numbers(fmt.Sprintf("%s[%d]", path, i), x.Index(i))
		}
	case reflect.Map:
		iter := x.MapRange()
		for iter.Next() {
			v.numbers(fmt.Sprintf("%s[%v]", path, iter.Key()), iter.Value())
		}
	case reflect.Float32, reflect.Float64:
		f := x.Float()
		switch {
		case math.IsNaN(f) || math.IsInf(f, 0):
			v.add(path, "%v is not a finite number", f)
		case f < 0 && !negativeOK[lastField(path)]:
			v.add(path, "negative value %v", f)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if x.Int() < 0 && !negativeOK[lastField(path)] {
			v.add(path, "negative value %d", x.Int())
		}
	}
}

// lastField returns the last field name of a JSON path ("a.b[3]" → "b").
func lastField(path string) string {
	if i := strings.IndexByte(path, '['); i >= 0 && !strings.Contains(path[i:], ".") {
		path = path[:i]
	}
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		path = path[i+1:]
	}
	return path
}
