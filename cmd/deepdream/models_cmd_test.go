package main

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deepdream-go/deepdream/models/graphdef"
	"github.com/deepdream-go/deepdream/models/zoo"
)

// testArchive is a zip holding a small GraphDef under inception5h's member name.
func testArchive(t *testing.T) []byte {
	t.Helper()
	g := graphdef.Encode(&graphdef.Graph{Nodes: []*graphdef.Node{
		{Name: "input", Op: "Placeholder", Attrs: map[string]*graphdef.AttrValue{
			"dtype": {Kind: graphdef.AttrType, Type: graphdef.DTFloat},
		}},
	}})
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("tensorflow_inception_graph.pb")
	if err != nil {
		t.Fatal(err)
	}
	w.Write(g)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// testModels returns a models command whose inception5h downloads from a
// local server (handled by h, or serving archive) with archive's checksum.
func testModels(t *testing.T, archive []byte, h http.HandlerFunc) (modelsCmd, *httptest.Server) {
	t.Helper()
	if h == nil {
		h = func(w http.ResponseWriter, r *http.Request) {
			http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(archive))
		}
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	sum := sha256.Sum256(archive)
	registry := func() []zoo.Entry {
		entries := zoo.Registry()
		for i := range entries {
			if entries[i].Name == "inception5h" {
				entries[i].URL = srv.URL + "/inception5h.zip"
				entries[i].SHA256 = hex.EncodeToString(sum[:])
			}
		}
		return entries
	}
	return modelsCmd{registry: registry, client: srv.Client()}, srv
}

func runModels(c modelsCmd, args ...string) (stdout, stderr string, err error) {
	var o, e bytes.Buffer
	err = c.run(args, &o, &e)
	return o.String(), e.String(), err
}

func mustContain(t *testing.T, what, s string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(s, p) {
			t.Fatalf("%s does not contain %q:\n%s", what, p, s)
		}
	}
}

func TestModelsListFetchVerify(t *testing.T) {
	archive := testArchive(t)
	c, srv := testModels(t, archive, nil)
	cache := t.TempDir()
	e, _ := zoo.Lookup("inception5h")
	path := zoo.CachedPath(cache, e)

	out, _, err := runModels(c, "list", "--cache-dir", cache)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "list", out, "NAME", "DEFAULT LAYER", "inception-v3  built in", "inception5h   not downloaded  mixed4c",
		"`deepdream models fetch inception5h` installs it as "+path)

	out, errOut, err := runModels(c, "fetch", "inception5h", "--cache-dir", cache)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "fetch output", out, "installed inception5h: "+path)
	mustContain(t, "fetch log", errOut, "fetching inception5h from "+srv.URL, "inception5h: 100%")
	if _, err := zoo.Open(zoo.Source{Name: "inception5h", CacheDir: cache}); err != nil {
		t.Fatalf("the fetched model does not open: %v", err)
	}

	out, _, _ = runModels(c, "fetch", "inception5h", "--cache-dir", cache)
	mustContain(t, "second fetch", out, "already installed and intact: "+path)

	out, _, err = runModels(c, "--cache-dir", cache) // list is the default
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "list after fetch", out, "inception5h   downloaded", "inception5h: "+path)

	out, _, err = runModels(c, "verify", "--cache-dir", cache)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "verify", out, "inception-v3  ok", "inception5h   ok  ", path)

	// Damage the model: verify fails through the real command, exit status 1.
	os.WriteFile(path, []byte("damaged"), 0o644)
	var o, eb bytes.Buffer
	if code := run([]string{"models", "verify", "--cache-dir", cache}, &o, &eb); code != 1 {
		t.Fatalf("verify of a damaged model exits %d, want 1; stderr %s", code, eb.String())
	}
	mustContain(t, "verify output", o.String(), "inception5h   corrupt", "expected")
	mustContain(t, "verify error", eb.String(), "deepdream models: inception5h is corrupt (fetch it again)")

	// Fetch replaces it.
	if _, _, err := runModels(c, "fetch", "inception5h", "--cache-dir", cache); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runModels(c, "verify", "inception5h", "--cache-dir", cache); err != nil {
		t.Fatal(err)
	}
}

