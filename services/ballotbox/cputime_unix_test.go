//go:build unix

package ballotbox_test

import (
	"syscall"
	"time"
)

// processCPUTime returns the CPU time the process has used so far, on all
// threads (getrusage(RUSAGE_SELF)). The cast benchmark reports it per cast
// next to wall time because the 2-core development machine is shared: CPU
// time does not grow while other processes hold the cores.
func processCPUTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
