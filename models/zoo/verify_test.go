package zoo_test

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/deepdream-go/deepdream/models/zoo"
)

func TestVerifyBuiltin(t *testing.T) {
	e, _ := zoo.Lookup("inception-v3")
	if st, err := zoo.Verify(e, ""); st != zoo.StatusOK || err != nil {
		t.Fatalf("Verify(built-in) = %v, %v", st, err)
	}
	e.SHA256 = sha([]byte("something else"))
	st, err := zoo.Verify(e, "")
	if st != zoo.StatusCorrupt || !errors.Is(err, zoo.ErrCorrupt) {
		t.Fatalf("Verify(built-in, wrong pin) = %v, %v; want corrupt", st, err)
	}
	wantErr(t, err, "expected "+e.SHA256)
}

func TestVerifyDownloaded(t *testing.T) {
	archive := zipOf(t, [2]string{"tensorflow_inception_graph.pb", string(tinyGraph())})
	s := newServer(t, archive)
	e := downloadable(t, archive)
	cache := t.TempDir()
	if st, err := zoo.Verify(e, cache); st != zoo.StatusMissing || err != nil {
		t.Fatalf("Verify before fetch = %v, %v; want missing", st, err)
	}
	if err := zoo.Fetch(context.Background(), e, cache, s.opts()); err != nil {
		t.Fatal(err)
	}
	if st, err := zoo.Verify(e, cache); st != zoo.StatusOK || err != nil {
		t.Fatalf("Verify after fetch = %v, %v; want ok", st, err)
	}
	path := zoo.CachedPath(cache, e)
	good, _ := os.ReadFile(path)

	bad := append([]byte(nil), good...)
	bad[len(bad)-1] ^= 1
	os.WriteFile(path, bad, 0o644)
	st, err := zoo.Verify(e, cache)
	if st != zoo.StatusCorrupt || !errors.Is(err, zoo.ErrCorrupt) {
		t.Fatalf("Verify after damage = %v, %v; want corrupt", st, err)
	}
	wantErr(t, err, "has SHA-256 "+sha(bad), "expected "+sha(good), "fetch it again")

	os.WriteFile(path, good, 0o644)
	os.WriteFile(path+".sha256", []byte("not a checksum\n"), 0o644)
	st, err = zoo.Verify(e, cache)
	if st != zoo.StatusCorrupt {
		t.Fatalf("Verify with a damaged record = %v, %v; want corrupt", st, err)
	}
	wantErr(t, err, "damaged")

	os.Remove(path + ".sha256")
	st, err = zoo.Verify(e, cache)
	if st != zoo.StatusCorrupt {
		t.Fatalf("Verify without a record = %v, %v; want corrupt", st, err)
	}
	wantErr(t, err, "no checksum record")
}

func TestStatusString(t *testing.T) {
	for st, want := range map[zoo.Status]string{zoo.StatusMissing: "missing", zoo.StatusOK: "ok", zoo.StatusCorrupt: "corrupt", 7: "Status(7)"} {
		if st.String() != want {
			t.Errorf("%d.String() = %q, want %q", int(st), st, want)
		}
	}
}
