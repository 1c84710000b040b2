// Package gemm provides a single-threaded float32 matrix multiplication
// (SGEMM) for row-major matrices.
//
// The implementation follows the classic packed, cache-blocked design: the
// K dimension is split into equal blocks of at most blockK, B is packed into
// zero-padded column panels that are nr columns wide, and a register-blocked
// micro-kernel computes one mr×nr tile of C at a time, reading mr rows of A
// in place (only a trailing group of fewer than mr rows is copied into a
// zero-padded buffer). On x86-64 the micro-kernel is written in assembly:
// AVX-512 (14×32 tiles in the 32 zmm registers) where the CPU and the
// operating system support it, else AVX2 with FMA (6×16 tiles); elsewhere,
// or when built with the "purego" build tag, a portable Go micro-kernel
// (2×4 tiles) is used. Available lists the kernels this machine can run and
// Lookup picks one by name, for example to compare them.
//
// Sgemm packs B on every call. When the same B (for example a weight
// matrix) is multiplied many times, pack it once with NewPackedB and call
// Workspace.SgemmPacked instead; a PackedB is read-only and can be shared by
// goroutines that each own a Workspace.
//
// All functions are deterministic: for the same inputs on the same machine
// and build they produce bit-identical outputs, because the order of the
// floating-point operations depends only on k and on the column position,
// never on buffer addresses, workspaces or timing. In particular each row of
// C depends only on the same row of A (and on B and k), not on m or on the
// row's position, so splitting the rows of a product across several calls
// (for example across worker goroutines) gives exactly the same result as
// one call. The AVX-512 and AVX2 kernels give bit-identical results (both
// perform one fused multiply-add per K step, in increasing K, for every
// element). Results of the assembly and the portable path differ in the
// last bits, because the portable path rounds each product (and the Go
// compiler may fuse its operations on some architectures, such as arm64).
//
// Bfloat16 arithmetic was measured and is deliberately not offered. An
// AVX512_BF16 kernel (14×32 tiles of VDPBF16PS, A and B rounded to bf16
// pairs, float32 accumulation; commits b2df8b9 to 3cb7d6c, with an exact
// pure-Go reference test, native.Options.Precision and a --precision flag)
// ran the convolution GEMMs 1.4–2.0× faster than the float32 AVX-512
// kernel on the large shapes (1.1–1.2× on 4096×27×64, 0.72× on the
// 1024×32×27 first layer) and a whole mixed5 input
// gradient about 1.2–1.6× faster at 640×360 and 1280×720 (interleaved, on
// a shared 2-vCPU AMD EPYC). The bar was a dream visually the same
// as the float32 one: PSNR >= 40 dB at the default settings. It measured
// 24.3–24.5 dB on the three test photos (objective within 1.8%). That bar
// cannot be met by any arithmetic that is not bit-exact: DeepDream
// amplifies every difference over its 40 steps (with one octave, bf16 is
// at 51 dB after one step, 41 dB after three, 33 dB after ten), and changing one channel of
// one input pixel by one level already gives 25.3–26.0 dB against the
// float32 dream of the unchanged photo. BenchmarkFMAPeak keeps the
// register-only VDPBF16PS peak next to the float32 FMA peak (about twice
// it on this machine).
//
// The package keeps no mutable global state: its package-level variables
// (the CPU feature check, computed once at initialisation, and the kernel
// descriptors) are never modified after initialisation.
package gemm

import (
	"fmt"
	"strings"
	"unsafe"
)

// Cache blocking parameters. blockK bounds the depth of the packed B panels
// so that one B micro-panel (blockK×nr) stays in L1 and the block of A
// (blockM×blockK) that is multiplied with it stays in L2. blockN bounds the
// width of the packed B block and must be a multiple of every supported nr;
// the rows of A are blocked by the largest multiple of mr that is at most
// blockM.
const (
	blockK = 384
	blockM = 144
	blockN = 4096
)

