package gemm

import (
	"fmt"
	"math"
	"unsafe"
)

// bf16Funcs are the parts of a bfloat16 kernel that differ from the float32
// kernels: the micro-kernel over bf16 pairs and the conversion of rows of A.
//
// In the bf16 layout, consecutive K values are rounded to bf16 and stored
// in pairs in one 32-bit word, the even K value in the low half (the layout
// VDPBF16PS reads). A row of A is its ceil(kc/2) pairs; a packed B panel of
// nr columns is ceil(kc/2) groups of nr pairs (column j of group p holds
// B[2p][j] and B[2p+1][j]). An odd kc is padded with a zero.
type bf16Funcs struct {
	// tile computes the mr×nr product of mr rows of bf16 A (row stride lda
	// words, kc2 pairs per row) and the packed bf16 B panel b (kc2 groups
	// of nr pairs), accumulating in float32, and stores its first cols
	// columns into c like kernelImpl.tile.
	tile func(kc2 int, a []uint32, lda int, b []uint32, c []float32, ldc, cols int, accumulate bool)
	// cvt rounds src to bf16 pairs in dst (len(dst) == (len(src)+1)/2).
	cvt func(dst []uint32, src []float32)
}

// toBF16 rounds x to bfloat16 exactly as VCVTNEPS2BF16 does: round to
// nearest even, zeros and denormals to a zero of the same sign (denormals
// are not flushed by the MXCSR but by the instruction itself), infinities
// kept, NaNs made quiet.
func toBF16(x float32) uint16 {
	b := math.Float32bits(x)
	switch {
	case b&0x7f800000 == 0:
		return uint16(b>>16) & 0x8000
	case b&0x7fffffff > 0x7f800000:
		return uint16(b>>16) | 0x40
	}
	return uint16((b + 0x7fff + (b>>16)&1) >> 16)
}

// fromBF16 widens a bfloat16 value to float32 (exactly).
func fromBF16(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }

// cvtBF16Go is the portable conversion of a row of A to bf16 pairs.
func cvtBF16Go(dst []uint32, src []float32) {
	n := len(src) / 2
	dst = dst[:(len(src)+1)/2]
	for i := 0; i < n; i++ {
		dst[i] = uint32(toBF16(src[2*i])) | uint32(toBF16(src[2*i+1]))<<16
	}
	if len(src)%2 == 1 {
		dst[n] = uint32(toBF16(src[2*n]))
	}
}

// packPanelBF16 packs the kc×cols block of B at b (row stride ldb,
// cols <= nr) into dst as ceil(kc/2) groups of nr bf16 pairs, padding
// columns cols..nr-1 and an odd last row with zeros.
func packPanelBF16(dst []uint32, b []float32, ldb, kc, cols, nr int) {
	kc2 := (kc + 1) / 2
	dst = dst[:nr*kc2]
	for p := 0; p < kc2; p++ {
		g := dst[p*nr : p*nr+nr]
		lo := b[2*p*ldb : 2*p*ldb+cols]
		var hi []float32
		if 2*p+1 < kc {
			hi = b[(2*p+1)*ldb : (2*p+1)*ldb+cols]
		}
		for j := range g {
			var v uint32
			if j < cols {
				v = uint32(toBF16(lo[j]))
				if hi != nil {
					v |= uint32(toBF16(hi[j])) << 16
				}
			}
			g[j] = v
		}
	}
}

// packedWords returns the number of bf16 pair words of one column of a
// k-row packed B: the sum over the K blocks of ceil(kc/2).
func packedWords(k int) int {
	kcMax := splitK(k)
	full := k / kcMax
	w := full * ((kcMax + 1) / 2)
	if r := k % kcMax; r > 0 {
		w += (r + 1) / 2
	}
	return w
}

// packBF16 fills p.data16 with the bf16 panels of the k×n matrix B (row
// stride ldb), block by block in the order of PackedB.block16.
func (p *PackedB) packBF16(b []float32, ldb int) {
	nr := p.impl.nr
	kcMax := splitK(p.k)
	p.data16 = alignedWords(packedWords(p.k) * roundUp(p.n, nr))
	for jc := 0; jc < p.n; jc += blockN {
		nc := min(blockN, p.n-jc)
		for pc := 0; pc < p.k; pc += kcMax {
			kc := min(kcMax, p.k-pc)
			kc2 := (kc + 1) / 2
			blk := p.block16(jc, pc, nc, kc)
			for jr := 0; jr < nc; jr += nr {
				packPanelBF16(blk[jr*kc2:(jr+nr)*kc2], b[pc*ldb+jc+jr:], ldb, kc, min(nr, nc-jr), nr)
			}
		}
	}
}

