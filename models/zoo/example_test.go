package zoo_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/deepdream-go/deepdream/models/zoo"
)

// Fetch a downloadable model into a cache directory, check it with Verify
// and open it by name. A local server stands in for the model's real URL;
// the pinned checksum is replaced by the local archive's.
func ExampleFetch() {
	var archive bytes.Buffer
	zw := zip.NewWriter(&archive)
	w, _ := zw.Create("tensorflow_inception_graph.pb")
	w.Write(tinyGraph())
	zw.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "inception5h.zip", time.Time{}, bytes.NewReader(archive.Bytes()))
	}))
	defer srv.Close()

	cache, _ := os.MkdirTemp("", "models")
	defer os.RemoveAll(cache)
	e, _ := zoo.Lookup("inception5h")
	sum := sha256.Sum256(archive.Bytes())
	e.SHA256 = hex.EncodeToString(sum[:])

	err := zoo.Fetch(context.Background(), e, cache, zoo.FetchOptions{
		URL:      srv.URL + "/inception5h.zip",
		Progress: func(done, total int64) {}, // drive a progress bar here
	})
	if err != nil {
		log.Fatal(err)
	}
	st, err := zoo.Verify(e, cache)
	fmt.Println(e.Name, st, err)
	m, err := zoo.Open(zoo.Source{Name: "inception5h", CacheDir: cache})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("input node", m.Spec.InputNode, "default layer", m.DefaultLayer)
	// Output:
	// inception5h ok <nil>
	// input node input default layer mixed4c
}

// Check the built-in model and whether a downloadable one is in the cache.
func ExampleVerify() {
	cache, _ := os.MkdirTemp("", "models")
	defer os.RemoveAll(cache)
	for _, e := range zoo.Registry() {
		st, err := zoo.Verify(e, cache)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(e.Name, st)
	}
	// Output:
	// inception-v3 ok
	// inception5h missing
}
