package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// docCommand is one "$ yologate ..." line of a ```console block.
type docCommand struct {
	file string
	line int
	args []string
	// exits lists the accepted exit codes: a "# exit 0|1" note accepts
	// either, for an example whose verdict depends on the machine.
	exits []int
	// shown is the output printed under the command, if any.
	shown []string
}

var exitNote = regexp.MustCompile(`\s+#\s*exit ([0-9|]+).*$`)

// docCommands returns the yologate commands of every console block in the
// markdown file, with the exit code a trailing "# exit N" says (0 by default).
func docCommands(t *testing.T, path string) []docCommand {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []docCommand
	inConsole := false
	// cmdAt is the line of the command whose output the block shows now.
	cmdAt := 0
	for i, line := range strings.Split(string(data), "\n") {
		switch {
		case strings.HasPrefix(line, "```console"):
			inConsole = true
			continue
		case strings.HasPrefix(line, "```"):
			inConsole, cmdAt = false, 0
			continue
		}
		if inConsole && !strings.HasPrefix(line, "$ ") && len(out) > 0 && out[len(out)-1].line == cmdAt {
			out[len(out)-1].shown = append(out[len(out)-1].shown, line)
			continue
		}
		if !inConsole || !strings.HasPrefix(line, "$ yologate") {
			cmdAt = 0
			continue
		}
		cmdAt = i + 1
		cmdLine := strings.TrimPrefix(line, "$ ")
		exits := []int{0}
		if m := exitNote.FindStringSubmatch(cmdLine); m != nil {
			exits = nil
			for _, n := range strings.Split(m[1], "|") {
				code, err := strconv.Atoi(n)
				if err != nil {
					t.Fatalf("%s:%d: bad exit note %q", path, i+1, m[0])
				}
				exits = append(exits, code)
			}
			cmdLine = cmdLine[:len(cmdLine)-len(m[0])]
		}
		args, err := splitShell(cmdLine)
		if err != nil {
			t.Fatalf("%s:%d: %v", path, i+1, err)
		}
		out = append(out, docCommand{file: path, line: i + 1, args: args[1:], exits: exits})
	}
	return out
}

// splitShell splits a command line on spaces, keeping quoted strings whole.
func splitShell(s string) ([]string, error) {
	var args []string
	var cur strings.Builder
	var quote rune
	inArg := false
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '"' || r == '\'':
			quote, inArg = r, true
		case r == ' ' || r == '\t':
			if inArg {
				args = append(args, cur.String())
				cur.Reset()
				inArg = false
			}
		default:
			cur.WriteRune(r)
			inArg = true
		}
	}
	if quote != 0 {
		return nil, &os.PathError{Op: "parse", Path: s, Err: os.ErrInvalid}
	}
	if inArg {
		args = append(args, cur.String())
	}
	return args, nil
}

// docMasks make shown and real output comparable: numbers, the CPU model,
// column widths and an unstable mark (a busy machine's) change from machine
// to machine.
var docMasks = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(` \(unstable\)`), ""},
	{regexp.MustCompile(`cpu=[^/|]+/threads=`), "cpu=CPU/threads="},
	{regexp.MustCompile(`· [^·]+ \(\d+ CPUs\) ·`), "· CPU (N CPUs) ·"},
	{regexp.MustCompile(`[0-9][0-9.,]*%?`), "N"},
	{regexp.MustCompile(`\s+`), " "},
}

func maskDoc(s string) string {
	for _, m := range docMasks {
		s = m.re.ReplaceAllString(s, m.with)
	}
	return strings.TrimSpace(s)
}

// shownMissing returns the first shown line that out lacks, masked, in
// order; "..." and blank lines stand for any lines.
func shownMissing(shown []string, out string) (string, bool) {
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		lines = append(lines, maskDoc(l))
	}
	j := 0
	for _, s := range shown {
		m := maskDoc(s)
		if m == "..." || m == "" {
			continue
		}
		for j < len(lines) && lines[j] != m {
			j++
		}
		if j == len(lines) {
			return s, false
		}
		j++
	}
	return "", true
}

