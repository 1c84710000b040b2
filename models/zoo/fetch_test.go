package zoo_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deepdream-go/deepdream/models/zoo"
)

// server serves one archive and records the requests it saw.
type server struct {
	*httptest.Server
	archive []byte

	mu     sync.Mutex
	ranges []string // the Range header of each request ("" when absent)
	// handle, if set, answers a request instead of http.ServeContent; n is
	// the request's index.
	handle func(w http.ResponseWriter, r *http.Request, n int)
}

func newServer(t *testing.T, archive []byte) *server {
	s := &server{archive: archive}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		n := len(s.ranges)
		s.ranges = append(s.ranges, r.Header.Get("Range"))
		handle := s.handle
		s.mu.Unlock()
		if handle != nil {
			handle(w, r, n)
			return
		}
		http.ServeContent(w, r, "inception5h.zip", time.Time{}, bytes.NewReader(s.archive))
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.ranges)
}

// full answers with the whole archive, ignoring any Range header.
func (s *server) full(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Length", strconv.Itoa(len(s.archive)))
	w.Write(s.archive)
}

// halfThenAbort announces the whole archive, sends half and drops the connection.
func (s *server) halfThenAbort(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Length", strconv.Itoa(len(s.archive)))
	w.Write(s.archive[:len(s.archive)/2])
	w.(http.Flusher).Flush()
	panic(http.ErrAbortHandler)
}

// halfThenHang sends half of the archive and then nothing until the client leaves.
func (s *server) halfThenHang(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Length", strconv.Itoa(len(s.archive)))
	w.Write(s.archive[:len(s.archive)/2])
	w.(http.Flusher).Flush()
	<-r.Context().Done()
}

func (s *server) opts() zoo.FetchOptions {
	return zoo.FetchOptions{URL: s.URL + "/models/inception5h.zip", Client: s.Client()}
}

// files lists the cache directory's contents as slash paths.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir {
			rel, _ := filepath.Rel(dir, p)
			if d.IsDir() {
				rel += "/"
			}
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func wantFiles(t *testing.T, dir string, want ...string) {
	t.Helper()
	got := files(t, dir)
	if !slices.Equal(got, want) {
		t.Fatalf("cache holds %q, want %q", got, want)
	}
}

func wantErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one containing %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Fatalf("error %q does not contain %q", err, p)
		}
	}
}

var installed = []string{"inception5h/", "inception5h/tensorflow_inception_graph.pb", "inception5h/tensorflow_inception_graph.pb.sha256"}

func wantInstalled(t *testing.T, e zoo.Entry, cache string, model []byte) {
	t.Helper()
	wantFiles(t, cache, installed...)
	got, err := os.ReadFile(zoo.CachedPath(cache, e))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, model) {
		t.Fatal("installed model differs from the archive's member")
	}
	if st, err := zoo.Verify(e, cache); st != zoo.StatusOK || err != nil {
		t.Fatalf("Verify = %v, %v; want ok", st, err)
	}
}

