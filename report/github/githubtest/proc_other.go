//go:build !linux

package githubtest

import "syscall"

// procAttr puts Prism in its own process group, killed as a whole by Close.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
