//go:build !unix

package pipeline

import "time"

// processCPU returns 0: the CPU time is not measured here.
func processCPU() time.Duration { return 0 }

// processFaults returns 0, 0: page faults are not counted here.
func processFaults() (minor int64, sys time.Duration) { return 0, 0 }
