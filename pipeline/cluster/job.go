package cluster

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/deepdream-go/deepdream/dream"
	"github.com/deepdream-go/deepdream/pipeline"
	"github.com/deepdream-go/deepdream/pipeline/media"
)

// Job is one clip rendered as parts.
type Job struct {
	// Video is the whole job, as `deepdream video` would run it: its Output
	// is the joined file; Part must be nil. Its Force discards the parts of
	// another job in the parts folder.
	Video pipeline.VideoOptions
	// Plan shapes the parts (its Cuts are filled in by the survey).
	Plan PlanOptions
	// NewDetector returns a fresh scene-cut detector; nil: no cut detection
	// (parts split evenly).
	NewDetector func() CutDetector
}

// PartsDir is the folder beside output that holds its parts.
func PartsDir(output string) string { return filepath.Clean(output) + ".parts" }

// PartDir is the folder of part k.
func PartDir(output string, k int) string {
	return filepath.Join(PartsDir(output), "part-"+strconv.Itoa(10000 + k)[1:])
}

// partCheckpoint is the work folder a running or interrupted part keeps
// (pipeline's checkpoint beside its output folder).
func partCheckpoint(output string, k int) string {
	d := PartDir(output, k)
	return filepath.Join(filepath.Dir(d), "."+filepath.Base(d)+".deepdream")
}

const planName = "plan.json"
const planVersion = 1

// Manifest is the plan of a parts folder (plan.json): the job that every
// part must belong to, and what the join needs without the job's flags.
type Manifest struct {
	Version int `json:"version"`
	// Key identifies the job and the plan; a part of another job refuses
	// to join this folder.
	Key   string `json:"key"`
	Input string `json:"input"`
	// InputFingerprint is pipeline.InputFingerprint of the input.
	InputFingerprint string              `json:"input_fingerprint"`
	Output           string              `json:"output"`
	Width            int                 `json:"width"`
	Height           int                 `json:"height"`
	FrameRate        media.Rational      `json:"frame_rate"`
	Format           media.Format        `json:"format"`
	CRF              int                 `json:"crf,omitempty"`
	Decode           media.DecodeOptions `json:"decode"`
	Plan             Plan                `json:"plan"`
	// PartKeys are the pipeline.VideoJobKey of each part's job.
	PartKeys []string `json:"part_keys"`
}

// Prepare surveys the clip, makes the plan and returns the manifest every
// part of this job must agree on. It renders nothing.
func (j *Job) Prepare(ctx context.Context) (*Manifest, error) {
	v := j.Video
	if v.Part != nil {
		return nil, errors.New("cluster: the job's video options must not hold a part range")
	}
	format, err := media.FormatFromPath(v.Output)
	if err != nil {
		return nil, err
	}
	if _, err := media.SegmentFormat(format); err != nil {
		return nil, fmt.Errorf("parts can only be joined into a video file (.mp4 .mov .mkv .webm), not %s", v.Output)
	}
	fp, err := pipeline.InputFingerprint(v.Input)
	if err != nil {
		return nil, fmt.Errorf("input: %w", err)
	}
	whole, err := pipeline.VideoJobKey(v)
	if err != nil {
		return nil, err
	}
	dopt := v.Decode
	dopt.Logger = v.Logger
	var det CutDetector
	if j.NewDetector != nil {
		det = j.NewDetector()
	}
	clip, err := Survey(ctx, v.Input, dopt, det)
	if err != nil {
		return nil, err
	}
	popt := j.Plan
	popt.Cuts = clip.Cuts
	plan, err := NewPlan(clip.Frames, popt)
	if err != nil {
		return nil, err
	}
	abs, _ := filepath.Abs(v.Input)
	m := &Manifest{Version: planVersion, Input: abs, InputFingerprint: fp,
		Output: filepath.Clean(v.Output), Width: clip.Width, Height: clip.Height, FrameRate: clip.FrameRate,
		Format: format, CRF: v.CRF, Decode: v.Decode, Plan: *plan}
	m.Decode.Info, m.Decode.Logger = nil, nil
	for k := range plan.Parts {
		o := j.partOptions(m, k)
		key, err := pipeline.VideoJobKey(o)
		if err != nil {
			return nil, err
		}
		m.PartKeys = append(m.PartKeys, key)
	}
	blob, _ := json.Marshal(struct {
		Whole string
		Plan  Plan
	}{whole, *plan})
	sum := sha256.Sum256(blob)
	m.Key = hex.EncodeToString(sum[:])
	return m, nil
}

