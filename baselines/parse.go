package baselines

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/runner/results"
)

// MaxFileSize is the largest baseline file read, in bytes. A thousand cases
// with 30 repeats of three metrics take about 2 MiB; reference detections
// add about 100 KiB per hundred images. 32 MiB leaves room for that many
// times over while refusing a file that would exhaust memory.
const MaxFileSize = 32 << 20

// maxKeyLen bounds profile names and case ids: YAML allows at most 1024
// characters in a plain key, and a quoted key with escapes grows up to
// fourfold.
const maxKeyLen = 250

// Read reads and parses the baseline file at path. A file larger than
// MaxFileSize is refused before it is read.
func Read(path string) (*File, error) {
	data, err := readCapped(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// readCapped reads path, refusing one larger than MaxFileSize.
func readCapped(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, errs.Inputf(path, "check the path, or create it with \"yologate baseline update\"", "baseline file does not exist")
		}
		return nil, &errs.Error{Kind: errs.Env, Where: path, Msg: "cannot open baseline file: " + err.Error()}
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > MaxFileSize {
		return nil, errs.Inputf(path, "split the baselines into several files",
			"baseline file is %d bytes, more than the %d allowed", st.Size(), MaxFileSize)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, &errs.Error{Kind: errs.Env, Where: path, Msg: "cannot read baseline file: " + err.Error()}
	}
	if len(data) > MaxFileSize {
		return nil, errs.Inputf(path, "split the baselines into several files", "baseline file is more than %d bytes", MaxFileSize)
	}
	return data, nil
}

// Parse parses a baseline file's bytes. path names the file in errors. It
// reports every problem it finds (an errs.List), each with file:line:col
// and a fix.
func Parse(path string, data []byte) (*File, error) {
	d, err := parseDoc(path, data)
	if err != nil {
		return nil, err
	}
	return d.file, nil
}

// doc is a parsed baseline with the YAML nodes that Update edits.
type doc struct {
	file *File
	root *yaml.Node // the top-level mapping; nil for an empty document
	// profiles is the value node of "profiles"; nil when absent.
	profiles    *yaml.Node
	profilesKey *yaml.Node
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseDoc parses data into a File and keeps the node tree.
func parseDoc(path string, data []byte) (*doc, error) {
	if len(data) > MaxFileSize {
		return nil, errs.Inputf(path, "split the baselines into several files", "baseline file is more than %d bytes", MaxFileSize)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var n yaml.Node
	if err := dec.Decode(&n); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errs.At(path, 1, 0, "start the file with \"schema: "+Schema+"\", or create it with \"yologate baseline update\"", "baseline file is empty")
		}
		return nil, yamlError(path, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, errs.At(path, extra.Line, extra.Column, "keep one document per baseline file", "more than one YAML document")
	} else if !errors.Is(err, io.EOF) {
		return nil, yamlError(path, err)
	}
	p := &parser{path: path}
	d := &doc{file: &File{Path: path}}
	p.checkAliases(&n)
	if len(p.errs) > 0 {
		return nil, p.errs
	}
	root := &n
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		p.add(root, "write a mapping with \"schema\" and \"profiles\"", "baseline file is a %s, want a mapping", kindName(root))
		return nil, p.errs
	}
	d.root = root
	sawSchema := false
	p.mapping(root, "", func(k, v *yaml.Node) {
		switch k.Value {
		case "schema":
			sawSchema = true
			s := p.str(v, "schema")
			d.file.Schema = s
			if s != Schema && v.Kind == yaml.ScalarNode {
				p.add(v, "this yologate reads \""+Schema+"\"; upgrade yologate or rewrite the file with \"yologate baseline update\"",
					"unknown schema version %q", s)
			}
		case "profiles":
			d.profiles, d.profilesKey = v, k
			d.file.Profiles = p.profiles(v)
		default:
			p.unknown(k, "top level", "schema, profiles")
		}
	})
	if !sawSchema {
		p.add(root, "add \"schema: "+Schema+"\" as the first line", "missing schema version")
	}
	if len(p.errs) > 0 {
		return nil, p.errs
	}
	return d, nil
}

// yamlError turns a YAML syntax error into a positioned one.
func yamlError(path string, err error) error {
	msg := err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return errs.At(path, line, 0, "fix the YAML syntax", "malformed YAML: %s", m[2])
	}
	return errs.At(path, 0, 0, "fix the YAML syntax", "malformed YAML: %s", strings.TrimPrefix(msg, "yaml: "))
}

