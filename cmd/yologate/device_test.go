package main

import (
	"strings"
	"testing"
)

// TestDeviceFlag: --device takes an index, a list or all; bad syntax is a
// usage error before anything loads, and the CPU provider ignores it.
func TestDeviceFlag(t *testing.T) {
	needORT(t)
	for _, tt := range []struct {
		device string
		code   int
		want   string
	}{
		{"abc", 2, `--device: "abc" is not a GPU index or "all"`},
		{"-1", 2, `--device: "-1" is not a GPU index`},
		{"0,x", 2, `--device: "x" is not a GPU index`},
		{"all", 0, ""},
		{"0,1", 0, ""},
	} {
		t.Run(tt.device, func(t *testing.T) {
			code, _, stderr := runMain(t, "run", "--ep", "cpu", "--device", tt.device, "--imgsz", "64", "--count", "1", "--benchtime", "2x", "--warmup", "0", "--quiet")
			if code != tt.code || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, tt.code, tt.want)
			}
		})
	}
}
