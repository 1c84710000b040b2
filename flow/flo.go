package flow

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// floMagic is the tag that starts a Middlebury .flo file ("PIEH" as bytes).
const floMagic float32 = 202021.25

// MaxFloPixels bounds the size ReadFlo accepts (width*height), so that a
// hostile header cannot make it allocate absurd amounts of memory.
const MaxFloPixels = 1 << 28

// ReadFlo decodes a Middlebury .flo stream: the float32 tag 202021.25, int32
// width and height, then height rows of width interleaved (u, v) float32
// pairs, all little-endian. Memory grows only with the data actually read,
// so a header claiming a huge size on a short stream fails cheaply.
func ReadFlo(r io.Reader) (*Field, error) {
	var hdr [12]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, fmt.Errorf("flow: reading .flo header: %w", err)
	}
	if tag := math.Float32frombits(binary.LittleEndian.Uint32(hdr[0:4])); tag != floMagic {
		return nil, fmt.Errorf("flow: not a .flo stream: tag %v (bytes % x), want %v", tag, hdr[0:4], floMagic)
	}
	w := int64(int32(binary.LittleEndian.Uint32(hdr[4:8])))
	h := int64(int32(binary.LittleEndian.Uint32(hdr[8:12])))
	if w <= 0 || h <= 0 || w*h > MaxFloPixels {
		return nil, fmt.Errorf("flow: .flo header claims invalid size %dx%d", w, h)
	}
	n := int(w * h)
	const chunkPix = 1 << 16
	first := n
	if first > chunkPix {
		first = chunkPix
	}
	f := &Field{Width: int(w), Height: int(h), U: make([]float32, 0, first), V: make([]float32, 0, first)}
	buf := make([]byte, 8*first)
	for len(f.U) < n {
		k := n - len(f.U)
		if k > chunkPix {
			k = chunkPix
		}
		b := buf[:8*k]
		if _, err := io.ReadFull(r, b); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, fmt.Errorf("flow: .flo data truncated after %d of %d pixels (%dx%d): %w", len(f.U), n, w, h, io.ErrUnexpectedEOF)
			}
			return nil, fmt.Errorf("flow: reading .flo data: %w", err)
		}
		for j := 0; j < k; j++ {
			f.U = append(f.U, math.Float32frombits(binary.LittleEndian.Uint32(b[8*j:])))
			f.V = append(f.V, math.Float32frombits(binary.LittleEndian.Uint32(b[8*j+4:])))
		}
	}
	return f, nil
}

// WriteFlo encodes f in the Middlebury .flo format (see ReadFlo).
func WriteFlo(wr io.Writer, f *Field) error {
	if err := f.Validate(); err != nil {
		return fmt.Errorf("flow: WriteFlo: %w", err)
	}
	if f.Width > math.MaxInt32 || f.Height > math.MaxInt32 {
		return fmt.Errorf("flow: WriteFlo: size %dx%d does not fit the format", f.Width, f.Height)
	}
	bw := bufio.NewWriterSize(wr, 1<<16)
	var hdr [12]byte
	binary.LittleEndian.PutUint32(hdr[0:4], math.Float32bits(floMagic))
	binary.LittleEndian.PutUint32(hdr[4:8], uint32(f.Width))
	binary.LittleEndian.PutUint32(hdr[8:12], uint32(f.Height))
	if _, err := bw.Write(hdr[:]); err != nil {
		return fmt.Errorf("flow: writing .flo header: %w", err)
	}
	var px [8]byte
	for i := range f.U {
		binary.LittleEndian.PutUint32(px[0:4], math.Float32bits(f.U[i]))
		binary.LittleEndian.PutUint32(px[4:8], math.Float32bits(f.V[i]))
		if _, err := bw.Write(px[:]); err != nil {
			return fmt.Errorf("flow: writing .flo data: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("flow: writing .flo data: %w", err)
	}
	return nil
}