// parser walks the node tree and collects every problem.
type parser struct {
	path string
	errs errs.List
}

func (p *parser) add(n *yaml.Node, fix, format string, args ...any) {
	p.errs = append(p.errs, errs.At(p.path, n.Line, n.Column, fix, format, args...))
}

// checkAliases refuses anchors' aliases anywhere: a baseline is plain data,
// and an alias can expand a small file into an enormous tree. It reports
// the first alias and counts the others, so that an alias bomb reads as
// one problem, not thousands.
func (p *parser) checkAliases(n *yaml.Node) {
	var first *yaml.Node
	count := 0
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.AliasNode {
			if first == nil {
				first = n
			}
			count++
			return
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(n)
	switch {
	case count == 1:
		p.add(first, "write the value out instead of referring to an anchor", "YAML aliases are not allowed in a baseline file")
	case count > 1:
		p.add(first, "write the values out instead of referring to anchors",
			"YAML aliases are not allowed in a baseline file; this is the first of %d", count)
	}
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "null"
		}
		return "scalar"
	}
	return "node"
}

// mapping calls f for each key/value of n, reporting non-scalar and
// duplicate keys. where names the mapping in messages.
func (p *parser) mapping(n *yaml.Node, where string, f func(k, v *yaml.Node)) {
	if n.Kind != yaml.MappingNode {
		if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
			return // an empty value: no entries
		}
		p.add(n, "write a mapping of \"key: value\" lines", "%s is a %s, want a mapping", nonEmpty(where, "value"), kindName(n))
		return
	}
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			p.add(k, "use a plain string as the key", "key in %s is a %s, want a string", nonEmpty(where, "mapping"), kindName(k))
			continue
		}
		if prev, dup := seen[k.Value]; dup {
			p.add(k, fmt.Sprintf("remove one of them (the first is on line %d)", prev.Line), "duplicate key %q", k.Value)
			continue
		}
		seen[k.Value] = k
		f(k, v)
	}
}

func nonEmpty(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

func (p *parser) unknown(k *yaml.Node, where, known string) {
	p.add(k, "remove it or fix its spelling; known fields: "+known, "unknown field %q in %s", k.Value, where)
}

// str reads a string scalar; any scalar tag is taken as its text (a commit
// of digits is still a string) except null, which reads as "".
func (p *parser) str(n *yaml.Node, field string) string {
	if n.Kind != yaml.ScalarNode {
		p.add(n, "write a single value", "%s is a %s, want a string", field, kindName(n))
		return ""
	}
	if n.Tag == "!!null" {
		return ""
	}
	return n.Value
}

// number reads a finite, positive number.
func (p *parser) number(n *yaml.Node, field string) (float64, bool) {
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!float") {
		p.add(n, "write a number such as 12.5", "%s is %s, want a number", field, describe(n))
		return 0, false
	}
	v, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
	if err != nil {
		lv := strings.ToLower(n.Value)
		if strings.Contains(lv, "inf") || strings.Contains(lv, "nan") {
			p.add(n, "remove the sample or record the baseline again", "%s is %s, want a finite number", field, n.Value)
			return 0, false
		}
		if iv, ierr := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64); ierr == nil {
			v = float64(iv)
		} else {
			p.add(n, "write a decimal number such as 12.5", "%s is %q, want a number", field, n.Value)
			return 0, false
		}
	}
	if math.IsInf(v, 0) || math.IsNaN(v) {
		p.add(n, "remove the sample or record the baseline again", "%s is %s, want a finite number", field, n.Value)
		return 0, false
	}
	if v <= 0 {
		p.add(n, "a measured rate or latency is always positive: remove the sample or record the baseline again", "%s is %s, want a positive number", field, n.Value)
		return 0, false
	}
	return v, true
}