func TestFetchGood(t *testing.T) {
	model := tinyGraph()
	archive := zipOf(t, [2]string{"LICENSE", "Apache 2.0"}, [2]string{"tensorflow_inception_graph.pb", string(model)})
	s := newServer(t, archive)
	e := downloadable(t, archive)
	cache := t.TempDir()

	var calls [][2]int64
	opt := s.opts()
	opt.Progress = func(done, total int64) { calls = append(calls, [2]int64{done, total}) }
	if err := zoo.Fetch(context.Background(), e, cache, opt); err != nil {
		t.Fatal(err)
	}
	wantInstalled(t, e, cache, model)
	if len(calls) < 2 || calls[0][0] != 0 || calls[len(calls)-1] != [2]int64{int64(len(archive)), int64(len(archive))} {
		t.Fatalf("progress calls %v, want 0 first and %d/%d last", calls, len(archive), len(archive))
	}
	for i := 1; i < len(calls); i++ {
		if calls[i][0] < calls[i-1][0] {
			t.Fatalf("progress went backwards: %v", calls)
		}
	}
	// The installed model opens by name from the cache.
	m, err := zoo.Open(zoo.Source{Name: "inception5h", CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	if m.Graph.Node("conv") == nil || m.DefaultLayer != "mixed4c" {
		t.Fatalf("opened model %+v lacks the test graph or the registry's defaults", m)
	}
	// A second fetch finds the model intact and does not download again.
	if err := zoo.Fetch(context.Background(), e, cache, opt); err != nil {
		t.Fatal(err)
	}
	if n := len(s.requests()); n != 1 {
		t.Fatalf("%d requests, want 1 (the second fetch should find the model installed)", n)
	}
}

func TestFetchMemberInSubdirectory(t *testing.T) {
	model := tinyGraph()
	archive := zipOf(t, [2]string{"inception5h/", ""}, [2]string{"inception5h/tensorflow_inception_graph.pb", string(model)})
	s := newServer(t, archive)
	e := downloadable(t, archive)
	cache := t.TempDir()
	if err := zoo.Fetch(context.Background(), e, cache, s.opts()); err != nil {
		t.Fatal(err)
	}
	wantInstalled(t, e, cache, model)
}

func TestFetchCorrupt(t *testing.T) {
	archive := zipOf(t, [2]string{"tensorflow_inception_graph.pb", string(tinyGraph())})
	e := downloadable(t, archive)
	bad := bytes.Clone(archive)
	bad[len(bad)/2] ^= 0xff
	s := newServer(t, bad)
	cache := t.TempDir()
	err := zoo.Fetch(context.Background(), e, cache, s.opts())
	if !errors.Is(err, zoo.ErrChecksum) {
		t.Fatalf("error %v, want ErrChecksum", err)
	}
	wantErr(t, err, "expected SHA-256 "+e.SHA256, "got "+sha(bad), "removed")
	wantFiles(t, cache)
}

func TestFetchWrongPinnedChecksum(t *testing.T) {
	archive := zipOf(t, [2]string{"tensorflow_inception_graph.pb", string(tinyGraph())})
	s := newServer(t, archive)
	e := downloadable(t, []byte("some other release"))
	cache := t.TempDir()
	err := zoo.Fetch(context.Background(), e, cache, s.opts())
	if !errors.Is(err, zoo.ErrChecksum) {
		t.Fatalf("error %v, want ErrChecksum", err)
	}
	wantErr(t, err, "expected SHA-256 "+e.SHA256, "got "+sha(archive), "removed")
	wantFiles(t, cache)
}

func TestFetchTruncatedThenResume(t *testing.T) {
	model := tinyGraph()
	archive := zipOf(t, [2]string{"tensorflow_inception_graph.pb", string(model)})
	s := newServer(t, archive)
	s.handle = func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 0 {
			s.halfThenAbort(w, r)
			return
		}
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(archive))
	}
	e := downloadable(t, archive)
	cache := t.TempDir()
	half := len(archive) / 2

	err := zoo.Fetch(context.Background(), e, cache, s.opts())
	wantErr(t, err, "interrupted after "+strconv.Itoa(half)+" of "+strconv.Itoa(len(archive)), "resume")
	wantFiles(t, cache, "inception5h/", "inception5h/inception5h.zip.partial")

	var first int64 = -1
	opt := s.opts()
	opt.Progress = func(done, _ int64) {
		if first < 0 {
			first = done
		}
	}
	if err := zoo.Fetch(context.Background(), e, cache, opt); err != nil {
		t.Fatal(err)
	}
	wantInstalled(t, e, cache, model)
	if got, want := s.requests(), []string{"", "bytes=" + strconv.Itoa(half) + "-"}; !slices.Equal(got, want) {
		t.Fatalf("Range headers %q, want %q", got, want)
	}
	if first != int64(half) {
		t.Fatalf("resumed progress starts at %d, want %d", first, half)
	}
}

