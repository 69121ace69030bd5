package baselines

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/yologate/yologate/compare"
	"github.com/yologate/yologate/internal/atomicfile"
	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/runner/results"
)

// UpdateOptions configures Update and Apply.
type UpdateOptions struct {
	// Cases is a glob on case ids (see MatchCase) selecting the cases to
	// record; "" selects every case of the results.
	Cases string
	// Reason, Author, Commit and RunURL go into each updated case's
	// provenance; Commit and RunURL default to the results' CI fields.
	Reason string
	Author string
	Commit string
	RunURL string
	// Force accepts unstable, throttled, marked or incomplete results.
	Force bool
	// ResultsPath names the results file in messages.
	ResultsPath string
}

// FromEnv fills the provenance the environment knows where it is empty:
// Author from $GITHUB_ACTOR, else $USER; Commit from $GITHUB_SHA when res
// names no CI commit of its own.
func (o *UpdateOptions) FromEnv(getenv func(string) string, res *results.File) {
	if o.Author == "" {
		o.Author = getenv("GITHUB_ACTOR")
	}
	if o.Author == "" {
		o.Author = getenv("USER")
	}
	if o.Commit == "" && (res.Fingerprint.CI == nil || res.Fingerprint.CI.Commit == "") {
		o.Commit = getenv("GITHUB_SHA")
	}
}

// UpdateSummary lists what an update changed, as "profile | case id".
type UpdateSummary struct {
	Updated []string
	Added   []string
}

// lockWait is how long Update waits for a concurrent update to finish
// before giving up: updates take milliseconds, so a minute means a stuck
// process.
const lockWait = time.Minute