func describe(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode {
		if n.Tag == "!!null" {
			return "empty"
		}
		return strconv.Quote(n.Value)
	}
	return "a " + kindName(n)
}

func (p *parser) integer(n *yaml.Node, field string) int {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
		p.add(n, "write a whole number", "%s is %s, want a whole number", field, describe(n))
		return 0
	}
	v, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 32)
	if err != nil || v < 0 {
		p.add(n, "write a whole number ≥ 0", "%s is %s, want a whole number ≥ 0", field, n.Value)
		return 0
	}
	return int(v)
}

func (p *parser) boolean(n *yaml.Node, field string) bool {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
		p.add(n, "write true or false", "%s is %s, want true or false", field, describe(n))
		return false
	}
	var b bool
	_ = n.Decode(&b)
	return b
}

func (p *parser) strings(n *yaml.Node, field string) []string {
	if n.Kind != yaml.SequenceNode {
		p.add(n, "write a list such as [a, b]", "%s is %s, want a list of strings", field, describe(n))
		return nil
	}
	out := []string{}
	for _, c := range n.Content {
		out = append(out, p.str(c, field+" entry"))
	}
	return out
}

func (p *parser) profiles(n *yaml.Node) []Profile {
	var out []Profile
	p.mapping(n, "profiles", func(k, v *yaml.Node) {
		if strings.TrimSpace(k.Value) == "" {
			p.add(k, "use the profile that \"yologate run\" writes, such as \"gpu=NVIDIA A10\"", "empty profile name")
			return
		}
		if len(k.Value) > maxKeyLen {
			p.add(k, "shorten it", "profile name is %d characters, more than %d", len(k.Value), maxKeyLen)
			return
		}
		prof := Profile{Name: k.Value}
		p.mapping(v, fmt.Sprintf("profile %q", k.Value), func(ck, cv *yaml.Node) {
			if strings.TrimSpace(ck.Value) == "" {
				p.add(ck, "use the case id that \"yologate run\" writes", "empty case id")
				return
			}
			if len(ck.Value) > maxKeyLen {
				p.add(ck, "shorten the case id", "case id is %d characters, more than %d", len(ck.Value), maxKeyLen)
				return
			}
			prof.Cases = append(prof.Cases, p.caseEntry(ck, cv))
		})
		out = append(out, prof)
	})
	return out
}

const caseFields = "threshold, model, samples, environment, gpu, provenance, marks, check, detections"

func (p *parser) caseEntry(k, n *yaml.Node) Case {
	c := Case{ID: k.Value}
	sawSamples := false
	p.mapping(n, fmt.Sprintf("case %q", k.Value), func(fk, fv *yaml.Node) {
		switch fk.Value {
		case "threshold":
			s := p.str(fv, "threshold")
			if fv.Kind != yaml.ScalarNode {
				return
			}
			pc, err := ParsePercent(s)
			if err != nil {
				p.add(fv, "write a percentage such as 5%", "threshold %s", err.Error())
				return
			}
			c.ThresholdPct = &pc
		case "model":
			p.mapping(fv, "model", func(mk, mv *yaml.Node) {
				switch mk.Value {
				case "name":
					c.Model.Name = p.str(mv, "model.name")
				case "sha256":
					c.Model.SHA256 = p.str(mv, "model.sha256")
				default:
					p.unknown(mk, "model", "name, sha256")
				}
			})
		case "samples":
			sawSamples = true
			p.samples(fv, &c.Samples)
		case "environment":
			p.environment(fv, &c.Environment)
		case "gpu":
			c.GPU = p.gpuState(fv)
		case "provenance":
			p.provenance(fv, &c.Provenance)
		case "marks":
			c.Marks = p.strings(fv, "marks")
		case "check":
			c.Check = p.checkSettings(fv)
		case "detections":
			c.Detections = p.detections(fv)
		default:
			p.unknown(fk, fmt.Sprintf("case %q", k.Value), caseFields)
		}
	})
	if !sawSamples && n.Kind == yaml.MappingNode {
		p.add(k, "record the case with \"yologate baseline update\"", "case %q has no samples", k.Value)
	}
	return c
}

