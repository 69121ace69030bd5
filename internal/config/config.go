// Package config reads .yologate.yml, the repository's settings for the
// gate: the cases to run, thresholds, the baseline path and comment mode.
//
// Every top-level key except "cases" and "version" names a command-line
// flag (flagdef.Def.ConfigKey: "base" sets --base-model), with hyphens or
// underscores (drift_budget is drift-budget); a flag given on the command
// line always wins over the file. Unknown keys, and values the flag would
// refuse (a type, a range, a word it does not know), are errors with
// file:line:column naming the key, so a typo cannot silently fall back to
// a default nor surface later as a flag the user never typed.
package config

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/internal/flagdef"
)

// FileName is the config file yologate looks for in the working directory.
const FileName = ".yologate.yml"

// maxSize bounds the config file: a settings file larger than this is a
// mistake (or an attack), and is refused before it is read.
const maxSize = 1 << 20

// Version is the only config schema version this package reads.
const Version = 1

// Keys are the settings a config file may hold at the top level, each
// naming the flag it sets (flagdef.Defs says which). Commands without
// such a flag ignore the key.
var Keys = flagdef.ConfigKeys()

// caseKeys are the settings one entry of "cases" may hold.
var caseKeys = []string{"model", "imgsz", "batch", "ep", "precision"}

// Config is a parsed config file.
type Config struct {
	// Path is the file it was read from.
	Path string
	// Settings maps flag names to values, as strings the flag would parse.
	Settings map[string]Value
	// Cases lists explicit cases; empty means the flags' cross product.
	Cases []Case
}

// Value is one setting with where it was written, for error messages.
type Value struct {
	Text      string
	Line, Col int
}

// Case is one entry of "cases": settings that apply to that case only.
type Case struct {
	Settings map[string]Value
	Line     int
}

// Get returns the value of key in the case, falling back to the file's
// top-level setting.
func (c *Config) Get(cs *Case, key string) (Value, bool) {
	if cs != nil {
		if v, ok := cs.Settings[key]; ok {
			return v, true
		}
	}
	v, ok := c.Settings[key]
	return v, ok
}

// Find returns the path of the config file in dir, or "" when there is none.
func Find(dir string) string {
	p := filepath.Join(dir, FileName)
	if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
		return p
	}
	return ""
}

// Load reads and validates the config file at path.
func Load(path string) (*Config, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		// A path the user typed that names nothing is a usage mistake.
		return nil, errs.Inputf(path, "check the path, or drop --config to use "+FileName+" in the working directory", "no such config file")
	}
	if err != nil {
		return nil, errs.Envf(path, "check the path and its permissions", "cannot read config: %v", unwrapPath(err))
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, errs.Envf(path, "", "cannot read config: %v", unwrapPath(err))
	}
	if st.IsDir() {
		return nil, errs.Inputf(path, "point at the "+FileName+" file, not its folder", "is a directory")
	}
	if st.Size() > maxSize {
		return nil, errs.Inputf(path, "keep the config under 1 MiB", "config is %d bytes", st.Size())
	}
	data, err := io.ReadAll(io.LimitReader(f, maxSize+1))
	if err != nil {
		return nil, errs.Envf(path, "", "cannot read config: %v", unwrapPath(err))
	}
	return Parse(path, data)
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Parse validates config data read from name, reporting every problem.
func Parse(name string, data []byte) (*Config, error) {
	cfg := &Config{Path: name, Settings: map[string]Value{}}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return cfg, nil
		}
		return nil, yamlError(name, err)
	}
	if len(doc.Content) == 0 {
		return cfg, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, errs.At(name, root.Line, root.Column, "write settings as \"key: value\" lines", "the config must be a mapping")
	}
	var problems errs.List
	seen := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		// drift_budget is drift-budget: the action's inputs are written
		// with underscores, the flags with hyphens.
		key := strings.ReplaceAll(k.Value, "_", "-")
		if seen[key] {
			problems = append(problems, errs.At(name, k.Line, k.Column, "keep one of them", "duplicate key %q", k.Value))
			continue
		}
		seen[key] = true
		switch key {
		case "version":
			if n, err := strconv.Atoi(v.Value); err != nil || n != Version || v.Kind != yaml.ScalarNode {
				problems = append(problems, errs.At(name, v.Line, v.Column, fmt.Sprintf("write \"version: %d\"", Version), "unknown config version %q", v.Value))
			}
		case "cases":
			problems = append(problems, cfg.parseCases(name, v)...)
		default:
			if !known(Keys, key) {
				problems = append(problems, unknownKey(name, k, Keys))
				continue
			}
			val, err := scalarOrList(name, k.Value, v)
			if err == nil {
				err = checkNode(name, k.Value, v, val)
			}
			if err != nil {
				problems = append(problems, err)
				continue
			}
			cfg.Settings[key] = val
		}
	}
	if len(problems) > 0 {
		return nil, problems
	}
	return cfg, nil
}

