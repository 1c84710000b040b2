//go:build unix

package audio

import "syscall"

// processCPU returns the user+system CPU time of the process in
// nanoseconds, so the benchmark can report CPU cost on a shared, busy
// machine where wall time is mostly waiting.
func processCPU() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
