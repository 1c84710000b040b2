package native

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/deepdream-go/deepdream/models"
)

// TestArenaReuseGivesIdenticalResults runs gradients and activations of
// several sizes and objectives on one executor, so that each call reuses
// memory that earlier calls (larger, smaller, other plans) left behind,
// and compares every result with a fresh executor's.
func TestArenaReuseGivesIdenticalResults(t *testing.T) {
	shared := builtinExecutor(t)
	objA := models.MeanSquareOf("mixed3")
	objB := models.Objective{Terms: []models.Term{{Kind: models.MeanSquare, Layer: "mixed4", Weight: 1}, {Kind: models.MeanChannel, Layer: "mixed3", Channel: 7, Weight: 0.5}}}
	type call struct {
		w, h int
		obj  models.Objective
	}
	calls := []call{{131, 77, objA}, {131, 77, objA}, {200, 150, objB}, {97, 120, objA}, {131, 77, objB}, {200, 150, objB}}
	ctx := context.Background()
	var kept []models.Activation
	var keptWant []float32
	for i, c := range calls {
		img := testImage(c.w, c.h, uint64(i))
		got := make([]float32, len(img.Pix))
		vGot, err := shared.Gradient(ctx, img, c.obj, got)
		if err != nil {
			t.Fatal(err)
		}
		want := make([]float32, len(img.Pix))
		vWant, err := builtinExecutor(t).Gradient(ctx, img, c.obj, want)
		if err != nil {
			t.Fatal(err)
		}
		if vGot != vWant || !slices.Equal(got, want) {
			t.Fatalf("call %d (%dx%d): reused executor gives %v, fresh one %v (or gradients differ)", i, c.w, c.h, vGot, vWant)
		}
		acts, err := shared.Activations(ctx, img, []string{"mixed3", "mixed1"})
		if err != nil {
			t.Fatal(err)
		}
		fresh, err := builtinExecutor(t).Activations(ctx, img, []string{"mixed3", "mixed1"})
		if err != nil {
			t.Fatal(err)
		}
		for j := range acts {
			if !slices.Equal(acts[j].Data, fresh[j].Data) {
				t.Fatalf("call %d: activations of %s differ from a fresh executor's", i, acts[j].Layer)
			}
		}
		if i == 0 {
			kept, keptWant = acts, slices.Clone(acts[0].Data)
		}
	}
	if !slices.Equal(kept[0].Data, keptWant) {
		t.Fatal("activations returned by an earlier call changed: they share the executor's memory")
	}
}

// TestPlaceBlocksNoOverlap checks the arena placement on random lifetimes:
// blocks alive at the same time never share memory.
func TestPlaceBlocksNoOverlap(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 200; trial++ {
		blocks := make([]memBlock, 1+rng.IntN(40))
		for i := range blocks {
			first := rng.IntN(50)
			blocks[i] = memBlock{size: memAlign * (1 + rng.IntN(20)), first: first, last: first + rng.IntN(10)}
		}
		total := placeBlocks(blocks)
		for i, a := range blocks {
			if a.off < 0 || a.off+a.size > total || a.off%memAlign != 0 {
				t.Fatalf("trial %d: block %d at %d+%d outside the arena of %d", trial, i, a.off, a.size, total)
			}
			for j, b := range blocks[:i] {
				live := a.first <= b.last && b.first <= a.last
				overlap := a.off < b.off+b.size && b.off < a.off+a.size
				if live && overlap {
					t.Fatalf("trial %d: blocks %d %+v and %d %+v share memory while both alive", trial, i, a, j, b)
				}
			}
		}
	}
}

// TestArenaSmallerThanLiveSum checks that the arena layout of a gradient
// run reuses memory: it needs far less than all its tensors together.
func TestArenaSmallerThanLiveSum(t *testing.T) {
	e := builtinExecutor(t)
	p, err := e.plan([]string{"mixed5"})
	if err != nil {
		t.Fatal(err)
	}
	shapes, err := p.inferShapes(360, 640)
	if err != nil {
		t.Fatal(err)
	}
	sum := 0
	for _, s := range shapes {
		sum += 2 * mustElements(s)
	}
	m := p.layout(shapes, true)
	if m.size*2 > sum {
		t.Fatalf("arena of %d floats for tensors of %d floats in all", m.size, sum)
	}
	t.Logf("arena %.1f MiB, all tensors %.1f MiB", float64(m.size)/(1<<18), float64(sum)/(1<<18))
}

// TestIndexSlabBuffersDoNotOverlap checks that the argmax buffers of one
// run never share memory, also in the run where the slab grows, and that
// the next run fits in one allocation.
func TestIndexSlabBuffersDoNotOverlap(t *testing.T) {
	var s indexSlab
	for run, sizes := range [][]int{{5, 3}, {5, 3, 9, 2}, {4, 4, 4, 4, 4}, {5, 3, 9, 2}} {
		s.reset()
		var bufs [][]int32
		for i, n := range sizes {
			b := s.take(n)
			if len(b) != n {
				t.Fatalf("run %d: take(%d) gave %d values", run, n, len(b))
			}
			for j := range b {
				b[j] = int32(100*i + j)
			}
			bufs = append(bufs, b)
		}
		for i, b := range bufs {
			for j, v := range b {
				if v != int32(100*i+j) {
					t.Fatalf("run %d: buffer %d was overwritten by a later one", run, i)
				}
			}
		}
		if run == 3 && cap(s.buf) != 20 {
			t.Fatalf("slab holds %d values after a run that needed 20, want one buffer of 20", cap(s.buf))
		}
	}
}
