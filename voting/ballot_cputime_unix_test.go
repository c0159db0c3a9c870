//go:build unix

package voting_test

import (
	"syscall"
	"time"
)

// processCPUTime returns the CPU time the process has used so far, on all
// threads (getrusage(RUSAGE_SELF)). The ballot benchmarks report it per
// ballot next to wall time because the 2-core development machine is
// shared: CPU time does not grow while other processes hold the cores, so
// 2 s / (CPU time per ballot) estimates the throughput of two idle cores.
func processCPUTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
