// Package errs is yologate's one error type for problems a user can fix:
// bad flags, bad files and a broken environment. Each error carries its kind
// (which decides the exit code), where it happened (file:line:col or a flag
// name) and how to fix it, and prints as a single line.
package errs

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// Kind classifies an error for the exit code that cmd/yologate maps it to.
type Kind int

const (
	// Internal is the zero Kind: a bug or an unclassified failure (exit 3).
	Internal Kind = iota
	// Usage is a bad flag, argument or flag combination (exit 2).
	Usage
	// Input is a bad input file or value inside one (exit 2).
	Input
	// Env is an environment failure: missing library, provider, GPU or I/O (exit 3).
	Env
)

func (k Kind) String() string {
	switch k {
	case Usage:
		return "usage"
	case Input:
		return "input"
	case Env:
		return "environment"
	}
	return "internal"
}

// Error is a one-line, positioned, fixable problem.
type Error struct {
	Kind Kind
	// Where names the input: a file path, a flag ("--imgsz") or a field.
	Where string
	// Line and Col are 1-based positions inside the file Where names; 0 when unknown.
	Line, Col int
	// Msg says what is wrong and what was expected, lowercase, no trailing period.
	Msg string
	// Fix says what to do about it; empty when Msg already says so.
	Fix string
	// Err is the underlying cause, if any; it is printed only when Msg is empty.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Where != "" {
		b.WriteString(e.Where)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Line)
			if e.Col > 0 {
				fmt.Fprintf(&b, ":%d", e.Col)
			}
		}
		b.WriteString(": ")
	}
	msg := e.Msg
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	b.WriteString(msg)
	if e.Fix != "" {
		b.WriteString(" (")
		b.WriteString(e.Fix)
		b.WriteString(")")
	}
	return oneLine(b.String())
}

func (e *Error) Unwrap() error { return e.Err }

// oneLine folds newlines so that every error prints on a single line.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.Join(strings.Fields(strings.NewReplacer("\r", " ", "\n", " ").Replace(s)), " ")
}

// Usagef returns a usage error about flag or argument where.
func Usagef(where, fix, format string, args ...any) *Error {
	return &Error{Kind: Usage, Where: where, Msg: fmt.Sprintf(format, args...), Fix: fix}
}

// Inputf returns an input error about file or field where.
func Inputf(where, fix, format string, args ...any) *Error {
	return &Error{Kind: Input, Where: where, Msg: fmt.Sprintf(format, args...), Fix: fix}
}

// Envf returns an environment error about where.
func Envf(where, fix, format string, args ...any) *Error {
	return &Error{Kind: Env, Where: where, Msg: fmt.Sprintf(format, args...), Fix: fix}
}

// At returns an input error at file:line:col.
func At(file string, line, col int, fix, format string, args ...any) *Error {
	return &Error{Kind: Input, Where: file, Line: line, Col: col, Msg: fmt.Sprintf(format, args...), Fix: fix}
}

// List is several errors found in one pass over one input (a parser that
// keeps going past a bad line). It prints the first and counts the rest on
// the same line; Errors keeps all of them for callers that print each.
type List []*Error

func (l List) Error() string {
	switch len(l) {
	case 0:
		return "no errors"
	case 1:
		return l[0].Error()
	}
	return fmt.Sprintf("%s (and %d more problems)", l[0].Error(), len(l)-1)
}

// WriteList prints every problem of err, when it is a List of several, on
// its own line of w after prefix, so that all of them can be fixed in one
// go; the caller still prints err's one-line summary.
func WriteList(w io.Writer, prefix string, err error) {
	var l List
	if errors.As(err, &l) && len(l) > 1 {
		for _, e := range l {
			fmt.Fprintf(w, "%s%s\n", prefix, e)
		}
	}
}

// Err returns nil for an empty list, so that `return l.Err()` reads naturally.
func (l List) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// KindOf reports the kind of err: the kind of the first *Error in its chain
// (or of a List's first element), or Internal when there is none.
func KindOf(err error) Kind {
	var l List
	if errors.As(err, &l) && len(l) > 0 {
		return l[0].Kind
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}
