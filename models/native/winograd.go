package native

import (
	"fmt"

	"github.com/deepdream-go/deepdream/models/native/gemm"
	"github.com/deepdream-go/deepdream/models/native/vec"
)

// Winograd F(2×2,3×3) for 3×3 stride-1 convolutions.
//
// The output is cut into 2×2 tiles; tile t reads the 4×4 input patch d
// whose top-left corner is two pixels per tile further along. Per channel
//
//	Y = Aᵀ [ U ⊙ V ] A,   U = G g Gᵀ (per input and output channel),  V = Bᵀ d B
//
// and the sum over input channels of U⊙V is 16 matrix products, one per
// position ξ of the 4×4 transformed tile: M_ξ (tiles×cout) = V_ξ
// (tiles×cin) · U_ξ (cin×cout). That is 16·cin·cout multiply-adds per tile
// of four outputs instead of 36·cin·cout.
//
// The input gradient is the exact adjoint of that algorithm:
// dM_ξ = (A dY Aᵀ)_ξ, dV_ξ = dM_ξ · U_ξᵀ, and dX += B dV Bᵀ scattered back
// onto the overlapping 4×4 input patches.
//
// Work is done in chunks of consecutive tiles of one tile row, sized so
// that the transformed tiles of a chunk stay in the cache (winoLayout); the
// chunks depend only on the layer's geometry. In the backward pass neighbouring tiles add to the
// same input pixels, so chunks run in four phases (tile row parity × column
// block parity) and no two chunks of one phase touch the same input pixel:
// the order of additions, and so the result, does not depend on the number
// of workers.

// Conv3x3Env is the environment variable that selects the algorithm for 3×3
// stride-1 convolutions ("auto", "im2col" or "winograd") when
// Options.Conv3x3 is empty, for comparing them. It is read once, by New.
const Conv3x3Env = "DEEPDREAM_CONV3X3"

// conv3x3Mode is how 3×3 stride-1 convolutions are computed.
type conv3x3Mode int

const (
	conv3x3Auto conv3x3Mode = iota
	conv3x3Im2col
	conv3x3Winograd
)

func parseConv3x3(s string) (conv3x3Mode, error) {
	switch s {
	case "", "auto":
		return conv3x3Auto, nil
	case "im2col":
		return conv3x3Im2col, nil
	case "winograd":
		return conv3x3Winograd, nil
	}
	return 0, fmt.Errorf("unknown 3x3 convolution algorithm %q (want auto, im2col or winograd)", s)
}

// winoTransformed is the filter of a 3×3 convolution in the Winograd domain.
type winoTransformed struct {
	u     [16]*gemm.PackedB // U_ξ, cin×cout
	ut    [16]*gemm.PackedB // U_ξᵀ, cout×cin, for the input gradient
	tr    winoTransforms
	zeros []float32 // cout zeros, the bias of a convolution without one
}

// newWinograd transforms the HWIO 3×3 filter f (cin×cout per tap).
func newWinograd(kernel gemm.Kernel, f []float32, cin, cout int) *winoTransformed {
	// U = G g Gᵀ, computed in float64 and rounded once.
	G := [4][3]float64{{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}}
	n := cin * cout
	u := make([][]float32, 16)
	for xi := range u {
		u[xi] = make([]float32, n)
	}
	var tap [3][3]float64
	for ci := 0; ci < cin; ci++ {
		for o := 0; o < cout; o++ {
			for ky := 0; ky < 3; ky++ {
				for kx := 0; kx < 3; kx++ {
					tap[ky][kx] = float64(f[((ky*3+kx)*cin+ci)*cout+o])
				}
			}
			for i := 0; i < 4; i++ {
				for j := 0; j < 4; j++ {
					s := 0.0
					for a := 0; a < 3; a++ {
						for b := 0; b < 3; b++ {
							s += G[i][a] * tap[a][b] * G[j][b]
						}
					}
					u[4*i+j][ci*cout+o] = float32(s)
				}
			}
		}
	}
	w := &winoTransformed{tr: winoTransformsFor(kernel.Name()), zeros: make([]float32, cout)}
	ut := make([]float32, n)
	for xi := 0; xi < 16; xi++ {
		w.u[xi] = kernel.NewPackedB(cin, cout, u[xi], cout)
		for ci := 0; ci < cin; ci++ {
			for o := 0; o < cout; o++ {
				ut[o*cin+ci] = u[xi][ci*cout+o]
			}
		}
		w.ut[xi] = kernel.NewPackedB(cout, cin, ut, cin)
	}
	return w
}

