package imageio

import (
	"bufio"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Output formats, as returned by FormatFor.
const (
	PNG  = "png"
	JPEG = "jpeg"
)

// DefaultJPEGQuality is the JPEG quality used when WriteOptions.Quality is 0.
const DefaultJPEGQuality = 95

// WriteOptions controls Write.
type WriteOptions struct {
	// Force allows replacing an existing output file (never the input).
	Force bool
	// Input is the path the picture was read from, if any; Write refuses to
	// write over it, even with Force.
	Input string
	// Quality is the JPEG quality, 1..100 (0 means DefaultJPEGQuality).
	Quality int
}

// FormatFor returns the output format for a file name from its extension:
// PNG for .png, JPEG for .jpg and .jpeg (any case).
func FormatFor(path string) (string, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png":
		return PNG, nil
	case ".jpg", ".jpeg":
		return JPEG, nil
	}
	return "", fmt.Errorf("%s: unsupported output extension %q (use .png or .jpg)", path, filepath.Ext(path))
}

// Write encodes pic to path in the format its extension names, atomically:
// the data goes to a temporary file in the same directory, is synced, and is
// then moved into place, so readers see either no file or the whole file.
// An existing path is refused unless opt.Force; opt.Input is never
// overwritten.
func Write(path string, pic *Picture, opt WriteOptions) error {
	format, err := FormatFor(path)
	if err != nil {
		return err
	}
	if err := checkPicture(pic); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if opt.Input != "" && sameFile(opt.Input, path) {
		return fmt.Errorf("%s: refusing to overwrite the input image", path)
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return fmt.Errorf("%s: is a directory, want an image file name", path)
	}
	if !opt.Force {
		if _, err := os.Lstat(path); err == nil {
			return fmt.Errorf("%s: %w, not overwriting it without force", path, fs.ErrExist)
		}
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("write image: %w", err)
	}
	tmpName := tmp.Name()
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmpName)
		}
	}()
	bw := bufio.NewWriterSize(tmp, 1<<16)
	if err := Encode(bw, pic, format, opt.Quality); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := os.Chmod(tmpName, 0o644); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if opt.Force {
		err = os.Rename(tmpName, path)
	} else {
		// A hard link fails if path appeared meanwhile: no overwrite race.
		err = os.Link(tmpName, path)
		if err != nil && !errors.Is(err, fs.ErrExist) {
			// No hard links on this file system: check, then rename.
			if _, serr := os.Lstat(path); serr == nil {
				err = fs.ErrExist
			} else {
				err = os.Rename(tmpName, path)
			}
		}
		if err == nil {
			os.Remove(tmpName)
		}
	}
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s: %w, not overwriting it without force", path, fs.ErrExist)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	done = true
	syncDir(dir)
	return nil
}

// syncDir flushes a directory entry change to disk where the system allows
// it; failure only weakens durability after a power cut, so it is ignored.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// sameFile reports whether a and b name the same file (same path, or the
// same file through links).
func sameFile(a, b string) bool {
	if aa, err := filepath.Abs(a); err == nil {
		if bb, err := filepath.Abs(b); err == nil && aa == bb {
			return true
		}
	}
	sa, err := os.Stat(a)
	if err != nil {
		return false
	}
	sb, err := os.Stat(b)
	if err != nil {
		return false
	}
	return os.SameFile(sa, sb)
}

func checkPicture(pic *Picture) error {
	if pic == nil || pic.Image == nil {
		return errors.New("no image to write")
	}
	img := pic.Image
	if img.Width <= 0 || img.Height <= 0 || len(img.Pix) != img.Width*img.Height*3 {
		return fmt.Errorf("image is %dx%d with %d values, want width*height*3 > 0", img.Width, img.Height, len(img.Pix))
	}
	if pic.Alpha != nil && len(pic.Alpha) != img.Width*img.Height {
		return fmt.Errorf("alpha has %d values for a %dx%d image", len(pic.Alpha), img.Width, img.Height)
	}
	return nil
}

// Encode writes pic to w as PNG or JPEG. PNG keeps pic.Alpha and uses 16
// bits per channel when pic.Depth is 16; JPEG (quality 1..100, 0 for
// DefaultJPEGQuality) composites pixels with alpha over white.
func Encode(w io.Writer, pic *Picture, format string, quality int) error {
	if err := checkPicture(pic); err != nil {
		return err
	}
	switch format {
	case PNG:
		return png.Encode(w, pngImage(pic))
	case JPEG:
		if quality == 0 {
			quality = DefaultJPEGQuality
		}
		if quality < 1 || quality > 100 {
			return fmt.Errorf("JPEG quality %d, want 1..100", quality)
		}
		return jpeg.Encode(w, jpegImage(pic), &jpeg.Options{Quality: quality})
	}
	return fmt.Errorf("unknown output format %q (want %q or %q)", format, PNG, JPEG)
}

// pngImage builds the image PNG encodes: 8 or 16 bits, with the original
// alpha when there is one.
func pngImage(pic *Picture) image.Image {
	img := pic.Image
	r := image.Rect(0, 0, img.Width, img.Height)
	n := img.Width * img.Height
	if pic.Depth == 16 {
		out := image.NewNRGBA64(r)
		for i := 0; i < n; i++ {
			a := uint16(0xffff)
			if pic.Alpha != nil {
				a = pic.Alpha[i]
			}
			for c := 0; c < 3; c++ {
				v := to16(img.Pix[3*i+c])
				out.Pix[8*i+2*c], out.Pix[8*i+2*c+1] = uint8(v>>8), uint8(v)
			}
			out.Pix[8*i+6], out.Pix[8*i+7] = uint8(a>>8), uint8(a)
		}
		return out
	}
	if pic.Alpha == nil {
		return ToRGBA(img)
	}
	out := image.NewNRGBA(r)
	for i := 0; i < n; i++ {
		out.Pix[4*i] = to8(img.Pix[3*i])
		out.Pix[4*i+1] = to8(img.Pix[3*i+1])
		out.Pix[4*i+2] = to8(img.Pix[3*i+2])
		out.Pix[4*i+3] = uint8((uint32(pic.Alpha[i]) + 128) / 257)
	}
	return out
}

// jpegImage composites the picture over white when it has alpha.
func jpegImage(pic *Picture) image.Image {
	if pic.Alpha == nil {
		return ToRGBA(pic.Image)
	}
	img := pic.Image
	out := image.NewRGBA(image.Rect(0, 0, img.Width, img.Height))
	for i := 0; i < img.Width*img.Height; i++ {
		a := float32(pic.Alpha[i]) / 65535
		for c := 0; c < 3; c++ {
			out.Pix[4*i+c] = to8(img.Pix[3*i+c]*a + 255*(1-a))
		}
		out.Pix[4*i+3] = 255
	}
	return out
}
