//go:build !linux

package group

import "time"

// threadCPUTime is only available on Linux; elsewhere the tuning benchmarks
// report wall time alone.
func threadCPUTime() (time.Duration, bool) { return 0, false }