func (p *parser) samples(n *yaml.Node, s *Samples) {
	sawFPS := false
	p.mapping(n, "samples", func(k, v *yaml.Node) {
		var dst *[]float64
		switch k.Value {
		case "fps":
			dst, sawFPS = &s.FPS, true
		case "p50_ms":
			dst = &s.P50MS
		case "p99_ms":
			dst = &s.P99MS
		default:
			p.unknown(k, "samples", "fps, p50_ms, p99_ms")
			return
		}
		if v.Kind != yaml.SequenceNode {
			p.add(v, "write the per-repeat values as a list such as [12.1, 12.3]", "samples.%s is %s, want a list of numbers", k.Value, describe(v))
			return
		}
		if len(v.Content) == 0 {
			p.add(v, "record the case again, or remove the metric", "samples.%s is empty", k.Value)
			return
		}
		vals := make([]float64, 0, len(v.Content))
		for _, e := range v.Content {
			if x, ok := p.number(e, "samples."+k.Value+" value"); ok {
				vals = append(vals, x)
			}
		}
		*dst = vals
	})
	if !sawFPS && n.Kind == yaml.MappingNode {
		p.add(n, "record the case with \"yologate baseline update\"", "samples has no fps")
	}
}

// checkSettings reads the accuracy check's settings: a score threshold in
// (0,1) and an IoU threshold in (0,1], both required.
func (p *parser) checkSettings(n *yaml.Node) *CheckSettings {
	cs := &CheckSettings{}
	seen := map[string]bool{}
	p.mapping(n, "check", func(k, v *yaml.Node) {
		var dst *float64
		switch k.Value {
		case "conf":
			dst = &cs.Conf
		case "iou":
			dst = &cs.IoU
		default:
			p.unknown(k, "check", "conf, iou")
			return
		}
		seen[k.Value] = true
		if x, ok := p.number(v, "check."+k.Value); ok {
			if x >= 1 && k.Value == "conf" || x > 1 {
				p.add(v, "record the baseline again with --check-conf in (0,1) and --check-iou in (0,1]", "check.%s is %s, out of range", k.Value, v.Value)
				return
			}
			*dst = x
		}
	})
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" || n.Kind == yaml.MappingNode && (!seen["conf"] || !seen["iou"]) {
		p.add(n, "write both, e.g. \"check: {conf: 0.25, iou: 0.45}\"", "check needs conf and iou")
	}
	return cs
}

const gpuFields = "gpu_util_pct, sm_clock_mhz, mem_clock_mhz, power_w, power_limit_w, temp_c, host_cpu_pct"

func (p *parser) gpuState(n *yaml.Node) *GPUState {
	g := &GPUState{}
	p.mapping(n, "gpu", func(k, v *yaml.Node) {
		dst := map[string]*float64{
			"gpu_util_pct": &g.GPUUtilPct, "sm_clock_mhz": &g.SMClockMHz, "mem_clock_mhz": &g.MemClockMHz,
			"power_w": &g.PowerW, "power_limit_w": &g.PowerLimitW, "temp_c": &g.TempC, "host_cpu_pct": &g.HostCPUPct,
		}[k.Value]
		if dst == nil {
			p.unknown(k, "gpu", gpuFields)
			return
		}
		if x, ok := p.number(v, "gpu."+k.Value); ok {
			*dst = x
		}
	})
	return g
}

const envFields = "cpu_model, threads, gpu_model, driver, cuda_driver, ort_version, tensorrt_version, provider, provider_options, precision, os, kernel, yologate, container_image"