func TestFetchServerIgnoresRange(t *testing.T) {
	model := tinyGraph()
	archive := zipOf(t, [2]string{"tensorflow_inception_graph.pb", string(model)})
	s := newServer(t, archive)
	s.handle = func(w http.ResponseWriter, r *http.Request, _ int) { s.full(w, r) }
	e := downloadable(t, archive)
	cache := t.TempDir()
	// A stale partial that is not a prefix of the archive: appending to it
	// would fail the checksum, so passing proves the restart from zero.
	dir := filepath.Join(cache, "inception5h")
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "inception5h.zip.partial"), bytes.Repeat([]byte("x"), 10), 0o644)

	if err := zoo.Fetch(context.Background(), e, cache, s.opts()); err != nil {
		t.Fatal(err)
	}
	wantInstalled(t, e, cache, model)
	if got := s.requests(); !slices.Equal(got, []string{"bytes=10-"}) {
		t.Fatalf("Range headers %q, want one request for bytes=10-", got)
	}
}

func TestFetchRangeNotSatisfiable(t *testing.T) {
	model := tinyGraph()
	archive := zipOf(t, [2]string{"tensorflow_inception_graph.pb", string(model)})
	s := newServer(t, archive) // http.ServeContent answers 416 past the end
	e := downloadable(t, archive)
	cache := t.TempDir()
	dir := filepath.Join(cache, "inception5h")
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "inception5h.zip.partial"), bytes.Repeat([]byte("x"), len(archive)+5), 0o644)

	if err := zoo.Fetch(context.Background(), e, cache, s.opts()); err != nil {
		t.Fatal(err)
	}
	wantInstalled(t, e, cache, model)
	if got := s.requests(); !slices.Equal(got, []string{"bytes=" + strconv.Itoa(len(archive)+5) + "-", ""}) {
		t.Fatalf("Range headers %q, want a refused range and then a full request", got)
	}
}

func TestFetchWrongContentRange(t *testing.T) {
	model := tinyGraph()
	archive := zipOf(t, [2]string{"tensorflow_inception_graph.pb", string(model)})
	s := newServer(t, archive)
	s.handle = func(w http.ResponseWriter, r *http.Request, _ int) {
		if r.Header.Get("Range") == "" {
			s.full(w, r)
			return
		}
		// A broken server: 206, but from the first byte.
		w.Header().Set("Content-Range", "bytes 0-"+strconv.Itoa(len(archive)-1)+"/"+strconv.Itoa(len(archive)))
		w.WriteHeader(http.StatusPartialContent)
		w.Write(archive)
	}
	e := downloadable(t, archive)
	cache := t.TempDir()
	dir := filepath.Join(cache, "inception5h")
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "inception5h.zip.partial"), archive[:9], 0o644)
	if err := zoo.Fetch(context.Background(), e, cache, s.opts()); err != nil {
		t.Fatal(err)
	}
	wantInstalled(t, e, cache, model)
	if got := s.requests(); !slices.Equal(got, []string{"bytes=9-", ""}) {
		t.Fatalf("Range headers %q, want a resume and then a restart", got)
	}
}

func TestFetchCompletePartialIsInstalledWithoutRequest(t *testing.T) {
	model := tinyGraph()
	archive := zipOf(t, [2]string{"tensorflow_inception_graph.pb", string(model)})
	s := newServer(t, archive)
	e := downloadable(t, archive)
	cache := t.TempDir()
	dir := filepath.Join(cache, "inception5h")
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "inception5h.zip.partial"), archive, 0o644)
	if err := zoo.Fetch(context.Background(), e, cache, s.opts()); err != nil {
		t.Fatal(err)
	}
	wantInstalled(t, e, cache, model)
	if n := len(s.requests()); n != 0 {
		t.Fatalf("%d requests, want none", n)
	}
}

