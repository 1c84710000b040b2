package media

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Rational is an exact ratio such as a frame rate (30000/1001) or a sample
// aspect ratio (748/747). The zero value means "unknown / not set".
type Rational struct {
	Num, Den int
}

// ParseRational parses "num/den", "num:den" or a plain integer. It returns
// an error for malformed text; "0/0" and "N/A" yield the zero Rational.
func ParseRational(s string) (Rational, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "N/A" || s == "0/0" || s == "0:0" {
		return Rational{}, nil
	}
	sep := strings.IndexAny(s, "/:")
	if sep < 0 {
		n, err := strconv.Atoi(s)
		if err != nil {
			return Rational{}, fmt.Errorf("parse rational %q: %w", s, err)
		}
		return Rational{n, 1}.Reduce(), nil
	}
	n, err := strconv.Atoi(s[:sep])
	if err != nil {
		return Rational{}, fmt.Errorf("parse rational %q: %w", s, err)
	}
	d, err := strconv.Atoi(s[sep+1:])
	if err != nil {
		return Rational{}, fmt.Errorf("parse rational %q: %w", s, err)
	}
	if d == 0 {
		return Rational{}, nil
	}
	return Rational{n, d}.Reduce(), nil
}

// Valid reports whether r is a positive, finite ratio.
func (r Rational) Valid() bool { return r.Num > 0 && r.Den > 0 }

// Float64 returns r as a float (0 for an invalid ratio).
func (r Rational) Float64() float64 {
	if r.Den == 0 {
		return 0
	}
	return float64(r.Num) / float64(r.Den)
}

// String formats r as "num/den", the form ffmpeg accepts for rates.
func (r Rational) String() string { return fmt.Sprintf("%d/%d", r.Num, r.Den) }

// Reduce returns r in lowest terms with a positive denominator.
func (r Rational) Reduce() Rational {
	if r.Den == 0 {
		return Rational{}
	}
	if r.Den < 0 {
		r.Num, r.Den = -r.Num, -r.Den
	}
	g := gcd(abs(r.Num), r.Den)
	if g > 1 {
		r.Num /= g
		r.Den /= g
	}
	return r
}

// FrameDuration returns the length of n frames at rate r, in seconds.
func (r Rational) FrameDuration(n int) float64 {
	if !r.Valid() {
		return 0
	}
	return float64(n) * float64(r.Den) / float64(r.Num)
}

// close reports whether a and b differ by less than rel (relative).
func (r Rational) close(o Rational, rel float64) bool {
	a, b := r.Float64(), o.Float64()
	if a == 0 || b == 0 {
		return false
	}
	return math.Abs(a-b)/math.Max(a, b) < rel
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func abs(a int) int {
	if a < 0 {
		return -a
	}
	return a
}
