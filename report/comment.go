package report

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/yologate/yologate/internal/atomicfile"
	"github.com/yologate/yologate/internal/errs"
)

// State is the commit-status state a gate reports; the zero value is StateSuccess.
type State int

const (
	// StateSuccess: pass, unchanged or improved.
	StateSuccess State = iota
	// StateFailure: a regression held.
	StateFailure
	// StateNeutral: inconclusive or nothing to compare; never blocks a merge.
	StateNeutral
)

func (s State) String() string {
	switch s {
	case StateFailure:
		return "failure"
	case StateNeutral:
		return "neutral"
	}
	return "success"
}

// CommentPolicy says when the sticky pull-request comment is written; the
// zero value is CommentAlways.
type CommentPolicy int

const (
	// CommentAlways creates or updates the comment on every gate.
	CommentAlways CommentPolicy = iota
	// CommentOnChange creates the comment only when a case changed
	// (regression, improvement, inconclusive, new or missing); an existing
	// comment is always updated so that it never goes stale.
	CommentOnChange
	// CommentOnRegression creates the comment only on a regression; an
	// existing comment is always updated (to show the regression is gone).
	CommentOnRegression
	// CommentNever writes no comment.
	CommentNever
)

// CommentPolicies lists the --comment values in flag order.
var CommentPolicies = []string{"always", "on-change", "on-regression", "never"}

func (p CommentPolicy) String() string { return CommentPolicies[p] }

// ParseCommentPolicy parses a --comment value.
func ParseCommentPolicy(s string) (CommentPolicy, error) {
	for i, name := range CommentPolicies {
		if s == name {
			return CommentPolicy(i), nil
		}
	}
	return 0, errs.Usagef("--comment", "use one of "+strings.Join(CommentPolicies, ", "), "unknown comment policy %q", s)
}

// Creates reports whether the policy allows creating a new comment for o;
// updating an existing one is allowed by every policy except CommentNever.
func (p CommentPolicy) Creates(o *Outcome) bool {
	switch p {
	case CommentAlways:
		return true
	case CommentOnChange:
		return o.Changed
	case CommentOnRegression:
		return o.State == StateFailure
	}
	return false
}

// Level is the severity of an Annotation.
type Level string

// Annotation levels, as GitHub Actions names its workflow commands.
const (
	LevelError   Level = "error"
	LevelWarning Level = "warning"
	LevelNotice  Level = "notice"
)

// Annotation is one message to surface next to the run: a regression, an
// environment mismatch, a failed post.
type Annotation struct {
	Level   Level
	Title   string
	Message string
	// File optionally names the file the message is about (a baseline).
	File string
}

// Outcome is everything a gate tells the outside world once it has decided.
type Outcome struct {
	// Key identifies the gate (workflow + job + matrix entry); one comment
	// and one status context exist per key.
	Key string
	// Verdict is the overall verdict word ("pass", "regression", ...).
	Verdict string
	State   State
	// Title is the one-line verdict, also used as the status description.
	Title string
	// Markdown is the report for the comment and check run (within
	// GitHub's 65,536 characters).
	Markdown string
	// Summary is the report for the step summary, which may be longer;
	// empty means Markdown.
	Summary string
	// Changed is true when any case is anything but unchanged.
	Changed bool
	// FPS is the current median FPS of the first case; 0 when none ran.
	FPS float64
	// ReportPath is where the JSON or markdown report was written, if anywhere.
	ReportPath string
	// Annotations are printed as workflow commands (or plain lines locally).
	Annotations []Annotation
}

// Publisher delivers an Outcome: as a pull-request comment and commit
// status on GitHub, or into local files. Publish returns an error only for a
// failure the user must fix; a missing permission is reported and skipped.
type Publisher interface {
	Publish(ctx context.Context, o *Outcome) error
}

// LocalPublisher is the Publisher used outside CI: it writes the comment
// that would have been posted to a file and prints what the status would say.
type LocalPublisher struct {
	// CommentPath receives the markdown; empty writes no file.
	CommentPath string
	Policy      CommentPolicy
	// CheckRun prints what a check run would conclude instead of a
	// commit status, which has no neutral state.
	CheckRun bool
	Out      io.Writer
}

// StatusState is the commit status GitHub gets for o: a status has no
// neutral state, and inconclusive does not block, so it is success.
func (o *Outcome) StatusState() string {
	if o.State == StateFailure {
		return "failure"
	}
	return "success"
}

var _ Publisher = (*LocalPublisher)(nil)

// Publish writes the comment (as the policy allows) and prints the status line.
func (p *LocalPublisher) Publish(_ context.Context, o *Outcome) error {
	if p.CommentPath != "" {
		if p.Policy != CommentNever && p.Policy.Creates(o) {
			if err := atomicfile.Write(p.CommentPath, []byte(o.Markdown), 0); err != nil {
				return err
			}
			fmt.Fprintf(p.Out, "comment: written to %s\n", p.CommentPath)
		} else {
			fmt.Fprintf(p.Out, "comment: not written to %s: --comment %s posts none for this verdict\n", p.CommentPath, p.Policy)
		}
	}
	if p.CheckRun {
		fmt.Fprintf(p.Out, "check run yologate/%s: %s: %s\n", o.Key, o.State, o.Title)
	} else {
		fmt.Fprintf(p.Out, "status yologate/%s: %s: %s\n", o.Key, o.StatusState(), o.Title)
	}
	for _, a := range o.Annotations {
		fmt.Fprintf(p.Out, "%s: %s: %s\n", a.Level, a.Title, a.Message)
	}
	return nil
}