// kernelImpl describes one micro-kernel implementation: its tile size and
// the function that computes one tile.
type kernelImpl struct {
	name   string
	mr, nr int
	// tile computes the mr×nr product of mr rows of A (row-major, row
	// stride lda, kc values per row) and the packed B panel b (kc rows of
	// nr values) and stores its first cols columns into c (row stride ldc),
	// adding to the existing contents when accumulate is true. a and c must
	// hold mr full rows (of kc and cols values); 1 <= cols <= nr; kc >= 1.
	tile func(kc int, a []float32, lda int, b, c []float32, ldc, cols int, accumulate bool)
	// packB copies the kc×nr block of B at b (row stride ldb) into dst
	// (kc rows of nr values); b must hold kc full rows of nr values.
	packB func(kc int, b []float32, ldb int, dst []float32)
}

// genericImpl is the portable Go micro-kernel.
var genericImpl = kernelImpl{name: "generic", mr: 2, nr: 4, tile: tileGeneric2x4, packB: packPanel4}

// Kernel is one micro-kernel implementation that can run on this machine.
// Select one with Best or Lookup and pack matrices for it with
// Kernel.NewPackedB; products of a PackedB always use the kernel it was
// packed for.
type Kernel struct {
	impl kernelImpl
}

// Name returns the kernel's name: "avx512", "avx2" or "generic".
func (k Kernel) Name() string { return k.impl.name }

// Tile returns the size of the block of C that one call of the micro-kernel
// computes.
func (k Kernel) Tile() (mr, nr int) { return k.impl.mr, k.impl.nr }

// Available returns the kernels that this build can run on this CPU, fastest
// first. The last one is always the portable "generic" kernel.
func Available() []Kernel {
	impls := supportedImpls()
	ks := make([]Kernel, len(impls))
	for i, impl := range impls {
		ks[i] = Kernel{impl}
	}
	return ks
}

// Best returns the fastest kernel this machine can run (Available()[0]).
func Best() Kernel { return Kernel{bestImpl()} }

// Lookup returns the kernel with the given name ("avx512", "avx2" or
// "generic"). It fails if the name is unknown or if this CPU, operating
// system or build cannot run that kernel.
func Lookup(name string) (Kernel, error) {
	var names []string
	for _, impl := range supportedImpls() {
		if impl.name == name {
			return Kernel{impl}, nil
		}
		names = append(names, impl.name)
	}
	if name == "avx512" || name == "avx2" {
		return Kernel{}, fmt.Errorf("gemm: this CPU or build cannot run the %s kernel (available: %s)", name, strings.Join(names, ", "))
	}
	return Kernel{}, fmt.Errorf("gemm: unknown kernel %q (available: %s)", name, strings.Join(names, ", "))
}

// NewPackedB packs the row-major k×n matrix B (row stride ldb) for products
// with this kernel; see the package-level NewPackedB.
func (k Kernel) NewPackedB(rows, cols int, b []float32, ldb int) *PackedB {
	if k.impl.tile == nil {
		panic("gemm: zero Kernel")
	}
	return newPackedB(k.impl, rows, cols, b, ldb)
}

// Workspace holds the scratch buffers used by Sgemm and SgemmPacked so that
// repeated calls do not allocate. The zero value is ready to use. A Workspace must not be
// used by more than one goroutine at a time; give each worker goroutine its
// own Workspace.
type Workspace struct {
	packA []float32
	packB []float32
	tile  []float32
}

// NewWorkspace returns an empty Workspace. It is equivalent to
// new(Workspace); the buffers grow on first use to fit the largest call.
func NewWorkspace() *Workspace { return new(Workspace) }

