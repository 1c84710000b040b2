// Package sheet renders contact sheets: one picture dreamed several ways
// (one tile per layer, channel or preset), tiled in a grid with a label under
// each tile naming the variant and the flag that reproduces it. It is the
// "look before you render" tool: a user picks a layer from a sheet instead of
// guessing from names.
package sheet

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"github.com/deepdream-go/deepdream/dream"
	"github.com/deepdream-go/deepdream/models"
	"github.com/deepdream-go/deepdream/pipeline/imageio"
)

// Variant is one tile of a sheet: the parameters to dream with and the two
// lines written under the tile.
type Variant struct {
	// Title names the variant, e.g. "mixed4:97".
	Title string
	// Hint is the flag that reproduces the tile, e.g. "--layer mixed4:97".
	Hint string
	// Params are the dream parameters (objective included).
	Params dream.Params
}

// Options shape the sheet. The zero value is usable: each field falls back
// to the default documented on it.
type Options struct {
	// Columns is the number of tiles per row (0: four, or more for large
	// sheets so they stay about square, at most eight).
	Columns int
	// Gap is the space in pixels between tiles and around the sheet
	// (0: 6).
	Gap int
}

// Progress reports how many gradient steps of the whole sheet are done.
type Progress struct {
	Tile, Tiles int // the tile being dreamed (0-based) and the tile count
	Done, Total int // gradient steps done and in all, over every tile
}

// labelHeight is the height of the two text lines under a tile.
const labelHeight = 2*13 + 8

// Render dreams img once per variant and tiles the results into a sheet.
// Every variant starts from the same picture, so tiles differ only by the
// variant's parameters. progress may be nil.
func Render(ctx context.Context, net dream.Network, img *models.Image, variants []Variant, opt Options, progress func(Progress)) (*image.RGBA, error) {
	if len(variants) == 0 {
		return nil, errors.New("sheet: no variants to dream")
	}
	total := 0
	perTile := make([]int, len(variants))
	for i, v := range variants {
		if err := v.Params.Validate(); err != nil {
			return nil, fmt.Errorf("sheet: %s: %w", v.Title, err)
		}
		perTile[i] = v.Params.Octaves * v.Params.Steps
		total += perTile[i]
	}
	tiles := make([]*models.Image, len(variants))
	base := 0
	for i, v := range variants {
		report := func(p dream.Progress) {
			if progress != nil {
				// A dream's own total may be smaller than Octaves*Steps
				// (octaves below the network's minimum are skipped); count
				// its steps against the tile's share.
				done := base + min(p.Done*perTile[i]/max(p.Total, 1), perTile[i])
				progress(Progress{Tile: i, Tiles: len(variants), Done: done, Total: total})
			}
		}
		out, err := dream.Dream(ctx, net, img, v.Params, report)
		if err != nil {
			return nil, fmt.Errorf("sheet: dreaming %s: %w", v.Title, err)
		}
		tiles[i] = out
		base += perTile[i]
	}
	return Compose(tiles, variants, opt), nil
}

// Compose tiles already dreamed pictures (all of one size) into a sheet,
// labelling tile i with variants[i].Title and variants[i].Hint.
func Compose(tiles []*models.Image, variants []Variant, opt Options) *image.RGBA {
	n := len(tiles)
	cols := opt.Columns
	if cols <= 0 {
		cols = min(8, max(4, int(math.Ceil(math.Sqrt(float64(n))))))
	}
	cols = max(1, min(cols, n))
	rows := (n + cols - 1) / cols
	gap := opt.Gap
	if gap <= 0 {
		gap = 6
	}
	tw, th := tiles[0].Width, tiles[0].Height
	cellW, cellH := tw+gap, th+labelHeight+gap
	sheet := image.NewRGBA(image.Rect(0, 0, gap+cols*cellW, gap+rows*cellH))
	draw.Draw(sheet, sheet.Bounds(), image.NewUniform(color.RGBA{24, 24, 24, 255}), image.Point{}, draw.Src)
	face := basicfont.Face7x13
	for i, t := range tiles {
		x0 := gap + (i%cols)*cellW
		y0 := gap + (i/cols)*cellH
		draw.Draw(sheet, image.Rect(x0, y0, x0+tw, y0+th), imageio.ToRGBA(t), image.Point{}, draw.Src)
		label(sheet, face, x0, y0+th+13+2, tw, variants[i].Title, color.RGBA{240, 240, 240, 255})
		label(sheet, face, x0, y0+th+2*13+4, tw, variants[i].Hint, color.RGBA{150, 200, 255, 255})
	}
	return sheet
}

// label draws one line of text with its baseline at y, shortened with an
// ellipsis when it is wider than width.
func label(dst draw.Image, face font.Face, x, y, width int, text string, c color.Color) {
	d := &font.Drawer{Dst: dst, Src: image.NewUniform(c), Face: face}
	limit := fixed.I(width)
	if d.MeasureString(text) > limit {
		r := []rune(text)
		for len(r) > 0 && d.MeasureString(string(r)+"...") > limit {
			r = r[:len(r)-1]
		}
		text = string(r) + "..."
	}
	d.Dot = fixed.P(x, y)
	d.DrawString(text)
}
