package native

import (
	"fmt"
	"math"

	"github.com/deepdream-go/deepdream/models/native/gemm"
	"github.com/deepdream-go/deepdream/models/native/vec"
)

// conv2d is Conv2D (NHWC, HWIO filter) with an optional fused bias and ReLU.
// Forward is im2col + GEMM over ranges of output pixels; backward (gradient
// with respect to the input only) is GEMM with the transposed filter and a
// col2im scatter over chunks of output rows, odd chunks adding after their
// even neighbours so no two workers ever add to the same input row at once.
// 3×3 stride-1 convolutions use Winograd F(2×2,3×3) instead where
// Options.Conv3x3 says so (winograd.go).
type conv2d struct {
	kh, kw, cin, cout int
	sh, sw            int
	same              bool
	w                 *gemm.PackedB // K×cout, K = kh*kw*cin (the HWIO layout), packed once; nil with wino
	wt                *gemm.PackedB // cout×K, for the input gradient; nil with wino
	bias              []float32
	relu              bool
	// wino is the Winograd form of a 3×3 stride-1 filter, nil when the
	// convolution uses im2col.
	wino *winoTransformed
}

func newConv2D(kernel gemm.Kernel, mode conv3x3Mode, f *tensor, sh, sw int, same bool) *conv2d {
	kh, kw, cin, cout := f.shape[0], f.shape[1], f.shape[2], f.shape[3]
	c := &conv2d{kh: kh, kw: kw, cin: cin, cout: cout, sh: sh, sw: sw, same: same}
	if kh == 3 && kw == 3 && sh == 1 && sw == 1 && mode != conv3x3Im2col && (mode == conv3x3Winograd || winogradPays(cin, cout)) {
		c.wino = newWinograd(kernel, f.data, cin, cout)
		return c // the im2col matrices are never used
	}
	k := kh * kw * cin
	wt := make([]float32, k*cout)
	for i := 0; i < k; i++ {
		for o := 0; o < cout; o++ {
			wt[o*k+i] = f.data[i*cout+o]
		}
	}
	c.w, c.wt = kernel.NewPackedB(k, cout, f.data, cout), kernel.NewPackedB(cout, k, wt, k)
	return c
}

func (c *conv2d) keep() (bool, bool) { return false, c.relu }

type convGeom struct {
	h, w, ho, wo, pt, pl int
}

func (c *conv2d) geom(shape []int) (convGeom, error) {
	h, w, ch, err := nhwc(shape)
	if err != nil {
		return convGeom{}, err
	}
	if ch != c.cin {
		return convGeom{}, fmt.Errorf("input has %d channels, filter wants %d", ch, c.cin)
	}
	ho, pt, err := windowGeometry(h, c.kh, c.sh, c.same)
	if err != nil {
		return convGeom{}, err
	}
	wo, pl, err := windowGeometry(w, c.kw, c.sw, c.same)
	if err != nil {
		return convGeom{}, err
	}
	return convGeom{h: h, w: w, ho: ho, wo: wo, pt: pt, pl: pl}, nil
}

func (c *conv2d) outShape(in [][]int) ([]int, error) {
	g, err := c.geom(in[0])
	if err != nil {
		return nil, err
	}
	return []int{1, g.ho, g.wo, c.cout}, nil
}

func (c *conv2d) pointwise() bool {
	return c.kh == 1 && c.kw == 1 && c.sh == 1 && c.sw == 1
}

// rowsPerChunk picks how many output rows one GEMM+col2im call of the
// backward pass handles: enough rows for an efficient GEMM, a bounded
// column buffer, and at least kh rows so that chunk i and chunk i+2 never
// touch the same input rows.
func (c *conv2d) rowsPerChunk(g convGeom) int {
	k := c.kh * c.kw * c.cin
	targetM := (1 << 20) / k // about 4 MB of columns per worker
	if targetM < 64 {
		targetM = 64
	}
	if targetM > 4096 {
		targetM = 4096
	}
	rows := targetM / g.wo
	// Small maps still split into several chunks so all cores get work.
	// The split depends only on the geometry, never on the worker count,
	// so the order of additions in col2im is the same on every machine.
	if per := (g.ho + 15) / 16; rows > per {
		rows = per
	}
	minRows := (c.kh + c.sh - 1) / c.sh
	if minRows < 1 {
		minRows = 1
	}
	if rows < minRows {
		rows = minRows
	}
	return rows
}

