package zoo

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
)

// Status is the state of a model as Verify finds it.
type Status int

const (
	// StatusMissing: a downloadable model that has not been fetched.
	StatusMissing Status = iota
	// StatusOK: the model is present and matches its checksum.
	StatusOK
	// StatusCorrupt: the model is present but cannot be trusted; Verify's
	// error says why.
	StatusCorrupt
)

// String returns "missing", "ok" or "corrupt".
func (s Status) String() string {
	switch s {
	case StatusMissing:
		return "missing"
	case StatusOK:
		return "ok"
	case StatusCorrupt:
		return "corrupt"
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// Verify checks a model. A built-in model's embedded bytes must have the
// entry's SHA-256. A downloaded model in cacheDir must match the checksum
// recorded by Fetch when it was installed.
//
// It returns StatusOK with a nil error, StatusMissing with a nil error when a
// downloadable model has not been fetched, or StatusCorrupt with an error
// that says why: the content differs from the record (the error wraps
// ErrCorrupt and gives both checksums), the record is missing or damaged, or
// the file cannot be read. A corrupt model is replaced by the next Fetch.
func Verify(e Entry, cacheDir string) (Status, error) {
	if e.Builtin() {
		sum := sha256.Sum256(e.Embedded())
		if got := hex.EncodeToString(sum[:]); got != strings.ToLower(e.SHA256) {
			return StatusCorrupt, fmt.Errorf("%w: built-in model %s has SHA-256 %s, expected %s (the binary is damaged)", ErrCorrupt, e.Name, got, e.SHA256)
		}
		return StatusOK, nil
	}
	if err := checkNames(e); err != nil {
		return StatusCorrupt, err
	}
	model := CachedPath(cacheDir, e)
	f, err := os.Open(model)
	if errors.Is(err, fs.ErrNotExist) {
		return StatusMissing, nil
	}
	if err != nil {
		return StatusCorrupt, fmt.Errorf("model %s: %w", e.Name, err)
	}
	defer f.Close()
	want, err := readRecord(recordPath(model))
	if err != nil {
		return StatusCorrupt, fmt.Errorf("model %s: %w; fetch it again", e.Name, err)
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return StatusCorrupt, fmt.Errorf("model %s: reading %s: %w", e.Name, model, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		return StatusCorrupt, fmt.Errorf("%w: %s has SHA-256 %s, expected %s as recorded when it was installed; fetch it again", ErrCorrupt, model, got, want)
	}
	return StatusOK, nil
}

// readRecord reads the checksum from a sha256sum-style record.
func readRecord(p string) (string, error) {
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("no checksum record %s (was the model copied in by hand?)", p)
	}
	if err != nil {
		return "", err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 4096))
	if err != nil {
		return "", fmt.Errorf("reading checksum record: %w", err)
	}
	fields := strings.Fields(string(b))
	if len(fields) == 0 || !isSHA256(strings.ToLower(fields[0])) {
		return "", fmt.Errorf("checksum record %s is damaged", p)
	}
	return strings.ToLower(fields[0]), nil
}