func TestFetchServerError(t *testing.T) {
	archive := zipOf(t, [2]string{"tensorflow_inception_graph.pb", string(tinyGraph())})
	s := newServer(t, archive)
	s.handle = func(w http.ResponseWriter, _ *http.Request, _ int) {
		http.Error(w, "boom", http.StatusInternalServerError)
	}
	e := downloadable(t, archive)
	cache := t.TempDir()
	err := zoo.Fetch(context.Background(), e, cache, s.opts())
	wantErr(t, err, "500 Internal Server Error", s.URL)
	wantFiles(t, cache)

	// A server error does not throw away an earlier partial download.
	dir := filepath.Join(cache, "inception5h")
	os.MkdirAll(dir, 0o755)
	partial := filepath.Join(dir, "inception5h.zip.partial")
	os.WriteFile(partial, archive[:7], 0o644)
	err = zoo.Fetch(context.Background(), e, cache, s.opts())
	wantErr(t, err, "500")
	if b, _ := os.ReadFile(partial); !bytes.Equal(b, archive[:7]) {
		t.Fatalf("partial download changed to %q", b)
	}
	wantFiles(t, cache, "inception5h/", "inception5h/inception5h.zip.partial")
}

func TestFetchNotFound(t *testing.T) {
	s := newServer(t, nil)
	s.handle = func(w http.ResponseWriter, r *http.Request, _ int) { http.NotFound(w, r) }
	e := downloadable(t, []byte("x"))
	cache := t.TempDir()
	wantErr(t, zoo.Fetch(context.Background(), e, cache, s.opts()), "404 Not Found")
	wantFiles(t, cache)
}

func TestFetchConnectionRefused(t *testing.T) {
	s := newServer(t, nil)
	opt := s.opts()
	s.Close()
	cache := t.TempDir()
	wantErr(t, zoo.Fetch(context.Background(), downloadable(t, []byte("x")), cache, opt), "downloading inception5h from")
	wantFiles(t, cache)
}

func TestFetchMissingMember(t *testing.T) {
	archive := zipOf(t, [2]string{"LICENSE", "text"}, [2]string{"labels.txt", "cat\ndog\n"})
	s := newServer(t, archive)
	e := downloadable(t, archive)
	cache := t.TempDir()
	err := zoo.Fetch(context.Background(), e, cache, s.opts())
	wantErr(t, err, "no tensorflow_inception_graph.pb", "LICENSE, labels.txt")
	wantFiles(t, cache)
}

func TestFetchNotAZip(t *testing.T) {
	body := []byte("<html>captive portal</html>")
	s := newServer(t, body)
	e := downloadable(t, body)
	cache := t.TempDir()
	wantErr(t, zoo.Fetch(context.Background(), e, cache, s.opts()), "not a readable zip archive")
	wantFiles(t, cache)
}

func TestFetchTooLarge(t *testing.T) {
	archive := zipOf(t, [2]string{"tensorflow_inception_graph.pb", string(tinyGraph())})
	s := newServer(t, archive)
	e := downloadable(t, archive)
	cache := t.TempDir()
	opt := s.opts()
	opt.MaxSize = int64(len(archive)) - 1
	wantErr(t, zoo.Fetch(context.Background(), e, cache, opt), "announces "+strconv.Itoa(len(archive))+" bytes", "limit")
	wantFiles(t, cache)

	// A server that announces nothing and sends too much is cut off.
	s.handle = func(w http.ResponseWriter, _ *http.Request, _ int) {
		w.(http.Flusher).Flush() // chunked: no Content-Length
		w.Write(archive)
	}
	wantErr(t, zoo.Fetch(context.Background(), e, cache, opt), "more than the limit")
	wantFiles(t, cache)
}