// pointwiseParts is how many row ranges a 1×1 convolution of m pixels is
// split into (before rounding to the worker count): ranges of at least
// 256 pixels, at most maxChunks of them.
func pointwiseParts(m int) int {
	return min((m+255)/256, maxChunks)
}

// forwardParts is how many pixel ranges the im2col + GEMM of the forward
// pass is split into (before rounding to the worker count): enough for a
// bounded column buffer (about 4 MB per worker) and, on small maps, up to
// 16 ranges of at least 144 pixels (one GEMM row block) so that all cores
// get work.
func (c *conv2d) forwardParts(m int) int {
	k := c.kh * c.kw * c.cin
	targetM := min(max((1<<20)/k, 64), 4096)
	return max((m+targetM-1)/targetM, min(16, (m+143)/144))
}

func (c *conv2d) forward(p *pool, in []*tensor, out *tensor) (any, error) {
	g, err := c.geom(in[0].shape)
	if err != nil {
		return nil, err
	}
	x, y := in[0].data, out.data
	k := c.kh * c.kw * c.cin
	m := g.ho * g.wo
	// Every output pixel's value is the same however the pixels are split
	// (the GEMM adds the same products in the same order for every row),
	// so the split can follow the worker count.
	if c.pointwise() {
		p.forParts(m, pointwiseParts(m), func(lo, hi, worker int) {
			p.ws[worker].SgemmPacked(hi-lo, x[lo*k:], k, c.w, y[lo*c.cout:], c.cout, false)
			c.epilogue(y[lo*c.cout : hi*c.cout])
		})
		return nil, nil
	}
	if c.wino != nil {
		c.winoForward(p, g, x, y)
		return nil, nil
	}
	p.forParts(m, c.forwardParts(m), func(lo, hi, worker int) {
		col := p.scratchBuf(worker, (hi-lo)*k) // im2col writes every value
		c.im2col(g, x, lo, hi, col)
		dst := y[lo*c.cout : hi*c.cout]
		p.ws[worker].SgemmPacked(hi-lo, col, k, c.w, dst, c.cout, false)
		c.epilogue(dst)
	})
	return nil, nil
}

func (c *conv2d) epilogue(y []float32) {
	switch {
	case c.bias != nil && c.relu:
		for i := 0; i < len(y); i += c.cout {
			vec.BiasReLU(y[i:i+c.cout], c.bias)
		}
	case c.bias != nil:
		for i := 0; i < len(y); i += c.cout {
			vec.Add(y[i:i+c.cout], c.bias)
		}
	case c.relu:
		for i, v := range y {
			if v < 0 {
				y[i] = 0
			}
		}
	}
}

// im2col writes the patches of output pixels [p0,p1) (row-major) into
// col, one row of kh*kw*cin values per output pixel, zeros where the
// window leaves the image.
func (c *conv2d) im2col(g convGeom, x []float32, p0, p1 int, col []float32) {
	k := c.kh * c.kw * c.cin
	span := c.kw * c.cin
	i := 0
	for oy := p0 / g.wo; oy*g.wo < p1; oy++ {
		for ox := max(p0-oy*g.wo, 0); ox < min(g.wo, p1-oy*g.wo); ox++ {
			row := col[i*k : (i+1)*k]
			i++
			ix0 := ox*c.sw - g.pl
			for ky := 0; ky < c.kh; ky++ {
				dst := row[ky*span : (ky+1)*span]
				iy := oy*c.sh - g.pt + ky
				if iy < 0 || iy >= g.h {
					clear(dst)
					continue
				}
				base := iy * g.w
				if ix0 >= 0 && ix0+c.kw <= g.w {
					copy(dst, x[(base+ix0)*c.cin:(base+ix0+c.kw)*c.cin])
					continue
				}
				for kx := 0; kx < c.kw; kx++ {
					d := dst[kx*c.cin : (kx+1)*c.cin]
					ix := ix0 + kx
					if ix < 0 || ix >= g.w {
						clear(d)
					} else {
						copy(d, x[(base+ix)*c.cin:(base+ix+1)*c.cin])
					}
				}
			}
		}
	}
}

