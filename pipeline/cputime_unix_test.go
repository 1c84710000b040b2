//go:build unix

package pipeline

import (
	"syscall"
	"time"
)

// processCPU is the user+system CPU time of this process (all threads, not its children such as ffmpeg) so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// processFaults is the number of minor page faults of this process so far
// (memory touched for the first time, or again after the runtime returned
// it to the system) and its system CPU time.
func processFaults() (minor int64, sys time.Duration) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, 0
	}
	return ru.Minflt, time.Duration(ru.Stime.Nano())
}
