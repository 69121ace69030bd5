//go:build race

package yolo

// raceEnabled is set under the race detector, which slows the calibration
// pass of the large models tenfold.
const raceEnabled = true
