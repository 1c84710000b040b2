//go:build linux

package gemm

import "golang.org/x/sys/unix"

// threadCPUTime returns the CPU time consumed by the calling OS thread in
// seconds (CLOCK_THREAD_CPUTIME_ID, nanosecond resolution), and true. The
// caller must have locked its goroutine to the thread. Benchmarks use it to
// report throughput that is less sensitive to other processes competing
// for the CPU.
func threadCPUTime() (float64, bool) {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0, false
	}
	return float64(ts.Nano()) / 1e9, true
}
