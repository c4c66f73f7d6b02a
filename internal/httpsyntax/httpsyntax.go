// Package httpsyntax holds the HTTP/1.1 grammar's small pieces (RFC 9110
// and RFC 9112) that both ends of meshperf parse: the load generator's
// response parser and the echo app's request parser. Each works on bytes
// without allocating, and each says exactly what it accepts.
package httpsyntax

import "strings"

// delimiters are the visible characters that may not appear in a token
// (RFC 9110, section 5.6.2).
const delimiters = `"(),/:;<=>?@[\]{}`

// IsTokenChar reports whether c may appear in a token: a visible ASCII
// character other than a delimiter (RFC 9110, section 5.6.2).
func IsTokenChar(c byte) bool {
	return ' ' < c && c < 0x7f && strings.IndexByte(delimiters, c) < 0
}

// IsToken reports whether s is a non-empty token: a header name, a method,
// a transfer coding.
func IsToken[S ~string | ~[]byte](s S) bool {
	for i := range len(s) {
		if !IsTokenChar(s[i]) {
			return false
		}
	}
	return len(s) > 0
}

// IsFieldValue reports whether b holds only visible characters, spaces,
// tabs and obs-text (bytes 0x80–0xff), as a field value may (RFC 9110,
// section 5.5). Control characters, NUL and DEL are refused.
func IsFieldValue(b []byte) bool {
	for _, c := range b {
		if (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// TrimOWS trims optional whitespace (spaces and horizontal tabs) from both
// ends of b.
func TrimOWS(b []byte) []byte {
	for len(b) > 0 && isOWS(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isOWS(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

func isOWS(c byte) bool { return c == ' ' || c == '\t' }

// EqualFold reports whether b equals lower, ignoring ASCII case; lower must
// be lower-case ASCII. Header names and codings compare this way.
func EqualFold(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// IsDigit reports whether c is an ASCII decimal digit.
func IsDigit(c byte) bool { return '0' <= c && c <= '9' }

// Unhex returns the value of the hexadecimal digit c.
func Unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// MaxChunkLimit is the largest limit ParseChunkSize takes: 2^58 bytes, far
// above any body either end reads, and low enough that the parse cannot
// overflow.
const MaxChunkLimit = 1 << 58

// ParseChunkSize parses a chunk-size line, "HEX[ BWS][;ext...]" (RFC 9112,
// section 7.1), ignoring the extensions. Sizes above limit come back as
// limit+1, however many digits they have, so that the caller can refuse
// them as too large rather than as malformed. limit is taken within
// [0, MaxChunkLimit].
func ParseChunkSize(line []byte, limit int64) (int64, bool) {
	limit = max(0, min(limit, MaxChunkLimit))
	var n int64
	i := 0
	for ; i < len(line); i++ {
		d, ok := Unhex(line[i])
		if !ok {
			break
		}
		if n <= limit {
			n = n<<4 | int64(d)
		}
	}
	if i == 0 {
		return 0, false
	}
	for ; i < len(line) && isOWS(line[i]); i++ {
	}
	if i < len(line) && line[i] != ';' {
		return 0, false
	}
	return min(n, limit+1), true
}