// Sgemm computes C = A·B (accumulate=false) or C += A·B (accumulate=true)
// for row-major A (m×k, row stride lda), B (k×n, row stride ldb) and C (m×n,
// row stride ldc).
//
// Only the m×n region of C is read or written; elements between the end of
// a row (column n) and the row stride ldc are left untouched. The slices
// need only be long enough to hold their last row: len(a) >= (m-1)*lda+k,
// len(b) >= (k-1)*ldb+n and len(c) >= (m-1)*ldc+n whenever the respective
// dimensions are non-zero. If k is 0 then C is zeroed (accumulate=false) or
// left unchanged (accumulate=true).
//
// Sgemm panics with a descriptive message if a dimension is negative, a
// stride is smaller than the row length, or a slice is too short. It
// allocates its packing buffers on every call; use a Workspace to avoid
// that.
func Sgemm(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, accumulate bool) {
	var w Workspace
	w.Sgemm(m, n, k, a, lda, b, ldb, c, ldc, accumulate)
}

// Sgemm is like the package-level Sgemm but reuses the buffers of w, so that
// it does not allocate once the buffers have grown to fit the largest call.
func (w *Workspace) Sgemm(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, accumulate bool) {
	w.sgemm(bestImpl(), m, n, k, a, lda, b, ldb, c, ldc, accumulate)
}

// PackedB is a k×n matrix B stored in the panel layout that the
// micro-kernel reads. Packing B once and reusing it saves the packing pass
// that Sgemm performs on every call, which matters when B (for example a
// weight matrix) is multiplied many times or by several goroutines. A
// PackedB is immutable after NewPackedB returns and may be used
// concurrently by any number of goroutines.
type PackedB struct {
	k, n int
	impl kernelImpl
	data []float32
}

// NewPackedB packs the row-major k×n matrix B (row stride ldb) for use with
// Workspace.SgemmPacked, for the fastest kernel (Best). It panics with a descriptive message if k or n is
// negative, ldb < n, or len(b) < (k-1)*ldb+n (when k, n > 0). Later changes
// to b do not affect the PackedB.
func NewPackedB(k, n int, b []float32, ldb int) *PackedB {
	return newPackedB(bestImpl(), k, n, b, ldb)
}

// K returns the number of rows of the packed matrix.
func (p *PackedB) K() int { return p.k }

// N returns the number of columns of the packed matrix.
func (p *PackedB) N() int { return p.n }

func newPackedB(impl kernelImpl, k, n int, b []float32, ldb int) *PackedB {
	if k < 0 || n < 0 {
		panic(fmt.Sprintf("gemm: negative dimension k=%d n=%d", k, n))
	}
	checkB(k, n, b, ldb)
	p := &PackedB{k: k, n: n, impl: impl}
	if k == 0 || n == 0 {
		return p
	}
	kcMax := splitK(k)
	p.data = alignedFloats(k * roundUp(n, impl.nr))
	for jc := 0; jc < n; jc += blockN {
		nc := min(blockN, n-jc)
		for pc := 0; pc < k; pc += kcMax {
			kc := min(kcMax, k-pc)
			packPanelsB(p.block(jc, pc, nc, kc), b[pc*ldb+jc:], ldb, kc, nc, impl.nr, impl.packB)
		}
	}
	return p
}

// block returns the packed kc×nc block of B that starts at row pc and
// column jc. Blocks are stored column block by column block, and within a
// column block in increasing pc.
func (p *PackedB) block(jc, pc, nc, kc int) []float32 {
	w := roundUp(nc, p.impl.nr)
	off := jc*p.k + pc*w
	return p.data[off : off+w*kc]
}

// SgemmPacked computes C = A·B (accumulate=false) or C += A·B
// (accumulate=true) like Sgemm, for the m×k matrix A (row stride lda), the
// pre-packed k×n matrix b and the m×n matrix C (row stride ldc). It gives
// bit-identical results to Sgemm with the unpacked B. It panics with a
// descriptive message on a negative m, a nil b, too small strides or too
// short slices (see Sgemm).
func (w *Workspace) SgemmPacked(m int, a []float32, lda int, b *PackedB, c []float32, ldc int, accumulate bool) {
	if b == nil {
		panic("gemm: nil PackedB")
	}
	w.run(b.impl, m, b.n, b.k, a, lda, nil, 0, b, c, ldc, accumulate)
}

