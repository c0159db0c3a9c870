//go:build !unix

package threshold

import "time"

func processCPUTime() (time.Duration, bool) { return 0, false }
