package github

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/report"
)

// Actions writes to the runner's own channels: workflow commands on stdout,
// the step summary file and the step outputs file. Empty paths (a local run)
// skip the files. See
// https://docs.github.com/en/actions/using-workflows/workflow-commands-for-github-actions.
type Actions struct {
	Stdout      io.Writer
	OutputPath  string
	SummaryPath string
}

// Output is one step output: a name and a value, which may span lines.
type Output struct {
	Name, Value string
}

// SetOutputs appends outputs to GITHUB_OUTPUT in the multiline form
// name<<DELIMITER, value, DELIMITER, with a random delimiter that the value
// does not contain.
func (a *Actions) SetOutputs(outs ...Output) error {
	if a.OutputPath == "" {
		return nil
	}
	var b strings.Builder
	for _, o := range outs {
		if o.Name == "" || strings.ContainsAny(o.Name, "<\r\n=") {
			return fmt.Errorf("output name %q is not a plain name", o.Name)
		}
		delim := delimiter(o.Value)
		fmt.Fprintf(&b, "%s<<%s\n%s\n%s\n", o.Name, delim, o.Value, delim)
	}
	return appendFile(a.OutputPath, "GITHUB_OUTPUT", b.String())
}

// delimiter returns a heredoc delimiter that does not occur in value.
func delimiter(value string) string {
	for {
		var buf [12]byte
		rand.Read(buf[:])
		d := "ghadelimiter_" + hex.EncodeToString(buf[:])
		if !strings.Contains(value, d) {
			return d
		}
	}
}

// AppendSummary appends markdown to the step summary.
func (a *Actions) AppendSummary(markdown string) error {
	if a.SummaryPath == "" {
		return nil
	}
	if !strings.HasSuffix(markdown, "\n") {
		markdown += "\n"
	}
	return appendFile(a.SummaryPath, "GITHUB_STEP_SUMMARY", markdown)
}

func appendFile(path, env, s string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return errs.Envf(env, "the runner sets it to a writable file", "cannot open %q: %v", path, err)
	}
	_, err = io.WriteString(f, s)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return errs.Envf(env, "check free disk space on the runner", "cannot write %q: %v", path, err)
	}
	return nil
}

// Annotate prints one annotation as a workflow command
// ("::error title=T::message"), escaped so that no value can end the
// command early or start another one.
func (a *Actions) Annotate(an report.Annotation) {
	fmt.Fprintln(a.Stdout, FormatAnnotation(an))
}

// FormatAnnotation returns the workflow command line for an, without newline.
func FormatAnnotation(an report.Annotation) string {
	level := an.Level
	switch level {
	case report.LevelError, report.LevelWarning, report.LevelNotice:
	default:
		level = report.LevelWarning
	}
	var props []string
	if an.Title != "" {
		props = append(props, "title="+escapeProperty(an.Title))
	}
	if an.File != "" {
		props = append(props, "file="+escapeProperty(an.File))
	}
	cmd := "::" + string(level)
	if len(props) > 0 {
		cmd += " " + strings.Join(props, ",")
	}
	return cmd + "::" + escapeData(an.Message)
}

// escapeData escapes a command's message as the runner unescapes it.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a command property, which also ends at ":" and ",".
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