// TestDocsExamples runs every command example of the README and docs/ in
// order, one folder per file (so an example may use what an earlier one
// wrote), with ../shared/testdata reachable as in the repository, and
// checks each exit code and the output shown under it. The docs cannot
// drift from the tool.
func TestDocsExamples(t *testing.T) {
	env := ortEnv(t)
	lib := ""
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, "YOLOGATE_ORT_LIB="); ok {
			lib = v
		}
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	files = append([]string{filepath.Join(root, "README.md")}, files...)
	total := 0
	for _, file := range files {
		cmds := docCommands(t, file)
		if len(cmds) == 0 {
			continue
		}
		rel, _ := filepath.Rel(root, file)
		t.Run(rel, func(t *testing.T) {
			tmp := t.TempDir()
			work := filepath.Join(tmp, "work")
			if err := os.Mkdir(work, 0o755); err != nil {
				t.Fatal(err)
			}
			if shared, err := filepath.Abs(filepath.Join(root, "..", "shared")); err == nil {
				os.Symlink(shared, filepath.Join(tmp, "shared"))
			}
			t.Chdir(work)
			getenv := func(k string) string {
				if k == "YOLOGATE_ORT_LIB" {
					return lib
				}
				if k == "PATH" || k == "HOME" {
					return os.Getenv(k)
				}
				return ""
			}
			for _, dc := range cmds {
				var stdout, stderr bytes.Buffer
				c := &Command{Stdout: &stdout, Stderr: &stderr, Getenv: getenv, Ctx: context.Background()}
				code := c.Main(dc.args)
				if !slices.Contains(dc.exits, code) {
					t.Errorf("%s:%d: yologate %s: exit %d, want %v\nstdout:\n%s\nstderr:\n%s",
						rel, dc.line, strings.Join(dc.args, " "), code, dc.exits, stdout.String(), stderr.String())
				}
				// The output shown is that of a success.
				if missing, ok := shownMissing(dc.shown, stdout.String()+stderr.String()); code == 0 && !ok {
					t.Errorf("%s:%d: yologate %s: the output lacks the line shown as\n%s\n(numbers, the CPU model and spacing aside); it printed:\n%s%s",
						rel, dc.line, strings.Join(dc.args, " "), missing, stdout.String(), stderr.String())
				}
			}
			total += len(cmds)
		})
	}
	t.Logf("%d documented commands ran", total)
}

func TestShownMissing(t *testing.T) {
	out := "ONNX Runtime 1.30.0 · Intel Xeon 8375C (8 CPUs) · yologate dev\n\n  case   fps\n  model=yolov8n/imgsz=256  120.5\n  cpu=Intel Xeon 8375C/threads=4 | x\n"
	for _, tt := range []struct {
		name  string
		shown []string
		ok    bool
	}{
		{"numbers, CPU and spacing masked", []string{"ONNX Runtime 1.30.0 · AMD EPYC (2 CPUs) · yologate dev", "", "  case  fps", "  ...", "cpu=AMD EPYC/threads=2 | x"}, true},
		{"out of order", []string{"  case   fps", "ONNX Runtime 1.30.0 · AMD EPYC (2 CPUs) · yologate dev"}, false},
		{"a line that is not printed", []string{"  case   fps", "report: report.html"}, false},
		{"nothing shown", nil, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if missing, ok := shownMissing(tt.shown, out); ok != tt.ok {
				t.Errorf("shownMissing = %q, %v; want ok=%v", missing, ok, tt.ok)
			}
		})
	}
}

func TestSplitShell(t *testing.T) {
	got, err := splitShell(`yologate ab --a yolov8n --b "--imgsz 640x704" --reason 'x y'`)
	want := []string{"yologate", "ab", "--a", "yolov8n", "--b", "--imgsz 640x704", "--reason", "x y"}
	if err != nil || strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("splitShell = %q, %v", got, err)
	}
	if _, err := splitShell(`a "b`); err == nil {
		t.Error("unterminated quote accepted")
	}
}