// block16 is PackedB.block for the bf16 layout.
func (p *PackedB) block16(jc, pc, nc, kc int) []uint32 {
	w := roundUp(nc, p.impl.nr)
	kcMax := splitK(p.k)
	off := jc*packedWords(p.k) + pc/kcMax*w*((kcMax+1)/2)
	return p.data16[off : off+w*((kc+1)/2)]
}

// runBF16 is the blocked driver for bf16 kernels: like run, but each block
// of A (up to blockM rows × one K block) is first rounded to bf16 pairs in
// the workspace and B comes pre-packed in bf16 pairs from pb.
func (w *Workspace) runBF16(m int, a []float32, lda int, pb *PackedB, c []float32, ldc int, accumulate bool) {
	impl := pb.impl
	n, k := pb.n, pb.k
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
	kc2Max := (kcMax + 1) / 2
	if cap(w.packA16) < mcMax*kc2Max {
		w.packA16 = alignedWords(mcMax * kc2Max)
	}
	w.tile = grow(w.tile, mr*nr)
	tile := w.tile
	for jc := 0; jc < n; jc += blockN {
		nc := min(blockN, n-jc)
		for pc := 0; pc < k; pc += kcMax {
			kc := min(kcMax, k-pc)
			kc2 := (kc + 1) / 2
			acc := accumulate || pc > 0
			packB := pb.block16(jc, pc, nc, kc)
			for ic := 0; ic < m; ic += mcMax {
				mc := min(mcMax, m-ic)
				mcPad := roundUp(mc, mr)
				ap := w.packA16[:mcPad*kc2]
				for i := 0; i < mc; i++ {
					off := (ic+i)*lda + pc
					impl.bf16.cvt(ap[i*kc2:(i+1)*kc2], a[off:off+kc])
				}
				clear(ap[mc*kc2:])
				for jr := 0; jr < nc; jr += nr {
					cols := min(nr, nc-jr)
					bp := packB[jr*kc2 : (jr+nr)*kc2]
					for ir := 0; ir < mc; ir += mr {
						rows := min(mr, mc-ir)
						off := (ic+ir)*ldc + jc + jr
						at := ap[ir*kc2:]
						if rows == mr {
							impl.bf16.tile(kc2, at, kc2, bp, c[off:], ldc, cols, acc)
							continue
						}
						// Fewer than mr rows remain (the rows of ap
						// beyond mc are zero): compute into a scratch
						// tile and copy the valid part into C.
						impl.bf16.tile(kc2, at, kc2, bp, tile, nr, nr, false)
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

// alignedWords is alignedFloats for uint32 values.
func alignedWords(n int) []uint32 {
	const pad = cacheLine / 4
	s := make([]uint32, n+pad)
	off := 0
	if addr := uintptr(unsafe.Pointer(&s[0])); addr%cacheLine != 0 {
		off = int(cacheLine-addr%cacheLine) / 4
	}
	return s[off : off+n : off+n]
}

// BF16 returns the bfloat16 kernel: it rounds A and B to bfloat16 (8
// significant bits, round to nearest even) and multiplies them with
// VDPBF16PS, two K values per instruction, accumulating in float32; C
// stays float32. It is about twice the multiply rate of the float32
// AVX-512 kernel but NOT parity-exact with it: each product carries the
// rounding of its operands to bf16 (a relative error of up to 2^-8 each),
// and VDPBF16PS flushes denormal inputs and results to zero. It fails on a
// CPU, operating system or build without AVX512_BF16.
func BF16() (Kernel, error) {
	impl, ok := bf16Supported()
	if !ok {
		return Kernel{}, fmt.Errorf("gemm: the bf16 kernel needs an x86-64 CPU with AVX512_BF16 (and an operating system that enables AVX-512)")
	}
	return Kernel{impl}, nil
}
