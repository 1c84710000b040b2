package flow

import (
	"runtime"
	"sync"
)

// parallelRows calls fn on disjoint, contiguous row ranges [lo, hi) that
// together cover [0, n), using up to GOMAXPROCS goroutines. fn must only
// write outputs that belong to its rows; then the result does not depend on
// how the rows were split. minRows is the smallest chunk worth a goroutine.
func parallelRows(n, minRows int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	if minRows < 1 {
		minRows = 1
	}
	p := runtime.GOMAXPROCS(0)
	if m := n / minRows; m < p {
		p = m
	}
	if p <= 1 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	wg.Add(p - 1)
	for k := 1; k < p; k++ {
		lo, hi := n*k/p, n*(k+1)/p
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	fn(0, n/p)
	wg.Wait()
}
