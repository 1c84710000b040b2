package dream

import (
	"reflect"
	"strings"
	"testing"

	"github.com/deepdream-go/deepdream/models"
)

func TestParseObjective(t *testing.T) {
	layers := []LayerInfo{{"mixed3", 768}, {"mixed4", 768}, {"mixed5", 768}, {"conv/1x1", 64}}
	good := []struct {
		spec string
		want []models.Term
	}{
		{"mixed3", []models.Term{{Kind: models.MeanSquare, Layer: "mixed3", Weight: 1}}},
		{" mixed4:97 ", []models.Term{{Kind: models.MeanChannel, Layer: "mixed4", Channel: 97, Weight: 1}}},
		{"mixed3=1,mixed5=0.5", []models.Term{
			{Kind: models.MeanSquare, Layer: "mixed3", Weight: 1},
			{Kind: models.MeanSquare, Layer: "mixed5", Weight: 0.5}}},
		{"mixed4:767=-2, conv/1x1", []models.Term{
			{Kind: models.MeanChannel, Layer: "mixed4", Channel: 767, Weight: -2},
			{Kind: models.MeanSquare, Layer: "conv/1x1", Weight: 1}}},
	}
	for _, g := range good {
		got, err := ParseObjective(g.spec, layers)
		if err != nil {
			t.Errorf("%q: %v", g.spec, err)
			continue
		}
		if !reflect.DeepEqual(got.Terms, g.want) {
			t.Errorf("%q: got %+v, want %+v", g.spec, got.Terms, g.want)
		}
	}
	// Without a layer list any name is accepted.
	if o, err := ParseObjective("whatever:3", nil); err != nil || o.Terms[0].Layer != "whatever" || o.Terms[0].Channel != 3 {
		t.Errorf("no layer list: %+v %v", o, err)
	}

	bad := []struct{ spec, want string }{
		{"", "empty objective; valid layers: mixed3 (768 channels)"},
		{"mixed9", `unknown layer "mixed9"; valid layers: mixed3 (768 channels), mixed4 (768 channels)`},
		{"mixed4:768", "channel 768 out of range, layer mixed4 has channels 0..767"},
		{"mixed4:-1", `channel "-1" is not a non-negative integer`},
		{"mixed4:x", `channel "x"`},
		{"mixed3=abc", `weight "abc" is not a finite number`},
		{"mixed3=NaN", "not a finite number"},
		{"mixed3=0", "weight 0"},
		{"mixed3,,mixed4", "empty term"},
		{":5", "missing layer name"},
	}
	for _, b := range bad {
		_, err := ParseObjective(b.spec, layers)
		if err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%q: err = %v, want it to contain %q", b.spec, err, b.want)
		}
	}
}
