// Package zoo is the registry of models deepdream knows by name — the
// built-in InceptionV3 and the downloadable classic Inception5h — and opens
// a model by name or from a user's GraphDef file. Fetch downloads a model
// into the cache (resumable, checksummed, installed atomically) and Verify
// re-checks what is installed.
package zoo

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/deepdream-go/deepdream/models"
	"github.com/deepdream-go/deepdream/models/builtin"
	"github.com/deepdream-go/deepdream/models/graphdef"
)

// DefaultModel is the model used when none is named.
const DefaultModel = "inception-v3"

// Entry describes one model of the registry.
type Entry struct {
	Name        string
	Description string
	// Embedded returns the GraphDef of a built-in model; nil for downloads.
	Embedded func() []byte
	// URL, SHA256 (of the downloaded file) and Member (the GraphDef inside
	// a zip) describe a downloadable model.
	URL, SHA256, Member string
	Spec                models.Spec
	// Layers worth dreaming on, shallow to deep, and the default one.
	Layers       []string
	DefaultLayer string
}

// Builtin reports whether the model ships inside the binary.
func (e Entry) Builtin() bool { return e.Embedded != nil }

// Registry returns the known models. The slice is new on every call.
func Registry() []Entry {
	inception5hLayers := []string{"conv2d0", "conv2d1", "conv2d2", "mixed3a", "mixed3b", "mixed4a", "mixed4b", "mixed4c", "mixed4d", "mixed4e", "mixed5a", "mixed5b",
		"mixed3a_3x3_bottleneck_pre_relu", "mixed4a_3x3_bottleneck_pre_relu", "mixed4c_pool_reduce_pre_relu", "mixed4d_3x3_bottleneck_pre_relu", "mixed4d_5x5_bottleneck_pre_relu", "mixed5a_5x5_pre_relu"}
	return []Entry{
		{
			Name:         "inception-v3",
			Description:  "InceptionV3 to mixed7, ImageNet features (built in, works offline)",
			Embedded:     builtin.InceptionV3,
			SHA256:       builtin.InceptionV3SHA256,
			Spec:         models.Spec{InputNode: "input", PixelScale: 1 / 127.5, PixelOffset: -1},
			Layers:       []string{"mixed0", "mixed1", "mixed2", "mixed3", "mixed4", "mixed5", "mixed6", "mixed7"},
			DefaultLayer: "mixed3",
		},
		{
			Name:         "inception5h",
			Description:  "the classic 2015 DeepDream network (GoogLeNet / Inception5h), downloaded on request",
			URL:          "https://storage.googleapis.com/download.tensorflow.org/models/inception5h.zip",
			SHA256:       "d13569f6a98159de37e92e9c8ec4dae8f674fbf475f69fe6199b514f756d4364",
			Member:       "tensorflow_inception_graph.pb",
			Spec:         models.Spec{InputNode: "input", PixelScale: 1, PixelOffset: -117},
			Layers:       inception5hLayers,
			DefaultLayer: "mixed4c",
		},
	}
}

// Lookup finds a registry entry by name.
func Lookup(name string) (Entry, error) {
	var names []string
	for _, e := range Registry() {
		if e.Name == name {
			return e, nil
		}
		names = append(names, e.Name)
	}
	sort.Strings(names)
	return Entry{}, fmt.Errorf("unknown model %q (known: %s; or pass a GraphDef file ending in .pb)", name, strings.Join(names, ", "))
}

// Model is an opened network: its graph, input contract and layers.
type Model struct {
	Name  string
	Graph *graphdef.Graph
	Spec  models.Spec
	// Layers worth dreaming on (empty for user files: every node is allowed).
	Layers       []string
	DefaultLayer string
}

// Source says which model to open.
type Source struct {
	// Name is a registry name or a path to a frozen GraphDef (.pb).
	Name string
	// Overrides for user GraphDefs (and, if set, for registry models).
	InputNode   string
	PixelScale  float32
	PixelOffset *float32
	// CacheDir holds downloaded models; empty means the user cache directory.
	CacheDir string
}

// IsFile reports whether a model name refers to a file rather than the registry.
func IsFile(name string) bool {
	return strings.HasSuffix(strings.ToLower(name), ".pb") || strings.ContainsRune(name, os.PathSeparator)
}

// DefaultCacheDir is where downloaded models live: $XDG_CACHE_HOME/deepdream
// or the platform's equivalent.
func DefaultCacheDir() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory for downloaded models (set XDG_CACHE_HOME): %w", err)
	}
	return filepath.Join(d, "deepdream", "models"), nil
}

// CachedPath is where a downloadable entry's GraphDef is stored.
func CachedPath(cacheDir string, e Entry) string {
	return filepath.Join(cacheDir, e.Name, e.Member)
}

// Open loads a model.
func Open(src Source) (*Model, error) {
	name := src.Name
	if name == "" {
		name = DefaultModel
	}
	var (
		data []byte
		m    = &Model{Name: name}
		err  error
	)
	if IsFile(name) {
		data, err = os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("model file: %w", err)
		}
		m.Spec = models.Spec{InputNode: "input", PixelScale: 1}
	} else {
		e, err := Lookup(name)
		if err != nil {
			return nil, err
		}
		m.Spec, m.Layers, m.DefaultLayer = e.Spec, e.Layers, e.DefaultLayer
		if e.Builtin() {
			data = e.Embedded()
		} else {
			dir := src.CacheDir
			if dir == "" {
				if dir, err = DefaultCacheDir(); err != nil {
					return nil, err
				}
			}
			data, err = os.ReadFile(CachedPath(dir, e))
			if errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("model %s is not downloaded yet; run `deepdream models fetch %s`", e.Name, e.Name)
			}
			if err != nil {
				return nil, fmt.Errorf("model %s: %w", e.Name, err)
			}
		}
	}
	if src.InputNode != "" {
		m.Spec.InputNode = src.InputNode
	}
	if src.PixelScale != 0 {
		m.Spec.PixelScale = src.PixelScale
	}
	if src.PixelOffset != nil {
		m.Spec.PixelOffset = *src.PixelOffset
	}
	if err := m.Spec.Validate(); err != nil {
		return nil, err
	}
	m.Graph, err = graphdef.Decode(data)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", name, err)
	}
	in := m.Graph.Node(m.Spec.InputNode)
	if in == nil {
		return nil, fmt.Errorf("model %s has no input node %q (set it with --input-node)", name, m.Spec.InputNode)
	}
	return m, nil
}
