package results

import "strings"

// Mark kinds: the text before ": " in a Repeat or Case mark. A case carrying
// one of these is inconclusive unless its baseline carried the same kind.
const (
	// MarkThrottled is a repeat during which the GPU clocks were held down by
	// power or thermal limits ("throttled: sw_power_cap,hw_slowdown").
	MarkThrottled = "throttled"
	// MarkForeignProcess is a repeat during which another process used the
	// GPU ("foreign process: gpu 0 pid 4242 python3").
	MarkForeignProcess = "foreign process"
	// MarkGPULost is a repeat during which the GPU fell off the bus or
	// stopped answering ("gpu lost: gpu 0 at 1.3 s").
	MarkGPULost = "gpu lost"
)

// MarkKind returns the kind of a mark: its text before the first ": ", or
// the whole mark when it has no detail.
func MarkKind(mark string) string {
	if i := strings.Index(mark, ": "); i >= 0 {
		return mark[:i]
	}
	return mark
}
