package flow

// plane is a single-channel float32 image used internally.
type plane struct {
	w, h int
	p    []float32
}

func newPlane(w, h int) *plane { return &plane{w: w, h: h, p: make([]float32, w*h)} }

// channelPlanes splits an interleaved image into one plane per channel, in
// planes from sc.
func channelPlanes(sc *scratch, m *Image) []*plane {
	c := m.Channels
	out := make([]*plane, c)
	for k := range out {
		out[k] = sc.plane(m.Width, m.Height)
	}
	parallelRows(m.Height, 32, func(lo, hi int) {
		for k := 0; k < c; k++ {
			dst := out[k].p
			for i := lo * m.Width; i < hi*m.Width; i++ {
				dst[i] = m.Pix[i*c+k]
			}
		}
	})
	return out
}

// grayPlane returns the luminance of m as a plane from sc.
func grayPlane(sc *scratch, m *Image) *plane {
	g := sc.plane(m.Width, m.Height)
	switch m.Channels {
	case 1:
		copy(g.p, m.Pix)
	default:
		parallelRows(m.Height, 32, func(lo, hi int) {
			i0, i1 := lo*m.Width, hi*m.Width
			grayRow(g.p[i0:i1], m.Pix[3*i0:3*i1])
		})
	}
	return g
}

// grayRow writes the luminance 0.299*r + 0.587*g + 0.114*b of the
// interleaved RGB values rgb into dst (one value per pixel), with the SIMD
// kernel where the CPU has one.
func grayRow(dst, rgb []float32) {
	rgb = rgb[:3*len(dst)]
	for i := grayRowSIMD(dst, rgb); i < len(dst); i++ {
		p := rgb[3*i : 3*i+3 : 3*i+3]
		dst[i] = float32(0.299*p[0]) + float32(0.587*p[1]) + float32(0.114*p[2])
	}
}

// halfSize is the size of the next coarser pyramid level.
func halfSize(n int) int { return (n + 1) / 2 }

// downsample halves a plane with the 5-tap binomial filter [1 4 6 4 1]/16
// centred on every even source pixel (coarse pixel x sits at fine x*2) and
// replicated borders. The result is in a plane from sc.
func downsample(sc *scratch, src *plane) *plane {
	w, h := src.w, src.h
	w2, h2 := halfSize(w), halfSize(h)
	tmp := sc.get(w2 * h)
	defer sc.put(tmp)
	parallelRows(h, 16, func(lo, hi int) {
		for y := lo; y < hi; y++ {
			row := src.p[y*w : (y+1)*w]
			out := tmp[y*w2 : (y+1)*w2]
			done := downsampleRowSIMD(out, row)
			for x := 0; x < w2; x++ {
				if x == 1 {
					x += done
					if x >= w2 {
						break
					}
				}
				c := 2 * x
				if c >= 2 && c+2 < w {
					out[x] = (row[c-2] + row[c+2] + float32(4*(row[c-1]+row[c+1])) + float32(6*row[c])) * (1.0 / 16)
					continue
				}
				out[x] = (row[clampi(c-2, w)] + row[clampi(c+2, w)] + float32(4*(row[clampi(c-1, w)]+row[clampi(c+1, w)])) + float32(6*row[clampi(c, w)])) * (1.0 / 16)
			}
		}
	})
	dst := sc.plane(w2, h2)
	parallelRows(h2, 8, func(lo, hi int) {
		for y := lo; y < hi; y++ {
			c := 2 * y
			r0 := tmp[clampi(c-2, h)*w2:][:w2]
			r1 := tmp[clampi(c-1, h)*w2:][:w2]
			r2 := tmp[clampi(c, h)*w2:][:w2]
			r3 := tmp[clampi(c+1, h)*w2:][:w2]
			r4 := tmp[clampi(c+2, h)*w2:][:w2]
			out := dst.p[y*w2 : (y+1)*w2]
			for x := downsampleColsSIMD(out, r0, r1, r2, r3, r4); x < len(out); x++ {
				out[x] = (r0[x] + r4[x] + float32(4*(r1[x]+r3[x])) + float32(6*r2[x])) * (1.0 / 16)
			}
		}
	})
	return dst
}

// clampi clamps i to [0, n).
func clampi(i, n int) int {
	if i < 0 {
		return 0
	}
	if i >= n {
		return n - 1
	}
	return i
}

// gradients returns the central-difference derivatives of a plane
// (one-sided at the borders), in planes from sc.
func gradients(sc *scratch, src *plane) (gx, gy *plane) {
	w, h := src.w, src.h
	gx, gy = sc.plane(w, h), sc.plane(w, h)
	parallelRows(h, 16, func(lo, hi int) {
		for y := lo; y < hi; y++ {
			row := src.p[y*w : (y+1)*w]
			up := src.p[clampi(y-1, h)*w:][:w]
			dn := src.p[clampi(y+1, h)*w:][:w]
			ox := gx.p[y*w : (y+1)*w]
			oy := gy.p[y*w : (y+1)*w]
			doneY, doneX := gradientRowSIMD(ox, oy, row, up, dn)
			for x := doneY; x < w; x++ {
				oy[x] = 0.5 * (dn[x] - up[x])
			}
			if w == 1 {
				ox[0] = 0
				continue
			}
			ox[0] = 0.5 * (row[1] - row[0])
			for x := 1 + doneX; x < w-1; x++ {
				ox[x] = 0.5 * (row[x+1] - row[x-1])
			}
			ox[w-1] = 0.5 * (row[w-1] - row[w-2])
		}
	})
	return gx, gy
}

