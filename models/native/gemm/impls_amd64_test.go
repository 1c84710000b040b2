//go:build amd64 && !purego

package gemm

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
	if hasAVX512BF16 {
		loops = append(loops, peakLoop{"avx512bf16", 1536, dpbf16LoopAVX512})
	}
	if hasAVX2FMA {
		loops = append(loops, peakLoop{"avx2", 192, fmaLoopAVX2})
	}
	return loops
}