func (cfg *Config) parseCases(name string, v *yaml.Node) errs.List {
	if v.Kind != yaml.SequenceNode {
		return errs.List{errs.At(name, v.Line, v.Column, "write cases as a list of \"- model: ...\" entries", "cases must be a list")}
	}
	var problems errs.List
	for _, item := range v.Content {
		if item.Kind != yaml.MappingNode {
			problems = append(problems, errs.At(name, item.Line, item.Column, "write \"- model: yolov8n\"", "a case must be a mapping"))
			continue
		}
		c := Case{Settings: map[string]Value{}, Line: item.Line}
		for i := 0; i+1 < len(item.Content); i += 2 {
			k, val := item.Content[i], item.Content[i+1]
			if !known(caseKeys, k.Value) {
				problems = append(problems, unknownKey(name, k, caseKeys))
				continue
			}
			if _, dup := c.Settings[k.Value]; dup {
				problems = append(problems, errs.At(name, k.Line, k.Column, "keep one of them", "duplicate key %q", k.Value))
				continue
			}
			sv, err := scalarOrList(name, k.Value, val)
			if err == nil {
				err = checkNode(name, k.Value, val, sv)
			}
			if err != nil {
				problems = append(problems, err)
				continue
			}
			c.Settings[k.Value] = sv
		}
		if _, ok := c.Settings["model"]; !ok {
			problems = append(problems, errs.At(name, item.Line, item.Column, "add \"model: yolov8n\" (or a path to an .onnx file)", "case has no model"))
		}
		cfg.Cases = append(cfg.Cases, c)
	}
	return problems
}

// scalarOrList turns a scalar, or a flow list of scalars, into the string a
// flag parses (lists join with commas).
func scalarOrList(name, key string, v *yaml.Node) (Value, *errs.Error) {
	switch v.Kind {
	case yaml.ScalarNode:
		return Value{Text: v.Value, Line: v.Line, Col: v.Column}, nil
	case yaml.SequenceNode:
		parts := make([]string, 0, len(v.Content))
		for _, e := range v.Content {
			if e.Kind != yaml.ScalarNode {
				return Value{}, errs.At(name, e.Line, e.Column, "use a list of plain values", "%s: nested lists or mappings are not allowed", key)
			}
			parts = append(parts, e.Value)
		}
		return Value{Text: strings.Join(parts, ","), Line: v.Line, Col: v.Column}, nil
	case yaml.AliasNode:
		return Value{}, errs.At(name, v.Line, v.Column, "write the value out", "%s: aliases are not allowed", key)
	}
	return Value{}, errs.At(name, v.Line, v.Column, "use a plain value or a list", "%s: expected a value", key)
}

func known(keys []string, k string) bool {
	for _, x := range keys {
		if x == k {
			return true
		}
	}
	return false
}

func unknownKey(name string, k *yaml.Node, keys []string) *errs.Error {
	sorted := append([]string(nil), keys...)
	sort.Strings(sorted)
	return errs.At(name, k.Line, k.Column, "valid keys: "+strings.Join(sorted, ", "), "unknown key %q", k.Value)
}

// yamlError turns a yaml.v3 syntax error ("yaml: line 3: ...") into a
// positioned error.
func yamlError(name string, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if n, after, ok := strings.Cut(rest, ":"); ok {
			if l, err := strconv.Atoi(n); err == nil {
				line, msg = l, strings.TrimSpace(after)
			}
		}
	}
	return errs.At(name, line, 0, "fix the YAML syntax", "%s", msg)
}

// Apply sets every flag of fs that the config names and that was not given
// on the command line. Keys for flags fs does not define are ignored (they
// belong to other commands). A value the flag rejects is reported at its
// position in the file.
func (c *Config) Apply(fs *flag.FlagSet, cs *Case) error {
	if c == nil {
		return nil
	}
	explicit := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { explicit[f.Name] = true })
	keys := make([]string, 0, len(c.Settings))
	for k := range c.Settings {
		keys = append(keys, k)
	}
	if cs != nil {
		for k := range cs.Settings {
			if _, ok := c.Settings[k]; !ok {
				keys = append(keys, k)
			}
		}
	}
	sort.Strings(keys)
	var problems errs.List
	for _, k := range keys {
		name := flagdef.FlagOfKey(k)
		if explicit[name] || fs.Lookup(name) == nil {
			continue
		}
		v, _ := c.Get(cs, k)
		if err := fs.Set(name, v.Text); err != nil {
			problems = append(problems, errs.At(c.Path, v.Line, v.Col, "see \"yologate COMMAND --help\" for the values --"+name+" takes", "%s: %v", k, err))
		}
	}
	return problems.Err()
}

// Locate turns an error about a flag ("--precision: ...") whose value came
// from the file into one at the key's position there (".yologate.yml:7:12:
// precision: ..."): the user never typed that flag. cs, when set, is the
// case whose own settings come first; fromFile reports whether a flag's
// value came from the file (not the command line). Other errors are
// returned as they are.
func (c *Config) Locate(err error, cs *Case, fromFile func(flag string) bool) error {
	if c == nil || err == nil {
		return err
	}
	switch e := err.(type) {
	case *errs.Error:
		return c.locate(e, cs, fromFile)
	case errs.List:
		out := make(errs.List, len(e))
		for i := range e {
			out[i] = c.locate(e[i], cs, fromFile)
		}
		return out
	}
	return err
}

func (c *Config) locate(e *errs.Error, cs *Case, fromFile func(string) bool) *errs.Error {
	name, ok := strings.CutPrefix(e.Where, "--")
	if !ok || e.Line != 0 {
		return e
	}
	key := name
	if d, ok := flagdef.Lookup(name); ok {
		key = d.ConfigKey()
	}
	if !fromFile(name) {
		return e
	}
	v, ok := Value{}, false
	if cs != nil {
		v, ok = cs.Settings[key]
	}
	if !ok {
		v, ok = c.Settings[key]
	}
	if !ok {
		return e
	}
	out := *e
	out.Where, out.Line, out.Col = c.Path, v.Line, v.Col
	out.Msg = key + ": " + e.Msg
	return &out
}