// winoChunkFloats bounds the tiles per chunk: the chunk's transformed input
// and output (16 values per tile and channel) fill about winoChunkFloats
// values (1 MiB). Measured on the InceptionV3 shapes with AVX-512, chunks
// of 1/4 and 1/2 MiB were slower (fewer GEMM rows per packed filter) and 2
// and 4 MiB no faster.
const winoChunkFloats = 1 << 18

// winoMinTiles is the least number of tiles per chunk (where the row has
// as many).
const winoMinTiles = 32

type winoLayout struct {
	th, tw int // tile rows and columns
	nb     int // tiles per chunk
	nbx    int // chunks per tile row
}

func (c *conv2d) winoLayout(g convGeom) winoLayout {
	l := winoLayout{th: (g.ho + 1) / 2, tw: (g.wo + 1) / 2}
	// At least winoMinTiles rows per GEMM, even where that overflows the
	// budget (large channel counts): thinner products reuse each packed
	// filter matrix too little.
	l.nb = winoChunkFloats / (16 * (c.cin + c.cout))
	l.nb = min(max(l.nb, winoMinTiles), l.tw)
	l.nbx = (l.tw + l.nb - 1) / l.nb
	// Even out the chunks of a row.
	l.nb = (l.tw + l.nbx - 1) / l.nbx
	return l
}

// winoBuffers carves a worker's scratch buffer into the transformed
// inputs (16 matrices of t×cin), the products (16 matrices of t×cout) and
// a temporary for one edge tile.
func (c *conv2d) winoBuffers(p *pool, worker, t int) (v, m, tmp []float32) {
	nv, nm := 16*t*c.cin, 16*t*c.cout
	buf := p.scratchBuf(worker, nv+nm+16*max(c.cin, c.cout))
	return buf[:nv], buf[nv : nv+nm], buf[nv+nm:]
}

func (c *conv2d) winoForward(p *pool, g convGeom, x, y []float32) {
	if g.ho == 0 || g.wo == 0 {
		return
	}
	l := c.winoLayout(g)
	w := c.wino
	p.forChunks(l.th*l.nbx, func(ch, worker int) {
		ty, bx := ch/l.nbx, ch%l.nbx
		tx0 := bx * l.nb
		tx1 := min(tx0+l.nb, l.tw)
		t := tx1 - tx0
		v, m, tmp := c.winoBuffers(p, worker, t)
		c.winoInput(g, x, ty, tx0, tx1, v, tmp)
		ws := p.ws[worker]
		for xi := 0; xi < 16; xi++ {
			ws.SgemmPacked(t, v[xi*t*c.cin:], c.cin, w.u[xi], m[xi*t*c.cout:], c.cout, false)
		}
		c.winoOutput(g, m, t, ty, tx0, tx1, y, tmp)
	})
}

// winoInput writes V = Bᵀ d B for tiles [tx0,tx1) of tile row ty into the
// 16 matrices of v (row stride cin).
func (c *conv2d) winoInput(g convGeom, x []float32, ty, tx0, tx1 int, v, tmp []float32) {
	cin, tr := c.cin, c.wino.tr
	t := tx1 - tx0
	iy0 := 2*ty - g.pt
	for tx := tx0; tx < tx1; {
		ix0 := 2*tx - g.pl
		if run := insideRun(tx, tx1, iy0, ix0, 4, g.h, g.w); run > 0 {
			tr.in(x[(iy0*g.w+ix0)*cin:], g.w*cin, cin, v[(tx-tx0)*cin:], t*cin, run)
			tx += run
			continue
		}
		patch := tmp[:16*cin]
		clear(patch)
		forPatch(iy0, ix0, 4, g.h, g.w, func(k, pix int) {
			copy(patch[k*cin:(k+1)*cin], x[pix*cin:])
		})
		tr.in(patch, 4*cin, cin, v[(tx-tx0)*cin:], t*cin, 1)
		tx++
	}
}