func (p *parser) environment(n *yaml.Node, e *Environment) {
	p.mapping(n, "environment", func(k, v *yaml.Node) {
		f := "environment." + k.Value
		switch k.Value {
		case "cpu_model":
			e.CPUModel = p.str(v, f)
		case "threads":
			e.Threads = p.integer(v, f)
		case "gpu_model":
			e.GPUModel = p.str(v, f)
		case "driver":
			e.Driver = p.str(v, f)
		case "cuda_driver":
			e.CUDADriver = p.str(v, f)
		case "ort_version":
			e.ORTVersion = p.str(v, f)
		case "tensorrt_version":
			e.TensorRTVersion = p.str(v, f)
		case "provider":
			e.Provider = p.str(v, f)
		case "provider_options":
			opts := map[string]string{}
			p.mapping(v, f, func(ok, ov *yaml.Node) {
				opts[ok.Value] = p.str(ov, f+"."+ok.Value)
			})
			if len(opts) > 0 {
				e.ProviderOptions = opts
			}
		case "precision":
			e.Precision = p.str(v, f)
		case "os":
			e.OS = p.str(v, f)
		case "kernel":
			e.Kernel = p.str(v, f)
		case "yologate":
			e.Yologate = p.str(v, f)
		case "container_image":
			e.ContainerImage = p.str(v, f)
		default:
			p.unknown(k, "environment", envFields)
		}
	})
}

func (p *parser) provenance(n *yaml.Node, pr *Provenance) {
	p.mapping(n, "provenance", func(k, v *yaml.Node) {
		f := "provenance." + k.Value
		switch k.Value {
		case "commit":
			pr.Commit = p.str(v, f)
		case "date":
			s := p.str(v, f)
			if s == "" {
				return
			}
			t, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				p.add(v, "write an RFC 3339 time such as 2026-01-02T15:04:05Z", "provenance.date %q is not a time", s)
				return
			}
			pr.Date = t.UTC()
		case "run_url":
			pr.RunURL = p.str(v, f)
		case "author":
			pr.Author = p.str(v, f)
		case "reason":
			pr.Reason = p.str(v, f)
		case "forced":
			pr.Forced = p.boolean(v, f)
		default:
			p.unknown(k, "provenance", "commit, date, run_url, author, reason, forced")
		}
	})
}

func (p *parser) detections(n *yaml.Node) []results.ImageDetections {
	if n.Kind != yaml.SequenceNode {
		p.add(n, "write a list of images", "detections is %s, want a list", describe(n))
		return nil
	}
	out := []results.ImageDetections{}
	for _, img := range n.Content {
		var d results.ImageDetections
		sawImage := false
		p.mapping(img, "detections entry", func(k, v *yaml.Node) {
			switch k.Value {
			case "image":
				sawImage = true
				d.Image = p.str(v, "detections.image")
			case "width":
				d.Width = p.integer(v, "detections.width")
			case "height":
				d.Height = p.integer(v, "detections.height")
			case "boxes":
				if v.Kind != yaml.SequenceNode {
					p.add(v, "write a list of boxes", "detections.boxes is %s, want a list", describe(v))
					return
				}
				d.Detections = []results.Detection{}
				for _, b := range v.Content {
					d.Detections = append(d.Detections, p.box(b))
				}
			default:
				p.unknown(k, "detections entry", "image, width, height, boxes")
			}
		})
		if !sawImage && img.Kind == yaml.MappingNode {
			p.add(img, "name the reference image", "detections entry has no image")
		}
		out = append(out, d)
	}
	return out
}

func (p *parser) box(n *yaml.Node) results.Detection {
	var d results.Detection
	coord := func(v *yaml.Node, f string) float64 {
		if v.Kind != yaml.ScalarNode || (v.Tag != "!!int" && v.Tag != "!!float") {
			p.add(v, "write a number", "%s is %s, want a number", f, describe(v))
			return 0
		}
		x, err := strconv.ParseFloat(v.Value, 64)
		if err != nil || math.IsInf(x, 0) || math.IsNaN(x) {
			p.add(v, "write a finite number", "%s is %s, want a finite number", f, v.Value)
			return 0
		}
		return x
	}
	p.mapping(n, "box", func(k, v *yaml.Node) {
		switch k.Value {
		case "class":
			d.Class = p.integer(v, "box.class")
		case "name":
			d.Name = p.str(v, "box.name")
		case "score":
			d.Score = coord(v, "box.score")
		case "x1":
			d.X1 = coord(v, "box.x1")
		case "y1":
			d.Y1 = coord(v, "box.y1")
		case "x2":
			d.X2 = coord(v, "box.x2")
		case "y2":
			d.Y2 = coord(v, "box.y2")
		default:
			p.unknown(k, "box", "class, name, score, x1, y1, x2, y2")
		}
	})
	return d
}

