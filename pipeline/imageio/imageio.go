// Package imageio reads and writes still images for `deepdream image` and
// converts between Go images, raw rgb24 frames and models.Image.
//
// Reading decodes JPEG, PNG, GIF (first frame), BMP, TIFF and WebP, applies
// the EXIF orientation of JPEGs, and keeps the full precision of 16-bit
// sources (a 16-bit value v becomes v/257 in 0..255). Grey images become RGB
// with equal channels. Alpha is kept aside, unchanged: the RGB is dreamed and
// the original alpha is written back into PNG output; JPEG output, which has
// no alpha, is composited over white.
//
// Writing picks PNG or JPEG (quality 95) from the output extension and is
// atomic: the image goes to a temporary file in the output directory, which
// is then renamed into place, so a crash never leaves a half-written output.
// An existing output is refused unless forced, and the input is never
// overwritten.
package imageio

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/gif"  // register GIF decoding
	_ "image/jpeg" // register JPEG decoding
	_ "image/png"  // register PNG decoding
	"os"

	"github.com/deepdream-go/deepdream/models"
	_ "golang.org/x/image/bmp"  // register BMP decoding
	_ "golang.org/x/image/tiff" // register TIFF decoding
	_ "golang.org/x/image/webp" // register WebP decoding
)

// MaxPixels is the largest image Read and Decode accept (width × height),
// checked from the header before any pixel is decoded: 8192×8192, about
// 800 MB as a float32 models.Image.
const MaxPixels = 1 << 26

// Picture is a decoded still image.
type Picture struct {
	// Image is the RGB content, in 0..255, already turned upright.
	Image *models.Image
	// Alpha is the opacity of each pixel (Width*Height values, row-major,
	// 0 transparent .. 65535 opaque, not premultiplied), or nil when the
	// image is fully opaque.
	Alpha []uint16
	// Depth is the bits per channel of the source, 8 or 16; PNG output of a
	// 16-bit picture is written with 16 bits.
	Depth int
	// Format is the decoder's name for the source format ("jpeg", "png",
	// "gif", "bmp", "tiff", "webp"); empty for pictures built in memory.
	Format string
	// Orientation is the EXIF orientation (1..8) that was applied, 1 when
	// there was none.
	Orientation int
}

// ErrUnsupported is wrapped by errors for data that is not an image in a
// supported format.
var ErrUnsupported = errors.New("unsupported image format (want JPEG, PNG, GIF, BMP, TIFF or WebP)")

// Read decodes the image file at path. Errors are one line and name the
// file.
func Read(path string) (*Picture, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read image: %w", err)
	}
	pic, err := Decode(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return pic, nil
}

// Decode decodes an image held in memory (the whole file, so that EXIF can
// be read from JPEGs).
func Decode(data []byte) (*Picture, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		if errors.Is(err, image.ErrFormat) {
			return nil, ErrUnsupported
		}
		return nil, fmt.Errorf("cannot read image header: %w", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, fmt.Errorf("%s image has no pixels (%dx%d)", format, cfg.Width, cfg.Height)
	}
	if int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return nil, fmt.Errorf("%s image is %dx%d, more than the %d-pixel limit", format, cfg.Width, cfg.Height, MaxPixels)
	}
	m, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("corrupt %s image: %w", format, err)
	}
	img, alpha, depth := FromImage(m)
	pic := &Picture{Image: img, Alpha: alpha, Depth: depth, Format: format, Orientation: 1}
	if format == "jpeg" {
		if o := jpegOrientation(data); o > 1 {
			pic.orient(o)
		}
	}
	return pic, nil
}

