package native

import (
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/deepdream-go/deepdream/models/native/gemm"
)

// pool runs index ranges on a fixed number of goroutines. Each call blocks
// until all work is done; idle workers wait on the WaitGroup, never spin.
type pool struct {
	workers int
	// ws holds one GEMM workspace per worker, so packing buffers are
	// allocated once per executor rather than once per call.
	ws []*gemm.Workspace
	// scratch holds one buffer per worker for the convolutions' column
	// matrices, reused across operations and calls (the executor runs one
	// operation at a time), so the large buffers are neither reallocated
	// nor zeroed on every convolution.
	scratch [][]float32
}

func newPool(workers int) *pool {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	p := &pool{workers: workers, ws: make([]*gemm.Workspace, workers), scratch: make([][]float32, workers)}
	for i := range p.ws {
		p.ws[i] = gemm.NewWorkspace()
	}
	return p
}

// scratchBuf returns worker's scratch buffer resliced to n values. Its
// contents are unspecified: the caller must write every value it reads.
func (p *pool) scratchBuf(worker, n int) []float32 {
	if cap(p.scratch[worker]) < n {
		p.scratch[worker] = make([]float32, n)
	}
	return p.scratch[worker][:n]
}

// forChunks calls fn(chunk) for chunk = 0..n-1, spreading chunks over the
// workers. fn must only write memory that belongs to its chunk, so the result
// does not depend on the number of workers or the scheduling.
func (p *pool) forChunks(n int, fn func(chunk, worker int)) {
	if n <= 0 {
		return
	}
	w := p.workers
	if w > n {
		w = n
	}
	if w == 1 {
		for i := 0; i < n; i++ {
			fn(i, 0)
		}
		return
	}
	var next atomic.Int64
	work := func(worker int) {
		for {
			i := int(next.Add(1) - 1)
			if i >= n {
				return
			}
			fn(i, worker)
		}
	}
	var wg sync.WaitGroup
	wg.Add(w - 1)
	for k := 1; k < w; k++ {
		go func(worker int) {
			defer wg.Done()
			work(worker)
		}(k)
	}
	work(0) // the calling goroutine is worker 0
	wg.Wait()
}

// forParts splits [0,n) into near-equal ranges, at least parts of them
// rounded up to a multiple of the worker count (at most n), and calls
// fn(lo, hi, worker) for each. Unlike forRange, the split depends on the
// number of workers, so that every worker gets the same share: use it only
// for work whose result does not depend on where the ranges end.
func (p *pool) forParts(n, parts int, fn func(lo, hi, worker int)) {
	if n <= 0 {
		return
	}
	parts = max(parts, 1)
	parts = min((parts+p.workers-1)/p.workers*p.workers, n)
	p.forChunks(parts, func(c, worker int) {
		fn(c*n/parts, (c+1)*n/parts, worker)
	})
}

// maxChunks bounds how finely forRange splits work.
const maxChunks = 64

// forRange splits [0,n) into chunks of at least grain items and calls
// fn(lo, hi) for each.
func (p *pool) forRange(n, grain int, fn func(lo, hi int)) {
	p.forRangeW(n, grain, func(lo, hi, _ int) { fn(lo, hi) })
}

// forRangeW is forRange that also passes the worker index.
func (p *pool) forRangeW(n, grain int, fn func(lo, hi, worker int)) {
	if n <= 0 {
		return
	}
	if grain < 1 {
		grain = 1
	}
	// Chunk boundaries depend only on n and grain, never on the number of
	// workers, so results are the same on every machine.
	size := max(grain, (n+maxChunks-1)/maxChunks)
	chunks := (n + size - 1) / size
	p.forChunks(chunks, func(c, worker int) {
		lo := c * size
		hi := lo + size
		if hi > n {
			hi = n
		}
		fn(lo, hi, worker)
	})
}