func TestFetchMemberTooLarge(t *testing.T) {
	// Zeros compress well: a small archive holding a large member.
	archive := zipOf(t, [2]string{"tensorflow_inception_graph.pb", string(make([]byte, 1<<20))})
	s := newServer(t, archive)
	e := downloadable(t, archive)
	cache := t.TempDir()
	opt := s.opts()
	opt.MaxSize = 64 << 10
	if len(archive) > int(opt.MaxSize) {
		t.Fatalf("test archive of %d bytes does not fit the limit", len(archive))
	}
	wantErr(t, zoo.Fetch(context.Background(), e, cache, opt), "claims 1048576 bytes", "limit")
	wantFiles(t, cache)
}

func TestFetchCancelKeepsPartialForResume(t *testing.T) {
	model := tinyGraph()
	archive := zipOf(t, [2]string{"tensorflow_inception_graph.pb", string(model)})
	s := newServer(t, archive)
	s.handle = func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 0 {
			s.halfThenHang(w, r)
			return
		}
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(archive))
	}
	e := downloadable(t, archive)
	cache := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opt := s.opts()
	opt.Progress = func(done, _ int64) {
		if done >= int64(len(archive)/2) {
			cancel()
		}
	}
	start := time.Now()
	err := zoo.Fetch(ctx, e, cache, opt)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("cancelled fetch took %v", d)
	}
	wantFiles(t, cache, "inception5h/", "inception5h/inception5h.zip.partial")

	if err := zoo.Fetch(context.Background(), e, cache, s.opts()); err != nil {
		t.Fatal(err)
	}
	wantInstalled(t, e, cache, model)
}

func TestFetchStall(t *testing.T) {
	archive := zipOf(t, [2]string{"tensorflow_inception_graph.pb", string(tinyGraph())})
	s := newServer(t, archive)
	s.handle = func(w http.ResponseWriter, r *http.Request, _ int) { s.halfThenHang(w, r) }
	e := downloadable(t, archive)
	cache := t.TempDir()
	opt := s.opts()
	opt.StallTimeout = 200 * time.Millisecond
	err := zoo.Fetch(context.Background(), e, cache, opt)
	wantErr(t, err, "no data from the server for 200ms", "kept")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v does not wrap context.DeadlineExceeded", err)
	}
	wantFiles(t, cache, "inception5h/", "inception5h/inception5h.zip.partial")
}

func TestFetchReplacesCorruptInstall(t *testing.T) {
	model := tinyGraph()
	archive := zipOf(t, [2]string{"tensorflow_inception_graph.pb", string(model)})
	s := newServer(t, archive)
	e := downloadable(t, archive)
	cache := t.TempDir()
	if err := zoo.Fetch(context.Background(), e, cache, s.opts()); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(zoo.CachedPath(cache, e), []byte("damaged"), 0o644)
	if err := zoo.Fetch(context.Background(), e, cache, s.opts()); err != nil {
		t.Fatal(err)
	}
	wantInstalled(t, e, cache, model)
	if n := len(s.requests()); n != 2 {
		t.Fatalf("%d requests, want 2", n)
	}
}

func TestFetchRefusals(t *testing.T) {
	ctx := context.Background()
	cache := t.TempDir()
	builtin, _ := zoo.Lookup("inception-v3")
	if err := zoo.Fetch(ctx, builtin, cache, zoo.FetchOptions{}); !errors.Is(err, zoo.ErrBuiltin) {
		t.Fatalf("fetching the built-in model: %v, want ErrBuiltin", err)
	}
	e := downloadable(t, []byte("x"))
	e.Member = "../../evil.pb"
	wantErr(t, zoo.Fetch(ctx, e, cache, zoo.FetchOptions{}), "not a plain file name")
	e = downloadable(t, []byte("x"))
	e.SHA256 = ""
	wantErr(t, zoo.Fetch(ctx, e, cache, zoo.FetchOptions{}), "no valid pinned SHA-256")
	wantFiles(t, cache)
}
