//go:build !unix

package thresholdbench

import "time"

func processCPUTime() (time.Duration, bool) { return 0, false }
