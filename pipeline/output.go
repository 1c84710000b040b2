package pipeline

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/deepdream-go/deepdream/pipeline/media"
)

// output is where a job writes: a temporary name beside the final one,
// renamed into place only when the job succeeds.
type output struct {
	final, temp string
	format      media.Format
}

// prepareOutput checks the target before any work: the format is known, the
// target is not the input, and an existing target is only replaced with force.
func prepareOutput(input, final string, force bool) (*output, error) {
	format, err := media.FormatFromPath(final)
	if err != nil {
		return nil, err
	}
	clean := filepath.Clean(final)
	o := &output{final: clean, format: format}
	dir, base := filepath.Dir(clean), filepath.Base(clean)
	if format == media.FormatPNG {
		o.temp = filepath.Join(dir, "."+base+".partial")
	} else {
		ext := filepath.Ext(base)
		o.temp = filepath.Join(dir, "."+strings.TrimSuffix(base, ext)+".partial"+ext)
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("output folder %s does not exist", dir)
	}
	if oi, err := os.Stat(clean); err == nil {
		if input != "" {
			if ii, err := os.Stat(input); err == nil && os.SameFile(ii, oi) {
				return nil, fmt.Errorf("output %s is the input; choose another name", final)
			}
		}
		if !force {
			return nil, &ExistsError{Output: final}
		}
		if format == media.FormatPNG {
			if entries, err := os.ReadDir(clean); err == nil && len(entries) > 0 && !onlyFrames(entries) {
				return nil, fmt.Errorf("output folder %s holds files that are not deepdream frames; choose an empty or new folder", final)
			}
		}
	}
	if err := os.RemoveAll(o.temp); err != nil {
		return nil, fmt.Errorf("remove stale %s: %w", o.temp, err)
	}
	return o, nil
}

// prepareJobOutput is prepareOutput for a job that checkpoints: --resume may
// finish a job whose output was not written yet, but must not silently
// replace a finished file that has no checkpoint.
func prepareJobOutput(input, final string, force, resume bool) (*output, error) {
	out, err := prepareOutput(input, final, force || resume)
	if err != nil {
		return nil, err
	}
	if resume && !force {
		if _, err := os.Stat(workDirFor(out.final)); err != nil {
			if _, err := os.Stat(out.final); err == nil {
				return nil, &ExistsError{Output: final, NoCheckpoint: true}
			}
		}
	}
	return out, nil
}

// ExistsError reports an output that exists and is replaced only on
// request (Force).
type ExistsError struct {
	Output string
	// NoCheckpoint is set when a resume was asked for but the output has
	// no checkpoint: it is a finished output, not an interrupted one.
	NoCheckpoint bool
}

func (e *ExistsError) Error() string {
	if e.NoCheckpoint {
		return fmt.Sprintf("output %s exists and there is no checkpoint to resume; set Force to replace it", e.Output)
	}
	return fmt.Sprintf("output %s exists; set Force to replace it", e.Output)
}

func onlyFrames(entries []os.DirEntry) bool {
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "frame_") || !strings.HasSuffix(e.Name(), ".png") {
			return false
		}
	}
	return true
}

// commit moves the finished temporary output into place.
func (o *output) commit() error {
	if o.format == media.FormatPNG {
		if err := os.RemoveAll(o.final); err != nil {
			return fmt.Errorf("replace %s: %w", o.final, err)
		}
	}
	if err := os.Rename(o.temp, o.final); err != nil {
		return fmt.Errorf("move output into place: %w", err)
	}
	return nil
}

// discard removes the temporary output.
func (o *output) discard() {
	os.RemoveAll(o.temp)
}
