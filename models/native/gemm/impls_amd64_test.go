//go:build amd64 && !purego

package gemm

// extraImpls returns the micro-kernels that are tested and benchmarked but
// not dispatched (alternative tile shapes).
func extraImpls() []kernelImpl {
	if hasAVX512 {
		return []kernelImpl{avx512x64Impl}
	}
	return nil
}

// peakLoop is one register-only FMA loop.
type peakLoop struct {
	name         string
	flopsPerIter int
	run          func(n int)
}

// peakLoops returns the FMA loops this CPU can run.
func peakLoops() []peakLoop {
	var loops []peakLoop
	if hasAVX512 {
		loops = append(loops, peakLoop{"avx512", 768, fmaLoopAVX512})
	}
	if hasAVX2FMA {
		loops = append(loops, peakLoop{"avx2", 192, fmaLoopAVX2})
	}
	return loops
}
