//go:build linux

package gemm

import "syscall"

// threadCPUTime returns the CPU time consumed by the calling OS thread in
// seconds, and true. The caller must have locked its goroutine to the
// thread. Benchmarks use it to report throughput that is less sensitive to
// other processes competing for the CPU.
func threadCPUTime() (float64, bool) {
	const rusageThread = 1 // RUSAGE_THREAD
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0, false
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9, true
}
