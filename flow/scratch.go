package flow

// scratch recycles large buffers: a buffer handed back with put serves a
// later get of the same or a somewhat smaller size, so that the second
// direction of a bidirectional call, the later passes of a refinement and,
// in an Estimator, the later frames of a sequence work in memory that is
// already mapped instead of asking the runtime for fresh, zeroed (and
// page-faulted) memory each time. It belongs to one call of Compute or
// ComputeBidirectional, or to an Estimator, and is used by one goroutine at
// a time (never inside the parallel workers); a nil *scratch simply
// allocates.
type scratch struct {
	free  [][]float32 // float32 buffers, any size
	flags []bool      // refine's inside mask
	sums  []uint8     // the trust weights' row sums
}

// get returns a buffer of n values with unspecified contents: the smallest
// free one that is large enough but not more than twice as large, or a new
// one. (Handing out a much larger buffer would tie it up in a small plane,
// possibly for the life of a Frame, and leave the next large request to a
// new allocation.)
func (s *scratch) get(n int) []float32 {
	if s == nil {
		return make([]float32, n)
	}
	best := -1
	for k, b := range s.free {
		if c := cap(b); c >= n && c <= 2*n && (best < 0 || c < cap(s.free[best])) {
			best = k
		}
	}
	if best < 0 {
		return make([]float32, n)
	}
	b := s.free[best][:n]
	last := len(s.free) - 1
	s.free[best] = s.free[last]
	s.free[last] = nil
	s.free = s.free[:last]
	return b
}

// zeros returns a cleared buffer of n values.
func (s *scratch) zeros(n int) []float32 {
	if s == nil {
		return make([]float32, n)
	}
	b := s.get(n)
	clear(b)
	return b
}

// put hands buffers back for reuse; the caller must not use them again.
func (s *scratch) put(bufs ...[]float32) {
	if s == nil {
		return
	}
	for _, b := range bufs {
		if cap(b) > 0 {
			s.free = append(s.free, b[:0])
		}
	}
}

// plane returns a w x h plane with unspecified contents.
func (s *scratch) plane(w, h int) *plane { return &plane{w: w, h: h, p: s.get(w * h)} }

// putPlanes hands planes back for reuse (nil ones are skipped).
func (s *scratch) putPlanes(ps ...*plane) {
	for _, p := range ps {
		if p != nil {
			s.put(p.p)
		}
	}
}

// flagBuf returns n flags with unspecified contents; the buffer stays
// owned by s and is handed out again by the next call.
func (s *scratch) flagBuf(n int) []bool {
	if s == nil {
		return make([]bool, n)
	}
	return regrown(&s.flags, n)
}

// sumBuf returns n bytes with unspecified contents for the row sums of
// trustWeights; the buffer stays owned by s and is handed out again by the
// next call.
func (s *scratch) sumBuf(n int) []uint8 {
	if s == nil {
		return make([]uint8, n)
	}
	return regrown(&s.sums, n)
}

// regrown returns *b resliced to n values, reallocated only when too
// small; its contents are unspecified.
func regrown[T any](b *[]T, n int) []T {
	if cap(*b) < n {
		*b = make([]T, n)
	}
	*b = (*b)[:n]
	return *b
}