// winoOutput writes Y = Aᵀ M A (plus bias, then ReLU) for tiles [tx0,tx1)
// of tile row ty, clipped to the output.
func (c *conv2d) winoOutput(g convGeom, m []float32, t, ty, tx0, tx1 int, y, tmp []float32) {
	cout, tr, bias := c.cout, c.wino.tr, c.bias
	if bias == nil {
		bias = c.wino.zeros
	}
	oy0 := 2 * ty
	for tx := tx0; tx < tx1; {
		ox0 := 2 * tx
		if run := insideRun(tx, tx1, oy0, ox0, 2, g.ho, g.wo); run > 0 {
			tr.out(m[(tx-tx0)*cout:], t*cout, cout, y[(oy0*g.wo+ox0)*cout:], g.wo*cout, bias, c.relu, run)
			tx += run
			continue
		}
		tile := tmp[:4*cout]
		tr.out(m[(tx-tx0)*cout:], t*cout, cout, tile, 2*cout, bias, c.relu, 1)
		forPatch(oy0, ox0, 2, g.ho, g.wo, func(k, pix int) {
			copy(y[pix*cout:(pix+1)*cout], tile[k*cout:])
		})
		tx++
	}
}

// winoBackward adds the input gradient for the output gradient dy to dx;
// y is the output when the convolution has a fused ReLU (its gradient is
// applied on the fly, dy is not modified), else nil.
func (c *conv2d) winoBackward(p *pool, g convGeom, dy, y, dx []float32) {
	if g.ho == 0 || g.wo == 0 {
		return
	}
	l := c.winoLayout(g)
	w := c.wino
	for phase := 0; phase < 4; phase++ {
		py, pb := phase>>1, phase&1
		rows := (l.th - py + 1) / 2
		cols := (l.nbx - pb + 1) / 2
		p.forChunks(rows*cols, func(j, worker int) {
			ty := 2*(j/cols) + py
			tx0 := (2*(j%cols) + pb) * l.nb
			tx1 := min(tx0+l.nb, l.tw)
			t := tx1 - tx0
			v, m, tmp := c.winoBuffers(p, worker, t)
			c.winoGradOutput(g, dy, y, ty, tx0, tx1, m, tmp)
			ws := p.ws[worker]
			for xi := 0; xi < 16; xi++ {
				ws.SgemmPacked(t, m[xi*t*c.cout:], c.cout, w.ut[xi], v[xi*t*c.cin:], c.cin, false)
			}
			c.winoGradInput(g, v, t, ty, tx0, tx1, dx, tmp)
		})
	}
}

// winoGradOutput writes dM = A dY Aᵀ for tiles [tx0,tx1) of tile row ty
// into the 16 matrices of m (row stride cout), dY masked by y > 0 when y
// is not nil; outputs past the edge count as zero.
func (c *conv2d) winoGradOutput(g convGeom, dy, y []float32, ty, tx0, tx1 int, m, tmp []float32) {
	cout, tr := c.cout, c.wino.tr
	t := tx1 - tx0
	oy0 := 2 * ty
	for tx := tx0; tx < tx1; {
		ox0 := 2 * tx
		if run := insideRun(tx, tx1, oy0, ox0, 2, g.ho, g.wo); run > 0 {
			at := (oy0*g.wo + ox0) * cout
			var ys []float32
			if y != nil {
				ys = y[at:]
			}
			tr.dy(dy[at:], ys, g.wo*cout, cout, m[(tx-tx0)*cout:], t*cout, run)
			tx += run
			continue
		}
		tile := tmp[:4*cout]
		clear(tile)
		forPatch(oy0, ox0, 2, g.ho, g.wo, func(k, pix int) {
			d := tile[k*cout : (k+1)*cout]
			copy(d, dy[pix*cout:])
			if y != nil {
				vec.MaskNonPositive(d, y[pix*cout:])
			}
		})
		tr.dy(tile, nil, 2*cout, cout, m[(tx-tx0)*cout:], t*cout, 1)
		tx++
	}
}

// winoGradInput adds B dV Bᵀ of tiles [tx0,tx1) of tile row ty onto dx,
// in increasing tile order, dropping the parts outside the input.
func (c *conv2d) winoGradInput(g convGeom, v []float32, t, ty, tx0, tx1 int, dx, tmp []float32) {
	cin, tr := c.cin, c.wino.tr
	iy0 := 2*ty - g.pt
	for tx := tx0; tx < tx1; {
		ix0 := 2*tx - g.pl
		if run := insideRun(tx, tx1, iy0, ix0, 4, g.h, g.w); run > 0 {
			tr.dx(v[(tx-tx0)*cin:], t*cin, cin, dx[(iy0*g.w+ix0)*cin:], g.w*cin, run)
			tx += run
			continue
		}
		patch := tmp[:16*cin]
		clear(patch)
		tr.dx(v[(tx-tx0)*cin:], t*cin, cin, patch, 4*cin, 1)
		forPatch(iy0, ix0, 4, g.h, g.w, func(k, pix int) {
			vec.Add(dx[pix*cin:(pix+1)*cin], patch[k*cin:])
		})
		tx++
	}
}

