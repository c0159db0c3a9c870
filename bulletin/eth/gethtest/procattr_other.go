//go:build !linux

package gethtest

import "syscall"

// sysProcAttr: outside Linux there is no parent-death signal; a node
// outlives a test binary that dies without running its cleanups.
func sysProcAttr() *syscall.SysProcAttr { return nil }
