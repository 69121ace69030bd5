//go:build !race

package yolo

const raceEnabled = false
