package media

import (
	"strconv"
	"strings"
	"time"
)

// dreamCommentPrefix starts the comment deepdream video stores in its
// output's metadata.
const dreamCommentPrefix = "deepdream video start="

// DreamComment is the metadata comment of a dreamed clip that starts at
// start in its source (EncodeOptions.Comment), so that a later measurement
// (deepdream stability) compares the same part of the source.
func DreamComment(start time.Duration) string {
	return dreamCommentPrefix + strconv.FormatFloat(start.Seconds(), 'f', 6, 64)
}

// ParseDreamComment reads the start back from a DreamComment (Info.Comment);
// ok is false for any other comment.
func ParseDreamComment(comment string) (start time.Duration, ok bool) {
	rest, ok := strings.CutPrefix(comment, dreamCommentPrefix)
	if !ok {
		return 0, false
	}
	v, err := parseFiniteSeconds(rest)
	if err != nil {
		return 0, false
	}
	return time.Duration(v * float64(time.Second)), true
}

func parseFiniteSeconds(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || v < 0 || v > 1e9 {
		return 0, strconv.ErrRange
	}
	return v, nil
}
