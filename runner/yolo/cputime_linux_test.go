package yolo

import (
	"syscall"
	"time"
	"unsafe"
)

// processCPU returns the CPU time this process has used (all threads), from
// CLOCK_PROCESS_CPUTIME_ID: what Python's time.process_time reads, so that
// both sides of the OpenCV comparison count the same thing.
func processCPU() time.Duration {
	const clockProcessCPUTimeID = 2
	var ts syscall.Timespec
	if _, _, e := syscall.RawSyscall(syscall.SYS_CLOCK_GETTIME, clockProcessCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0); e != 0 {
		return 0
	}
	return time.Duration(ts.Nano())
}
