package runner

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/yologate/yologate/internal/errs"
)

// Amount is how long a phase runs: a number of iterations, a duration, or
// both (whichever is reached first). The zero Amount runs nothing.
type Amount struct {
	// Iterations is the number of inferences; 0 means no count limit.
	Iterations int
	// Duration is the time to run for; 0 means no time limit.
	Duration time.Duration
}

// IsZero reports whether a runs nothing.
func (a Amount) IsZero() bool { return a.Iterations == 0 && a.Duration == 0 }

// Reached reports whether a loop that has run done iterations for elapsed
// time has run a: whichever of its limits comes first.
func (a Amount) Reached(done int, elapsed time.Duration) bool {
	return (a.Iterations > 0 && done >= a.Iterations) || (a.Duration > 0 && elapsed >= a.Duration)
}

// String formats a as ParseAmount reads it: "1000x", "3s" or "5s,1000x".
func (a Amount) String() string {
	switch {
	case a.Iterations > 0 && a.Duration > 0:
		return fmt.Sprintf("%v,%dx", a.Duration, a.Iterations)
	case a.Duration > 0:
		return a.Duration.String()
	case a.Iterations > 0:
		return fmt.Sprintf("%dx", a.Iterations)
	}
	return "0x"
}

// Limits on amounts: a repeat of more than maxIterations would keep more
// than 80 MB of latencies, and a day is longer than any CI job.
const (
	maxIterations = 10_000_000
	maxDuration   = 24 * time.Hour
)

// ParseAmount reads a --benchtime or --warmup value: "1000x" (iterations),
// "3s" (a Go duration), or both separated by a comma ("5s,1000x": whichever
// comes first). With bareCount, a plain number ("10") counts iterations, as
// --warmup takes it. flag names the flag in errors. Zero is allowed only
// when allowZero is set (no warm-up).
func ParseAmount(flag, s string, bareCount, allowZero bool) (Amount, error) {
	const fix = `use a count like "1000x" or a duration like "3s"`
	var a Amount
	s = strings.TrimSpace(s)
	if s == "" {
		return a, errs.Usagef(flag, fix, "empty value")
	}
	parts := strings.Split(s, ",")
	if len(parts) > 2 {
		return a, errs.Usagef(flag, fix, "%q has more than two parts", s)
	}
	counts, durations := 0, 0
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if num := strings.TrimSuffix(p, "x"); num != p || (bareCount && isDigits(p)) {
			counts++
			n, err := strconv.Atoi(num)
			if err != nil || !isDigits(num) {
				return Amount{}, errs.Usagef(flag, fix, "bad iteration count %q", p)
			}
			if n > maxIterations {
				return Amount{}, errs.Usagef(flag, fix, "%d iterations is more than the limit of %d", n, maxIterations)
			}
			a.Iterations = n
			continue
		}
		durations++
		d, err := time.ParseDuration(p)
		if err != nil || d < 0 {
			return Amount{}, errs.Usagef(flag, fix, "bad value %q", p)
		}
		if d > maxDuration {
			return Amount{}, errs.Usagef(flag, fix, "%v is longer than the limit of %v", d, maxDuration)
		}
		a.Duration = d
	}
	if len(parts) == 2 && (counts != 1 || durations != 1 || a.Iterations == 0 || a.Duration == 0) {
		return Amount{}, errs.Usagef(flag, fix, "%q must combine one non-zero duration and one non-zero count", s)
	}
	if a.IsZero() && !allowZero {
		return Amount{}, errs.Usagef(flag, fix, "%q runs nothing", s)
	}
	return a, nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Size is an image size in pixels.
type Size struct {
	Height, Width int
}

// String formats s as a case id does: "640" when square, else "640x672"
// (height x width).
func (s Size) String() string {
	if s.Height == s.Width {
		return strconv.Itoa(s.Height)
	}
	return fmt.Sprintf("%dx%d", s.Height, s.Width)
}

// maxSide bounds an image side; 8192 pixels is beyond any YOLO deployment
// and keeps a batch-1 float32 input under 1 GB.
const maxSide = 8192

// ParseSize reads an --imgsz value: "640" (square) or "640x672" (height x
// width), each side a positive multiple of 32 (YOLO's largest stride) up to
// 8192.
func ParseSize(flag, s string) (Size, error) {
	const fix = `use a multiple of 32 like "640", or "HEIGHTxWIDTH" like "640x672"`
	s = strings.TrimSpace(s)
	hs, ws, found := strings.Cut(s, "x")
	if !found {
		ws = hs
	}
	var sz Size
	for i, p := range []string{hs, ws} {
		if !isDigits(p) || len(p) > 5 {
			return Size{}, errs.Usagef(flag, fix, "bad image size %q", s)
		}
		n, _ := strconv.Atoi(p)
		if n <= 0 || n > maxSide || n%32 != 0 {
			return Size{}, errs.Usagef(flag, fix, "image side %d in %q is not a multiple of 32 between 32 and %d", n, s, maxSide)
		}
		if i == 0 {
			sz.Height = n
		} else {
			sz.Width = n
		}
	}
	return sz, nil
}

// maxBatch bounds --batch: beyond 1024 images a batch is a data-loader
// problem, not a latency benchmark.
const maxBatch = 1024

// ParseBatch reads one --batch value: a positive integer up to 1024.
func ParseBatch(flag, s string) (int, error) {
	s = strings.TrimSpace(s)
	n, err := strconv.Atoi(s)
	if err != nil || !isDigits(s) || n < 1 || n > maxBatch {
		return 0, errs.Usagef(flag, fmt.Sprintf("use a whole number from 1 to %d", maxBatch), "bad batch size %q", s)
	}
	return n, nil
}

// SplitList splits the values of a repeatable flag that also takes comma
// lists ("--model yolov8n,yolov8s --model m.onnx"), dropping empty items
// and duplicates while keeping the first order.
func SplitList(values []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, v := range values {
		for _, item := range strings.Split(v, ",") {
			item = strings.TrimSpace(item)
			if item == "" || seen[item] {
				continue
			}
			seen[item] = true
			out = append(out, item)
		}
	}
	return out
}
