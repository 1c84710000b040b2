package imageio

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deepdream-go/deepdream/models"
	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
)

// exifSegment builds an APP1 segment holding a TIFF IFD0 with one
// Orientation entry, in the given byte order ("II" or "MM").
func exifSegment(order string, orientation uint16) []byte {
	var bo binary.AppendByteOrder = binary.LittleEndian
	if order == "MM" {
		bo = binary.BigEndian
	}
	t := []byte(order)
	t = bo.AppendUint16(t, 42)
	t = bo.AppendUint32(t, 8)           // IFD0 offset
	t = bo.AppendUint16(t, 2)           // two entries
	t = bo.AppendUint16(t, 0x010F)      // Make, ASCII, ignored
	t = bo.AppendUint16(t, 2)           // ASCII
	t = bo.AppendUint32(t, 4)           // count
	t = append(t, 'T', 'o', 'y', 0)     // inline value
	t = bo.AppendUint16(t, 0x0112)      // Orientation
	t = bo.AppendUint16(t, 3)           // SHORT
	t = bo.AppendUint32(t, 1)           // count
	t = bo.AppendUint16(t, orientation) // value
	t = append(t, 0, 0)                 // padding
	t = bo.AppendUint32(t, 0)           // no next IFD
	payload := append([]byte("Exif\x00\x00"), t...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	return append(seg, payload...)
}

// insertAfterSOI puts segments right after the JPEG start-of-image marker.
func insertAfterSOI(jpg []byte, segs ...[]byte) []byte {
	out := append([]byte(nil), jpg[:2]...)
	for _, s := range segs {
		out = append(out, s...)
	}
	return append(out, jpg[2:]...)
}

// quadrantJPEG encodes a 32×16 grey image whose four 16×8 quadrants have
// levels 30 (top-left), 90 (top-right), 160 (bottom-left), 230
// (bottom-right).
func quadrantJPEG(t *testing.T) []byte {
	m := image.NewGray(image.Rect(0, 0, 32, 16))
	for y := 0; y < 16; y++ {
		for x := 0; x < 32; x++ {
			m.Pix[y*32+x] = quadLevel(y/8, x/16)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: 100}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func quadLevel(r, c int) uint8 { return [2][2]uint8{{30, 90}, {160, 230}}[r][c] }

// visualQuadrant says where stored quadrant (r, c) ends up on screen, from
// the EXIF definition of each orientation: which visual side the stored
// 0th row and 0th column are on.
func visualQuadrant(o, r, c int) (vr, vc int) {
	rowSide := map[int]string{1: "top", 2: "top", 3: "bottom", 4: "bottom", 5: "left", 6: "right", 7: "right", 8: "left"}[o]
	colSide := map[int]string{1: "left", 2: "right", 3: "right", 4: "left", 5: "top", 6: "top", 7: "bottom", 8: "bottom"}[o]
	flip := func(v int, keep bool) int {
		if keep {
			return v
		}
		return 1 - v
	}
	if rowSide == "top" || rowSide == "bottom" {
		return flip(r, rowSide == "top"), flip(c, colSide == "left")
	}
	return flip(c, colSide == "top"), flip(r, rowSide == "left")
}

func TestEXIFOrientations(t *testing.T) {
	base := quadrantJPEG(t)
	app0 := []byte{0xFF, 0xE0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0}
	for _, order := range []string{"II", "MM"} {
		for o := 1; o <= 8; o++ {
			data := insertAfterSOI(base, app0, exifSegment(order, uint16(o)))
			pic, err := Decode(data)
			if err != nil {
				t.Fatalf("%s/%d: %v", order, o, err)
			}
			if pic.Orientation != o {
				t.Errorf("%s/%d: orientation read as %d", order, o, pic.Orientation)
			}
			img := pic.Image
			wantW, wantH := 32, 16
			if o >= 5 {
				wantW, wantH = 16, 32
			}
			if img.Width != wantW || img.Height != wantH {
				t.Fatalf("%s/%d: size %dx%d, want %dx%d", order, o, img.Width, img.Height, wantW, wantH)
			}
			qw, qh := wantW/2, wantH/2
			for r := 0; r < 2; r++ {
				for c := 0; c < 2; c++ {
					vr, vc := visualQuadrant(o, r, c)
					x, y := vc*qw+qw/2, vr*qh+qh/2 // centre of the visual quadrant
					got := img.Pix[(y*img.Width+x)*3]
					if want := float32(quadLevel(r, c)); math.Abs(float64(got-want)) > 3 {
						t.Errorf("%s/%d: stored quadrant (%d,%d) should be at visual (%d,%d): found %v, want %v",
							order, o, r, c, vr, vc, got, want)
					}
				}
			}
		}
	}
}

func TestBrokenEXIFIsIgnored(t *testing.T) {
	base := quadrantJPEG(t)
	good := exifSegment("MM", 6)
	cases := map[string][]byte{
		"truncated IFD": func() []byte {
			s := append([]byte(nil), good[:20]...)
			binary.BigEndian.PutUint16(s[2:], uint16(len(s)-2))
			return s
		}(),
		"bad byte order": func() []byte {
			s := append([]byte(nil), good...)
			s[10], s[11] = 'X', 'X'
			return s
		}(),
		"orientation 9": exifSegment("II", 9),
	}
	for name, seg := range cases {
		pic, err := Decode(insertAfterSOI(base, seg))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if pic.Orientation != 1 || pic.Image.Width != 32 {
			t.Errorf("%s: orientation %d, width %d", name, pic.Orientation, pic.Image.Width)
		}
	}
}

func encodePNG(t *testing.T, m image.Image) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, m); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestGreyAnd16Bit(t *testing.T) {
	g := image.NewGray(image.Rect(0, 0, 3, 2))
	copy(g.Pix, []uint8{0, 1, 127, 128, 254, 255})
	pic, err := Decode(encodePNG(t, g))
	if err != nil {
		t.Fatal(err)
	}
	if pic.Depth != 8 || pic.Alpha != nil {
		t.Errorf("grey: depth %d, alpha %v", pic.Depth, pic.Alpha != nil)
	}
	for i, v := range g.Pix {
		for c := 0; c < 3; c++ {
			if pic.Image.Pix[3*i+c] != float32(v) {
				t.Errorf("grey pixel %d channel %d = %v, want %d", i, c, pic.Image.Pix[3*i+c], v)
			}
		}
	}

	g16 := image.NewGray16(image.Rect(0, 0, 4, 1))
	vals := []uint16{0, 257, 1000, 65535}
	for i, v := range vals {
		g16.SetGray16(i, 0, color.Gray16{Y: v})
	}
	pic, err = Decode(encodePNG(t, g16))
	if err != nil {
		t.Fatal(err)
	}
	if pic.Depth != 16 {
		t.Errorf("16-bit grey: depth %d", pic.Depth)
	}
	for i, v := range vals {
		if got, want := pic.Image.Pix[3*i+1], float32(float64(v)/257); got != want {
			t.Errorf("16-bit value %d -> %v, want %v", v, got, want)
		}
	}

	// 16-bit colour with alpha survives a PNG round trip exactly.
	c16 := image.NewNRGBA64(image.Rect(0, 0, 5, 3))
	for i := 0; i < 15; i++ {
		c16.SetNRGBA64(i%5, i/5, color.NRGBA64{R: uint16(i * 4001), G: uint16(65535 - i*3000), B: uint16(i * 17), A: uint16(i * 4681)})
	}
	pic, err = Decode(encodePNG(t, c16))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Encode(&buf, pic, PNG, 0); err != nil {
		t.Fatal(err)
	}
	back, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	n, ok := back.(*image.NRGBA64)
	if !ok {
		t.Fatalf("16-bit PNG written as %T", back)
	}
	for i := 0; i < 15; i++ {
		if got, want := n.NRGBA64At(i%5, i/5), c16.NRGBA64At(i%5, i/5); got != want {
			t.Errorf("pixel %d: %v, want %v", i, got, want)
		}
	}
}

func TestAlphaIsKept(t *testing.T) {
	m := image.NewNRGBA(image.Rect(0, 0, 4, 2))
	for i := 0; i < 8; i++ {
		m.SetNRGBA(i%4, i/4, color.NRGBA{R: uint8(30 * i), G: 200, B: uint8(255 - 30*i), A: uint8(i * 36)})
	}
	pic, err := Decode(encodePNG(t, m))
	if err != nil {
		t.Fatal(err)
	}
	if pic.Alpha == nil || pic.Depth != 8 {
		t.Fatalf("alpha %v depth %d", pic.Alpha != nil, pic.Depth)
	}
	// Fully transparent pixel 0 keeps its colour (not premultiplied).
	if pic.Image.Pix[0] != 0 || pic.Image.Pix[1] != 200 || pic.Image.Pix[2] != 255 {
		t.Errorf("transparent pixel colour %v", pic.Image.Pix[:3])
	}
	// Dream the RGB (here: invert it); the alpha comes back unchanged.
	for i := range pic.Image.Pix {
		pic.Image.Pix[i] = 255 - pic.Image.Pix[i]
	}
	var buf bytes.Buffer
	if err := Encode(&buf, pic, PNG, 0); err != nil {
		t.Fatal(err)
	}
	back, _ := png.Decode(&buf)
	for i := 0; i < 8; i++ {
		got := color.NRGBAModel.Convert(back.At(i%4, i/4)).(color.NRGBA)
		want := color.NRGBA{R: 255 - uint8(30*i), G: 55, B: uint8(30 * i), A: uint8(i * 36)}
		if i == 0 {
			want.R, want.G, want.B = 0, 0, 0 // RGB of alpha 0 is lost by the NRGBA conversion
			got.R, got.G, got.B = 0, 0, 0
		}
		if got != want {
			t.Errorf("pixel %d: %v, want %v", i, got, want)
		}
	}
	// JPEG has no alpha: composited over white.
	buf.Reset()
	if err := Encode(&buf, pic, JPEG, 100); err != nil {
		t.Fatal(err)
	}
	j, err := jpeg.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	r, _, _, _ := j.At(0, 0).RGBA() // alpha 0: white
	if r>>8 < 240 {
		t.Errorf("transparent pixel in JPEG has red %d, want white", r>>8)
	}
	// An opaque PNG with an alpha channel reports no alpha.
	op := image.NewNRGBA(image.Rect(0, 0, 2, 2))
	for i := range op.Pix {
		op.Pix[i] = 255
	}
	if pic, _ := Decode(encodePNG(t, op)); pic.Alpha != nil {
		t.Error("opaque image reported alpha")
	}
}

// testRGBA is a 7×5 colour pattern.
func testRGBA() *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, 7, 5))
	for y := 0; y < 5; y++ {
		for x := 0; x < 7; x++ {
			m.SetRGBA(x, y, color.RGBA{R: uint8(36 * x), G: uint8(60 * y), B: uint8(250 - 20*x - 10*y), A: 255})
		}
	}
	return m
}

