package githubtest

import "syscall"

// procAttr puts Prism in its own process group (killed as a whole by Close)
// and has the kernel kill it if the test process dies first.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
