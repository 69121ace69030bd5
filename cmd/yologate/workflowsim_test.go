package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"gopkg.in/yaml.v3"
)

// This file runs GitHub Actions workflows the way the runner does, for the
// parts the example workflows use: a job's if, its steps' run scripts and
// env, actions/checkout, upload- and download-artifact, and this
// repository's action (through actionRunner). Expressions are evaluated
// by a small interpreter of GitHub's expression syntax; one it does not
// know fails the test, so the simulation cannot silently diverge from the
// files (https://docs.github.com/en/actions/reference/evaluate-expressions-in-workflows-and-actions).

// wfFile is the part of a workflow file the simulation executes.
type wfFile struct {
	Name string               `yaml:"name"`
	On   yaml.Node            `yaml:"on"`
	Jobs map[string]*wfJob    `yaml:"jobs"`
	Env  map[string]string    `yaml:"env"`
	Raw  map[string]yaml.Node `yaml:",inline"`
}

type wfJob struct {
	If       string            `yaml:"if"`
	Env      map[string]string `yaml:"env"`
	Strategy struct {
		Matrix map[string][]any `yaml:"matrix"`
	} `yaml:"strategy"`
	Steps []wfStep `yaml:"steps"`
}

type wfStep struct {
	ID   string            `yaml:"id"`
	Name string            `yaml:"name"`
	If   string            `yaml:"if"`
	Uses string            `yaml:"uses"`
	Run  string            `yaml:"run"`
	With map[string]string `yaml:"with"`
	Env  map[string]string `yaml:"env"`
}

func parseWorkflow(t *testing.T, name string, data []byte) *wfFile {
	t.Helper()
	var w wfFile
	if err := yaml.Unmarshal(data, &w); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if len(w.Jobs) == 0 {
		t.Fatalf("%s has no jobs", name)
	}
	if w.Name == "" {
		w.Name = name // GitHub names a workflow without name: by its file
	}
	return &w
}

// pullRequestPaths is the paths filter of the workflow's pull_request
// trigger; nil when it has none.
func (w *wfFile) pullRequestPaths() []string {
	if w.On.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(w.On.Content); i += 2 {
		if w.On.Content[i].Value != "pull_request" {
			continue
		}
		var pr struct {
			Paths []string `yaml:"paths"`
		}
		if err := w.On.Content[i+1].Decode(&pr); err == nil {
			return pr.Paths
		}
	}
	return nil
}

// triggers reports whether the workflow runs on event.
func (w *wfFile) triggers(event string) bool {
	switch w.On.Kind {
	case yaml.ScalarNode:
		return w.On.Value == event
	case yaml.SequenceNode:
		for _, n := range w.On.Content {
			if n.Value == event {
				return true
			}
		}
	case yaml.MappingNode:
		for i := 0; i < len(w.On.Content); i += 2 {
			if w.On.Content[i].Value == event {
				return true
			}
		}
	}
	return false
}

// ghContext is the expression contexts of one job: github, vars, inputs,
// matrix and runner, as nested maps.
type ghContext map[string]any

// lookup follows a dotted path ("github.event.pull_request.head.sha");
// a missing property is null, as in GitHub's expressions.
func (c ghContext) lookup(path string) (any, bool) {
	parts := strings.Split(path, ".")
	root, ok := c[parts[0]]
	if !ok {
		return nil, false
	}
	v := root
	for _, p := range parts[1:] {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, true
		}
		v = m[p]
	}
	return v, true
}

// exprEval evaluates one expression of GitHub's syntax.
type exprEval struct {
	t    *testing.T
	ctx  ghContext
	src  string
	toks []string
	pos  int
}

var exprToken = regexp.MustCompile(`\s*(\|\||&&|==|!=|[()!,]|'(?:[^']|'')*'|[A-Za-z_][A-Za-z0-9_.-]*|-?[0-9]+(?:\.[0-9]+)?)`)

func (c ghContext) eval(t *testing.T, src string) any {
	t.Helper()
	e := &exprEval{t: t, ctx: c, src: src}
	rest := src
	for strings.TrimSpace(rest) != "" {
		m := exprToken.FindStringSubmatchIndex(rest)
		if m == nil || m[0] != 0 {
			t.Fatalf("expression %q: cannot read %q", src, rest)
		}
		e.toks = append(e.toks, rest[m[2]:m[3]])
		rest = rest[m[1]:]
	}
	v := e.or()
	if e.pos != len(e.toks) {
		t.Fatalf("expression %q: unexpected %q", src, e.toks[e.pos])
	}
	return v
}

func (e *exprEval) peek() string {
	if e.pos < len(e.toks) {
		return e.toks[e.pos]
	}
	return ""
}

func (e *exprEval) next() string { tok := e.peek(); e.pos++; return tok }

func (e *exprEval) expect(tok string) {
	if got := e.next(); got != tok {
		e.t.Fatalf("expression %q: want %q, got %q", e.src, tok, got)
	}
}