func TestFormatsDecode(t *testing.T) {
	src := testRGBA()
	exact := func(name string, data []byte) {
		t.Helper()
		pic, err := Decode(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if pic.Image.Width != 7 || pic.Image.Height != 5 || pic.Alpha != nil {
			t.Fatalf("%s: %dx%d alpha=%v", name, pic.Image.Width, pic.Image.Height, pic.Alpha != nil)
		}
		for i := 0; i < 35; i++ {
			for c := 0; c < 3; c++ {
				if got, want := pic.Image.Pix[3*i+c], float32(src.Pix[4*i+c]); got != want {
					t.Fatalf("%s: pixel %d channel %d = %v, want %v", name, i, c, got, want)
				}
			}
		}
	}
	exact("png", encodePNG(t, src))
	var buf bytes.Buffer
	if err := bmp.Encode(&buf, src); err != nil {
		t.Fatal(err)
	}
	exact("bmp", buf.Bytes())
	buf.Reset()
	if err := tiff.Encode(&buf, src, nil); err != nil {
		t.Fatal(err)
	}
	exact("tiff", buf.Bytes())

	// GIF: a paletted image whose palette holds the exact colours.
	pal := color.Palette{}
	pm := image.NewPaletted(src.Bounds(), nil)
	for y := 0; y < 5; y++ {
		for x := 0; x < 7; x++ {
			pal = append(pal, src.At(x, y))
			pm.SetColorIndex(x, y, uint8(len(pal)-1))
		}
	}
	pm.Palette = pal
	buf.Reset()
	if err := gif.Encode(&buf, pm, nil); err != nil {
		t.Fatal(err)
	}
	exact("gif", buf.Bytes())

	// WebP (lossless, 6×4, pixel (x,y) = (40x, 60y, 200-30x)), made with
	// ffmpeg -c:v libwebp -lossless 1; x/image has no WebP encoder.
	webp, _ := hex.DecodeString("524946462e000000574542505650384c220000002f05c00000998ce87f6c0a11d1ff8042b611a0033b7fb11f61508e2c1e1300b0d203")
	pic, err := Decode(webp)
	if err != nil {
		t.Fatalf("webp: %v", err)
	}
	if pic.Format != "webp" || pic.Image.Width != 6 || pic.Image.Height != 4 {
		t.Fatalf("webp: %s %dx%d", pic.Format, pic.Image.Width, pic.Image.Height)
	}
	for y := 0; y < 4; y++ {
		for x := 0; x < 6; x++ {
			p := pic.Image.Pix[(y*6+x)*3:]
			if p[0] != float32(40*x) || p[1] != float32(60*y) || p[2] != float32(200-30*x) {
				t.Fatalf("webp pixel (%d,%d) = %v", x, y, p[:3])
			}
		}
	}
}

func TestUnreadableFilesAreOneLineErrors(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "notes.jpg")
	os.WriteFile(garbage, []byte("this is not an image at all"), 0o644)
	truncated := filepath.Join(dir, "cut.png")
	full := encodePNG(t, testRGBA())
	os.WriteFile(truncated, full[:len(full)-30], 0o644)
	cases := []struct{ path, want string }{
		{filepath.Join(dir, "missing.png"), "no such file"},
		{garbage, "unsupported image format"},
		{truncated, "corrupt png image"},
		{dir, "is a directory"},
	}
	for _, c := range cases {
		_, err := Read(c.path)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: err = %v, want one line containing %q", c.path, err, c.want)
		}
	}
	if _, err := Read(garbage); !errors.Is(err, ErrUnsupported) {
		t.Errorf("garbage: %v is not ErrUnsupported", err)
	}
}

