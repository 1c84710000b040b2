package zoo_test

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/deepdream-go/deepdream/models/graphdef"
	"github.com/deepdream-go/deepdream/models/zoo"
)

// tinyGraph is a small valid GraphDef with the "input" node the
// inception5h entry expects, so that zoo.Open can load a fetched copy.
func tinyGraph() []byte {
	return graphdef.Encode(&graphdef.Graph{Producer: 27, Nodes: []*graphdef.Node{
		{Name: "input", Op: "Placeholder", Attrs: map[string]*graphdef.AttrValue{
			"dtype": {Kind: graphdef.AttrType, Type: graphdef.DTFloat},
		}},
		{Name: "k", Op: "Const", Attrs: map[string]*graphdef.AttrValue{
			"dtype": {Kind: graphdef.AttrType, Type: graphdef.DTFloat},
			"value": {Kind: graphdef.AttrTensor, Tensor: &graphdef.Tensor{
				DType: graphdef.DTFloat, Shape: []int64{1, 1, 3, 4}, Float: []float32{0.25}}},
		}},
		{Name: "conv", Op: "Conv2D", Inputs: []string{"input", "k"}, Attrs: map[string]*graphdef.AttrValue{
			"T":       {Kind: graphdef.AttrType, Type: graphdef.DTFloat},
			"strides": {Kind: graphdef.AttrList, List: &graphdef.AttrListValue{I: []int64{1, 1, 1, 1}}},
			"padding": {Kind: graphdef.AttrString, S: []byte("SAME")},
		}},
	}})
}

// zipOf builds a zip archive holding the given files, in order.
func zipOf(t testing.TB, files ...[2]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.Create(f[0])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(f[1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// downloadable returns the inception5h entry pinned to archive's checksum.
func downloadable(t testing.TB, archive []byte) zoo.Entry {
	t.Helper()
	e, err := zoo.Lookup("inception5h")
	if err != nil {
		t.Fatal(err)
	}
	e.SHA256 = sha(archive)
	return e
}
