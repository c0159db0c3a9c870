//go:build linux

package group

import (
	"syscall"
	"time"
)

// threadCPUTime returns the CPU time consumed so far by the calling OS
// thread (getrusage(RUSAGE_THREAD)). The tuning benchmarks report it next to
// wall time because the 2-core development machine is shared: a thread's CPU
// time does not grow while other processes hold the cores.
func threadCPUTime() (time.Duration, bool) {
	const rusageThread = 1 // RUSAGE_THREAD, Linux ≥ 2.6.26
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
