package zoo

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// DefaultMaxSize bounds a download and the model extracted from it unless
// FetchOptions.MaxSize says otherwise. Real models are tens of megabytes; a
// server announcing more than this is refused before anything is written.
const DefaultMaxSize int64 = 2 << 30

// DefaultStallTimeout is how long Fetch waits for the next byte from the
// server before giving up (keeping the partial download for a resume).
const DefaultStallTimeout = time.Minute

// ErrBuiltin is returned by Fetch for a model that ships inside the binary.
var ErrBuiltin = errors.New("built in, nothing to download")

// ErrChecksum is wrapped by Fetch's error when the downloaded archive does
// not have the pinned SHA-256.
var ErrChecksum = errors.New("checksum mismatch")

// ErrCorrupt is wrapped by Verify's error when an installed model does not
// match its checksum record.
var ErrCorrupt = errors.New("corrupt model")

// FetchOptions tunes Fetch. The zero value downloads from the entry's URL
// with a default HTTP client.
type FetchOptions struct {
	// Client performs the requests; nil means a client without an overall
	// timeout (large downloads are bounded by StallTimeout instead).
	Client *http.Client
	// URL replaces the entry's URL (a mirror, or a local server in tests).
	// The pinned SHA-256 still applies.
	URL string
	// Progress, if set, is called with the bytes of the archive on disk so
	// far and the total (-1 while unknown), first when the transfer starts
	// (done > 0 when resuming) and then after every chunk.
	Progress func(done, total int64)
	// MaxSize bounds the archive and the extracted model; 0 means DefaultMaxSize.
	MaxSize int64
	// StallTimeout aborts a transfer that receives nothing for this long;
	// 0 means DefaultStallTimeout.
	StallTimeout time.Duration
}

func (o FetchOptions) maxSize() int64 {
	if o.MaxSize > 0 {
		return o.MaxSize
	}
	return DefaultMaxSize
}

func (o FetchOptions) stallTimeout() time.Duration {
	if o.StallTimeout > 0 {
		return o.StallTimeout
	}
	return DefaultStallTimeout
}

// Fetch downloads a downloadable model into cacheDir and installs it where
// Open looks for it (CachedPath).
//
// The archive is downloaded to <cacheDir>/<name>/<file>.partial; an existing
// partial file is resumed with an HTTP Range request (a server that ignores
// the range, or refuses it, makes the download start over). The complete
// archive must have the entry's pinned SHA-256, otherwise it is deleted and
// the error, which wraps ErrChecksum, says what was expected and what came.
// The entry's Member is then extracted from the zip into a temporary file in
// the same directory, synced, and renamed into place, so a reader never sees
// a half-written model; a record <member>.sha256 (sha256sum format) beside it
// lets Verify re-check the model later. The archive is removed once the model
// is installed.
//
// A model that Verify already reports as installed and intact is not
// downloaded again; a corrupt one is replaced. When ctx is cancelled, the
// server stops sending or closes early, or writing fails (a full disk),
// Fetch returns promptly and keeps what it received in the partial file so
// that the next call resumes; a server error keeps an earlier partial file
// as it was. Every other failure (checksum, archive, size limit) leaves
// neither partial, temporary nor final files behind. Fetching a built-in
// model returns an error wrapping ErrBuiltin.
//
// Two processes must not fetch the same model into the same cache at once.
func Fetch(ctx context.Context, e Entry, cacheDir string, opt FetchOptions) (err error) {
	if e.Builtin() {
		return fmt.Errorf("model %s is %w", e.Name, ErrBuiltin)
	}
	if err := checkNames(e); err != nil {
		return err
	}
	src := opt.URL
	if src == "" {
		src = e.URL
	}
	if src == "" {
		return fmt.Errorf("model %s has no download URL", e.Name)
	}
	want := strings.ToLower(e.SHA256)
	if !isSHA256(want) {
		return fmt.Errorf("model %s has no valid pinned SHA-256 (%q); refusing to install an unverifiable download", e.Name, e.SHA256)
	}
	if cacheDir == "" {
		return errors.New("no cache directory given for downloaded models")
	}
	if st, _ := Verify(e, cacheDir); st == StatusOK {
		return nil
	}
	dir := filepath.Join(cacheDir, e.Name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("model %s: creating the cache directory: %w", e.Name, err)
	}
	defer func() {
		if err != nil {
			// Removes the model's directory only if the failure left it empty.
			_ = os.Remove(dir)
		}
	}()
	partial := filepath.Join(dir, archiveName(e, src)+".partial")
	d := downloader{ctx: ctx, name: e.Name, url: src, path: partial, want: want, opt: opt}
	if err := d.run(); err != nil {
		return err
	}
	// The archive is complete and has the pinned checksum: a failure to
	// extract it will not be cured by downloading it again.
	defer os.Remove(partial)
	return install(e, partial, CachedPath(cacheDir, e), opt.maxSize())
}

