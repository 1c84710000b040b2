package react_test

import (
	"fmt"

	"github.com/deepdream-go/deepdream/pipeline/react"
)

// A --react value maps envelopes of the sound onto parameters; presets
// expand to such rules.
func ExampleParse() {
	m, err := react.Parse("zoom=onset:0.04,step=rms:1.5,release=300ms")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range m.Rules {
		fmt.Println(r)
	}
	fmt.Println("release", m.Release)
	pulse, _ := react.Preset("pulse")
	fmt.Println("pulse =", pulse)
	// Output:
	// zoom=onset:0.04
	// step=rms:1.5
	// release 300ms
	// pulse = zoom=onset:1.2,step=rms:1,release=300ms
}