// Update records the selected cases of res into the baseline file at path:
// under a lock, it re-reads the file, rewrites only the measured cases
// (keeping every other byte, comment and the order), and replaces the file
// atomically. A file that does not exist is created. On any error the file
// is left as it was.
func Update(file string, res *results.File, opt UpdateOptions) (*UpdateSummary, error) {
	unlock, err := lock(lockPath(file), lockWait)
	if err != nil {
		return nil, err
	}
	defer unlock()
	var old []byte
	mode := os.FileMode(0o644)
	if st, err := os.Stat(file); err == nil {
		if st.IsDir() {
			return nil, errs.Usagef("--baseline", "name the file in the folder to update", "%q is a folder", file)
		}
		mode = st.Mode().Perm()
		if old, err = readCapped(file); err != nil {
			return nil, err
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, &errs.Error{Kind: errs.Env, Where: file, Msg: "cannot read baseline file: " + err.Error()}
	}
	out, sum, err := Apply(file, old, res, opt)
	if err != nil {
		return nil, err
	}
	if old != nil && bytes.Equal(out, old) {
		return sum, nil
	}
	if err := atomicfile.Write(file, out, mode); err != nil {
		return nil, err
	}
	return sum, nil
}

// lockPath is the sidecar lock file of a baseline file: hidden, in the
// same directory, removed again after each update.
func lockPath(file string) string {
	return filepath.Join(filepath.Dir(file), "."+filepath.Base(file)+".lock")
}

// Apply returns the baseline file old (nil or empty: a new file) with the
// selected cases of res recorded. It is Update without the file system.
func Apply(file string, old []byte, res *results.File, opt UpdateOptions) ([]byte, *UpdateSummary, error) {
	entries, err := selectCases(res, opt)
	if err != nil {
		return nil, nil, err
	}
	if len(bytes.TrimSpace(old)) == 0 {
		f := &File{Schema: Schema}
		sum := merge(f, entries)
		return Format(f), sum, nil
	}
	d, err := parseDoc(file, old)
	if err != nil {
		return nil, nil, err
	}
	// YAML also breaks lines at a bare carriage return; the in-place edit
	// counts lines by "\n" and would edit the wrong ones.
	if i := bareCR(old); i >= 0 {
		return nil, nil, errs.At(file, bytes.Count(old[:i], []byte("\n"))+1, 0,
			"convert the line ends to \"\\n\" or \"\\r\\n\"", "line ends with a bare carriage return")
	}
	want := cloneFile(d.file)
	sum := merge(want, entries)
	out := splice(old, d, want, entries)
	// Check the edit: the new text must parse to exactly the intended file.
	got, err := Parse(file, out)
	if err != nil {
		return nil, nil, &errs.Error{Kind: errs.Internal, Where: file, Msg: "the updated baseline does not parse (" + err.Error() + "); the file was not changed"}
	}
	if !bytes.Equal(Format(got), Format(want)) {
		return nil, nil, &errs.Error{Kind: errs.Internal, Where: file, Msg: "the updated baseline does not read back as intended; the file was not changed"}
	}
	return out, sum, nil
}

// entry is one case to record, with its profile.
type entry struct {
	profile string
	c       Case
}

// selectCases picks the cases of res to record and refuses suspect ones.
func selectCases(res *results.File, opt UpdateOptions) ([]entry, error) {
	where := nonEmpty(opt.ResultsPath, "results")
	if opt.Cases != "" {
		if _, err := MatchCase(opt.Cases, ""); err != nil {
			return nil, errs.Usagef("--case", "use a glob such as \"model=yolov8n/*\"", "bad pattern %q: %v", opt.Cases, err)
		}
	}
	if res.Status != results.StatusComplete && !opt.Force {
		reason := ""
		if res.StatusReason != "" {
			reason = ": " + res.StatusReason
		}
		return nil, errs.Inputf(where, "rerun the benchmark to completion, or pass --force to record what it measured",
			"results are %s%s", nonEmpty(res.Status, "of unknown status"), reason)
	}
	var out []entry
	var problems errs.List
	var ids []string
	for _, c := range res.Cases {
		ids = append(ids, c.ID)
		if opt.Cases != "" {
			if ok, _ := MatchCase(opt.Cases, c.ID); !ok {
				continue
			}
		}
		if len(c.Repeats) == 0 {
			problems = append(problems, errs.Inputf(where, "rerun the case", "case %q has no repeats", c.ID))
			continue
		}
		marks := compare.MarksOf(c)
		if len(marks) > 0 && !opt.Force {
			problems = append(problems, errs.Inputf(where, "rerun on a quiet machine, or pass --force to accept it",
				"case %q is suspect (%s) and was not recorded", c.ID, strings.Join(marks, ", ")))
			continue
		}
		out = append(out, entry{profile: c.Profile, c: caseFromResults(res, c, marks, opt)})
	}
	if len(problems) > 0 {
		return nil, problems
	}
	if len(out) == 0 {
		if opt.Cases != "" {
			return nil, errs.Usagef("--case", "the results hold: "+strings.Join(ids, ", "), "no case matches %q", opt.Cases)
		}
		return nil, errs.Inputf(where, "run the benchmark first", "results hold no cases")
	}
	return out, nil
}

// MatchCase reports whether case id matches the glob pattern (path.Match
// syntax, except that * and ? also match "/": a case id is not a path).
func MatchCase(pattern, id string) (bool, error) {
	return path.Match(strings.ReplaceAll(pattern, "/", "\x00"), strings.ReplaceAll(id, "/", "\x00"))
}

// significant6 rounds to six significant digits: more than any timing
// here can resolve, and short enough to review.
func significant6(v []float64) []float64 {
	if v == nil {
		return nil
	}
	out := make([]float64, len(v))
	for i, x := range v {
		out[i], _ = strconv.ParseFloat(strconv.FormatFloat(x, 'g', 6, 64), 64)
	}
	return out
}

func caseFromResults(res *results.File, c results.Case, marks []string, opt UpdateOptions) Case {
	s := SamplesOf(c)
	b := Case{
		ID:          c.ID,
		Model:       Model{Name: c.Model.Name, SHA256: c.Model.SHA256},
		Samples:     Samples{FPS: significant6(s.FPS), P50MS: significant6(s.P50MS), P99MS: significant6(s.P99MS)},
		Environment: compare.EnvironmentOf(res.Fingerprint, c),
		GPU:         compare.GPUStateOf(c),
		Provenance: Provenance{
			Commit: opt.Commit,
			RunURL: opt.RunURL,
			Author: opt.Author,
			Reason: opt.Reason,
		},
	}
	if ci := res.Fingerprint.CI; ci != nil {
		if b.Provenance.Commit == "" {
			b.Provenance.Commit = ci.Commit
		}
		if b.Provenance.RunURL == "" {
			b.Provenance.RunURL = ci.RunURL
		}
	}
	switch {
	case !res.Finished.IsZero():
		b.Provenance.Date = res.Finished.UTC()
	case !res.Started.IsZero():
		b.Provenance.Date = res.Started.UTC()
	}
	if len(marks) > 0 || res.Status != results.StatusComplete {
		b.Provenance.Forced = true
		b.Marks = append([]string(nil), marks...)
		if res.Status != results.StatusComplete {
			b.Marks = append(b.Marks, "incomplete run")
		}
	}
	if c.Accuracy != nil && c.Accuracy.Images != nil {
		b.Detections = c.Accuracy.Images
		if c.Accuracy.ScoreThreshold > 0 && c.Accuracy.IoUThreshold > 0 {
			b.Check = &CheckSettings{Conf: c.Accuracy.ScoreThreshold, IoU: c.Accuracy.IoUThreshold}
		}
	}
	return b
}

// merge records entries into f, keeping each existing case's threshold
// override and reference detections with their settings (unless new ones
// were measured).
func merge(f *File, entries []entry) *UpdateSummary {
	sum := &UpdateSummary{}
	for _, e := range entries {
		label := e.profile + " | " + e.c.ID
		pi := -1
		for i := range f.Profiles {
			if f.Profiles[i].Name == e.profile {
				pi = i
			}
		}
		if pi < 0 {
			f.Profiles = append(f.Profiles, Profile{Name: e.profile})
			pi = len(f.Profiles) - 1
		}
		p := &f.Profiles[pi]
		found := false
		for j := range p.Cases {
			if p.Cases[j].ID != e.c.ID {
				continue
			}
			found = true
			nc := e.c
			nc.ThresholdPct = p.Cases[j].ThresholdPct
			if nc.Detections == nil {
				nc.Detections, nc.Check = p.Cases[j].Detections, p.Cases[j].Check
			}
			p.Cases[j] = nc
			sum.Updated = append(sum.Updated, label)
		}
		if !found {
			p.Cases = append(p.Cases, e.c)
			sum.Added = append(sum.Added, label)
		}
	}
	return sum
}

func cloneFile(f *File) *File {
	out := &File{Path: f.Path, Schema: f.Schema}
	for _, p := range f.Profiles {
		out.Profiles = append(out.Profiles, Profile{Name: p.Name, Cases: append([]Case(nil), p.Cases...)})
	}
	return out
}

// edit replaces lines [start, end) of the file with text.
type edit struct {
	start, end int
	text       string
}

// splice edits the text of the parsed file d so that it reads as want:
// only the entries of recorded cases are rewritten; other bytes stay.
func splice(old []byte, d *doc, want *File, entries []entry) []byte {
	lines := splitLines(old)
	var edits []edit
	findCase := func(profile, id string) Case {
		for _, p := range want.Profiles {
			if p.Name == profile {
				for _, c := range p.Cases {
					if c.ID == id {
						return c
					}
				}
			}
		}
		return Case{}
	}
	findProfile := func(name string) Profile {
		for _, p := range want.Profiles {
			if p.Name == name {
				return p
			}
		}
		return Profile{}
	}
	// Group the entries by profile, in first-seen order.
	var order []string
	byProfile := map[string][]string{}
	for _, e := range entries {
		if _, ok := byProfile[e.profile]; !ok {
			order = append(order, e.profile)
		}
		byProfile[e.profile] = append(byProfile[e.profile], e.c.ID)
	}

	profilesBlock := d.profiles != nil && d.profiles.Kind == yaml.MappingNode && d.profiles.Style&yaml.FlowStyle == 0 && len(d.profiles.Content) > 0
	if !profilesBlock {
		// No profiles yet, or written in flow style: write the whole
		// profiles section.
		var b bytes.Buffer
		b.WriteString("profiles:\n")
		for _, p := range want.Profiles {
			writeProfile(&b, p, 2)
		}
		if d.profilesKey != nil {
			start := d.profilesKey.Line - 1
			end := entryEnd(lines, d.root, indexOfKey(d.root, d.profilesKey))
			edits = append(edits, edit{start, end, b.String()})
		} else {
			edits = append(edits, edit{len(lines), len(lines), b.String()})
		}
		return applyEdits(lines, edits)
	}

	var newProfiles bytes.Buffer
	for _, pname := range order {
		pi := keyIndex(d.profiles, pname)
		if pi < 0 {
			writeProfile(&newProfiles, findProfile(pname), d.profiles.Content[0].Column-1)
			continue
		}
		pk, pv := d.profiles.Content[pi], d.profiles.Content[pi+1]
		if pv.Kind != yaml.MappingNode || pv.Style&yaml.FlowStyle != 0 || len(pv.Content) == 0 {
			var b bytes.Buffer
			writeProfile(&b, findProfile(pname), pk.Column-1)
			edits = append(edits, edit{pk.Line - 1, entryEnd(lines, d.profiles, pi), b.String()})
			continue
		}
		var added bytes.Buffer
		for _, id := range byProfile[pname] {
			ci := keyIndex(pv, id)
			if ci < 0 {
				writeCase(&added, findCase(pname, id), pv.Content[0].Column-1)
				continue
			}
			ck := pv.Content[ci]
			var b bytes.Buffer
			writeCase(&b, findCase(pname, id), ck.Column-1)
			edits = append(edits, edit{ck.Line - 1, entryEnd(lines, pv, ci), b.String()})
		}
		if added.Len() > 0 {
			at := entryEnd(lines, pv, len(pv.Content)-2)
			edits = append(edits, edit{at, at, added.String()})
		}
	}
	if newProfiles.Len() > 0 {
		at := entryEnd(lines, d.profiles, len(d.profiles.Content)-2)
		edits = append(edits, edit{at, at, newProfiles.String()})
	}
	return applyEdits(lines, edits)
}

// keyIndex returns the index in m.Content of the key named name, or -1.
func keyIndex(m *yaml.Node, name string) int {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == name {
			return i
		}
	}
	return -1
}

