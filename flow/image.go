package flow

import (
	"fmt"
	"math"
)

// Image is a float32 image with Channels values per pixel, interleaved and
// row-major: the value of channel c at (x, y) is Pix[(y*Width+x)*Channels+c].
// Values are nominally in 0..255. Compute accepts 1-channel (grey) and
// 3-channel (RGB) images.
type Image struct {
	Width, Height, Channels int
	Pix                     []float32
}

// NewGray returns a black single-channel image of the given size.
func NewGray(width, height int) *Image {
	return &Image{Width: width, Height: height, Channels: 1, Pix: make([]float32, width*height)}
}

// FromRGB wraps interleaved RGB float32 pixels (height*width*3 values,
// nominally 0..255, as the video pipeline decodes them) as an Image without
// copying. The caller must not modify pix while the Image is in use.
func FromRGB(pix []float32, width, height int) (*Image, error) {
	if width <= 0 || height <= 0 {
		return nil, fmt.Errorf("flow: FromRGB: invalid size %dx%d", width, height)
	}
	if len(pix) != width*height*3 {
		return nil, fmt.Errorf("flow: FromRGB: %d values for a %dx%d RGB image, want %d", len(pix), width, height, width*height*3)
	}
	return &Image{Width: width, Height: height, Channels: 3, Pix: pix}, nil
}

// Gray returns the luminance of the image (Rec. 601 weights for RGB) as a
// new single-channel image. A single-channel image is copied.
func (m *Image) Gray() *Image {
	g := NewGray(m.Width, m.Height)
	switch m.Channels {
	case 1:
		copy(g.Pix, m.Pix)
	case 3:
		grayRow(g.Pix, m.Pix)
	default:
		c := m.Channels
		inv := 1 / float32(c)
		for i := range g.Pix {
			var s float32
			for _, v := range m.Pix[c*i : c*i+c] {
				s += v
			}
			g.Pix[i] = s * inv
		}
	}
	return g
}

func (m *Image) validate(name string) error {
	if m == nil {
		return fmt.Errorf("image %s is nil", name)
	}
	if m.Width <= 0 || m.Height <= 0 {
		return fmt.Errorf("image %s has invalid size %dx%d", name, m.Width, m.Height)
	}
	if m.Channels != 1 && m.Channels != 3 {
		return fmt.Errorf("image %s has %d channels, want 1 or 3", name, m.Channels)
	}
	if m.Width > maxSide || m.Height > maxSide {
		return fmt.Errorf("image %s is too large: %dx%d", name, m.Width, m.Height)
	}
	if len(m.Pix) != m.Width*m.Height*m.Channels {
		return fmt.Errorf("image %s holds %d values, want %d for %dx%dx%d", name, len(m.Pix), m.Width*m.Height*m.Channels, m.Width, m.Height, m.Channels)
	}
	return nil
}

// maxSide bounds the width and height of frames, far above any video size,
// so that size products cannot overflow.
const maxSide = 1 << 20

// Field is a dense flow field from frame A to frame B: pixel (x, y) of A
// moves to (x+U[i], y+V[i]) in B, with i = y*Width+x. Values larger than
// UnknownThreshold in magnitude (or NaN) mark unknown flow, as in the
// Middlebury .flo format.
type Field struct {
	Width, Height int
	U, V          []float32
}

// UnknownThreshold is the magnitude above which a flow component is treated
// as unknown (the Middlebury convention stores 1e10).
const UnknownThreshold = 1e9

// NewField returns a zero flow field of the given size.
func NewField(width, height int) *Field {
	n := width * height
	return &Field{Width: width, Height: height, U: make([]float32, n), V: make([]float32, n)}
}

// Known reports whether the flow at index i is known (finite and within
// UnknownThreshold in both components).
func (f *Field) Known(i int) bool {
	return known32(f.U[i], f.V[i])
}

// known32 reports whether a flow vector is known: both components below
// UnknownThreshold in magnitude (which float32 holds exactly); NaN fails the
// comparisons. (Two comparisons per component are cheaper here than
// taking the absolute value through its bits.)
func known32(u, v float32) bool {
	return u < UnknownThreshold && u > -UnknownThreshold && v < UnknownThreshold && v > -UnknownThreshold
}

// Validate reports whether the field's size and slices are consistent.
func (f *Field) Validate() error {
	if f == nil {
		return fmt.Errorf("flow: nil field")
	}
	if f.Width <= 0 || f.Height <= 0 {
		return fmt.Errorf("flow: field has invalid size %dx%d", f.Width, f.Height)
	}
	n := f.Width * f.Height
	if len(f.U) != n || len(f.V) != n {
		return fmt.Errorf("flow: field %dx%d has %d/%d values, want %d", f.Width, f.Height, len(f.U), len(f.V), n)
	}
	return nil
}

// EndpointError returns the average endpoint error of f against the ground
// truth gt over the pixels where gt is known, and how many pixels that was.
func EndpointError(f, gt *Field) (float64, int, error) {
	if err := f.Validate(); err != nil {
		return 0, 0, err
	}
	if err := gt.Validate(); err != nil {
		return 0, 0, fmt.Errorf("ground truth: %w", err)
	}
	if f.Width != gt.Width || f.Height != gt.Height {
		return 0, 0, fmt.Errorf("flow: EndpointError: size %dx%d vs ground truth %dx%d", f.Width, f.Height, gt.Width, gt.Height)
	}
	var sum float64
	n := 0
	for i := range gt.U {
		if !gt.Known(i) {
			continue
		}
		du := float64(f.U[i] - gt.U[i])
		dv := float64(f.V[i] - gt.V[i])
		sum += math.Sqrt(du*du + dv*dv)
		n++
	}
	if n == 0 {
		return 0, 0, nil
	}
	return sum / float64(n), n, nil
}
