package gethtest

import "syscall"

// sysProcAttr has the kernel kill geth if the test binary dies without
// running its cleanups (a go test -timeout panic, a SIGKILL), so that no
// node outlives the test run.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
