//go:build unix

package threshold

import (
	"syscall"
	"time"
)

// processCPUTime returns the CPU time consumed so far by the whole process
// (getrusage(RUSAGE_SELF)), all threads together. The benchmarks report it
// next to wall time because the 2-core development machine is shared:
// cpu-µs/ct is the cost on an idle machine, and 2 cores can do at best
// 2/cpu-µs/ct million ciphertexts per second.
func processCPUTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