func TestModelsVerifyNamedMissing(t *testing.T) {
	cache := t.TempDir()
	var o, e bytes.Buffer
	if err := cmdModels([]string{"verify", "--cache-dir", cache}, &o, &e); err != nil {
		t.Fatalf("verify of all with nothing downloaded: %v", err)
	}
	mustContain(t, "verify", o.String(), "inception-v3  ok", "inception5h   not downloaded")
	o.Reset()
	err := cmdModels([]string{"verify", "inception5h", "--cache-dir", cache}, &o, &e)
	if err == nil || !strings.Contains(err.Error(), "inception5h is not downloaded") {
		t.Fatalf("verify of a named missing model: %v", err)
	}
}

func TestModelsFetchBuiltin(t *testing.T) {
	cache := t.TempDir()
	var o, e bytes.Buffer
	if err := cmdModels([]string{"fetch", "inception-v3", "--cache-dir", cache}, &o, &e); err != nil {
		t.Fatal(err)
	}
	mustContain(t, "fetch", o.String(), "inception-v3 is built into deepdream")
	if ents, _ := os.ReadDir(cache); len(ents) != 0 {
		t.Fatalf("fetching the built-in model wrote %v", ents)
	}
}

func TestModelsFetchServerError(t *testing.T) {
	c, _ := testModels(t, testArchive(t), func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
	})
	cache := t.TempDir()
	_, _, err := runModels(c, "fetch", "inception5h", "--cache-dir", cache)
	if err == nil || !strings.Contains(err.Error(), "503 Service Unavailable") {
		t.Fatalf("error %v, want the server's 503", err)
	}
	if ents, _ := os.ReadDir(cache); len(ents) != 0 {
		t.Fatalf("a failed fetch left %v", ents)
	}
}

func TestModelsFetchResumes(t *testing.T) {
	archive := testArchive(t)
	var calls atomic.Int32
	c, _ := testModels(t, archive, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Content-Length", strconv.Itoa(len(archive)))
			w.Write(archive[:len(archive)/2])
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler)
		}
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(archive))
	})
	cache := t.TempDir()
	_, _, err := runModels(c, "fetch", "inception5h", "--cache-dir", cache)
	if err == nil || !strings.Contains(err.Error(), "fetch again to resume") {
		t.Fatalf("error %v, want an interrupted download to resume", err)
	}
	out, _, err := runModels(c, "list", "--cache-dir", cache)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "list", out, "inception5h   partly downloaded", "`deepdream models fetch inception5h` resumes")
	_, errOut, err := runModels(c, "fetch", "inception5h", "--cache-dir", cache)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "resumed fetch log", errOut, "inception5h: resuming at")
}

func TestModelsProgressBar(t *testing.T) {
	c, _ := testModels(t, testArchive(t), nil)
	c.terminal = func(io.Writer) bool { return true }
	cache := t.TempDir()
	_, errOut, err := runModels(c, "fetch", "inception5h", "--cache-dir", cache)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "progress bar", errOut, "inception5h", "100%")
}

func TestModelsUsage(t *testing.T) {
	cache := t.TempDir()
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"models", "fetch", "--cache-dir", cache}, 2, "takes one model name"},
		{[]string{"models", "fetch", "a", "b", "--cache-dir", cache}, 2, "takes one model name"},
		{[]string{"models", "fetch", "nope", "--cache-dir", cache}, 2, `unknown model "nope" (known: inception-v3, inception5h)`},
		{[]string{"models", "verify", "nope", "--cache-dir", cache}, 2, `unknown model "nope"`},
		{[]string{"models", "list", "extra", "--cache-dir", cache}, 2, "takes no arguments"},
		{[]string{"models", "frobnicate", "--cache-dir", cache}, 2, `unknown models command "frobnicate"`},
		{[]string{"models", "--bogus"}, 2, "flag provided but not defined"},
		{[]string{"models", "--help"}, 0, "Examples:\n  deepdream models\n  deepdream models fetch inception5h"},
		{[]string{"models", "help"}, 0, "verify [NAME...]"},
		{[]string{"help", "models"}, 0, "--cache-dir"},
	} {
		var o, e bytes.Buffer
		code := run(tc.args, &o, &e)
		if code != tc.code || !strings.Contains(o.String()+e.String(), tc.msg) {
			t.Errorf("%q: exit %d, want %d; output %q lacks %q", tc.args, code, tc.code, o.String()+e.String(), tc.msg)
		}
	}
}
