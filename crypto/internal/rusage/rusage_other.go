//go:build !unix

package rusage

import "time"

// CPU returns 0, false where getrusage(2) is not available.
func CPU() (time.Duration, bool) { return 0, false }

// PeakRSS returns 0 where getrusage(2) is not available.
func PeakRSS() int64 { return 0 }