func indexOfKey(m *yaml.Node, k *yaml.Node) int {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i] == k {
			return i
		}
	}
	return -1
}

// entryEnd returns the 0-based line index just past the entry whose key is
// m.Content[ki], in a block mapping m: the line of the next key, or of the
// first later line indented less than the key; then back over blank and
// comment lines, which belong to what follows.
func entryEnd(lines []string, m *yaml.Node, ki int) int {
	k := m.Content[ki]
	start := k.Line // the line after the key's line, 0-based
	end := len(lines)
	if ki+2 < len(m.Content) {
		end = m.Content[ki+2].Line - 1
	} else {
		indent := k.Column - 1
		// A quoted value may go on over lines of any indentation: the
		// entry cannot end before its last closing quote.
		from := max(start, lastLine(lines, m.Content[ki+1]))
		for i := from; i < len(lines); i++ {
			t := strings.TrimRight(lines[i], "\r\n")
			trimmed := strings.TrimLeft(t, " ")
			if trimmed == "" || strings.HasPrefix(trimmed, "#") {
				continue
			}
			if len(t)-len(trimmed) <= indent {
				end = i
				break
			}
		}
	}
	for end > start {
		t := strings.TrimSpace(lines[end-1])
		if t == "" || strings.HasPrefix(t, "#") {
			end--
			continue
		}
		break
	}
	if end < start {
		end = start
	}
	return end
}

