package progress

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func events() []Event {
	return []Event{
		{Case: "model=yolov8n", Phase: PhaseSession},
		{Case: "model=yolov8n", Phase: PhaseWarmup},
		{Case: "model=yolov8n", Phase: PhaseRepeat, Repeat: 1, Repeats: 2, FPS: 10.04, ETA: 3 * time.Second},
		{Case: "model=yolov8n", Phase: PhaseRepeat, Repeat: 2, Repeats: 2, FPS: 10.5},
		{Case: "model=yolov8n", Phase: PhaseDone, FPS: 10.27},
	}
}

func TestPlain(t *testing.T) {
	var buf bytes.Buffer
	s := New(&buf, false, Normal)
	for _, e := range events() {
		s.Event(e)
	}
	want := "model=yolov8n: repeat 1/2 10.0 FPS eta 3s\nmodel=yolov8n: repeat 2/2 10.5 FPS\nmodel=yolov8n: done, median 10.3 FPS\n"
	if buf.String() != want {
		t.Errorf("plain output:\n%q\nwant\n%q", buf.String(), want)
	}
}

func TestPlainVerboseAndQuiet(t *testing.T) {
	var buf bytes.Buffer
	s := New(&buf, false, Verbose)
	for _, e := range events() {
		s.Event(e)
	}
	if !strings.HasPrefix(buf.String(), "model=yolov8n: session\nmodel=yolov8n: warmup\n") {
		t.Errorf("verbose output lacks the phases: %q", buf.String())
	}
	buf.Reset()
	q := New(&buf, true, Quiet)
	for _, e := range events() {
		q.Event(e)
	}
	if buf.Len() != 0 {
		t.Errorf("quiet wrote %q", buf.String())
	}
}

func TestLive(t *testing.T) {
	var buf bytes.Buffer
	s := New(&buf, true, Normal)
	for _, e := range events() {
		s.Event(e)
	}
	out := buf.String()
	if strings.Count(out, eraseLine) != 5 || strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "median 10.3 FPS\n") {
		t.Errorf("live output: %q", out)
	}
	if !strings.Contains(out, "[##########..........] 1/2") {
		t.Errorf("live output lacks the bar: %q", out)
	}
}

func TestCleanControlCharacters(t *testing.T) {
	var buf bytes.Buffer
	New(&buf, false, Normal).Event(Event{Case: "evil\x1b[2J\rname", Phase: PhaseDone})
	if strings.ContainsAny(buf.String()[:buf.Len()-1], "\x1b\r\n") {
		t.Errorf("control characters passed through: %q", buf.String())
	}
}