// or and and return an operand, not a boolean, as GitHub's do.
func (e *exprEval) or() any {
	v := e.and()
	for e.peek() == "||" {
		e.next()
		w := e.and()
		if !truthy(v) {
			v = w
		}
	}
	return v
}

func (e *exprEval) and() any {
	v := e.cmp()
	for e.peek() == "&&" {
		e.next()
		w := e.cmp()
		if truthy(v) {
			v = w
		}
	}
	return v
}

// cmp compares as GitHub does for the values the workflows use: strings
// case-insensitively, null as "".
func (e *exprEval) cmp() any {
	v := e.unary()
	if op := e.peek(); op == "==" || op == "!=" {
		e.next()
		eq := strings.EqualFold(exprString(v), exprString(e.unary()))
		return eq == (op == "==")
	}
	return v
}

func (e *exprEval) unary() any {
	if e.peek() == "!" {
		e.next()
		return !truthy(e.unary())
	}
	return e.primary()
}

func (e *exprEval) primary() any {
	tok := e.next()
	switch {
	case tok == "(":
		v := e.or()
		e.expect(")")
		return v
	case strings.HasPrefix(tok, "'"):
		return strings.ReplaceAll(tok[1:len(tok)-1], "''", "'")
	case tok == "true" || tok == "false":
		return tok == "true"
	case tok == "null":
		return nil
	case tok != "" && (unicode.IsDigit(rune(tok[0])) || tok[0] == '-'):
		f, _ := strconv.ParseFloat(tok, 64)
		return f
	case e.peek() == "(":
		return e.call(tok)
	}
	v, ok := e.ctx.lookup(tok)
	if !ok {
		e.t.Fatalf("expression %q: the simulation has no context for %q", e.src, tok)
	}
	return v
}

func (e *exprEval) call(name string) any {
	e.expect("(")
	var args []any
	for e.peek() != ")" {
		args = append(args, e.or())
		if e.peek() == "," {
			e.next()
		}
	}
	e.expect(")")
	switch name {
	case "always":
		return true
	case "format":
		s := exprString(args[0])
		for i, a := range args[1:] {
			s = strings.ReplaceAll(s, "{"+strconv.Itoa(i)+"}", exprString(a))
		}
		return s
	case "toJSON":
		b, _ := json.MarshalIndent(args[0], "", "  ")
		return string(b)
	}
	e.t.Fatalf("expression %q: the simulation does not know %s()", e.src, name)
	return nil
}

func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		return x != ""
	case float64:
		return x != 0
	}
	return true
}

// exprString is how a value reads when it is spliced into text.
func exprString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

var exprIn = regexp.MustCompile(`\$\{\{\s*(.*?)\s*\}\}`)

// expand replaces each ${{ }} in s with its value.
func (c ghContext) expand(t *testing.T, s string) string {
	t.Helper()
	return exprIn.ReplaceAllStringFunc(s, func(m string) string {
		return exprString(c.eval(t, exprIn.FindStringSubmatch(m)[1]))
	})
}

// condition evaluates an if:, which may be written with or without ${{ }}.
func (c ghContext) condition(t *testing.T, cond string) bool {
	if cond == "" {
		return true
	}
	if m := exprIn.FindStringSubmatch(strings.TrimSpace(cond)); m != nil && m[0] == strings.TrimSpace(cond) {
		cond = m[1]
	}
	return truthy(c.eval(t, cond))
}

// jobRun is one job of a workflow on the simulated runner.
type jobRun struct {
	t         *testing.T
	as        actionSetup
	env       map[string]string // the runner's environment and the GITHUB_* variables
	ctx       ghContext
	remote    string // the repository's git remote (a local bare repository)
	artifacts string // where upload-artifact keeps artifacts, by name
	token     string // github.token
	log       strings.Builder
}

// run executes the steps of job; it returns the id (or name) of the step
// that failed first, or "".
func (j *jobRun) run(w *wfFile, jobID string) (failed string) {
	t := j.t
	job, ok := w.Jobs[jobID]
	if !ok {
		t.Fatalf("workflow %s has no job %q", w.Name, jobID)
	}
	if len(job.Strategy.Matrix) > 0 {
		m := map[string]any{}
		for k, vs := range job.Strategy.Matrix {
			m[k] = vs[0]
		}
		j.ctx["matrix"] = m
	}
	if !j.ctx.condition(t, job.If) {
		t.Fatalf("job %s/%s would not run: if: %s", w.Name, jobID, job.If)
	}
	env := map[string]string{"GITHUB_WORKFLOW": w.Name, "GITHUB_JOB": jobID}
	for k, v := range j.env {
		env[k] = v
	}
	for _, e := range []map[string]string{w.Env, job.Env} {
		for k, v := range e {
			env[k] = j.ctx.expand(t, v)
		}
	}
	for i, st := range job.Steps {
		id := st.ID
		if id == "" {
			id = fmt.Sprintf("%d %s%s", i, st.Name, st.Uses)
		}
		if failed != "" && !strings.Contains(st.If, "always()") || !j.ctx.condition(t, st.If) {
			continue
		}
		fmt.Fprintf(&j.log, "::group::%s\n", id)
		if !j.step(st, env) && failed == "" {
			failed = id
		}
	}
	return failed
}