// insideRun returns how many consecutive tiles, from tile tx up to tx1,
// lie wholly inside an h×w map, for tiles of size×size pixels at row y0
// whose tile tx starts at column x0 (tile tx+k at x0+2k); 0 when tile tx
// does not.
func insideRun(tx, tx1, y0, x0, size, h, w int) int {
	if y0 < 0 || y0+size > h || x0 < 0 {
		return 0
	}
	run := 0
	for tx+run < tx1 && x0+2*run+size <= w {
		run++
	}
	return run
}

// forPatch calls fn(k, pix) for the pixels of the size×size patch at (y0,
// x0) that lie inside an h×w map, row by row: k = r*size+q is the position
// in the patch and pix the pixel's index in the map.
func forPatch(y0, x0, size, h, w int, fn func(k, pix int)) {
	for r := 0; r < size; r++ {
		y := y0 + r
		if y < 0 || y >= h {
			continue
		}
		for q := 0; q < size; q++ {
			if x := x0 + q; x >= 0 && x < w {
				fn(r*size+q, y*w+x)
			}
		}
	}
}

// winoTransforms holds the four tile transforms. Each processes n tiles
// that lie next to each other along a row, c channels per pixel; the
// pixels of the image side have a stride of c values, rows a stride of
// row values; the transformed side holds 16 matrices xi values apart,
// one row of c values per tile.
type winoTransforms struct {
	name string
	// in: V = Bᵀ d B from 4×4 patches starting two pixels apart.
	in func(src []float32, row, c int, dst []float32, xi, n int)
	// out: Y = Aᵀ M A + bias (then ReLU when relu) into 2×2 tiles.
	out func(src []float32, xi, c int, dst []float32, row int, bias []float32, relu bool, n int)
	// dy: dM = A dY Aᵀ from 2×2 tiles; where y is not nil, dY counts as
	// zero wherever y (laid out like dY) is not positive: the gradient of
	// a fused ReLU whose output is y.
	dy func(src, y []float32, row, c int, dst []float32, xi, n int)
	// dx: adds B dV Bᵀ onto 4×4 patches starting two pixels apart,
	// tile after tile.
	dx func(src []float32, xi, c int, dst []float32, row int, n int)
}

// genericTransforms are the transforms in plain Go.
var genericTransforms = winoTransforms{
	name: "generic",
	in: func(src []float32, row, c int, dst []float32, xi, n int) {
		winoInGo(src, row, c, dst, xi, n, 0, c)
	},
	out: func(src []float32, xi, c int, dst []float32, row int, bias []float32, relu bool, n int) {
		winoOutGo(src, xi, c, dst, row, bias, relu, n, 0, c)
	},
	dy: func(src, y []float32, row, c int, dst []float32, xi, n int) {
		winoDyGo(src, y, row, c, dst, xi, n, 0, c)
	},
	dx: func(src []float32, xi, c int, dst []float32, row int, n int) {
		winoDxGo(src, xi, c, dst, row, n, 0, c)
	},
}

// The Go transforms handle channels [c0,c1) and perform the same
// operations in the same order as the assembly, so their results are
// identical.

func winoInGo(src []float32, row, c int, dst []float32, xi, n, c0, c1 int) {
	for t := 0; t < n; t++ {
		s, o := 2*t*c, t*c
		for ch := c0; ch < c1; ch++ {
			var d, u [4][4]float32
			for r := 0; r < 4; r++ {
				for q := 0; q < 4; q++ {
					d[r][q] = src[s+r*row+q*c+ch]
				}
			}
			for q := 0; q < 4; q++ {
				u[0][q] = d[0][q] - d[2][q]
				u[1][q] = d[1][q] + d[2][q]
				u[2][q] = d[2][q] - d[1][q]
				u[3][q] = d[1][q] - d[3][q]
			}
			for r := 0; r < 4; r++ {
				b := o + 4*r*xi + ch
				dst[b] = u[r][0] - u[r][2]
				dst[b+xi] = u[r][1] + u[r][2]
				dst[b+2*xi] = u[r][2] - u[r][1]
				dst[b+3*xi] = u[r][1] - u[r][3]
			}
		}
	}
}

