package sheet_test

import (
	"fmt"

	"github.com/deepdream-go/deepdream/models"
	"github.com/deepdream-go/deepdream/pipeline/sheet"
)

// Compose lays out pictures already dreamed (here two plain 96×64 tiles)
// with their labels; Render dreams them first.
func ExampleCompose() {
	tiles := []*models.Image{models.NewImage(96, 64), models.NewImage(96, 64)}
	labels := []sheet.Variant{
		{Title: "mixed3", Hint: "--layer mixed3"},
		{Title: "mixed5", Hint: "--layer mixed5"},
	}
	s := sheet.Compose(tiles, labels, sheet.Options{Columns: 2})
	fmt.Println(s.Bounds().Dx(), "x", s.Bounds().Dy())
	// Output: 210 x 110
}