// col2im adds the column gradients of output rows [r0,r1) into dx.
func (c *conv2d) col2im(g convGeom, col []float32, r0, r1 int, dx []float32) {
	k := c.kh * c.kw * c.cin
	span := c.kw * c.cin
	i := 0
	for oy := r0; oy < r1; oy++ {
		for ox := 0; ox < g.wo; ox++ {
			row := col[i*k : (i+1)*k]
			i++
			ix0 := ox*c.sw - g.pl
			for ky := 0; ky < c.kh; ky++ {
				iy := oy*c.sh - g.pt + ky
				if iy < 0 || iy >= g.h {
					continue
				}
				src := row[ky*span : (ky+1)*span]
				base := iy * g.w
				if ix0 >= 0 && ix0+c.kw <= g.w {
					vec.Add(dx[(base+ix0)*c.cin:(base+ix0+c.kw)*c.cin], src)
					continue
				}
				for kx := 0; kx < c.kw; kx++ {
					ix := ix0 + kx
					if ix < 0 || ix >= g.w {
						continue
					}
					vec.Add(dx[(base+ix)*c.cin:(base+ix+1)*c.cin], src[kx*c.cin:(kx+1)*c.cin])
				}
			}
		}
	}
}

func (c *conv2d) backward(p *pool, in []*tensor, out *tensor, _ any, dOut *tensor, dIn []*tensor) error {
	g, err := c.geom(dIn[0].shape)
	if err != nil {
		return err
	}
	dy, dx := dOut.data, dIn[0].data
	if c.wino != nil {
		var y []float32
		if c.relu {
			y = out.data
		}
		c.winoBackward(p, g, dy, y, dx)
		return nil
	}
	if c.relu {
		y := out.data
		p.forRange(len(dy), 1<<15, func(lo, hi int) {
			vec.MaskNonPositive(dy[lo:hi], y[lo:hi])
		})
	}
	k := c.kh * c.kw * c.cin
	if c.pointwise() {
		// Each input pixel's gradient comes from its own output pixel
		// only, so the split does not change the result.
		m := g.ho * g.wo
		p.forParts(m, pointwiseParts(m), func(lo, hi, worker int) {
			p.ws[worker].SgemmPacked(hi-lo, dy[lo*c.cout:], c.cout, c.wt, dx[lo*k:], k, true)
		})
		return nil
	}
	// Chunks of output rows: even chunks first, then odd ones. Chunk i and
	// i+2 never touch the same input rows, so the even chunks scatter in
	// parallel; an odd chunk computes its columns as soon as it is picked
	// but adds them only once both neighbouring even chunks have, so every
	// input row receives its contributions in the same order (even chunk,
	// then odd) however the chunks are scheduled, without a barrier that
	// would idle workers between the two halves.
	rows := c.rowsPerChunk(g)
	chunks := (g.ho + rows - 1) / rows
	evens := (chunks + 1) / 2
	done := make([]chan struct{}, evens)
	for i := range done {
		done[i] = make(chan struct{})
	}
	p.forChunks(chunks, func(j, worker int) {
		ch := 2 * j
		if j >= evens {
			ch = 2*(j-evens) + 1
		}
		r0 := ch * rows
		r1 := min(r0+rows, g.ho)
		m := (r1 - r0) * g.wo
		col := p.scratchBuf(worker, m*k) // the GEMM overwrites every value
		p.ws[worker].SgemmPacked(m, dy[r0*g.wo*c.cout:], c.cout, c.wt, col, k, false)
		if ch%2 == 1 {
			<-done[ch/2]
			if ch/2+1 < evens {
				<-done[ch/2+1]
			}
		}
		c.col2im(g, col, r0, r1, dx)
		if ch%2 == 0 {
			close(done[ch/2])
		}
	})
	return nil
}

func sqrt64(v float64) float64 { return math.Sqrt(v) }
