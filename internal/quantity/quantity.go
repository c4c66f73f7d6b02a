package quantity

import (
	"fmt"
	"math"
	"math/big"
	"strings"
	"time"
)

// Error is a value that is not a quantity of its kind.
type Error struct {
	Quantity string // what was being read: "memory quantity", "CPU quantity", "percentage", "number", "duration"
	Value    string // as written
	Reason   string // what is wrong: "is not a number", "is negative", "is too large", ...
	Allowed  string // what to write instead
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s %q %s: %s", e.Quantity, e.Value, e.Reason, e.Allowed)
}

// Bounds on the text of a number, so that reading one stays cheap and every
// result stays far from float64's limits.
const (
	MaxExponent = 100 // of the decimal exponent: 1e100 at most
	MaxLength   = 64  // characters of the number, unit excluded
)

// unit is a suffix and what one of it is worth in the result's unit.
type unit struct {
	suffix string
	scale  *big.Rat
}

// kind is one sort of quantity: its units, longest suffix first, with ""
// for a bare number when allowed.
type kind struct {
	name    string
	units   []unit
	allowed string
}

func bytesKind() kind {
	return kind{name: "memory quantity",
		units: []unit{{"Ki", big.NewRat(1<<10, 1)}, {"Mi", big.NewRat(1<<20, 1)}, {"Gi", big.NewRat(1<<30, 1)}, {"Ti", big.NewRat(1<<40, 1)},
			{"k", big.NewRat(1e3, 1)}, {"M", big.NewRat(1e6, 1)}, {"G", big.NewRat(1e9, 1)}, {"T", big.NewRat(1e12, 1)}, {"", big.NewRat(1, 1)}},
		allowed: `use a whole number of bytes ≥ 0, or a number with Ki, Mi, Gi, Ti (powers of 1024) or k, M, G, T (powers of 1000), e.g. "512Mi"`}
}

// coresKind reads CPU in units of 1/perCore of a core.
func coresKind(perCore int64) kind {
	return kind{name: "CPU quantity", units: []unit{{"m", big.NewRat(perCore, 1000)}, {"", big.NewRat(perCore, 1)}},
		allowed: `use cores ("1", "0.5") or millicores ("500m"), ≥ 0`}
}

func percentKind() kind {
	return kind{name: "percentage", units: []unit{{"%", big.NewRat(1, 1)}}, allowed: `use a number ≥ 0 followed by %, e.g. "0.5%"`}
}

func numberKind() kind {
	return kind{name: "number", units: []unit{{"", big.NewRat(1, 1)}}, allowed: `use a decimal number ≥ 0, e.g. "1000" or "2.5"`}
}

// Bytes reads a memory quantity as Kubernetes writes it: a whole number of
// bytes, or a number with Ki, Mi, Gi, Ti (powers of 1024) or k, M, G, T
// (powers of 1000) that comes to a whole number of bytes ("1.5Ki" is 1536,
// "0.5" is refused), at most math.MaxInt64.
func Bytes(s string) (int64, error) {
	k := bytesKind()
	r, err := k.parse(s)
	if err != nil {
		return 0, err
	}
	switch {
	case !r.IsInt():
		return 0, k.error(s, "is not a whole number of bytes")
	case !r.Num().IsInt64():
		return 0, k.error(s, fmt.Sprintf("is too large (at most %d bytes)", int64(math.MaxInt64)))
	}
	return r.Num().Int64(), nil
}

// Cores reads a CPU quantity as Kubernetes writes it, in cores: "1.5" is one
// and a half cores, "500m" half a core.
func Cores(s string) (float64, error) { return coresKind(1).float(s) }

// Millicores reads a CPU quantity as Cores does, in thousandths of a core:
// "500m" is 500, "0.1" is 100.
func Millicores(s string) (float64, error) { return coresKind(1000).float(s) }

// Percent reads a number followed by a percent sign, "12.5%", as 12.5. It
// sets no upper bound: a relative change may exceed 100%.
func Percent(s string) (float64, error) { return percentKind().float(s) }

