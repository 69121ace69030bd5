// Package runner executes the standardized YOLO benchmark protocol: cold start, warm-up with a steady-state check, timed repeats, and the fingerprint of the machine.
package runner