// checkNames refuses entries whose name or member would escape the cache.
func checkNames(e Entry) error {
	for _, s := range []struct{ what, v string }{{"name", e.Name}, {"member", e.Member}} {
		if s.v == "" || s.v == "." || s.v == ".." || strings.ContainsAny(s.v, `/\`) || filepath.Base(s.v) != s.v {
			return fmt.Errorf("model %q: %s %q is not a plain file name", e.Name, s.what, s.v)
		}
	}
	return nil
}

func isSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// archiveName is the file name of the downloaded archive, taken from the
// entry's canonical URL so that a mirror resumes the same partial file.
func archiveName(e Entry, src string) string {
	for _, raw := range []string{e.URL, src} {
		u, err := url.Parse(raw)
		if err != nil {
			continue
		}
		b := path.Base(u.Path)
		if b != "" && b != "." && b != "/" && b != ".." && !strings.ContainsAny(b, `/\`) {
			return b
		}
	}
	return e.Name + ".zip"
}

// downloader fetches one archive into a partial file, resuming it.
type downloader struct {
	ctx  context.Context
	name string
	url  string
	path string
	want string
	opt  FetchOptions

	h     hash.Hash
	done  int64 // bytes in the partial file, all of them hashed into h
	total int64 // archive size, -1 while unknown
}

// errStalled is the cause given to the request's context by the watchdog.
var errStalled = errors.New("stalled")

func (d *downloader) run() error {
	maxSize := d.opt.maxSize()
	if err := d.hashPartial(); err != nil {
		return err
	}
	if d.done > 0 && hex.EncodeToString(d.h.Sum(nil)) == d.want {
		return nil // a previous run got every byte but did not install
	}
	if d.done > maxSize {
		if err := d.restart(); err != nil {
			return err
		}
	}
	for attempt := 0; ; attempt++ {
		restart, err := d.transfer(maxSize)
		if err != nil {
			return err
		}
		if !restart {
			break
		}
		if attempt > 0 {
			return fmt.Errorf("downloading %s from %s: the server keeps refusing the request", d.name, d.url)
		}
		if err := d.restart(); err != nil {
			return err
		}
	}
	if got := hex.EncodeToString(d.h.Sum(nil)); got != d.want {
		rmErr := os.Remove(d.path)
		if rmErr != nil && !errors.Is(rmErr, fs.ErrNotExist) {
			return fmt.Errorf("%w for %s from %s: expected SHA-256 %s, got %s; removing the download failed: %v", ErrChecksum, d.name, d.url, d.want, got, rmErr)
		}
		return fmt.Errorf("%w for %s from %s: expected SHA-256 %s, got %s; the download (%d bytes) was removed", ErrChecksum, d.name, d.url, d.want, got, d.done)
	}
	return nil
}

// hashPartial hashes the partial file left by an earlier run, if any.
func (d *downloader) hashPartial() error {
	d.h = sha256.New()
	d.total = -1
	f, err := os.Open(d.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("model %s: reading the partial download: %w", d.name, err)
	}
	defer f.Close()
	d.done, err = io.Copy(d.h, f)
	if err != nil {
		return fmt.Errorf("model %s: reading the partial download: %w", d.name, err)
	}
	return nil
}

// restart forgets the partial file.
func (d *downloader) restart() error {
	if err := os.Remove(d.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("model %s: removing the partial download: %w", d.name, err)
	}
	d.h.Reset()
	d.done, d.total = 0, -1
	return nil
}

// transfer makes one request and appends the body to the partial file. It
// reports restart when the server refused to continue the partial file.
func (d *downloader) transfer(maxSize int64) (restart bool, err error) {
	stall := d.opt.stallTimeout()
	ctx, cancel := context.WithCancelCause(d.ctx)
	defer cancel(nil)
	watchdog := time.AfterFunc(stall, func() { cancel(errStalled) })
	defer watchdog.Stop()

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.url, nil)
	if err != nil {
		return false, fmt.Errorf("model %s: bad download URL: %w", d.name, err)
	}
	// No transparent gzip: offsets must count the bytes of the archive itself.
	req.Header.Set("Accept-Encoding", "identity")
	if d.done > 0 {
		req.Header.Set("Range", "bytes="+strconv.FormatInt(d.done, 10)+"-")
	}
	client := d.opt.Client
	if client == nil {
		client = &http.Client{}
	}
	resp, err := client.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // the URL is in the message already
		}
		return false, d.interrupted(ctx, stall, err)
	}
	defer resp.Body.Close()

	switch resp.StatusCode {
	case http.StatusOK:
		if d.done > 0 {
			// The server ignored the range: start over from the first byte.
			d.h.Reset()
			d.done = 0
		}
		d.total = resp.ContentLength
	case http.StatusPartialContent:
		start, total, ok := parseContentRange(resp.Header.Get("Content-Range"))
		if !ok || start != d.done {
			return true, nil
		}
		d.total = total
		if d.total < 0 && resp.ContentLength >= 0 {
			d.total = d.done + resp.ContentLength
		}
	case http.StatusRequestedRangeNotSatisfiable:
		if d.done > 0 {
			// The partial file is not a prefix of what the server has.
			return true, nil
		}
		fallthrough
	default:
		return false, fmt.Errorf("downloading %s from %s: the server answered %s", d.name, d.url, resp.Status)
	}
	if d.total > maxSize {
		return false, fmt.Errorf("downloading %s from %s: the server announces %d bytes, more than the limit of %d; refusing", d.name, d.url, d.total, maxSize)
	}

	flags := os.O_WRONLY | os.O_CREATE | os.O_APPEND
	if d.done == 0 {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(d.path, flags, 0o644)
	if err != nil {
		return false, fmt.Errorf("model %s: writing the download: %w", d.name, err)
	}
	copyErr := d.copy(f, resp.Body, watchdog, stall, maxSize)
	closeErr := f.Close()
	if copyErr == nil && closeErr != nil {
		copyErr = fmt.Errorf("model %s: writing the download: %w", d.name, closeErr)
	}
	if copyErr != nil {
		if d.done == 0 {
			_ = os.Remove(d.path)
		}
		var tooLarge tooLargeError
		if errors.As(copyErr, &tooLarge) {
			_ = os.Remove(d.path)
			return false, copyErr
		}
		var rerr readError
		if errors.As(copyErr, &rerr) {
			return false, d.interrupted(ctx, stall, rerr.error)
		}
		return false, copyErr
	}
	if d.total >= 0 && d.done != d.total {
		return false, d.interrupted(ctx, stall, io.ErrUnexpectedEOF)
	}
	return false, nil
}

// tooLargeError marks a body that exceeds the size limit.
type tooLargeError struct{ error }

// readError marks a failure to receive the body (as opposed to storing it).
type readError struct{ error }

func (d *downloader) copy(w io.Writer, r io.Reader, watchdog *time.Timer, stall time.Duration, maxSize int64) error {
	d.progress()
	buf := make([]byte, 64<<10)
	for {
		n, rerr := r.Read(buf)
		if n > 0 {
			watchdog.Reset(stall)
			if d.done+int64(n) > maxSize {
				return tooLargeError{fmt.Errorf("downloading %s from %s: more than the limit of %d bytes; refusing", d.name, d.url, maxSize)}
			}
			if _, err := w.Write(buf[:n]); err != nil {
				return fmt.Errorf("model %s: writing the download: %w", d.name, err)
			}
			d.h.Write(buf[:n])
			d.done += int64(n)
			d.progress()
		}
		if rerr == io.EOF {
			return nil
		}
		if rerr != nil {
			return readError{rerr}
		}
	}
}

func (d *downloader) progress() {
	if d.opt.Progress != nil {
		d.opt.Progress(d.done, d.total)
	}
}

// interrupted explains a transfer that stopped early; the partial file, if
// any, stays for the next run.
func (d *downloader) interrupted(ctx context.Context, stall time.Duration, err error) error {
	switch {
	case d.ctx.Err() != nil:
		err = d.ctx.Err()
	case errors.Is(context.Cause(ctx), errStalled):
		err = fmt.Errorf("no data from the server for %v: %w", stall, context.DeadlineExceeded)
	}
	of := "?"
	if d.total >= 0 {
		of = strconv.FormatInt(d.total, 10)
	}
	if d.done == 0 {
		return fmt.Errorf("downloading %s from %s: %w", d.name, d.url, err)
	}
	return fmt.Errorf("downloading %s from %s: interrupted after %d of %s bytes: %w; the partial download %s is kept, fetch again to resume", d.name, d.url, d.done, of, err, d.path)
}

// parseContentRange reads "bytes START-END/TOTAL" (TOTAL may be "*", then -1).
func parseContentRange(s string) (start, total int64, ok bool) {
	rest, found := strings.CutPrefix(s, "bytes ")
	if !found {
		return 0, 0, false
	}
	rng, size, found := strings.Cut(rest, "/")
	if !found {
		return 0, 0, false
	}
	first, last, found := strings.Cut(rng, "-")
	if !found {
		return 0, 0, false
	}
	start, err1 := strconv.ParseInt(first, 10, 64)
	end, err2 := strconv.ParseInt(last, 10, 64)
	if err1 != nil || err2 != nil || start < 0 || end < start {
		return 0, 0, false
	}
	total = -1
	if size != "*" {
		t, err := strconv.ParseInt(size, 10, 64)
		if err != nil || t <= end {
			return 0, 0, false
		}
		total = t
	}
	return start, total, true
}

// install extracts the model from the verified archive and renames it into
// place, after writing its checksum record.
func install(e Entry, archive, final string, maxSize int64) (err error) {
	zr, err := zip.OpenReader(archive)
	if err != nil {
		return fmt.Errorf("model %s: the download is not a readable zip archive: %w", e.Name, err)
	}
	defer zr.Close()
	member, err := findMember(zr.File, e.Member)
	if err != nil {
		return fmt.Errorf("model %s: %w", e.Name, err)
	}
	if member.UncompressedSize64 > uint64(maxSize) {
		return fmt.Errorf("model %s: %s in the archive claims %d bytes, more than the limit of %d; refusing", e.Name, member.Name, member.UncompressedSize64, maxSize)
	}
	rc, err := member.Open()
	if err != nil {
		return fmt.Errorf("model %s: opening %s in the archive: %w", e.Name, member.Name, err)
	}
	defer rc.Close()

	dir := filepath.Dir(final)
	tmp, err := os.CreateTemp(dir, "."+e.Member+".*.tmp")
	if err != nil {
		return fmt.Errorf("model %s: %w", e.Name, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(rc, maxSize+1))
	if err != nil {
		return fmt.Errorf("model %s: extracting %s: %w", e.Name, member.Name, err)
	}
	if n > maxSize {
		return fmt.Errorf("model %s: %s in the archive is larger than the limit of %d bytes; refusing", e.Name, member.Name, maxSize)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("model %s: %w", e.Name, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("model %s: %w", e.Name, err)
	}
	// The record goes first: a crash between the two renames leaves a
	// record without a model (missing) or an old model that no longer
	// matches (corrupt), never an unchecked model that looks fine.
	if err := writeRecord(recordPath(final), hex.EncodeToString(h.Sum(nil)), e.Member); err != nil {
		return fmt.Errorf("model %s: %w", e.Name, err)
	}
	if err := os.Rename(tmp.Name(), final); err != nil {
		return fmt.Errorf("model %s: installing: %w", e.Name, err)
	}
	syncDir(dir)
	return nil
}

// findMember finds the model in the archive: by its exact name, or else the
// single entry with that base name in a subdirectory.
func findMember(files []*zip.File, name string) (*zip.File, error) {
	var byBase []*zip.File
	var names []string
	for _, f := range files {
		if f.FileInfo().IsDir() {
			continue
		}
		if f.Name == name {
			return f, nil
		}
		if path.Base(f.Name) == name {
			byBase = append(byBase, f)
		}
		if len(names) < 10 {
			names = append(names, f.Name)
		}
	}
	if len(byBase) == 1 {
		return byBase[0], nil
	}
	if len(byBase) > 1 {
		return nil, fmt.Errorf("the archive holds %d files named %s", len(byBase), name)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("the archive holds no %s (it is empty)", name)
	}
	return nil, fmt.Errorf("the archive holds no %s (it holds: %s)", name, strings.Join(names, ", "))
}

// recordPath is the checksum record of an installed model.
func recordPath(model string) string { return model + ".sha256" }

// writeRecord atomically writes a sha256sum-style line.
func writeRecord(p, sum, member string) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(p), "."+filepath.Base(p)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err := fmt.Fprintf(tmp, "%s  %s\n", sum, member); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), p)
}

// syncDir makes renames in dir durable where the platform allows it.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