// FromImage converts any image.Image to a models.Image, returning also its
// alpha (nil when fully opaque, see Picture.Alpha) and the bits per channel
// of the source (16 for 16-bit types, else 8). 8-bit RGB and grey values
// convert exactly; a 16-bit value v becomes v/257; YCbCr (JPEG, WebP) goes
// through Go's 16-bit-precision YCbCr to RGB conversion, so its values are
// not whole numbers.
func FromImage(m image.Image) (img *models.Image, alpha []uint16, depth int) {
	b := m.Bounds()
	w, h := b.Dx(), b.Dy()
	img = models.NewImage(w, h)
	alpha = make([]uint16, w*h)
	opaque := true
	depth = 8
	set := func(i int, r, g, bl, a uint16, scale float64) {
		img.Pix[3*i] = float32(float64(r) * scale)
		img.Pix[3*i+1] = float32(float64(g) * scale)
		img.Pix[3*i+2] = float32(float64(bl) * scale)
		alpha[i] = a
		if a != 0xffff {
			opaque = false
		}
	}
	switch s := m.(type) {
	case *image.Gray:
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				v := uint16(s.Pix[y*s.Stride+x])
				set(y*w+x, v, v, v, 0xffff, 1)
			}
		}
	case *image.Gray16:
		depth = 16
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				o := y*s.Stride + 2*x
				v := uint16(s.Pix[o])<<8 | uint16(s.Pix[o+1])
				set(y*w+x, v, v, v, 0xffff, 1.0/257)
			}
		}
	case *image.NRGBA:
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				p := s.Pix[y*s.Stride+4*x:]
				set(y*w+x, uint16(p[0]), uint16(p[1]), uint16(p[2]), uint16(p[3])*257, 1)
			}
		}
	case *image.NRGBA64:
		depth = 16
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				p := s.Pix[y*s.Stride+8*x:]
				set(y*w+x, be16(p[0:]), be16(p[2:]), be16(p[4:]), be16(p[6:]), 1.0/257)
			}
		}
	case *image.YCbCr:
		// JPEG photos: avoid boxing every pixel into a color.Color.
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				r, g, bl, _ := s.YCbCrAt(b.Min.X+x, b.Min.Y+y).RGBA()
				set(y*w+x, uint16(r), uint16(g), uint16(bl), 0xffff, 1.0/257)
			}
		}
	case *image.Paletted:
		pal := make([]color.NRGBA64, len(s.Palette))
		for i, c := range s.Palette {
			pal[i] = color.NRGBA64Model.Convert(c).(color.NRGBA64)
		}
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				idx := int(s.Pix[y*s.Stride+x])
				c := color.NRGBA64{}
				if idx < len(pal) {
					c = pal[idx]
				}
				set(y*w+x, c.R, c.G, c.B, c.A, 1.0/257)
			}
		}
	default:
		switch m.(type) {
		case *image.RGBA64, *image.Alpha16:
			depth = 16
		}
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				c := color.NRGBA64Model.Convert(m.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA64)
				set(y*w+x, c.R, c.G, c.B, c.A, 1.0/257)
			}
		}
	}
	if opaque {
		alpha = nil
	}
	return img, alpha, depth
}

func be16(p []byte) uint16 { return uint16(p[0])<<8 | uint16(p[1]) }

// to8 rounds a pixel value to 8 bits: clipped to 0..255, halves rounded
// up, NaN to 0.
func to8(v float32) uint8 {
	if !(v > 0) {
		return 0
	}
	if v >= 255 {
		return 255
	}
	return uint8(v + 0.5)
}

// to16 maps a pixel value in 0..255 to 16 bits (v*257), clipped and rounded
// like to8.
func to16(v float32) uint16 {
	f := float64(v) * 257
	if !(f > 0) {
		return 0
	}
	if f >= 65535 {
		return 65535
	}
	return uint16(f + 0.5)
}

// ToRGBA returns img as an opaque 8-bit image (values rounded and clipped
// to 0..255).
func ToRGBA(img *models.Image) *image.RGBA {
	out := image.NewRGBA(image.Rect(0, 0, img.Width, img.Height))
	for i := 0; i < img.Width*img.Height; i++ {
		out.Pix[4*i] = to8(img.Pix[3*i])
		out.Pix[4*i+1] = to8(img.Pix[3*i+1])
		out.Pix[4*i+2] = to8(img.Pix[3*i+2])
		out.Pix[4*i+3] = 255
	}
	return out
}

// FromRGB24 converts a packed rgb24 frame (as ffmpeg's rawvideo rgb24
// writes it) to a models.Image.
func FromRGB24(b []byte, width, height int) (*models.Image, error) {
	if width <= 0 || height <= 0 || len(b) != width*height*3 {
		return nil, fmt.Errorf("rgb24 frame of %d bytes does not match %dx%d", len(b), width, height)
	}
	img := models.NewImage(width, height)
	return img, FromRGB24Into(img, b)
}

// FromRGB24Into is FromRGB24 into an existing picture of the frame's size,
// whose pixels it overwrites.
func FromRGB24Into(img *models.Image, b []byte) error {
	if len(b) != img.Width*img.Height*3 || len(img.Pix) != len(b) {
		return fmt.Errorf("rgb24 frame of %d bytes does not match %dx%d", len(b), img.Width, img.Height)
	}
	for i, v := range b {
		img.Pix[i] = float32(v)
	}
	return nil
}

// ToRGB24 writes img as a packed rgb24 frame into dst (grown if needed) and
// returns it; values are rounded and clipped to 0..255.
func ToRGB24(img *models.Image, dst []byte) []byte {
	n := len(img.Pix)
	if cap(dst) < n {
		dst = make([]byte, n)
	}
	dst = dst[:n]
	for i, v := range img.Pix {
		dst[i] = to8(v)
	}
	return dst
}