// checkArgs panics if the dimensions, strides or slice lengths are invalid.
func checkArgs(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("gemm: negative dimension m=%d n=%d k=%d", m, n, k))
	}
	checkA(m, k, a, lda)
	checkB(k, n, b, ldb)
	checkC(m, n, c, ldc)
}

// checkA panics if A (m×k, row stride lda) does not fit in a.
func checkA(m, k int, a []float32, lda int) { checkMatrix("a", "lda", "m", "k", m, k, a, lda) }

// checkB panics if B (k×n, row stride ldb) does not fit in b.
func checkB(k, n int, b []float32, ldb int) { checkMatrix("b", "ldb", "k", "n", k, n, b, ldb) }

// checkC panics if C (m×n, row stride ldc) does not fit in c.
func checkC(m, n int, c []float32, ldc int) { checkMatrix("c", "ldc", "m", "n", m, n, c, ldc) }

// checkMatrix panics if a rows×cols row-major matrix with row stride ld
// does not fit in s; the names make the message match the caller's arguments.
func checkMatrix(name, ldName, rowsName, colsName string, rows, cols int, s []float32, ld int) {
	if rows <= 0 || cols <= 0 {
		return
	}
	if ld < cols {
		panic(fmt.Sprintf("gemm: %s=%d < %s=%d", ldName, ld, colsName, cols))
	}
	if need := (rows-1)*ld + cols; len(s) < need {
		panic(fmt.Sprintf("gemm: len(%s)=%d < %d needed for %s=%d %s=%d %s=%d", name, len(s), need, rowsName, rows, colsName, cols, ldName, ld))
	}
}

// grow returns s resliced to length n, reallocating if its capacity is too
// small. The contents are unspecified. New buffers are cache-line aligned.
func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return alignedFloats(n)
	}
	return s[:n]
}

// cacheLine is the alignment, in bytes, of packed buffers.
const cacheLine = 64

// alignedFloats returns a zeroed slice of n float32 values whose first
// element is aligned to cacheLine bytes, so that the rows of packed B
// panels (64 bytes for the AVX2 kernel) never straddle two cache lines and
// performance does not depend on where the allocator placed the buffer.
func alignedFloats(n int) []float32 {
	const pad = cacheLine / 4
	s := make([]float32, n+pad)
	off := 0
	if addr := uintptr(unsafe.Pointer(&s[0])); addr%cacheLine != 0 {
		off = int(cacheLine-addr%cacheLine) / 4
	}
	return s[off : off+n : off+n]
}

// splitK returns the depth of the K blocks: K is split into equal blocks of
// at most blockK so that no block is much shorter than the others.
func splitK(k int) int {
	nk := (k + blockK - 1) / blockK
	return (k + nk - 1) / nk
}

// sgemm validates the arguments and runs the blocked driver with B packed
// on the fly.
func (w *Workspace) sgemm(impl kernelImpl, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, accumulate bool) {
	checkArgs(m, n, k, a, lda, b, ldb, c, ldc)
	w.run(impl, m, n, k, a, lda, b, ldb, nil, c, ldc, accumulate)
}

