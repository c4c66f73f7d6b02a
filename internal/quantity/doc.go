// Package quantity owns the one parser of the numbers, with or without a
// unit, that meshperf reads from people: command-line flags (-cpu-limit,
// -mem-limit, -qps, -tolerance, ...), budgets ("sidecar_mem<128Mi") and
// compare thresholds ("p99>+10%").
//
// A quantity is a plain decimal number (digits, an optional fraction, an
// optional exponent from e-100 to e+100, 64 characters at most) followed by
// one of its kind's unit suffixes. NaN, Inf, hex, underscores and signs are
// not numbers here; a negative value is refused as negative, and a value its
// type cannot hold is refused as too large, never clamped. Numbers are read
// exactly (as rationals) and scaled by their unit before the one rounding to
// the result type, so "100m" is exactly the float64 nearest 0.1 and "1.5Ki"
// is 1536. Every error is an *Error that names the value and what is
// allowed.
package quantity