func winoOutGo(src []float32, xi, c int, dst []float32, row int, bias []float32, relu bool, n, c0, c1 int) {
	for t := 0; t < n; t++ {
		s, o := t*c, 2*t*c
		for ch := c0; ch < c1; ch++ {
			var m [4][4]float32
			var r [2][4]float32
			for i := 0; i < 16; i++ {
				m[i/4][i%4] = src[s+i*xi+ch]
			}
			for q := 0; q < 4; q++ {
				r[0][q] = m[0][q] + m[1][q] + m[2][q]
				r[1][q] = m[1][q] - m[2][q] - m[3][q]
			}
			b := bias[ch]
			for a := 0; a < 2; a++ {
				y0 := r[a][0] + r[a][1] + r[a][2] + b
				y1 := r[a][1] - r[a][2] - r[a][3] + b
				if relu {
					if !(y0 > 0) {
						y0 = 0
					}
					if !(y1 > 0) {
						y1 = 0
					}
				}
				dst[o+a*row+ch] = y0
				dst[o+a*row+c+ch] = y1
			}
		}
	}
}

func winoDyGo(src, y []float32, row, c int, dst []float32, xi, n, c0, c1 int) {
	for t := 0; t < n; t++ {
		s, o := 2*t*c, t*c
		for ch := c0; ch < c1; ch++ {
			a, b := src[s+ch], src[s+c+ch]
			e, f := src[s+row+ch], src[s+row+c+ch]
			if y != nil {
				a, b = reluGrad(a, y[s+ch]), reluGrad(b, y[s+c+ch])
				e, f = reluGrad(e, y[s+row+ch]), reluGrad(f, y[s+row+c+ch])
			}
			// Rows of A·dY: (a,b), (a+e,b+f), (a-e,b-f), (-e,-f).
			p := [4][2]float32{{a, b}, {a + e, b + f}, {a - e, b - f}, {0 - e, 0 - f}}
			for i := 0; i < 4; i++ {
				k := o + 4*i*xi + ch
				dst[k] = p[i][0]
				dst[k+xi] = p[i][0] + p[i][1]
				dst[k+2*xi] = p[i][0] - p[i][1]
				dst[k+3*xi] = 0 - p[i][1]
			}
		}
	}
}

// reluGrad is the gradient d of a ReLU's output passed through it: zero
// where the output y is not positive (NaN included).
func reluGrad(d, y float32) float32 {
	if !(y > 0) {
		return 0
	}
	return d
}

func winoDxGo(src []float32, xi, c int, dst []float32, row int, n, c0, c1 int) {
	for t := 0; t < n; t++ {
		s, o := t*c, 2*t*c
		for ch := c0; ch < c1; ch++ {
			var v, e [4][4]float32
			for i := 0; i < 16; i++ {
				v[i/4][i%4] = src[s+i*xi+ch]
			}
			// Rows of B·dV: v0, v1-v2+v3, v1+v2-v0, -v3.
			for q := 0; q < 4; q++ {
				e[0][q] = v[0][q]
				e[1][q] = v[1][q] - v[2][q] + v[3][q]
				e[2][q] = v[1][q] + v[2][q] - v[0][q]
				e[3][q] = 0 - v[3][q]
			}
			for r := 0; r < 4; r++ {
				k := o + r*row + ch
				dst[k] += e[r][0]
				dst[k+c] += e[r][1] - e[r][2] + e[r][3]
				dst[k+2*c] += e[r][1] + e[r][2] - e[r][0]
				dst[k+3*c] -= e[r][3]
			}
		}
	}
}

// winogradPays reports whether "auto" uses Winograd for a 3×3 stride-1
// convolution with these channel counts. Measured with every kernel
// (BenchmarkConv3x3): Winograd is faster from 16 input and output channels
// on (1.3–2× on InceptionV3's shapes, both passes; on 10×10 maps with
// 448→384 channels the two tie), and 2–3× slower with 8→8 or 3→32
// channels, where the tile transforms run their scalar channel tail and
// the GEMMs are too thin to gain.
func winogradPays(cin, cout int) bool {
	return cin >= 16 && cout >= 16
}