func TestConversions(t *testing.T) {
	img := &models.Image{Width: 3, Height: 2, Pix: []float32{
		-5, 0, 0.49, 0.5, 127.49, 127.5, 254.5, 255, 300,
		float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 1, 2, 3, 4, 5, 6}}
	want := []uint8{0, 0, 0, 1, 127, 128, 255, 255, 255, 0, 255, 0, 1, 2, 3, 4, 5, 6}
	got := ToRGB24(img, nil)
	if !bytes.Equal(got, want) {
		t.Errorf("ToRGB24 = %v, want %v", got, want)
	}
	rgba := ToRGBA(img)
	for i := 0; i < 6; i++ {
		if !bytes.Equal(rgba.Pix[4*i:4*i+3], want[3*i:3*i+3]) || rgba.Pix[4*i+3] != 255 {
			t.Errorf("ToRGBA pixel %d = %v", i, rgba.Pix[4*i:4*i+4])
		}
	}
	back, err := FromRGB24(got, 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ToRGB24(back, make([]byte, 2)), want) {
		t.Error("rgb24 round trip changed values")
	}
	if _, err := FromRGB24(got, 4, 2); err == nil {
		t.Error("wrong size accepted")
	}
}

func TestWriteRoundTripsAndIsAtomic(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.png")
	if err := os.WriteFile(in, encodePNG(t, testRGBA()), 0o644); err != nil {
		t.Fatal(err)
	}
	pic, err := Read(in)
	if err != nil {
		t.Fatal(err)
	}
	opt := WriteOptions{Input: in}

	out := filepath.Join(dir, "out.PNG")
	if err := Write(out, pic, opt); err != nil {
		t.Fatal(err)
	}
	again, err := Read(out)
	if err != nil {
		t.Fatal(err)
	}
	for i := range pic.Image.Pix {
		if again.Image.Pix[i] != pic.Image.Pix[i] {
			t.Fatalf("PNG round trip changed value %d", i)
		}
	}
	if st, _ := os.Stat(out); st.Mode().Perm() != 0o644 {
		t.Errorf("output mode %v", st.Mode().Perm())
	}

	// JPEG: lossy (chroma is subsampled), so use a smooth image.
	jp := filepath.Join(dir, "out.jpeg")
	smooth := &Picture{Image: models.NewImage(64, 48)}
	for i := range smooth.Image.Pix {
		x, y, c := (i/3)%64, (i/3)/64, i%3
		smooth.Image.Pix[i] = float32(40 + x + 2*y + 20*c)
	}
	if err := Write(jp, smooth, opt); err != nil {
		t.Fatal(err)
	}
	j, err := Read(jp)
	if err != nil || j.Format != "jpeg" {
		t.Fatalf("jpeg: %v %v", err, j)
	}
	var diff float64
	for i := range smooth.Image.Pix {
		diff += math.Abs(float64(j.Image.Pix[i]-smooth.Image.Pix[i])) / float64(len(smooth.Image.Pix))
	}
	if diff > 1.5 {
		t.Errorf("JPEG q95 round trip mean error %.2f", diff)
	}

	// Existing output: refused, then replaced with Force.
	err = Write(out, pic, opt)
	if !errors.Is(err, fs.ErrExist) || !strings.Contains(err.Error(), "without force") {
		t.Errorf("existing output: err = %v", err)
	}
	pic.Image.Pix[0] = 77
	if err := Write(out, pic, WriteOptions{Input: in, Force: true}); err != nil {
		t.Fatal(err)
	}
	if again, _ := Read(out); again.Image.Pix[0] != 77 {
		t.Error("forced write did not replace the output")
	}

	// The input is never overwritten, by path or through a link.
	before, _ := os.ReadFile(in)
	link := filepath.Join(dir, "link.png")
	if err := os.Symlink(in, link); err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{in, filepath.Join(dir, ".", "in.png"), link} {
		if err := Write(target, pic, WriteOptions{Input: in, Force: true}); err == nil || !strings.Contains(err.Error(), "input") {
			t.Errorf("%s: err = %v, want a refusal to overwrite the input", target, err)
		}
	}
	if after, _ := os.ReadFile(in); !bytes.Equal(before, after) {
		t.Error("input changed")
	}

	// Bad extension, missing directory, bad picture: errors, nothing left.
	if err := Write(filepath.Join(dir, "x.gif"), pic, opt); err == nil || !strings.Contains(err.Error(), "use .png or .jpg") {
		t.Errorf("gif output: %v", err)
	}
	os.Mkdir(filepath.Join(dir, "d.png"), 0o755)
	if err := Write(filepath.Join(dir, "d.png"), pic, WriteOptions{Force: true}); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("directory output: %v", err)
	}
	os.Remove(filepath.Join(dir, "d.png"))
	if err := Write(filepath.Join(dir, "nope", "x.png"), pic, opt); err == nil {
		t.Error("missing directory accepted")
	}
	bad := &Picture{Image: &models.Image{Width: 2, Height: 2, Pix: make([]float32, 3)}}
	if err := Write(filepath.Join(dir, "bad.png"), bad, opt); err == nil {
		t.Error("bad picture accepted")
	}
	if err := Write(filepath.Join(dir, "q.jpg"), pic, WriteOptions{Quality: 101}); err == nil {
		t.Error("quality 101 accepted")
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
	if len(names) != 4 {
		t.Errorf("directory holds %v, want in, link, out.PNG, out.jpeg", names)
	}
}