// sampleClamp samples a plane bilinearly at (x, y) with clamped borders.
func (pl *plane) sampleClamp(x, y float32) float32 {
	x0, x1, y0, y1, fx, fy := bilinearClamp(pl.w, pl.h, x, y)
	r0 := pl.p[y0*pl.w:]
	r1 := pl.p[y1*pl.w:]
	a := r0[x0] + float32(fx*(r0[x1]-r0[x0]))
	b := r1[x0] + float32(fx*(r1[x1]-r1[x0]))
	return a + float32(fy*(b-a))
}

// bilinearClamp clamps (x, y) to a w×h plane (NaN to 0) and returns the
// columns x0, x1 and rows y0, y1 of its four bilinear neighbours (clamped)
// and the weights fx, fy of x1 and y1.
func bilinearClamp(w, h int, x, y float32) (x0, x1, y0, y1 int, fx, fy float32) {
	if !(x >= 0) { // also catches NaN
		x = 0
	} else if x > float32(w-1) {
		x = float32(w - 1)
	}
	if !(y >= 0) {
		y = 0
	} else if y > float32(h-1) {
		y = float32(h - 1)
	}
	x0, y0 = int(x), int(y)
	fx, fy = x-float32(x0), y-float32(y0)
	x1, y1 = min(x0+1, w-1), min(y0+1, h-1)
	return
}

// upsampleFlow doubles the resolution of a flow field from the coarser level
// (cu, cv) to w x h, scaling the vectors by 2. Fine pixel x sits at coarse
// x/2, so even pixels copy and odd ones average two coarse pixels. The
// result is in planes from sc.
func upsampleFlow(sc *scratch, cu, cv *plane, w, h int) (u, v *plane) {
	u, v = sc.plane(w, h), sc.plane(w, h)
	cw, ch := cu.w, cu.h
	parallelRows(h, 16, func(lo, hi int) {
		for y := lo; y < hi; y++ {
			y0 := y >> 1
			y1 := y0 + y&1
			if y1 >= ch {
				y1 = ch - 1
			}
			for k, src := range [2]*plane{cu, cv} {
				dst := u.p[y*w : (y+1)*w]
				if k == 1 {
					dst = v.p[y*w : (y+1)*w]
				}
				upsampleRow(dst, src.p[y0*cw:(y0+1)*cw], src.p[y1*cw:(y1+1)*cw])
			}
		}
	})
	return u, v
}

// upsampleRow writes row dst of a doubled flow plane from the two coarse
// rows r0 and r1 around it: dst[x] = 2 * the mean of r0 and r1 at coarse
// columns x0 = x/2 and x1 = (x+1)/2 (clamped), that is
// 0.5 * (r0[x0] + r0[x1] + r1[x0] + r1[x1]), added in that order. It walks
// the coarse columns, each giving an even pixel (x0 == x1) and an odd one.
// len(r0) must be (len(dst)+1)/2.
func upsampleRow(dst, r0, r1 []float32) {
	cw := len(r0)
	r1 = r1[:cw]
	// A SIMD kernel may do the coarse columns j in [1, 1+done).
	done := upsampleRowSIMD(dst, r0, r1)
	a, c := r0[done], r1[done] // coarse column j-1
	for j := 1 + done; j < cw; j++ {
		b, d := r0[j], r1[j]
		pair := dst[2*j-2 : 2*j : 2*j]
		pair[0] = 0.5 * (a + a + c + c)
		pair[1] = 0.5 * (a + b + c + d)
		a, c = b, d
	}
	// The last coarse column: its even pixel, and the odd one (clamped
	// to the same column) if the fine row has it.
	for x := 2*cw - 2; x < len(dst); x++ {
		dst[x] = 0.5 * (a + a + c + c)
	}
}

// padded is a plane surrounded by a border of replicated pixels, so that
// bilinear samples within the border need no clamping.
type padded struct {
	w, h   int // size of the inner image
	pad    int
	stride int
	p      []float32
}

func newPadded(sc *scratch, src *plane, pad int) *padded {
	w, h := src.w, src.h
	s := w + 2*pad
	out := &padded{w: w, h: h, pad: pad, stride: s, p: sc.get(s * (h + 2*pad))}
	parallelRows(h+2*pad, 16, func(lo, hi int) {
		for yy := lo; yy < hi; yy++ {
			sy := clampi(yy-pad, h)
			row := src.p[sy*w : (sy+1)*w]
			dst := out.p[yy*s : (yy+1)*s]
			copy(dst[pad:pad+w], row)
			for x := 0; x < pad; x++ {
				dst[x] = row[0]
				dst[pad+w+x] = row[w-1]
			}
		}
	})
	return out
}

// clampf clamps x to [lo, hi]; NaN becomes lo.
func clampf(x, lo, hi float32) float32 {
	if !(x >= lo) { // NaN goes to lo
		return lo
	}
	if x > hi {
		return hi
	}
	return x
}