// partOptions is the video job of part k.
func (j *Job) partOptions(m *Manifest, k int) pipeline.VideoOptions {
	q := m.Plan.Parts[k]
	o := j.Video
	o.Output = PartDir(m.Output, k)
	o.Part = &pipeline.PartRange{From: q.From(), Warmup: q.Warmup, Head: q.Head, Body: q.Body(), Tail: q.Tail, Format: m.Format}
	o.MeasureStability = false
	return o
}

// PartResult says what RunPart did.
type PartResult struct {
	Index, Parts int
	// Done is set when the part was already finished (a retried task).
	Done  bool
	Video *pipeline.VideoResult
}

// RunPart renders part k of the job into PartDir(output, k). It is
// idempotent: a finished part is left alone, and an interrupted one (a
// killed worker) is resumed from its checkpoint, giving the same frames.
// Every part checks the plan of the parts folder: a part of another job
// (another input or other settings) is refused with a message that names it.
func (j *Job) RunPart(ctx context.Context, net dream.Network, m *Manifest, k int) (*PartResult, error) {
	n := len(m.Plan.Parts)
	if k < 0 || k >= n {
		return nil, fmt.Errorf("part %d is outside 0..%d", k, n-1)
	}
	if err := j.claim(m); err != nil {
		return nil, err
	}
	res := &PartResult{Index: k, Parts: n}
	dir := PartDir(m.Output, k)
	if pm, err := pipeline.ReadPartManifest(dir); err == nil && pm.Key == m.PartKeys[k] && pm.Verify(dir) == nil {
		res.Done = true
		return res, nil
	}
	o := j.partOptions(m, k)
	// A folder without a valid manifest, or one of another job, is
	// replaced: the plan says this slot is ours.
	if err := os.RemoveAll(dir); err != nil {
		return nil, fmt.Errorf("part %d of %d: remove the old %s: %w", k, n, dir, err)
	}
	if _, err := os.Stat(partCheckpoint(m.Output, k)); err == nil {
		o.Resume = true
	}
	vr, err := pipeline.RunVideo(ctx, net, o)
	var re *pipeline.ResumeError
	if errors.As(err, &re) {
		// A checkpoint of another part job in this slot (from an older
		// plan): the plan has been checked, so it is discarded.
		o.Resume, o.Force = false, true
		vr, err = pipeline.RunVideo(ctx, net, o)
	}
	if err != nil {
		return nil, fmt.Errorf("part %d of %d: %w", k, n, err)
	}
	res.Video = vr
	return res, nil
}

// claim writes the plan into the parts folder, or checks that the plan
// already there is the same job's.
func (j *Job) claim(m *Manifest) error {
	dir := PartsDir(m.Output)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("parts folder: %w", err)
	}
	path := filepath.Join(dir, planName)
	if old, err := ReadManifest(m.Output); err == nil {
		if old.Key == m.Key {
			return nil
		}
		if !j.Video.Force {
			return fmt.Errorf("%s holds the parts of another job (input %s, or other settings or part count); run every part with the same command, or add --force to discard them", dir, old.Input)
		}
	} else if !errors.Is(err, os.ErrNotExist) && !j.Video.Force {
		return fmt.Errorf("%w; add --force to start the parts over", err)
	}
	b, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".plan-*.json")
	if err != nil {
		return fmt.Errorf("parts folder: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("parts folder: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("parts folder: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("parts folder: %w", err)
	}
	if j.Video.Force {
		return os.Rename(tmp.Name(), path)
	}
	// Create-if-absent, atomically, also when parts start at once: the
	// first writer wins and the others compare against its plan.
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, os.ErrExist) {
			return j.claim(m)
		}
		return fmt.Errorf("parts folder: %w", err)
	}
	return nil
}

// ReadManifest reads the plan of output's parts folder.
func ReadManifest(output string) (*Manifest, error) {
	path := filepath.Join(PartsDir(output), planName)
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("%s is damaged (%v)", path, err)
	}
	if m.Version != planVersion || len(m.PartKeys) != len(m.Plan.Parts) || len(m.Plan.Parts) == 0 {
		return nil, fmt.Errorf("%s was written by another version of deepdream or is damaged", path)
	}
	return &m, nil
}