// bareCR returns the index of the first "\r" not followed by "\n", or -1.
func bareCR(b []byte) int {
	for i, c := range b {
		if c == '\r' && (i+1 == len(b) || b[i+1] != '\n') {
			return i
		}
	}
	return -1
}

// lastLine returns the 0-based index of the line after the last line that
// n or a node under it occupies, following quoted scalars to their closing
// quote; other nodes count by the line they start on.
func lastLine(lines []string, n *yaml.Node) int {
	last := n.Line
	if n.Kind == yaml.ScalarNode && (n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle)) != 0 && n.Line > 0 {
		last = quoteEnd(lines, n.Line-1, n.Column-1, n.Style&yaml.DoubleQuotedStyle != 0)
	}
	for _, c := range n.Content {
		last = max(last, lastLine(lines, c))
	}
	return last
}

// quoteEnd finds the closing quote of the quoted scalar that opens at line,
// col (0-based) and returns the index of the line after it.
func quoteEnd(lines []string, line, col int, double bool) int {
	q := byte('\'')
	if double {
		q = '"'
	}
	for i := line; i < len(lines); i++ {
		t := lines[i]
		j := 0
		if i == line {
			j = col + 1 // past the opening quote
		}
		for ; j < len(t); j++ {
			switch {
			case double && t[j] == '\\':
				j++ // an escape, maybe of the quote
			case t[j] == q && !double && j+1 < len(t) && t[j+1] == q:
				j++ // '' is a quote inside single quotes
			case t[j] == q:
				return i + 1
			}
		}
	}
	return len(lines)
}

// splitLines splits data into lines that keep their line ends.
func splitLines(data []byte) []string {
	var out []string
	s := string(data)
	for s != "" {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			out = append(out, s)
			break
		}
		out = append(out, s[:i+1])
		s = s[i+1:]
	}
	return out
}

// applyEdits applies non-overlapping edits to lines.
func applyEdits(lines []string, edits []edit) []byte {
	// Stable order by start; insertions at the same line keep their order.
	for i := 1; i < len(edits); i++ {
		for j := i; j > 0 && edits[j].start < edits[j-1].start; j-- {
			edits[j], edits[j-1] = edits[j-1], edits[j]
		}
	}
	var b bytes.Buffer
	pos := 0
	for _, e := range edits {
		for ; pos < e.start; pos++ {
			b.WriteString(lines[pos])
		}
		if b.Len() > 0 && !bytes.HasSuffix(b.Bytes(), []byte("\n")) {
			b.WriteString("\n")
		}
		b.WriteString(e.text)
		if e.end > pos {
			pos = e.end
		}
	}
	for ; pos < len(lines); pos++ {
		b.WriteString(lines[pos])
	}
	return b.Bytes()
}

// String lists the summary in one line for logs.
func (s *UpdateSummary) String() string {
	return fmt.Sprintf("%d updated, %d added", len(s.Updated), len(s.Added))
}
