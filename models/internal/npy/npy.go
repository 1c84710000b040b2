// Package npy reads NumPy .npy v1/v2 files holding little-endian float32
// arrays in C order — the format of the reference tensors used in tests.
package npy

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// Array is a float32 array with its shape.
type Array struct {
	Shape []int
	Data  []float32
}

var (
	descrRE = regexp.MustCompile(`'descr':\s*'([^']*)'`)
	orderRE = regexp.MustCompile(`'fortran_order':\s*(True|False)`)
	shapeRE = regexp.MustCompile(`'shape':\s*\(([^)]*)\)`)
)

// Read loads a .npy file of dtype <f4.
func Read(path string) (*Array, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	a, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}

// Parse decodes the bytes of a .npy file of dtype <f4.
func Parse(b []byte) (*Array, error) {
	if len(b) < 10 || string(b[:6]) != "\x93NUMPY" {
		return nil, errors.New("not a .npy file")
	}
	var hlen, off int
	switch b[6] {
	case 1:
		hlen, off = int(binary.LittleEndian.Uint16(b[8:10])), 10
	case 2, 3:
		if len(b) < 12 {
			return nil, errors.New("truncated header")
		}
		hlen, off = int(binary.LittleEndian.Uint32(b[8:12])), 12
	default:
		return nil, fmt.Errorf("unsupported .npy version %d", b[6])
	}
	if off+hlen > len(b) {
		return nil, errors.New("truncated header")
	}
	h := string(b[off : off+hlen])
	d := descrRE.FindStringSubmatch(h)
	if d == nil || d[1] != "<f4" {
		return nil, fmt.Errorf("dtype is not <f4 in header %q", h)
	}
	if o := orderRE.FindStringSubmatch(h); o == nil || o[1] != "False" {
		return nil, errors.New("fortran order is not supported")
	}
	s := shapeRE.FindStringSubmatch(h)
	if s == nil {
		return nil, fmt.Errorf("no shape in header %q", h)
	}
	a := &Array{}
	n := 1
	for _, f := range strings.Split(s[1], ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		v, err := strconv.Atoi(f)
		if err != nil || v < 0 {
			return nil, fmt.Errorf("bad shape %q", s[1])
		}
		a.Shape = append(a.Shape, v)
		n *= v
	}
	body := b[off+hlen:]
	if len(body) != 4*n {
		return nil, fmt.Errorf("shape %v needs %d bytes, file has %d", a.Shape, 4*n, len(body))
	}
	a.Data = make([]float32, n)
	for i := range a.Data {
		a.Data[i] = math.Float32frombits(binary.LittleEndian.Uint32(body[4*i:]))
	}
	return a, nil
}
