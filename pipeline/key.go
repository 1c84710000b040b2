package pipeline

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
)

// checkpointHashVersion changes whenever the way frames are made changes
// without an option changing, so old checkpoints are not resumed.
const checkpointHashVersion = 2

// optionsHash is the checkpoint hash of a job: a SHA-256 over every field
// of opts, found by reflection and named by its path ("Dream.Octaves"),
// except the fields listed in skip, which do not shape the frames (output
// name, Force, Resume, Logger, Progress, encoder settings). A field added
// to an options struct is hashed without anyone remembering to add it.
// extra holds values that are not options (the input's fingerprint).
func optionsHash(kind string, opts any, skip map[string]bool, extra map[string]any) (string, error) {
	fields := map[string]any{}
	flattenFields(reflect.ValueOf(opts), "", skip, fields)
	blob, err := json.Marshal(struct {
		Kind    string
		Version int
		Fields  map[string]any
		Extra   map[string]any
	}{kind, checkpointHashVersion, fields, extra})
	if err != nil {
		return "", fmt.Errorf("checkpoint hash: %w", err)
	}
	s := sha256.Sum256(blob)
	return hex.EncodeToString(s[:]), nil
}

// flattenFields adds the exported fields of the struct v to out by path.
// Nested structs are walked (so a skip entry may name one of their
// fields); other values are stored as they are and hashed as JSON. The
// fields of an embedded struct (EncodeOptions in VideoOptions) are named
// as the outer struct's own, the way Go promotes them ("CRF"), so grouping
// options into embedded structs leaves the hash as it was.
func flattenFields(v reflect.Value, prefix string, skip map[string]bool, out map[string]any) {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		fv := v.Field(i)
		if f.Anonymous && fv.Kind() == reflect.Struct && !hasJSONForm(fv) {
			flattenFields(fv, prefix, skip, out)
			continue
		}
		name := prefix + f.Name
		if skip[name] {
			continue
		}
		if fv.Kind() == reflect.Struct && !hasJSONForm(fv) {
			flattenFields(fv, name+".", skip, out)
			continue
		}
		out[name] = fv.Interface()
	}
}

// hasJSONForm reports whether v marshals itself (time.Time and the like),
// so it is hashed whole instead of field by field.
func hasJSONForm(v reflect.Value) bool {
	_, ok := v.Interface().(json.Marshaler)
	if !ok && v.CanAddr() {
		_, ok = v.Addr().Interface().(json.Marshaler)
	}
	return ok
}

// inputFingerprint identifies an input file by its absolute path, its size
// and a hash of its first and last 64 KiB, so that a changed file is never
// resumed, while touching it (its modification time) does not matter.
func inputFingerprint(path string) (map[string]any, error) {
	const chunk = 64 << 10
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	if _, err := io.Copy(h, io.LimitReader(f, chunk)); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if tail := st.Size() - chunk; tail > 0 {
		if _, err := f.Seek(max(tail, chunk), io.SeekStart); err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		if _, err := io.Copy(h, f); err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
	}
	abs, _ := filepath.Abs(path)
	return map[string]any{"Path": abs, "Size": st.Size(), "HeadTail": hex.EncodeToString(h.Sum(nil))}, nil
}