// run is the blocked driver shared by all micro-kernels. B is taken from pb
// if it is not nil, and otherwise packed block by block from b (row stride
// ldb) into the workspace.
func (w *Workspace) run(impl kernelImpl, m, n, k int, a []float32, lda int, b []float32, ldb int, pb *PackedB, c []float32, ldc int, accumulate bool) {
	if m < 0 {
		panic(fmt.Sprintf("gemm: negative dimension m=%d", m))
	}
	checkA(m, k, a, lda)
	checkC(m, n, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		if !accumulate {
			for i := 0; i < m; i++ {
				clear(c[i*ldc : i*ldc+n])
			}
		}
		return
	}
	mr, nr := impl.mr, impl.nr
	mcMax := blockM - blockM%mr

	kcMax := splitK(k)
	w.packA = grow(w.packA, mr*kcMax)
	if pb == nil {
		w.packB = grow(w.packB, kcMax*min(roundUp(n, nr), blockN))
	}
	w.tile = grow(w.tile, mr*nr)
	packA, tile := w.packA, w.tile

	for jc := 0; jc < n; jc += blockN {
		nc := min(blockN, n-jc)
		for pc := 0; pc < k; pc += kcMax {
			kc := min(kcMax, k-pc)
			acc := accumulate || pc > 0
			var packB []float32
			if pb != nil {
				packB = pb.block(jc, pc, nc, kc)
			} else {
				packB = w.packB[:roundUp(nc, nr)*kc]
				packPanelsB(packB, b[pc*ldb+jc:], ldb, kc, nc, nr, impl.packB)
			}
			for ic := 0; ic < m; ic += mcMax {
				mc := min(mcMax, m-ic)
				if rows := mc % mr; rows > 0 {
					// The last rows of the block, fewer than mr, go into a
					// zero-padded panel once for all column panels; the
					// kernel computes them into a scratch tile.
					clear(packA[rows*kc : mr*kc])
					for i := 0; i < rows; i++ {
						src := a[(ic+mc-rows+i)*lda+pc:]
						copy(packA[i*kc:(i+1)*kc], src[:kc])
					}
				}
				for jr := 0; jr < nc; jr += nr {
					cols := min(nr, nc-jr)
					bp := packB[jr*kc : (jr+nr)*kc]
					for ir := 0; ir < mc; ir += mr {
						rows := min(mr, mc-ir)
						off := (ic+ir)*ldc + jc + jr
						if rows == mr {
							ap := a[(ic+ir)*lda+pc:]
							impl.tile(kc, ap, lda, bp, c[off:], ldc, cols, acc)
							continue
						}
						// Fewer than mr rows remain: they are in packA.
						// Compute into a scratch tile, then copy the valid
						// part into C.
						impl.tile(kc, packA[:mr*kc], kc, bp, tile, nr, nr, false)
						for i := 0; i < rows; i++ {
							dst := c[off+i*ldc : off+i*ldc+cols]
							src := tile[i*nr : i*nr+cols]
							if acc {
								for j, v := range src {
									dst[j] += v
								}
							} else {
								copy(dst, src)
							}
						}
					}
				}
			}
		}
	}
}

// roundUp rounds x up to a multiple of m.
func roundUp(x, m int) int { return (x + m - 1) / m * m }

// packPanelsB packs the kc×nc block of B starting at b[0] (row stride ldb)
// into dst as consecutive panels of nr columns. Panel j holds kc rows of nr
// values each; columns beyond nc are zero. Full-width panels are copied by
// packFull (see kernelImpl); the last, partial panel is copied here.
func packPanelsB(dst, b []float32, ldb, kc, nc, nr int, packFull func(kc int, b []float32, ldb int, dst []float32)) {
	full := nc - nc%nr // columns covered by full-width panels
	for j := 0; j < full; j += nr {
		packFull(kc, b[j:], ldb, dst[j*kc:j*kc+nr*kc])
	}
	if full < nc {
		panel := dst[full*kc : full*kc+nr*kc]
		for p := 0; p < kc; p++ {
			row := panel[nr*p : nr*p+nr]
			n := copy(row, b[p*ldb+full:p*ldb+nc])
			clear(row[n:])
		}
	}
}

// packPanel4 copies the kc×4 panel of B at b (row stride ldb) into dst.
func packPanel4(kc int, b []float32, ldb int, dst []float32) {
	dst = dst[:4*kc]
	for p := 0; p < kc; p++ {
		s := b[p*ldb : p*ldb+4 : p*ldb+4]
		d := dst[4*p : 4*p+4 : 4*p+4]
		d[0], d[1], d[2], d[3] = s[0], s[1], s[2], s[3]
	}
}
