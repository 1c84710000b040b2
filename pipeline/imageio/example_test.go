package imageio_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/deepdream-go/deepdream/models"
	"github.com/deepdream-go/deepdream/pipeline/imageio"
)

func Example() {
	dir, _ := os.MkdirTemp("", "imageio-example")
	defer os.RemoveAll(dir)
	in := filepath.Join(dir, "in.png")

	// Make an input file.
	img := models.NewImage(4, 3)
	for i := range img.Pix {
		img.Pix[i] = 200
	}
	if err := imageio.Write(in, &imageio.Picture{Image: img}, imageio.WriteOptions{}); err != nil {
		fmt.Println(err)
		return
	}

	// What `deepdream image in.png -o out.jpg` does around the dream.
	pic, err := imageio.Read(in)
	if err != nil {
		fmt.Println(err)
		return
	}
	for i := range pic.Image.Pix {
		pic.Image.Pix[i] /= 2 // the dream goes here
	}
	out := filepath.Join(dir, "out.jpg")
	opt := imageio.WriteOptions{Input: in}
	fmt.Println(imageio.Write(out, pic, opt))
	fmt.Println(imageio.Write(in, pic, imageio.WriteOptions{Input: in, Force: true}) != nil)
	again, _ := imageio.Read(out)
	fmt.Println(again.Format, again.Image.Width, again.Image.Height)
	// Output:
	// <nil>
	// true
	// jpeg 4 3
}
