//go:build linux

package gemm

import (
	"math/rand"
	"syscall"
	"testing"
	"unsafe"
)

// guardedFloats returns a slice of n float32 values placed directly before
// (atEnd) or directly after (!atEnd) an inaccessible page, so that any read
// or write just past the end (or before the start) of the slice faults. The
// returned function unmaps the memory.
func guardedFloats(t *testing.T, n int, atEnd bool) ([]float32, func()) {
	t.Helper()
	page := syscall.Getpagesize()
	dataBytes := (4*n + page - 1) / page * page
	mem, err := syscall.Mmap(-1, 0, dataBytes+2*page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Skipf("mmap: %v", err)
	}
	if err := syscall.Mprotect(mem[:page], syscall.PROT_NONE); err != nil {
		t.Skipf("mprotect: %v", err)
	}
	if err := syscall.Mprotect(mem[page+dataBytes:], syscall.PROT_NONE); err != nil {
		t.Skipf("mprotect: %v", err)
	}
	off := page
	if atEnd {
		off = page + dataBytes - 4*n
	}
	if n == 0 {
		return nil, func() { syscall.Munmap(mem) }
	}
	s := unsafe.Slice((*float32)(unsafe.Pointer(&mem[off])), n)
	return s, func() { syscall.Munmap(mem) }
}

// TestSgemmGuardPages runs every kernel with A, B and C placed against
// inaccessible pages, so that out-of-bounds reads by the assembly (which
// the Go bounds checks cannot see) crash the test.
func TestSgemmGuardPages(t *testing.T) {
	rng := rand.New(rand.NewSource(6))
	shapes := [][3]int{{1, 1, 1}, {1, 27, 3}, {7, 27, 64}, {6, 16, 5}, {12, 27, 5}, {6, 35, 9}, {4, 3, 2}, {13, 35, 77}, {48, 192, 400}, {97, 17, 29}, {14, 32, 5}, {28, 64, 9}, {15, 33, 3}, {6, 64, 4}}
	for name, impl := range implsUnderTest(t) {
		for _, s := range shapes {
			for _, atEnd := range []bool{true, false} {
				p := newProblem(rng, s[0], s[1], s[2], 1, 3, 2)
				ga, freeA := guardedFloats(t, len(p.a), atEnd)
				gb, freeB := guardedFloats(t, len(p.b), atEnd)
				gc, freeC := guardedFloats(t, len(p.c0), atEnd)
				copy(ga, p.a)
				copy(gb, p.b)
				copy(gc, p.c0)
				want := append([]float32(nil), p.c0...)
				new(Workspace).sgemm(impl, p.m, p.n, p.k, p.a, p.lda, p.b, p.ldb, want, p.ldc, true)
				new(Workspace).sgemm(impl, p.m, p.n, p.k, ga, p.lda, gb, p.ldb, gc, p.ldc, true)
				for i := range want {
					if gc[i] != want[i] {
						t.Fatalf("%s %v atEnd=%v: element %d = %g, want %g", name, s, atEnd, i, gc[i], want[i])
					}
				}
				freeA()
				freeB()
				freeC()
			}
		}
	}
}
