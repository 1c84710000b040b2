package flow

import (
	"context"
	"testing"
)

// TestConsistencyDistrustsDisagreement corrupts the backward flow of a
// real computed pair over a square and checks that the pixels of A that
// land in it get weight 0, by disagreement alone (the forward flow is
// untouched and smooth), while the rest of the frame stays trusted. A flow
// that is wrong in one direction must not carry the dream.
func TestConsistencyDistrustsDisagreement(t *testing.T) {
	const w, h = 120, 96
	t.Run("computed", func(t *testing.T) {
		a, b := translatedPair(w, h, 3.5, -1.5)
		fwd, bwd, err := ComputeBidirectional(context.Background(), a, b, Medium())
		if err != nil {
			t.Fatal(err)
		}
		testDistrustsDisagreement(t, fwd, bwd, 3.5, -1.5, 2)
	})
	// On a fast pan a disagreement of 1.8 px is a small fraction of the
	// motion, but still carries the dream that far. (Exact flows: the test
	// pattern is too periodic for a 13 px motion on a small frame.)
	t.Run("fast", func(t *testing.T) {
		fwd, bwd := NewField(w, h), NewField(w, h)
		for i := range fwd.U {
			fwd.U[i], fwd.V[i] = 12, 5
			bwd.U[i], bwd.V[i] = -12, -5
		}
		testDistrustsDisagreement(t, fwd, bwd, 12, 5, 1.8)
	})
}

func testDistrustsDisagreement(t *testing.T, fwd, bwd *Field, mx, my, sideways float32) {
	w, h := fwd.Width, fwd.Height
	// interior: pixel (x, y) of A and where it lands in B are both at least
	// 4 pixels inside the frame.
	interior := func(x, y int) bool {
		tx, ty := float32(x)+mx, float32(y)+my
		return tx >= 4 && tx < float32(w-4) && ty >= 4 && ty < float32(h-4) && x >= 4 && x < w-4 && y >= 4 && y < h-4
	}
	// Before corruption: the computed pair is consistent almost everywhere.
	weights, _, _, err := Consistency(fwd, bwd)
	if err != nil {
		t.Fatal(err)
	}
	trusted, total := 0, 0
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if interior(x, y) {
				total++
				if weights[y*w+x] > 0.9 {
					trusted++
				}
			}
		}
	}
	if trusted*100 < total*98 {
		t.Fatalf("only %d of %d interior pixels trusted before corruption", trusted, total)
	}

	const sx, sy, side = 40, 30, 30 // corrupted square of B
	for _, c := range []struct {
		name   string
		du, dv float32
	}{
		{"sideways", sideways, 0},
		{"reversed", -2 * mx, -2 * my},
		{"12 px", 0, 12},
	} {
		t.Run(c.name, func(t *testing.T) {
			bad := &Field{Width: w, Height: h, U: append([]float32(nil), bwd.U...), V: append([]float32(nil), bwd.V...)}
			for y := sy; y < sy+side; y++ {
				for x := sx; x < sx+side; x++ {
					bad.U[y*w+x] += c.du
					bad.V[y*w+x] += c.dv
				}
			}
			weights, occ, _, err := Consistency(fwd, bad)
			if err != nil {
				t.Fatal(err)
			}
			var inside, insideZero, outside, outsideTrusted int
			for y := 0; y < h; y++ {
				for x := 0; x < w; x++ {
					i := y*w + x
					// Where pixel (x, y) of A lands in B (true motion).
					tx, ty := float32(x)+mx, float32(y)+my
					switch {
					case tx >= sx+1 && tx <= sx+side-2 && ty >= sy+1 && ty <= sy+side-2:
						inside++
						if weights[i] == 0 && occ[i] {
							insideZero++
						}
					case (tx < sx-4 || tx > sx+side+3 || ty < sy-4 || ty > sy+side+3) && interior(x, y):
						outside++
						if weights[i] > 0.9 {
							outsideTrusted++
						}
					}
				}
			}
			if insideZero != inside {
				t.Errorf("%d of %d pixels landing in the corrupted square have weight 0 and are marked occluded", insideZero, inside)
			}
			if outsideTrusted*100 < outside*95 {
				t.Errorf("only %d of %d pixels away from the square are trusted", outsideTrusted, outside)
			}
		})
	}
}