// ParsePercent parses a threshold such as "5%" or "2.5%" into a percentage
// (5, 2.5): finite and ≥ 0. The percent sign is required, so that 5 and
// 0.05 cannot be confused.
func ParsePercent(s string) (float64, error) {
	t := strings.TrimSpace(s)
	if !strings.HasSuffix(t, "%") {
		return 0, fmt.Errorf("%q is not a percentage", s)
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(t, "%")), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%q is not a percentage", s)
	}
	if v < 0 {
		return 0, fmt.Errorf("%q is negative", s)
	}
	return v, nil
}

// ReadPath reads a baseline file, or every *.yaml and *.yml file of a
// folder (in name order) merged into one: a team may keep one file per
// hardware profile. A case id that appears twice under one profile is an
// error naming both files.
func ReadPath(path string) (*File, error) {
	st, err := os.Stat(path)
	if err != nil || !st.IsDir() {
		return Read(path)
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, &errs.Error{Kind: errs.Env, Where: path, Msg: "cannot list baseline folder: " + err.Error()}
	}
	merged := &File{Path: path, Schema: Schema}
	where := map[string]string{} // profile + "\x00" + case id → file
	var problems errs.List
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !isBaselineName(name) {
			continue
		}
		file := filepath.Join(path, name)
		f, err := Read(file)
		if err != nil {
			var l errs.List
			var one *errs.Error
			switch {
			case errors.As(err, &l):
				problems = append(problems, l...)
			case errors.As(err, &one):
				problems = append(problems, one)
			default:
				return nil, err
			}
			continue
		}
		for _, p := range f.Profiles {
			var dst *Profile
			for i := range merged.Profiles {
				if merged.Profiles[i].Name == p.Name {
					dst = &merged.Profiles[i]
				}
			}
			if dst == nil {
				merged.Profiles = append(merged.Profiles, Profile{Name: p.Name})
				dst = &merged.Profiles[len(merged.Profiles)-1]
			}
			for _, c := range p.Cases {
				k := p.Name + "\x00" + c.ID
				if prev, dup := where[k]; dup {
					problems = append(problems, errs.Inputf(file, "keep each case in one file",
						"case %q of profile %q is also in %s", c.ID, p.Name, prev))
					continue
				}
				where[k] = file
				dst.Cases = append(dst.Cases, c)
			}
		}
	}
	if len(problems) > 0 {
		return nil, problems
	}
	if len(where) == 0 && len(merged.Profiles) == 0 {
		return nil, errs.Inputf(path, "put baseline files (*.yaml) in the folder, or pass a file", "no baseline files in the folder")
	}
	return merged, nil
}

// ReadPathOrEmpty is ReadPath for a gate: a baseline folder that does not
// exist yet, like an empty one, is a baseline without cases (a repository
// before its first baseline), so that every case is new and the gate says
// so instead of stopping. A missing *.yaml or *.yml file stays an error: a
// file is named on purpose, and a typo must not pass as "no baseline".
func ReadPathOrEmpty(path string) (*File, error) {
	ext := strings.ToLower(filepath.Ext(strings.TrimRight(path, `/\`)))
	folder := strings.HasSuffix(path, "/") || strings.HasSuffix(path, string(filepath.Separator)) || ext != ".yaml" && ext != ".yml"
	st, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) && folder {
		return &File{Path: path, Schema: Schema}, nil
	}
	if err == nil && st.IsDir() {
		entries, err := os.ReadDir(path)
		if err != nil {
			return nil, &errs.Error{Kind: errs.Env, Where: path, Msg: "cannot list baseline folder: " + err.Error()}
		}
		if !slices.ContainsFunc(entries, func(e os.DirEntry) bool { return !e.IsDir() && isBaselineName(e.Name()) }) {
			return &File{Path: path, Schema: Schema}, nil
		}
	}
	return ReadPath(path)
}

// isBaselineName reports whether a file in a baseline folder is read as a
// baseline: *.yaml and *.yml.
func isBaselineName(name string) bool {
	return strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")
}