func BenchmarkToRGB24_1280x720(b *testing.B) {
	img := models.NewImage(1280, 720)
	for i := range img.Pix {
		img.Pix[i] = float32(i%256) + 0.3
	}
	dst := make([]byte, len(img.Pix))
	for i := 0; i < b.N; i++ {
		dst = ToRGB24(img, dst)
	}
}

// hidden hides an image's concrete type, forcing FromImage's generic path.
type hidden struct{ image.Image }

func TestFastPathsMatchGenericConversion(t *testing.T) {
	yc := image.NewYCbCr(image.Rect(0, 0, 9, 7), image.YCbCrSubsampleRatio420)
	for i := range yc.Y {
		yc.Y[i] = uint8(i * 37)
	}
	for i := range yc.Cb {
		yc.Cb[i], yc.Cr[i] = uint8(i*53), uint8(255-i*29)
	}
	pal := image.NewPaletted(image.Rect(0, 0, 4, 3), color.Palette{
		color.RGBA{10, 20, 30, 255}, color.RGBA{0, 0, 0, 0}, color.NRGBA{200, 100, 50, 128}})
	for i := range pal.Pix {
		pal.Pix[i] = uint8(i % 3)
	}
	g16 := image.NewGray16(image.Rect(0, 0, 3, 3))
	for i := range g16.Pix {
		g16.Pix[i] = uint8(i * 77)
	}
	nr := image.NewNRGBA(image.Rect(0, 0, 3, 2))
	for i := range nr.Pix {
		nr.Pix[i] = uint8(i * 11)
		if i%4 == 3 {
			// Opaque: through premultiplied colour the generic path loses
			// precision at low alpha, which the fast path keeps.
			nr.Pix[i] = 255
		}
	}
	for _, m := range []image.Image{yc, pal, g16, nr, image.NewGray(image.Rect(0, 0, 2, 2))} {
		fast, fa, fd := FromImage(m)
		slow, sa, _ := FromImage(hidden{m})
		for i := range fast.Pix {
			if math.Abs(float64(fast.Pix[i]-slow.Pix[i])) > 1e-4 {
				t.Fatalf("%T: value %d fast %v, generic %v", m, i, fast.Pix[i], slow.Pix[i])
			}
		}
		if (fa == nil) != (sa == nil) {
			t.Fatalf("%T: alpha presence differs", m)
		}
		for i := range fa {
			if fa[i] != sa[i] {
				t.Fatalf("%T: alpha %d fast %v, generic %v", m, i, fa[i], sa[i])
			}
		}
		if _, isG16 := m.(*image.Gray16); isG16 != (fd == 16) {
			t.Errorf("%T: depth %d", m, fd)
		}
	}
}

func BenchmarkFromImageYCbCr1280x720(b *testing.B) {
	yc := image.NewYCbCr(image.Rect(0, 0, 1280, 720), image.YCbCrSubsampleRatio420)
	for i := range yc.Y {
		yc.Y[i] = uint8(i)
	}
	for i := 0; i < b.N; i++ {
		FromImage(yc)
	}
}
