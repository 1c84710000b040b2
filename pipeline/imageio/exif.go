package imageio

import (
	"bytes"
	"encoding/binary"
)

// jpegOrientation returns the EXIF Orientation (1..8) of a JPEG file, or 1
// when there is none or the metadata cannot be parsed: a broken EXIF block
// is no reason to refuse an image that decodes.
//
// It walks the marker segments up to the start of scan, finds an APP1
// segment starting with "Exif\0\0", and reads tag 0x0112 (SHORT) from IFD0
// of the TIFF structure inside, in either byte order.
func jpegOrientation(data []byte) int {
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 {
		return 1
	}
	p := 2
	for p+4 <= len(data) {
		if data[p] != 0xFF {
			return 1
		}
		marker := data[p+1]
		switch {
		case marker == 0xFF: // fill byte
			p++
			continue
		case marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7):
			p += 2 // standalone markers
			continue
		case marker == 0xDA || marker == 0xD9: // start of scan, end of image
			return 1
		}
		n := int(binary.BigEndian.Uint16(data[p+2:]))
		if n < 2 || p+2+n > len(data) {
			return 1
		}
		seg := data[p+4 : p+2+n]
		if marker == 0xE1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			return exifOrientation(seg[6:])
		}
		p += 2 + n
	}
	return 1
}

// exifOrientation reads the Orientation tag from a TIFF-structured EXIF
// block.
func exifOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 1
	}
	if bo.Uint16(t[2:]) != 42 {
		return 1
	}
	ifd := int64(bo.Uint32(t[4:]))
	if ifd < 8 || ifd+2 > int64(len(t)) {
		return 1
	}
	count := int64(bo.Uint16(t[ifd:]))
	for i := int64(0); i < count; i++ {
		e := ifd + 2 + 12*i
		if e+12 > int64(len(t)) {
			return 1
		}
		if bo.Uint16(t[e:]) != 0x0112 {
			continue
		}
		typ, n := bo.Uint16(t[e+2:]), bo.Uint32(t[e+4:])
		if typ != 3 || n < 1 { // SHORT
			return 1
		}
		o := int(bo.Uint16(t[e+8:]))
		if o < 1 || o > 8 {
			return 1
		}
		return o
	}
	return 1
}

// orient turns the picture upright according to EXIF orientation o and
// records it.
func (pic *Picture) orient(o int) {
	w, h := pic.Image.Width, pic.Image.Height
	pix, nw, nh := orientPlane(pic.Image.Pix, w, h, 3, o)
	pic.Image.Pix, pic.Image.Width, pic.Image.Height = pix, nw, nh
	if pic.Alpha != nil {
		pic.Alpha, _, _ = orientPlane(pic.Alpha, w, h, 1, o)
	}
	pic.Orientation = o
}

// orientPlane applies EXIF orientation o to an interleaved w×h plane of c
// channels. For output pixel (x, y) of the upright image it reads the
// stored pixel:
//
//	1 (x, y)             identity
//	2 (w-1-x, y)         mirrored left-right
//	3 (w-1-x, h-1-y)     rotated 180°
//	4 (x, h-1-y)         mirrored top-bottom
//	5 (y, x)             transposed
//	6 (y, h-1-x)         rotated 90° clockwise to display
//	7 (w-1-y, h-1-x)     transversed
//	8 (w-1-y, x)         rotated 90° anticlockwise to display
//
// Orientations 5 to 8 swap width and height.
func orientPlane[T any](src []T, w, h, c, o int) ([]T, int, int) {
	nw, nh := w, h
	if o >= 5 {
		nw, nh = h, w
	}
	dst := make([]T, len(src))
	for y := 0; y < nh; y++ {
		for x := 0; x < nw; x++ {
			var sx, sy int
			switch o {
			case 2:
				sx, sy = w-1-x, y
			case 3:
				sx, sy = w-1-x, h-1-y
			case 4:
				sx, sy = x, h-1-y
			case 5:
				sx, sy = y, x
			case 6:
				sx, sy = y, h-1-x
			case 7:
				sx, sy = w-1-y, h-1-x
			case 8:
				sx, sy = w-1-y, x
			default:
				sx, sy = x, y
			}
			copy(dst[(y*nw+x)*c:(y*nw+x+1)*c], src[(sy*w+sx)*c:(sy*w+sx+1)*c])
		}
	}
	return dst, nw, nh
}