// Number reads a bare decimal number ≥ 0, such as a rate in requests per
// second.
func Number(s string) (float64, error) { return numberKind().float(s) }

// Duration reads a Go duration ("5ms", "1.5s") that is not negative.
func Duration(s string) (time.Duration, error) {
	bad := func(reason string) error {
		return &Error{Quantity: "duration", Value: s, Reason: reason, Allowed: `use a Go duration ≥ 0, e.g. "300us", "5ms" or "1.5s"`}
	}
	d, err := time.ParseDuration(strings.TrimSpace(s))
	switch {
	case err != nil:
		return 0, bad("is not a duration (or is beyond ±290 years)")
	case d < 0:
		return 0, bad("is negative")
	}
	return d, nil
}

func (k kind) error(s, reason string) error {
	return &Error{Quantity: k.name, Value: s, Reason: reason, Allowed: k.allowed}
}

// float reads s and rounds it once to the nearest float64.
func (k kind) float(s string) (float64, error) {
	r, err := k.parse(s)
	if err != nil {
		return 0, err
	}
	f, _ := r.Float64()
	if math.IsInf(f, 0) { // unreachable within MaxExponent; kept so no Inf ever leaves
		return 0, k.error(s, "is too large")
	}
	return f, nil
}

// parse reads s, a number and one of k's suffixes, exactly.
func (k kind) parse(s string) (*big.Rat, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return nil, k.error(s, "is empty")
	}
	num, u, ok := k.split(t)
	if !ok {
		return nil, k.error(s, "has no unit it allows")
	}
	negative := false
	if rest, ok := strings.CutPrefix(num, "-"); ok {
		num, negative = rest, true
	}
	if len(num) > MaxLength {
		return nil, k.error(s, fmt.Sprintf("is longer than %d characters", MaxLength))
	}
	if reason := checkDecimal(num); reason != "" {
		return nil, k.error(s, reason)
	}
	r, ok := new(big.Rat).SetString(num)
	if !ok { // unreachable: checkDecimal admits only what SetString reads
		return nil, k.error(s, "is not a number")
	}
	if negative && r.Sign() != 0 {
		return nil, k.error(s, "is negative")
	}
	return r.Mul(r, u.scale), nil
}

// split cuts the longest unit suffix of k off t. A bare number uses the ""
// unit, when k has one.
func (k kind) split(t string) (string, unit, bool) {
	var bare *unit
	for i, u := range k.units {
		if u.suffix == "" {
			bare = &k.units[i]
			continue
		}
		if num, ok := strings.CutSuffix(t, u.suffix); ok {
			return num, u, true
		}
	}
	if bare == nil {
		return "", unit{}, false
	}
	return t, *bare, true
}

// checkDecimal returns why num is not digits[.digits][e[+-]digits] (with a
// digit on at least one side of the point and the exponent within
// ±MaxExponent), or "" when it is.
func checkDecimal(num string) string {
	i, digits := 0, 0
	for i < len(num) && isDigit(num[i]) {
		i, digits = i+1, digits+1
	}
	if i < len(num) && num[i] == '.' {
		i++
		for i < len(num) && isDigit(num[i]) {
			i, digits = i+1, digits+1
		}
	}
	if digits == 0 {
		return "is not a number"
	}
	if i < len(num) && (num[i] == 'e' || num[i] == 'E') {
		i++
		neg := false
		if i < len(num) && (num[i] == '+' || num[i] == '-') {
			neg = num[i] == '-'
			i++
		}
		start, exp := i, 0
		for i < len(num) && isDigit(num[i]) {
			if exp <= MaxExponent {
				exp = exp*10 + int(num[i]-'0')
			}
			i++
		}
		if i == start {
			return "is not a number"
		}
		if exp > MaxExponent {
			if neg {
				return fmt.Sprintf("has an exponent below -%d", MaxExponent)
			}
			return fmt.Sprintf("is too large (exponent above %d)", MaxExponent)
		}
	}
	if i != len(num) {
		return "is not a number"
	}
	return ""
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
