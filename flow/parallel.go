package flow

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// parallelRows calls fn on disjoint, contiguous row ranges [lo, hi) that
// together cover [0, n), using up to GOMAXPROCS goroutines. fn must only
// write outputs that belong to its rows; then the result does not depend on
// how the rows were split or scheduled. minRows is the smallest chunk worth
// handing out. The range is cut into a few chunks per goroutine, taken from
// a shared counter, so that a goroutine that the OS runs late (other
// processes on a busy machine) does not hold everyone up at the end.
func parallelRows(n, minRows int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	if minRows < 1 {
		minRows = 1
	}
	p := runtime.GOMAXPROCS(0)
	chunks := n / minRows
	if chunks > 4*p {
		chunks = 4 * p
	}
	if p <= 1 || chunks <= 1 {
		fn(0, n)
		return
	}
	if p > chunks {
		p = chunks
	}
	var next atomic.Int64
	work := func() {
		for {
			k := int(next.Add(1)) - 1
			if k >= chunks {
				return
			}
			fn(n*k/chunks, n*(k+1)/chunks)
		}
	}
	var wg sync.WaitGroup
	wg.Add(p - 1)
	for k := 1; k < p; k++ {
		go func() {
			defer wg.Done()
			work()
		}()
	}
	work()
	wg.Wait()
}
