// Package progress shows long work as it happens: on a terminal, one live
// line per case rewritten in place (phase, repeat i/N, current FPS, ETA); in
// CI or any other non-terminal, one plain log line per step with no control
// characters, so logs stay greppable.
package progress

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Phase names the part of a case's protocol in progress.
type Phase string

// Phases in protocol order.
const (
	PhaseSession Phase = "session" // creating the session (engine build on GPUs)
	PhaseWarmup  Phase = "warmup"
	PhaseRepeat  Phase = "repeat"
	PhaseDone    Phase = "done"
)

// Event is one step of a case.
type Event struct {
	Case  string
	Phase Phase
	// Repeat is the 1-based repeat just finished (PhaseRepeat), of Repeats.
	Repeat, Repeats int
	// FPS is the last repeat's frames per second, or the case median at PhaseDone.
	FPS float64
	// ETA is the estimated time left for the case; zero when unknown.
	ETA time.Duration
	// Note is extra text (e.g. "unstable", "throttled").
	Note string
}

// Sink receives events; it must be safe for concurrent use.
type Sink interface {
	Event(Event)
}

// Level selects how much is shown.
type Level int

// Levels.
const (
	Quiet   Level = iota - 1 // nothing
	Normal                   // live line on a terminal, a line per repeat otherwise
	Verbose                  // also warm-up and session steps in plain mode
)

// New returns the sink for w: live lines when tty is true, plain lines otherwise.
func New(w io.Writer, tty bool, level Level) Sink {
	if level == Quiet {
		return Discard{}
	}
	if tty {
		return &live{w: w}
	}
	return &plain{w: w, verbose: level == Verbose}
}

// Discard drops every event.
type Discard struct{}

// Event implements Sink.
func (Discard) Event(Event) {}

var (
	_ Sink = Discard{}
	_ Sink = (*plain)(nil)
	_ Sink = (*live)(nil)
)

type plain struct {
	mu      sync.Mutex
	w       io.Writer
	verbose bool
}

func (p *plain) Event(e Event) {
	var line string
	switch e.Phase {
	case PhaseRepeat:
		line = fmt.Sprintf("%s: repeat %d/%d %.1f FPS", e.Case, e.Repeat, e.Repeats, e.FPS)
		if e.ETA > 0 {
			line += " eta " + shortDuration(e.ETA)
		}
	case PhaseDone:
		line = fmt.Sprintf("%s: done, median %.1f FPS", e.Case, e.FPS)
	default:
		if !p.verbose {
			return
		}
		line = fmt.Sprintf("%s: %s", e.Case, e.Phase)
	}
	if e.Note != "" {
		line += " (" + e.Note + ")"
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintln(p.w, clean(line))
}

// live rewrites the current case's line in place with a carriage return
// and erase-line, and ends it with a newline when the case is done.
type live struct {
	mu sync.Mutex
	w  io.Writer
}

const eraseLine = "\r\x1b[2K"

func (l *live) Event(e Event) {
	var line string
	switch e.Phase {
	case PhaseRepeat:
		line = fmt.Sprintf("%s  %s %d/%d  %s  %.1f FPS", e.Case, bar(e.Repeat, e.Repeats, 20), e.Repeat, e.Repeats, "repeat", e.FPS)
		if e.ETA > 0 {
			line += "  eta " + shortDuration(e.ETA)
		}
	case PhaseDone:
		line = fmt.Sprintf("%s  %s  median %.1f FPS", e.Case, bar(1, 1, 20), e.FPS)
	default:
		line = fmt.Sprintf("%s  %s…", e.Case, e.Phase)
	}
	if e.Note != "" {
		line += "  (" + e.Note + ")"
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	io.WriteString(l.w, eraseLine+clean(line))
	if e.Phase == PhaseDone {
		io.WriteString(l.w, "\n")
	}
}

func bar(done, total, width int) string {
	if total <= 0 {
		total = 1
	}
	n := done * width / total
	if n > width {
		n = width
	}
	return "[" + strings.Repeat("#", n) + strings.Repeat(".", width-n) + "]"
}

func shortDuration(d time.Duration) string {
	if d >= time.Minute {
		return d.Round(time.Second).String()
	}
	return d.Round(100 * time.Millisecond).String()
}

// clean removes control characters from untrusted text (case ids carry
// model file names) so a name cannot move the cursor or hide a line.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
}
