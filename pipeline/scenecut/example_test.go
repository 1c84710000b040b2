package scenecut_test

import (
	"fmt"

	"github.com/deepdream-go/deepdream/pipeline/scenecut"
)

// A detector is fed every frame in order and says where a new shot starts.
func Example() {
	const w, h = 64, 36
	// Two "shots": a bright left half, then a bright top half.
	frame := func(bright func(x, y int) bool) []byte {
		rgb := make([]byte, w*h*3)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				v := byte(30)
				if bright(x, y) {
					v = 220
				}
				i := 3 * (y*w + x)
				rgb[i], rgb[i+1], rgb[i+2] = v, v, v/2
			}
		}
		return rgb
	}
	left := frame(func(x, y int) bool { return x < w/2 })
	top := frame(func(x, y int) bool { return y < h/2 })
	d := scenecut.NewDetector(scenecut.DefaultOptions())
	shots := [][]byte{left, left, top, top}
	for i, f := range shots {
		if cut, _ := d.Next(f, w, h); cut {
			fmt.Println("new shot at frame", i)
		}
	}
	// Output: new shot at frame 2
}
