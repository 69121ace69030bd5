//go:build !linux

package yolo

import "time"

// processCPU is unavailable off Linux; the CPU-time metric then reads 0.
func processCPU() time.Duration { return 0 }
