package pipeline

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/deepdream-go/deepdream/pipeline/media"
)

// leafPaths lists the option fields optionsHash sees, by path, the way
// flattenFields walks them (skip entries included).
func leafPaths(t reflect.Type, prefix string) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		if f.Anonymous && f.Type.Kind() == reflect.Struct && !hasJSONForm(reflect.New(f.Type).Elem()) {
			out = append(out, leafPaths(f.Type, prefix)...) // promoted fields
			continue
		}
		name := prefix + f.Name
		out = append(out, name)
		if f.Type.Kind() == reflect.Struct && !hasJSONForm(reflect.New(f.Type).Elem()) {
			out = append(out, leafPaths(f.Type, name+".")...)
		}
	}
	return out
}

// fieldByPath finds the field at path ("Dream.Octaves") in the struct v.
func fieldByPath(v reflect.Value, path string) reflect.Value {
	for _, name := range strings.Split(path, ".") {
		v = v.FieldByName(name)
	}
	return v
}

// perturb changes a leaf value so that its JSON form changes.
func perturb(t *testing.T, path string, v reflect.Value) {
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(v.Int() + 7)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(v.Uint() + 7)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(v.Float() + 0.125)
	case reflect.String:
		v.SetString(v.String() + "x")
	case reflect.Bool:
		v.SetBool(!v.Bool())
	case reflect.Slice:
		v.Set(reflect.Append(v, reflect.New(v.Type().Elem()).Elem()))
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem())) // null becomes a zero value
		} else {
			perturb(t, path, v.Elem())
		}
	default:
		t.Fatalf("%s: no way to change a %s; teach perturb, or add the field to the skip list if it does not shape the frames", path, v.Type())
	}
}

// checkEveryFieldHashed fails when a field of opts that is not in skip
// leaves the checkpoint hash unchanged, or when skip names no field.
func checkEveryFieldHashed(t *testing.T, kind string, opts any, skip map[string]bool) {
	t.Helper()
	base, err := optionsHash(kind, opts, skip, nil)
	if err != nil {
		t.Fatal(err)
	}
	typ := reflect.TypeOf(opts).Elem()
	paths := leafPaths(typ, "")
	known := map[string]bool{}
	for _, p := range paths {
		known[p] = true
	}
	for s := range skip {
		if !known[s] {
			t.Errorf("skip list names %s, which is not a field of %s", s, typ.Name())
		}
	}
	for _, path := range paths {
		if skip[path] || skipped(path, skip) {
			continue
		}
		leaf := fieldByPath(reflect.New(typ).Elem(), path)
		if leaf.Kind() == reflect.Struct && !hasJSONForm(leaf) {
			continue // its own fields are checked one by one
		}
		c := reflect.New(typ)
		c.Elem().Set(reflect.ValueOf(opts).Elem())
		perturb(t, path, fieldByPath(c.Elem(), path))
		h, err := optionsHash(kind, c.Interface(), skip, nil)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if h == base {
			t.Errorf("changing %s.%s leaves the checkpoint hash unchanged: a resume would mix frames made with different settings", typ.Name(), path)
		}
	}
}

// skipped reports whether a parent of path is skipped.
func skipped(path string, skip map[string]bool) bool {
	for p := path; strings.Contains(p, "."); {
		p = p[:strings.LastIndex(p, ".")]
		if skip[p] {
			return true
		}
	}
	return false
}

func TestEveryOptionIsInTheCheckpointHash(t *testing.T) {
	v := toyOptions("in.mp4", "out.mp4")
	checkEveryFieldHashed(t, "video", &v, videoHashSkip)
	z := toyZoom("z.mp4")
	checkEveryFieldHashed(t, "zoom", &z, zoomHashSkip)
	// Skipped fields really are skipped.
	a, _ := optionsHash("video", &v, videoHashSkip, nil)
	v.Force, v.Resume, v.CRF, v.Output = true, true, 30, "other.mp4"
	if b, _ := optionsHash("video", &v, videoHashSkip, nil); a != b {
		t.Error("Force, Resume, CRF or Output changed the checkpoint hash; they do not shape the frames")
	}
}

func TestInputFingerprintIgnoresMTime(t *testing.T) {
	path := filepath.Join(t.TempDir(), "clip.bin")
	data := make([]byte, 300<<10)
	for i := range data {
		data[i] = byte(i * 7)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	fp := func() any {
		f, err := inputFingerprint(path)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	before := fp()
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(path, later, later); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(before, fp()) {
		t.Error("touching the input changed its fingerprint; --resume would refuse")
	}
	for _, at := range []int{10, len(data) - 10} {
		data[at] ^= 1
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if reflect.DeepEqual(before, fp()) {
			t.Errorf("changing byte %d of the input kept its fingerprint", at)
		}
		data[at] ^= 1
	}
}

// Bad settings for the frames after the first are refused before anything
// is decoded or written, not after frame 0 (where the advice to resume
// would repeat the bad setting).
func TestVideoOptionsRefusedUpFront(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.mp4")
	if err := os.WriteFile(in, []byte("not read"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.mp4")
	for _, tc := range []struct {
		name string
		edit func(*VideoOptions)
		want string
	}{
		{"frame octaves", func(o *VideoOptions) { o.FrameOctaves = 100 }, "octaves"},
		{"frame step size", func(o *VideoOptions) { o.FrameStepSize = 1000 }, "step size"},
		{"frame step size NaN", func(o *VideoOptions) { o.FrameStepSize = math.NaN() }, "step size"},
		{"blend NaN", func(o *VideoOptions) { o.Blend = math.NaN() }, "blend"},
		{"keep Inf", func(o *VideoOptions) { o.Keep = math.Inf(1) }, "keep"},
		{"gif rate", func(o *VideoOptions) { o.GIFFrameRate = media.Rational{Num: 1, Den: 0} }, "GIF frame rate"},
	} {
		opt := toyOptions(in, out)
		tc.edit(&opt)
		_, err := RunVideo(context.Background(), nil, opt)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want one mentioning %q", tc.name, err, tc.want)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 1 {
			t.Errorf("%s: the refused job left files: %v", tc.name, entries)
		}
	}
}
