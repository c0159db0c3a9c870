//go:build !unix

package shufflebench

import "time"

// peakRSS returns 0 where getrusage(2) is not available.
func peakRSS() int64 { return 0 }

// cpuTime returns 0 where getrusage(2) is not available.
func cpuTime() time.Duration { return 0 }
