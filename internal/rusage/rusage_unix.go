//go:build unix

package rusage

import (
	"runtime"
	"syscall"
	"time"
)

// CPU returns the CPU time (user and system, all threads) the process has
// used so far, and whether the system reports it (getrusage(2)).
func CPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}

// PeakRSS returns the process's peak resident set size in bytes
// (getrusage(2) ru_maxrss: KiB on Linux and the BSDs, bytes on macOS), 0
// if the system does not report it.
func PeakRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		return int64(ru.Maxrss)
	}
	return int64(ru.Maxrss) * 1024
}