// step runs one step; it reports whether it succeeded.
func (j *jobRun) step(st wfStep, jobEnv map[string]string) bool {
	t := j.t
	env := map[string]string{}
	for k, v := range jobEnv {
		env[k] = v
	}
	for k, v := range st.Env {
		env[k] = j.ctx.expand(t, v)
	}
	with := map[string]string{}
	for k, v := range st.With {
		with[k] = j.ctx.expand(t, v)
	}
	action, ref, _ := strings.Cut(st.Uses, "@")
	switch {
	case st.Run != "":
		return j.script(j.ctx.expand(t, st.Run), env)
	case action == "actions/checkout":
		return j.checkout(with)
	case action == "actions/upload-artifact":
		return j.upload(with)
	case action == "actions/download-artifact":
		return j.download(with)
	case action == "yologate/yologate":
		a := &actionRunner{t: t, root: j.as.root, meta: j.as.meta, inputs: with, ref: ref,
			steps: map[string]map[string]string{}, env: env, token: j.token}
		failed, code, stdout, stderr := a.run()
		j.log.WriteString(stdout + stderr)
		if failed != "" {
			fmt.Fprintf(&j.log, "the action's step %s exited %d\n", failed, code)
		}
		return failed == ""
	}
	t.Fatalf("the simulation does not run %q", st.Uses)
	return false
}

// script runs a run: step as the runner does when no shell is named.
func (j *jobRun) script(text string, env map[string]string) bool {
	dir := j.t.TempDir()
	path := filepath.Join(dir, "step.sh")
	if err := os.WriteFile(path, []byte(text), 0o755); err != nil {
		j.t.Fatal(err)
	}
	cmd := exec.Command("bash", "-e", path)
	cmd.Dir = env["GITHUB_WORKSPACE"]
	cmd.Env = append([]string{"GITHUB_OUTPUT=" + filepath.Join(dir, "output")}, envList(env)...)
	out, err := cmd.CombinedOutput()
	j.log.Write(out)
	if err != nil {
		fmt.Fprintf(&j.log, "step failed: %v\n", err)
	}
	return err == nil
}

func envList(env map[string]string) []string {
	var out []string
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

// checkout clones the remote into the workspace and checks out ref (else
// GITHUB_SHA), fetching pull-request refs as actions/checkout does.
func (j *jobRun) checkout(with map[string]string) bool {
	ref := with["ref"]
	if ref == "" {
		ref = j.env["GITHUB_SHA"]
	}
	ws := j.env["GITHUB_WORKSPACE"]
	git(j.t, "", "clone", "-q", j.remote, ws)
	git(j.t, ws, "fetch", "-q", "origin", "+refs/pull/*:refs/remotes/origin/pull/*")
	git(j.t, ws, "checkout", "-q", "--detach", ref)
	return true
}

// upload keeps the files listed in path (relative to the workspace) under
// the artifact's name.
func (j *jobRun) upload(with map[string]string) bool {
	dst := filepath.Join(j.artifacts, with["name"])
	if err := os.MkdirAll(dst, 0o755); err != nil {
		j.t.Fatal(err)
	}
	for _, p := range strings.Fields(with["path"]) {
		data, err := os.ReadFile(filepath.Join(j.env["GITHUB_WORKSPACE"], p))
		if os.IsNotExist(err) && with["if-no-files-found"] == "ignore" {
			continue
		}
		if err != nil {
			fmt.Fprintf(&j.log, "upload-artifact: %v\n", err)
			return false
		}
		if err := os.WriteFile(filepath.Join(dst, filepath.Base(p)), data, 0o644); err != nil {
			j.t.Fatal(err)
		}
	}
	return true
}

// download copies the named artifact's files into path.
func (j *jobRun) download(with map[string]string) bool {
	src := filepath.Join(j.artifacts, with["name"])
	entries, err := os.ReadDir(src)
	if err != nil {
		fmt.Fprintf(&j.log, "download-artifact: no artifact %q: %v\n", with["name"], err)
		return false
	}
	if err := os.MkdirAll(with["path"], 0o755); err != nil {
		j.t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			j.t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(with["path"], e.Name()), data, 0o644); err != nil {
			j.t.Fatal(err)
		}
	}
	return true
}

// git runs git in dir and returns its trimmed output; a failure fails t.
func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=team", "GIT_AUTHOR_EMAIL=team@example.com",
		"GIT_COMMITTER_NAME=team", "GIT_COMMITTER_EMAIL=team@example.com", "GIT_CONFIG_GLOBAL=/dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}
